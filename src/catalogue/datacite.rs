//! DataCite REST API: `GET /dois?query=` to search DOIs and `GET /dois/{doi}`
//! for one DOI's citation metadata (JSON:API, `data.attributes`).

use std::time::Duration;

use serde_json::Value as J;

use super::query::Filter;
use super::{Access, Catalogue, CatalogueError, Creator, Dataset, SearchPage, SearchQuery};
use crate::runtime::BoxFuture;

const TIMEOUT: Duration = Duration::from_secs(20);

/// The public DataCite REST API.
pub const PUBLIC_API: &str = "https://api.datacite.org";
/// The DataCite kind of source.
pub const KIND: super::KindSpec = super::KindSpec {
    id: "datacite",
    label: "DataCite",
    local: false,
    place: None,
    connect: |cfg, auth| {
        let mut c = DataCite::new(&cfg.id, &cfg.name, &cfg.url)?;
        c.ep.auth = auth;
        Ok(std::sync::Arc::new(c))
    },
    // Years only: DataCite is sent publication years; days are checked here.
    expresses: |f| matches!(f, Filter::After(d) | Filter::Before(d) if d.len() == 4),
};

pub struct DataCite {
    pub(crate) ep: super::Endpoint,
}

fn text(v: &J) -> Option<String> {
    match v {
        J::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        // Newer records give some fields as `{ "name": … }` objects.
        J::Object(o) => o.get("name").and_then(text),
        _ => None,
    }
}

fn list<'a>(a: &'a J, key: &str) -> impl Iterator<Item = &'a J> {
    a.get(key).and_then(J::as_array).into_iter().flatten()
}

/// A size as DataCite records write it (`33kB`, `1.2 MB`, `163638 Bytes`),
/// in bytes (decimal prefixes, as the records mean them). Page counts and
/// other sizes that are no byte count give none.
fn bytes_of(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number.parse().ok()?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "b" | "byte" | "bytes" => 1e0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return None,
    };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some((n * scale).round() as u64)
}

/// The files a record lists: its `HasPart` links to files, each with the
/// size that `sizes` gives for its name (`<name> - 33kB`). Links that repeat
/// are one file.
fn files_of(a: &J) -> Vec<super::DataFile> {
    let sizes: Vec<(String, u64)> = list(a, "sizes")
        .filter_map(J::as_str)
        .filter_map(|s| {
            let (name, size) = s.rsplit_once(" - ")?;
            Some((name.trim().to_owned(), bytes_of(size)?))
        })
        .collect();
    let mut files: Vec<super::DataFile> = Vec::new();
    for r in list(a, "relatedIdentifiers") {
        let has_part = r
            .get("relationType")
            .and_then(J::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("HasPart"));
        let is_url = r
            .get("relatedIdentifierType")
            .and_then(J::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("URL"));
        let Some(url) = r.get("relatedIdentifier").and_then(text) else {
            continue;
        };
        if !(has_part && is_url) || files.iter().any(|f| f.url.as_deref() == Some(&url)) {
            continue;
        }
        // The last segment of the link's path, its escapes decoded; a link
        // that names no file is no file.
        let Some(name) = url::Url::parse(&url).ok().and_then(|u| {
            let last = u.path_segments()?.next_back()?.to_owned();
            let name = percent_encoding::percent_decode_str(&last)
                .decode_utf8_lossy()
                .into_owned();
            (!name.is_empty()).then_some(name)
        }) else {
            continue;
        };
        let size = sizes.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
        files.push(super::DataFile {
            name,
            size,
            url: Some(url),
            ..super::DataFile::default()
        });
    }
    files
}

