//! InvenioRDM (Zenodo, RODARE and any InvenioRDM): `GET /api/records?q=&size=&page=&sort=`.

use std::time::Duration;

use serde_json::Value as J;

use super::query::{AccessFilter, Filter};
use super::{
    Access, Catalogue, CatalogueError, Creator, DataFile, Dataset, SearchPage, SearchQuery,
};
use crate::runtime::BoxFuture;

const TIMEOUT: Duration = Duration::from_secs(20);
/// The InvenioRDM kind of source.
pub const KIND: super::KindSpec = super::KindSpec {
    id: "invenio",
    label: "InvenioRDM",
    local: false,
    place: None,
    connect: |cfg, auth| {
        let mut c = Invenio::new(&cfg.id, &cfg.name, &cfg.url)?;
        c.ep.auth = auth;
        Ok(std::sync::Arc::new(c))
    },
    expresses: |f| matches!(f, Filter::After(_) | Filter::Before(_) | Filter::Access(_)),
};

pub struct Invenio {
    pub(crate) ep: super::Endpoint,
}

fn s(v: &J, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::to_owned)
}

/// The lineage a record's `metadata.related_identifiers` give: each
/// `relation_type.id` (`isderivedfrom`, `ispartof`…) that is one of
/// [`super::Relation`], with its identifier.
fn links_of(md: &J) -> Vec<super::Link> {
    let mut links = Vec::new();
    for r in md
        .get("related_identifiers")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let relation = s(r, &["relation_type", "id"])
            .as_deref()
            .and_then(super::Relation::from_name);
        if let (Some(relation), Some(target)) = (relation, s(r, &["identifier"])) {
            super::lineage::add_links(&mut links, [super::Link::new(relation, &target)]);
        }
    }
    links
}

/// Map one InvenioRDM record into the common model.
pub fn map_record(r: &J, source: &str) -> Dataset {
    let md = r.get("metadata").unwrap_or(&J::Null);
    let creators = md
        .get("creators")
        .and_then(J::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let p = c.get("person_or_org").unwrap_or(&J::Null);
                    let orcid = p.get("identifiers").and_then(J::as_array).and_then(|ids| {
                        ids.iter()
                            .find(|i| i.get("scheme").and_then(J::as_str) == Some("orcid"))
                            .and_then(|i| s(i, &["identifier"]))
                    });
                    Creator {
                        name: s(p, &["name"]).unwrap_or_default(),
                        orcid,
                        affiliations: c
                            .get("affiliations")
                            .and_then(J::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| s(x, &["name"]).or_else(|| s(x, &["id"])))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let access = match (
        s(r, &["access", "record"]).as_deref(),
        r.pointer("/access/embargo/active").and_then(J::as_bool),
        s(r, &["access", "files"]).as_deref(),
    ) {
        (_, Some(true), _) => Access::Embargoed {
            until: s(r, &["access", "embargo", "until"]).unwrap_or_default(),
        },
        (Some("restricted"), _, _) | (_, _, Some("restricted")) => Access::Restricted,
        _ => Access::Open,
    };
    let license = md.get("rights").and_then(J::as_array).and_then(|rs| {
        rs.iter()
            .find_map(|x| s(x, &["id"]))
            .or_else(|| rs.iter().find_map(|x| s(x, &["title", "en"])))
    });
    // Versions: this one's number, and the concept DOI all versions share.
    let version = md
        .get("version")
        .and_then(J::as_str)
        .map(str::to_owned)
        .or_else(|| {
            r.pointer("/versions/index")
                .and_then(J::as_u64)
                .map(|i| i.to_string())
        })
        .map(|v| {
            if r.pointer("/versions/is_latest").and_then(J::as_bool) == Some(true) {
                format!("{v} (latest)")
            } else {
                v
            }
        });
    let related: Vec<String> = s(r, &["parent", "pids", "doi", "identifier"])
        .into_iter()
        .collect();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let files = r
        .pointer("/files/entries")
        .map(|e| match e {
            J::Array(a) => a.clone(),
            J::Object(o) => o.values().cloned().collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default()
        .iter()
        .map(|f| DataFile {
            name: s(f, &["key"]).unwrap_or_default(),
            size: f.get("size").and_then(J::as_u64),
            checksum: s(f, &["checksum"]),
            url: s(f, &["links", "content"]),
            local: None,
            remote: None,
        })
        .collect();
    Dataset {
        id: r
            .get("id")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default(),
        title: s(md, &["title"]).unwrap_or_else(|| "(untitled)".into()),
        creators,
        pid: s(r, &["pids", "doi", "identifier"]),
        description: s(md, &["description"]),
        license,
        access,
        created: s(md, &["publication_date"]),
        keywords: md
            .get("subjects")
            .and_then(J::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| s(x, &["subject"]).or_else(|| s(x, &["id"])))
                    .collect()
            })
            .unwrap_or_default(),
        files,
        version,
        related,
        links: links_of(md),
        sources: vec![source.to_owned()],
        ..Dataset::default()
    }
}

/// The structured query as InvenioRDM's query string: the free text, the
/// dates as `metadata.publication_date:[a TO b]`, access as its computed
/// `access.status`. The other filters are applied here on what it sends.
pub fn invenio_query(text: &str, filters: &[Filter]) -> String {
    let mut clauses = Vec::new();
    if let Some((begin, end)) = super::query::date_window(filters) {
        // Publication dates are days: the window's days.
        let day = |t: Option<String>| t.map_or("*".to_owned(), |t| t[..10].to_owned());
        clauses.push(format!(
            "metadata.publication_date:[{} TO {}]",
            day(begin),
            day(end)
        ));
    }
    for f in filters {
        if let Filter::Access(a) = f {
            clauses.push(format!(
                "access.status:{}",
                match a {
                    AccessFilter::Open => "open",
                    AccessFilter::Embargoed => "embargoed",
                    AccessFilter::Restricted => "restricted",
                }
            ));
        }
    }
    super::query::query_string(text, &clauses)
}

impl Invenio {
    pub fn new(id: &str, name: &str, base: &str) -> Result<Self, CatalogueError> {
        Ok(Self {
            ep: super::Endpoint::new(id, name, base, TIMEOUT)?,
        })
    }

    pub async fn search_async(&self, q: &SearchQuery) -> Result<SearchPage, CatalogueError> {
        let size = if q.limit == 0 { 50 } else { q.limit.min(100) };
        let text = invenio_query(&q.text, &q.filters);
        let size_s = size.to_string();
        // Pages of `size`, counted from 1.
        let page_s = (q.skip / size + 1).to_string();
        let params = [
            ("q", text.as_str()),
            ("size", size_s.as_str()),
            ("page", page_s.as_str()),
            ("sort", "bestmatch"),
        ];
        let j: J = self
            .ep
            .get_json(
                self.ep
                    .client
                    .get(format!("{}/records", self.ep.base))
                    .query(&params),
            )
            .await?;
        let hits = j
            .pointer("/hits/hits")
            .and_then(J::as_array)
            .ok_or_else(|| CatalogueError::Malformed {
                source_name: self.ep.name.clone(),
                detail: "no hits in the answer".into(),
            })?;
        let datasets: Vec<Dataset> = hits.iter().map(|r| map_record(r, &self.ep.id)).collect();
        Ok(SearchPage::paged(
            &datasets,
            &q.facets,
            q.skip,
            size,
            hits.len(),
            j.pointer("/hits/total").and_then(J::as_u64),
        ))
    }
}

impl Catalogue for Invenio {
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
