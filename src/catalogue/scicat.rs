//! SciCat (v3 API): `GET /api/v3/Datasets/fullquery?fields=&limits=`, anonymous
//! for published data or with a bearer token for the signed-in user's data.

use std::time::Duration;

use serde_json::Value as J;

use super::{
    Access, Catalogue, CatalogueError, Creator, Dataset, Parameter, SearchPage, SearchQuery,
};
use crate::auth::{Secret, SharedTokens, StaticToken};
use crate::runtime::BoxFuture;

const TIMEOUT: Duration = Duration::from_secs(20);

pub struct SciCat {
    pub(crate) ep: super::Endpoint,
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
        Ok(Self { ep })
    }

    pub async fn search_async(&self, q: &SearchQuery) -> Result<SearchPage, CatalogueError> {
        let limit = if q.limit == 0 { 100 } else { q.limit };
        let fields = serde_json::json!({ "text": q.text.trim() }).to_string();
        let limits = serde_json::json!({ "limit": limit, "skip": 0, "order": "creationTime:desc" })
            .to_string();
        let req = self
            .ep
            .client
            .get(format!("{}/Datasets/fullquery", self.ep.base))
            .query(&[("fields", fields), ("limits", limits)]);
        let rows: Vec<J> = self.ep.get_json(req).await?;
        let datasets: Vec<Dataset> = rows.iter().map(|d| map_dataset(d, &self.ep.id)).collect();
        Ok(SearchPage::filtered(&datasets, &q.facets))
    }
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
}