/// Map one DataCite REST record (`{data: {attributes}}`, or the data object,
/// or the attributes alone) into the common model. A record without a DOI is
/// an error.
pub fn map_record(record: &J, source: &str) -> Result<Dataset, String> {
    let a = record
        .pointer("/data/attributes")
        .or_else(|| record.get("attributes"))
        .unwrap_or(record);
    if !a.is_object() {
        return Err("the answer has no DOI record".into());
    }
    let doi = a.get("doi").and_then(text).ok_or("the record has no DOI")?;
    let creators = list(a, "creators")
        .filter_map(|c| {
            let name = c.get("name").and_then(text)?;
            let orcid = list(c, "nameIdentifiers")
                .find(|n| {
                    n.get("nameIdentifierScheme")
                        .and_then(J::as_str)
                        .is_some_and(|s| s.eq_ignore_ascii_case("orcid"))
                })
                .and_then(|n| n.get("nameIdentifier").and_then(text))
                .map(|o| o.rsplit('/').next().unwrap_or_default().to_owned());
            Some(Creator {
                name,
                orcid,
                affiliations: list(c, "affiliation").filter_map(text).collect(),
            })
        })
        .collect();
    let mut access = Access::Open;
    let mut license = None;
    for r in list(a, "rightsList") {
        let uri = r
            .get("rightsUri")
            .and_then(J::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        match uri.strip_prefix("info:eu-repo/semantics/") {
            Some("closedaccess" | "restrictedaccess") => access = Access::Restricted,
            Some("embargoedaccess") => {
                access = Access::Embargoed {
                    until: String::new(),
                }
            }
            Some(_) => {}
            None => {
                if license.is_none() {
                    license = r.get("rights").and_then(text);
                }
            }
        }
    }
    let date = |kind: &str| {
        list(a, "dates")
            .find(|d| {
                d.get("dateType")
                    .and_then(J::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case(kind))
            })
            .and_then(|d| d.get("date").and_then(text))
            .map(|d| d.chars().take(10).collect::<String>())
    };
    if let (Access::Embargoed { until }, Some(day)) = (&mut access, date("available")) {
        *until = day;
    }
    let created = date("issued").or_else(|| date("created")).or_else(|| {
        a.get("publicationYear").and_then(|y| match y {
            J::Number(n) => Some(n.to_string()),
            other => text(other),
        })
    });
    Ok(Dataset {
        id: doi.clone(),
        title: list(a, "titles")
            .find_map(|t| t.get("title").and_then(text))
            .unwrap_or_else(|| doi.clone()),
        creators,
        pid: Some(doi),
        description: list(a, "descriptions").find_map(|d| d.get("description").and_then(text)),
        license,
        access,
        facility: a.get("publisher").and_then(text),
        created,
        keywords: list(a, "subjects")
            .filter_map(|s| s.get("subject").and_then(text))
            .collect(),
        files: files_of(a),
        links: links_of(a),
        sources: vec![source.to_owned()],
        ..Dataset::default()
    })
}

/// The lineage a record's `relatedIdentifiers` give ([`super::Relation`]);
/// `HasPart` links to URLs are its files ([`files_of`]), not records.
fn links_of(a: &J) -> Vec<super::Link> {
    let mut links = Vec::new();
    for r in list(a, "relatedIdentifiers") {
        let Some(relation) = r
            .get("relationType")
            .and_then(J::as_str)
            .and_then(super::Relation::from_name)
        else {
            continue;
        };
        let is_url = r
            .get("relatedIdentifierType")
            .and_then(J::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("URL"));
        if relation == super::Relation::HasPart && is_url {
            continue;
        }
        if let Some(target) = r.get("relatedIdentifier").and_then(text) {
            super::lineage::add_links(&mut links, [super::Link::new(relation, &target)]);
        }
    }
    links
}

/// `10.5281/zenodo.1239` from `doi:10.…`, `https://doi.org/10.…` or the bare DOI.
pub fn bare_doi(s: &str) -> Option<String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let start = lower.find("10.")?;
    let prefix = &lower[..start];
    let ok = prefix.is_empty()
        || prefix == "doi:"
        || prefix.ends_with("doi.org/")
        || prefix.ends_with("dx.doi.org/");
    let doi = &t[start..];
    (ok && doi.contains('/')).then(|| doi.to_owned())
}

/// The structured query as DataCite's query string: the free text, and the
/// dates as `publicationYear:[a TO b]` (DataCite's years; the days are
/// checked here). The other filters are applied here on what it sends.
pub fn datacite_query(text: &str, filters: &[Filter]) -> String {
    let mut clauses = Vec::new();
    if let Some((begin, end)) = super::query::date_window(filters) {
        let year = |t: Option<String>| t.map_or("*".to_owned(), |t| t[..4].to_owned());
        clauses.push(format!(
            "publicationYear:[{} TO {}]",
            year(begin),
            year(end)
        ));
    }
    super::query::query_string(text, &clauses)
}

impl DataCite {
    pub fn new(id: &str, name: &str, base: &str) -> Result<Self, CatalogueError> {
        Ok(Self {
            ep: super::Endpoint::new(id, name, base, TIMEOUT)?,
        })
    }

    fn malformed(&self, detail: String) -> CatalogueError {
        CatalogueError::Malformed {
            source_name: self.ep.name.clone(),
            detail,
        }
    }

    pub async fn search_async(&self, q: &SearchQuery) -> Result<SearchPage, CatalogueError> {
        let size = if q.limit == 0 { 25 } else { q.limit.min(1000) };
        let req = self
            .ep
            .client
            .get(format!("{}/dois", self.ep.base))
            .query(&[
                ("query", datacite_query(&q.text, &q.filters)),
                ("page[size]", size.to_string()),
                // Pages of `size`, counted from 1.
                ("page[number]", (q.skip / size + 1).to_string()),
            ]);
        let answer: J = self.ep.get_json(req).await?;
        let rows = answer
            .get("data")
            .and_then(J::as_array)
            .ok_or_else(|| self.malformed("the answer has no data list".into()))?;
        let datasets: Vec<Dataset> = rows
            .iter()
            .filter_map(|r| map_record(r, &self.ep.id).ok())
            .collect();
        let total = answer.pointer("/meta/total").and_then(J::as_u64);
        let mut page = SearchPage::paged(&datasets, &q.facets, q.skip, size, rows.len(), total);
        if !q.facets.is_empty() {
            // The count is of every match, not of those the facets let through.
            page.total = Some(page.datasets.len() as u64);
        }
        Ok(page)
    }

