//! SciCat, v3 (`GET /api/v3/Datasets/fullquery?fields=&limits=`,
//! `/Datasets/{pid}/origdatablocks`) and v4 (`GET /api/v4/datasets?filter=`,
//! `/origdatablocks?filter=`): anonymous for published data or with a bearer
//! token for the signed-in user's data. The version follows the source URL
//! (`…/api/v3` or `…/api/v4`).

use std::time::Duration;

use serde_json::Value as J;

use super::query::Filter;
use super::{
    Access, Catalogue, CatalogueError, Creator, DataFile, Dataset, Parameter, SearchPage,
    SearchQuery,
};
use crate::net::credentials::{Secret, SharedTokens, StaticToken};
use crate::runtime::BoxFuture;

const TIMEOUT: Duration = Duration::from_secs(20);

/// The `fields` of SciCat's full query for the free text and the filters
/// SciCat can express: each parameter as a scientific condition
/// (`{lhs, relation, rhs, unit}`, which SciCat compares in SI units, so
/// `wavelength:1..2 Å` finds a dataset that recorded 0.15 nm), the dates
/// as `creationTime` `{begin, end}`. The other filters are applied here
/// on what it sends.
pub fn full_query_fields(text: &str, filters: &[Filter]) -> J {
    let mut fields = serde_json::json!({ "text": text.trim() });
    let mut scientific = Vec::new();
    for f in filters {
        let Filter::Parameter { name, range, unit } = f else {
            continue;
        };
        let (relation, rhs) = match (range.min, range.max) {
            (Some(a), Some(b)) if a == b => ("EQUAL_TO_NUMERIC", serde_json::json!(a)),
            (Some(a), Some(b)) => ("RANGE", serde_json::json!([a, b])),
            (Some(a), None) => ("GREATER_THAN_OR_EQUAL", serde_json::json!(a)),
            (None, Some(b)) => ("LESS_THAN_OR_EQUAL", serde_json::json!(b)),
            (None, None) => continue,
        };
        // SciCat reads units by mathjs's names, which are Panorama's.
        let unit = unit
            .as_deref()
            .map(|u| crate::units::canonical(u).unwrap_or(u).to_owned())
            .unwrap_or_default();
        scientific.push(serde_json::json!({
            "lhs": name, "relation": relation, "rhs": rhs, "unit": unit,
        }));
    }
    if !scientific.is_empty() {
        fields["scientific"] = J::Array(scientific);
    }
    if let Some((begin, end)) = super::query::date_window(filters) {
        fields["creationTime"] = serde_json::json!({
            "begin": begin.unwrap_or_else(|| "0000-01-01T00:00:00.000Z".into()),
            "end": end.unwrap_or_else(|| "9999-12-31T23:59:59.999Z".into()),
        });
    }
    fields
}
/// The SciCat kind of source.
pub const KIND: super::KindSpec = super::KindSpec {
    id: "scicat",
    label: "SciCat",
    local: false,
    place: None,
    connect: |cfg, auth| {
        let mut c = SciCat::new(&cfg.id, &cfg.name, &cfg.url, None)?;
        c.ep.auth = auth;
        Ok(std::sync::Arc::new(c))
    },
    expresses: |f| {
        matches!(
            f,
            Filter::Parameter { .. } | Filter::After(_) | Filter::Before(_)
        )
    },
};

pub struct SciCat {
    pub(crate) ep: super::Endpoint,
    v4: bool,
}

fn s(v: &J, key: &str) -> Option<String> {
    v.get(key)
        .and_then(J::as_str)
        .map(str::to_owned)
        .filter(|x| !x.is_empty())
}