    /// The citation metadata of one DOI.
    pub async fn lookup(&self, doi: &str) -> Result<Dataset, CatalogueError> {
        let bare = bare_doi(doi).ok_or_else(|| CatalogueError::Http {
            source_name: self.ep.name.clone(),
            status: 0,
            detail: format!("“{doi}” is not a DOI (it should look like 10.1234/abcd)"),
        })?;
        let req = self
            .ep
            .client
            .get(format!("{}/dois/{}", self.ep.base, bare));
        let record: J = self.ep.get_json(req).await.map_err(|e| match e {
            CatalogueError::Http { status: 404, .. } => CatalogueError::Http {
                source_name: self.ep.name.clone(),
                status: 404,
                detail: format!("DataCite knows no DOI {bare}; check it for typing errors"),
            },
            other => other,
        })?;
        map_record(&record, &self.ep.id).map_err(|d| self.malformed(d))
    }
}

impl Catalogue for DataCite {
    /// A PID as a phrase: a query string reads `/` as the start of a
    /// regular expression.
    fn pid_query(&self, pid: &str) -> String {
        let pid = super::datacite::bare_doi(pid).unwrap_or_else(|| pid.trim().to_owned());
        format!("\"{}\"", pid.replace('"', ""))
    }

    fn id(&self) -> &str {
        &self.ep.id
    }

    fn name(&self) -> &str {
        &self.ep.name
    }

    fn search<'a>(
        &'a self,
        query: &'a SearchQuery,
    ) -> BoxFuture<'a, Result<SearchPage, CatalogueError>> {
        Box::pin(self.search_async(query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dois_are_recognised_in_their_usual_spellings() {
        for s in [
            "10.5281/zenodo.1239",
            "doi:10.5281/zenodo.1239",
            "https://doi.org/10.5281/zenodo.1239",
            " http://dx.doi.org/10.5281/zenodo.1239 ",
        ] {
            assert_eq!(bare_doi(s).as_deref(), Some("10.5281/zenodo.1239"), "{s}");
        }
        for s in ["", "10.5281", "https://example.org/10.5281/x", "zenodo"] {
            assert_eq!(bare_doi(s), None, "{s}");
        }
    }

    #[test]
    fn a_parts_name_is_its_links_last_segment_decoded() {
        let a = serde_json::json!({
            "sizes": ["scan 1.h5 - 2 MB"],
            "relatedIdentifiers": [
                {"relationType": "HasPart", "relatedIdentifierType": "URL",
                 "relatedIdentifier": "https://example.org/d/scan%201.h5?download=1#top"},
                {"relationType": "HasPart", "relatedIdentifierType": "URL",
                 "relatedIdentifier": "https://example.org/"},
                {"relationType": "IsCitedBy", "relatedIdentifierType": "URL",
                 "relatedIdentifier": "https://example.org/paper.pdf"},
            ]
        });
        let files = files_of(&a);
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(files[0].name, "scan 1.h5");
        assert_eq!(files[0].size, Some(2_000_000));
    }

    #[test]
    fn sizes_read_as_the_records_write_them() {
        assert_eq!(bytes_of("33kB"), Some(33_000));
        assert_eq!(bytes_of("1.236 MB"), Some(1_236_000));
        assert_eq!(bytes_of("163638 Bytes"), Some(163_638));
        assert_eq!(bytes_of("4 pages"), None);
        assert_eq!(bytes_of("2170 data points"), None);
        assert_eq!(bytes_of(""), None);
    }

    /// The record of an ISIS (TOSCA) dataset at the University of Bath, as
    /// DataCite serves it: its files are its eight `HasPart` links (two of
    /// them, at different addresses, share a name), each sized by `sizes`;
    /// the paper's supplement (`IsDocumentedBy`) is none.
    #[test]
    fn a_records_parts_are_its_files_with_their_sizes() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/datacite/dois-10.15125_bath-00114.json"
        ))
        .expect("fixture");
        let d = map_record(&serde_json::from_str(&text).expect("json"), "d").expect("record");
        assert_eq!(d.files.len(), 8, "{:?}", d.files);
        assert_eq!(
            d.files[0].name,
            "DIFF-13055-13049-TE7_Carbon_160mbar_H2_77K-Reb.dat"
        );
        assert_eq!(d.files[0].size, Some(33_000));
        assert_eq!(d.total_size(), 255_000);
        assert!(d.files.iter().all(|f| f.url.is_some() && f.size.is_some()));
        assert!(!d.files.iter().any(|f| f.name.contains("Supplementary")));
        assert_eq!(d.creators[0].orcid.as_deref(), Some("0000-0001-8740-8284"));
    }

    #[test]
    fn bad_records_are_errors() {
        assert!(map_record(&serde_json::json!({"errors": []}), "d").is_err());
        assert!(map_record(&serde_json::json!([1, 2]), "d").is_err());
        assert!(
            map_record(
                &serde_json::json!({"data": {"attributes": {"titles": []}}}),
                "d"
            )
            .is_err()
        );
    }
}