/// Map one SciCat v3 dataset into the common model.
pub fn map_dataset(d: &J, source: &str) -> Dataset {
    let orcid = s(d, "orcidOfOwner").map(|o| o.trim_start_matches("https://orcid.org/").to_owned());
    let creators = s(d, "owner")
        .map(|name| {
            vec![Creator {
                name,
                orcid,
                affiliations: s(d, "ownerGroup").into_iter().collect(),
            }]
        })
        .unwrap_or_default();
    let parameters = d
        .get("scientificMetadata")
        .and_then(J::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| match v {
                    J::Object(o) if o.contains_key("value") => Parameter {
                        name: k.clone(),
                        value: o.get("value").cloned().unwrap_or(J::Null),
                        unit: o
                            .get("unit")
                            .and_then(J::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    },
                    other => Parameter {
                        name: k.clone(),
                        value: other.clone(),
                        unit: String::new(),
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    let pid = s(d, "pid");
    Dataset {
        id: pid.clone().unwrap_or_default(),
        title: s(d, "datasetName")
            .or_else(|| pid.clone())
            .unwrap_or_else(|| "(untitled)".into()),
        creators,
        pid,
        description: s(d, "description"),
        license: s(d, "license"),
        access: if d.get("isPublished").and_then(J::as_bool) == Some(true) {
            Access::Open
        } else {
            Access::Restricted
        },
        instrument: s(d, "creationLocation"),
        technique: d
            .get("techniques")
            .and_then(J::as_array)
            .and_then(|t| t.first())
            .and_then(|t| s(t, "name")),
        created: s(d, "creationTime").map(|c| c.chars().take(10).collect()),
        keywords: d
            .get("keywords")
            .and_then(J::as_array)
            .map(|k| {
                k.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        parameters,
        project: s(d, "proposalId").or_else(|| {
            d.get("proposalIds")
                .and_then(J::as_array)
                .and_then(|p| p.first())
                .and_then(J::as_str)
                .map(str::to_owned)
        }),
        storage: s(d, "sourceFolder"),
        // A derived dataset names the datasets it was made from.
        links: d
            .get("inputDatasets")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
            .filter_map(J::as_str)
            .filter(|p| !p.trim().is_empty())
            .map(|p| super::Link::new(super::Relation::DerivedFrom, p))
            .collect(),
        sources: vec![source.to_owned()],
        ..Dataset::default()
    }
}

impl SciCat {
    pub fn new(
        id: &str,
        name: &str,
        base: &str,
        token: Option<Secret>,
    ) -> Result<Self, CatalogueError> {
        let mut ep = super::Endpoint::new(id, name, base, TIMEOUT)?;
        ep.auth = token.map(|t| std::sync::Arc::new(StaticToken(t)) as SharedTokens);
        let v4 = ep.base.ends_with("/v4");
        Ok(Self { ep, v4 })
    }

    /// Search datasets, and the published data (DOIs minted for datasets)
    /// at the same time; published records merge with their datasets by DOI.
    pub async fn search_async(&self, q: &SearchQuery) -> Result<SearchPage, CatalogueError> {
        // The published records come with the first page.
        let (datasets, published) = tokio::join!(self.datasets(q), async {
            if q.skip == 0 {
                self.published(q).await
            } else {
                Ok(Vec::new())
            }
        });
        let mut page = datasets?;
        let found = (q.skip + page.datasets.len()) as u64;
        // A SciCat without published data still gives its datasets.
        let published = match published {
            Ok(p) => SearchPage::filtered(&p, &q.facets).datasets,
            Err(e) => {
                tracing::info!("{}: no published data: {e}", self.ep.name);
                Vec::new()
            }
        };
        // All matching datasets (fullfacet's count where there is one) and
        // the published records.
        page.total = Some(page.total.unwrap_or(found).max(found) + published.len() as u64);
        super::merge(&mut page.datasets, published);
        Ok(page)
    }

    async fn published(&self, q: &SearchQuery) -> Result<Vec<Dataset>, CatalogueError> {
        let text = q.text.trim();
        let filter = if text.is_empty() {
            serde_json::json!({})
        } else {
            serde_json::json!({ "where": { "$text": { "$search": text } } })
        };
        let path = if self.v4 {
            "publisheddata"
        } else {
            "PublishedData"
        };
        let req = self
            .ep
            .client
            .get(format!("{}/{path}", self.ep.base))
            .query(&[("filter", filter.to_string())]);
        let rows: Vec<J> = self.ep.get_json(req).await?;
        Ok(rows
            .iter()
            .filter_map(|r| read_published(r, &self.ep.id).ok())
            .collect())
    }

    async fn datasets(&self, q: &SearchQuery) -> Result<SearchPage, CatalogueError> {
        let limit = if q.limit == 0 { 100 } else { q.limit };
        let fields = full_query_fields(&q.text, &q.filters);
        // What SciCat can filter by itself (parameters, dates) goes to its
        // full query; v4's plain list is asked for the rest.
        let expressed = fields.get("scientific").is_some() || fields.get("creationTime").is_some();
        if self.v4 && !expressed {
            let text = q.text.trim();
            let mut filter = serde_json::json!({
                "limits": { "limit": limit, "skip": q.skip, "sort": { "creationTime": "desc" } }
            });
            if !text.is_empty() {
                filter["where"] = serde_json::json!({ "$text": { "$search": text } });
            }
            let req = self
                .ep
                .client
                .get(format!("{}/datasets", self.ep.base))
                .query(&[("filter", filter.to_string())]);
            let rows: Vec<J> = self.ep.get_json(req).await?;
            let datasets: Vec<Dataset> = rows.iter().map(|d| map_dataset(d, &self.ep.id)).collect();
            return Ok(SearchPage::paged(
                &datasets,
                &q.facets,
                q.skip,
                limit,
                rows.len(),
                None,
            ));
        }
        let fields = fields.to_string();
        let limits =
            serde_json::json!({ "limit": limit, "skip": q.skip, "order": "creationTime:desc" })
                .to_string();
        let collection = if self.v4 { "datasets" } else { "Datasets" };
        let req = self
            .ep
            .client
            .get(format!("{}/{collection}/fullquery", self.ep.base))
            .query(&[("fields", fields.clone()), ("limits", limits)]);
        // How many match in all (the page holds at most `limit`).
        let facet_req = self
            .ep
            .client
            .get(format!("{}/{collection}/fullfacet", self.ep.base))
            .query(&[
                ("fields", fields),
                ("facets", r#"["type","keywords"]"#.to_owned()),
            ]);
        let (rows, facets) = tokio::join!(
            self.ep.get_json::<Vec<J>>(req),
            self.ep.get_json::<J>(facet_req)
        );
        let rows = rows?;
        let datasets: Vec<Dataset> = rows.iter().map(|d| map_dataset(d, &self.ep.id)).collect();
        let total = facets
            .ok()
            .and_then(|f| f.pointer("/0/all/0/totalSets").and_then(J::as_u64));
        let mut page = SearchPage::paged(&datasets, &q.facets, q.skip, limit, rows.len(), total);
        if !q.facets.is_empty() {
            // The count is of every match, not of those the facets let through.
            page.total = Some(page.datasets.len() as u64);
        }
        Ok(page)
    }

    /// Datasets matching a `where` clause (MongoDB's filter language, which
    /// SciCat passes through): v4's `/datasets?filter=`, v3's
    /// `/Datasets?filter=` (Loopback's `limit` beside `where`). A list field
    /// matches a value it holds.
    async fn find(&self, where_: J) -> Result<Vec<J>, CatalogueError> {
        let (path, filter) = if self.v4 {
            (
                "datasets",
                serde_json::json!({ "where": where_, "limits": { "limit": 100 } }),
            )
        } else {
            (
                "Datasets",
                serde_json::json!({ "where": where_, "limit": 100 }),
            )
        };
        let req = self
            .ep
            .client
            .get(format!("{}/{path}", self.ep.base))
            .query(&[("filter", filter.to_string())]);
        self.ep.get_json(req).await
    }

    /// The derived datasets that name `d` among their `inputDatasets`.
    pub async fn linked_async(&self, d: &Dataset) -> Result<Vec<super::Link>, CatalogueError> {
        let Some(pid) = d.pid.as_deref().filter(|p| !p.trim().is_empty()) else {
            return Ok(Vec::new());
        };
        let rows = self
            .find(serde_json::json!({ "inputDatasets": pid }))
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let pid = s(r, "pid")?;
                Some(super::Link {
                    title: s(r, "datasetName"),
                    ..super::Link::new(super::Relation::SourceOf, &pid)
                })
            })
            .collect())
    }

    /// One dataset by its PID.
    pub async fn record_async(&self, pid: &str) -> Result<Option<Dataset>, CatalogueError> {
        let rows = self.find(serde_json::json!({ "pid": pid.trim() })).await?;
        Ok(rows.first().map(|r| map_dataset(r, &self.ep.id)))
    }

    /// The files of a dataset, from its origdatablocks.
    pub async fn files_async(&self, d: &Dataset) -> Result<Vec<DataFile>, CatalogueError> {
        let Some(pid) = d
            .pid
            .as_deref()
            .or(Some(d.id.as_str()))
            .filter(|p| !p.is_empty())
        else {
            return Ok(d.files.clone());
        };
        let req = if self.v4 {
            let filter = serde_json::json!({ "where": { "datasetId": pid } }).to_string();
            self.ep
                .client
                .get(format!("{}/origdatablocks", self.ep.base))
                .query(&[("filter", filter)])
        } else {
            let enc = url::form_urlencoded::byte_serialize(pid.as_bytes()).collect::<String>();
            self.ep
                .client
                .get(format!("{}/Datasets/{enc}/origdatablocks", self.ep.base))
        };
        let blocks: Vec<J> = self.ep.get_json(req).await?;
        let mut files = Vec::new();
        for b in &blocks {
            files.extend(
                read_origdatablock(b).map_err(|detail| CatalogueError::Malformed {
                    source_name: self.ep.name.clone(),
                    detail,
                })?,
            );
        }
        Ok(files)
    }
}

/// The files of one SciCat origdatablock (`size`, `chkAlg`, `dataFileList`
/// of `{path, size, time, chk}`), or what is wrong with it.
pub fn read_origdatablock(b: &J) -> Result<Vec<DataFile>, String> {
    match b.get("size") {
        Some(J::Number(_)) => {}
        Some(other) => return Err(format!("the block's size is {other}, not a number")),
        None => return Err("the block has no size".into()),
    }
    let alg = match b.get("chkAlg") {
        None | Some(J::Null) => None,
        Some(J::String(a)) if a.trim().is_empty() => {
            return Err("the block names an empty checksum algorithm (chkAlg)".into());
        }
        Some(J::String(a)) => Some(a.trim().to_ascii_lowercase()),
        Some(other) => return Err(format!("chkAlg is {other}, not text")),
    };
    let list = b
        .get("dataFileList")
        .and_then(J::as_array)
        .ok_or("the block has no dataFileList")?;
    list.iter()
        .map(|f| {
            let path = s(f, "path").ok_or("a file in the block has no path")?;
            let size = match f.get("size") {
                Some(v) => Some(
                    v.as_u64()
                        .ok_or(format!("{path}: size {v} is not a number"))?,
                ),
                None => None,
            };
            Ok(DataFile {
                checksum: match (&alg, s(f, "chk")) {
                    (Some(a), Some(c)) => Some(format!("{a}:{c}")),
                    _ => None,
                },
                name: path,
                size,
                ..DataFile::default()
            })
        })
        .collect()
}

/// Check a SciCat dataset record (as created or returned by v3 or v4) the way
/// SciCat's DTOs do, and map it: the type is raw, derived or custom, the
/// fields every type needs are there, and a v4 record does not mix v3's
/// single-valued ids into its lists.
pub fn read_dataset(d: &J, source: &str) -> Result<Dataset, String> {
    let ty = s(d, "type").ok_or("the record has no type")?;
    let mut missing: Vec<&str> = ["contactEmail", "sourceFolder", "creationTime", "ownerGroup"]
        .into_iter()
        .filter(|k| s(d, k).is_none())
        .collect();
    let has = |k: &str| match d.get(k) {
        None | Some(J::Null) => false,
        Some(J::String(x)) => !x.is_empty(),
        Some(J::Array(x)) => !x.is_empty(),
        Some(_) => true,
    };
    let v4 = d.get("principalInvestigators").is_some_and(J::is_array);
    match ty.as_str() {
        "raw" => {
            if !has("principalInvestigator") && !has("principalInvestigators") {
                missing.push("principalInvestigator");
            }
            if !has("creationLocation") {
                missing.push("creationLocation");
            }
        }
        "derived" => {
            if !has("investigator") && !has("principalInvestigators") {
                missing.push("investigator");
            }
            for k in ["inputDatasets", "usedSoftware"] {
                if !has(k) {
                    missing.push(k);
                }
            }
        }
        "custom" => {}
        other => {
            return Err(format!("type “{other}” is not one of raw, derived, custom"));
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "a {ty} dataset needs {} (missing)",
            missing.join(", ")
        ));
    }
    if v4 {
        for (one, many) in [
            ("proposalId", "proposalIds"),
            ("sampleId", "sampleIds"),
            ("instrumentId", "instrumentIds"),
        ] {
            if d.get(one).is_some() && d.get(many).is_none() {
                return Err(format!("a v4 record lists {many}; “{one}” is a v3 field"));
            }
        }
    }
    Ok(map_dataset(d, source))
}

/// Map one SciCat published-data record (a DOI minted for datasets) into the
/// common model.
pub fn read_published(p: &J, source: &str) -> Result<Dataset, String> {
    let title = s(p, "title").ok_or("the published data has no title")?;
    let doi = s(p, "doi");
    let names = |k: &str| -> Vec<String> {
        p.get(k)
            .and_then(J::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let creators = names("creator");
    if creators.is_empty() {
        return Err("the published data names no creator".into());
    }
    Ok(Dataset {
        id: doi.clone().unwrap_or_else(|| title.clone()),
        title,
        creators: creators
            .into_iter()
            .map(|name| Creator {
                name,
                orcid: None,
                affiliations: s(p, "affiliation").into_iter().collect(),
            })
            .collect(),
        pid: doi,
        description: s(p, "abstract"),
        facility: s(p, "publisher"),
        created: p
            .get("publicationYear")
            .and_then(J::as_u64)
            .map(|y| y.to_string()),
        sources: vec![source.to_owned()],
        ..Dataset::default()
    })
}

impl Catalogue for SciCat {
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

    fn files<'a>(
        &'a self,
        dataset: &'a Dataset,
    ) -> BoxFuture<'a, Result<Vec<DataFile>, CatalogueError>> {
        Box::pin(self.files_async(dataset))
    }

    fn linked<'a>(
        &'a self,
        dataset: &'a Dataset,
    ) -> BoxFuture<'a, Result<Vec<super::Link>, CatalogueError>> {
        Box::pin(self.linked_async(dataset))
    }

    fn record<'a>(
        &'a self,
        pid: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogueError>> {
        Box::pin(self.record_async(pid))
    }
}
