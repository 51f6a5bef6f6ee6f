//! The PaNOSC federated search API (as data.panosc.eu, and each facility's
//! PaNOSC endpoint): `GET /api/Datasets?filter=<JSON>&query=<text>`.

use std::time::Duration;

use serde::Deserialize;

use super::{
    Access, Catalogue, CatalogueError, Creator, DataFile, Dataset, Parameter, SearchPage,
    SearchQuery,
};
use crate::runtime::BoxFuture;

/// Longest a search may take before the source counts as down.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The PaNOSC kind of source.
pub const KIND: super::KindSpec = super::KindSpec {
    id: "panosc",
    label: "PaNOSC",
    local: false,
    place: None,
    connect: |cfg, auth| {
        let mut c = Panosc::new(&cfg.id, &cfg.name, &cfg.url)?;
        c.ep.auth = auth;
        Ok(std::sync::Arc::new(c))
    },
    expresses: |_| true,
};

pub struct Panosc {
    pub(crate) ep: super::Endpoint,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PDataset {
    pid: String,
    title: String,
    #[serde(default)]
    is_public: Option<bool>,
    #[serde(default)]
    creation_date: Option<String>,
    #[serde(default)]
    files: Vec<PFile>,
    #[serde(default)]
    parameters: Vec<PParameter>,
    #[serde(default)]
    techniques: Vec<PNamed>,
    #[serde(default)]
    instrument: Option<PInstrument>,
    #[serde(default)]
    provider: Option<String>,
}

#[derive(Deserialize)]
struct PFile {
    name: String,
    #[serde(default)]
    size: Option<f64>,
}

#[derive(Deserialize)]
struct PParameter {
    /// `variable` in the search API's older answers (`{variable, operator,
    /// value, unit}`; the operator says nothing of the record).
    #[serde(alias = "variable")]
    name: String,
    #[serde(default)]
    value: serde_json::Value,
    #[serde(default)]
    unit: Option<String>,
}

#[derive(Deserialize)]
struct PNamed {
    name: String,
}

/// A document (proposal, publication) with its datasets and members.
#[derive(Deserialize)]
struct PDocument {
    pid: String,
    #[serde(default)]
    title: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    datasets: Vec<PDataset>,
    #[serde(default)]
    members: Vec<PMember>,
}

#[derive(Deserialize)]
struct PMember {
    #[serde(default)]
    person: Option<PPerson>,
    #[serde(default)]
    affiliation: Option<PAffiliation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PPerson {
    full_name: String,
    #[serde(default)]
    orcid: Option<String>,
}

#[derive(Deserialize)]
struct PAffiliation {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct PInstrument {
    name: String,
    #[serde(default)]
    facility: Option<String>,
}

impl Panosc {
    pub fn new(id: &str, name: &str, base: &str) -> Result<Self, CatalogueError> {
        Ok(Self {
            ep: super::Endpoint::new(id, name, base, TIMEOUT)?,
        })
    }

    fn map(&self, d: PDataset) -> Dataset {
        map_dataset(d, &self.ep.id)
    }
}

fn map_dataset(d: PDataset, source: &str) -> Dataset {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let files = d
        .files
        .into_iter()
        .map(|f| DataFile {
            name: f.name,
            size: f.size.filter(|s| *s >= 0.0).map(|s| s as u64),
            checksum: None,
            url: None,
            local: None,
            remote: None,
        })
        .collect();
    Dataset {
        id: d.pid.clone(),
        title: d.title,
        pid: Some(d.pid),
        access: if d.is_public == Some(false) {
            Access::Restricted
        } else {
            Access::Open
        },
        facility: d.instrument.as_ref().and_then(|i| i.facility.clone()),
        instrument: d.instrument.map(|i| i.name),
        technique: d.techniques.into_iter().next().map(|t| t.name),
        created: d.creation_date.map(|c| c.chars().take(10).collect()),
        parameters: d
            .parameters
            .into_iter()
            .map(|p| Parameter {
                name: p.name,
                value: p.value,
                unit: p.unit.unwrap_or_default(),
            })
            .collect(),
        files,
        description: d.provider.map(|p| format!("Provided by {p}")),
        sources: vec![source.to_owned()],
        ..Dataset::default()
    }
}

/// The datasets in any answer of the PaNOSC search API: a dataset, a list
/// of datasets, a document or list of documents (their datasets), or an
/// answer without datasets (counts, instruments, file lists) which gives none.
/// A record that breaks the data model is an error that says which.
pub fn parse_answer(answer: &serde_json::Value, source: &str) -> Result<Vec<Dataset>, String> {
    use serde_json::Value as J;
    let items: Vec<&J> = match answer {
        J::Array(a) => a.iter().collect(),
        J::Object(_) => vec![answer],
        _ => return Err("the answer is neither an object nor a list".into()),
    };
    let mut out = Vec::new();
    for item in items {
        let Some(o) = item.as_object() else {
            return Err(format!("a list entry is not an object: {item}"));
        };
        if let Some(datasets) = o.get("datasets").and_then(J::as_array) {
            // A document and the datasets it groups.
            for d in datasets {
                out.push(one(d, source)?);
            }
        } else if o.contains_key("pid")
            && (o.contains_key("isPublic") || (o.contains_key("title") && !o.contains_key("type")))
        {
            out.push(one(item, source)?);
        }
        // Counts, instruments and file lists carry no dataset.
    }
    Ok(out)
}

fn one(d: &serde_json::Value, source: &str) -> Result<Dataset, String> {
    let pid = d
        .get("pid")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("?");
    serde_json::from_value::<PDataset>(d.clone())
        .map(|p| map_dataset(p, source))
        .map_err(|e| format!("dataset {pid}: {e}"))
}

/// How long the PaNOSC federated service waits for each provider before
/// it answers without it (its `PROVIDER_TIMEOUT`, 1000 ms by default): an
/// answer that took less has every provider's records.
pub const PROVIDER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

impl Panosc {
    /// Search and map the records (also used by the CLI).
    pub async fn search_async(&self, q: &SearchQuery) -> Result<SearchPage, CatalogueError> {
        let limit = if q.limit == 0 { 100 } else { q.limit };
        // The structured query's filters, as the search API's own scoped
        // includes (parameters with units, techniques, instrument, dates).
        let filter = super::query::panosc_filter(&q.filters, limit, q.skip);
        let mut params = vec![("filter", filter.to_string())];
        if !q.text.trim().is_empty() {
            params.push(("query", q.text.trim().to_owned()));
        }
        let url = format!("{}/Datasets", self.ep.base);
        // Documents (proposals, publications) name the people: ask for them
        // at the same time, with their datasets and members.
        let doc_filter = serde_json::json!({
            "include": [
                {"relation": "datasets", "scope": {"include": ["files", "techniques", "instrument", "parameters"]}},
                {"relation": "members", "scope": {"include": ["person", "affiliation"]}},
            ],
            "limit": limit,
        });
        let mut doc_params = vec![("filter", doc_filter.to_string())];
        if !q.text.trim().is_empty() {
            doc_params.push(("query", q.text.trim().to_owned()));
        }
        let doc_url = format!("{}/Documents", self.ep.base);
        // The documents come with the first page.
        let first = q.skip == 0;
        let started = std::time::Instant::now();
        let (rows, docs) = tokio::join!(
            self.ep
                .get_json::<Vec<PDataset>>(self.ep.client.get(&url).query(&params)),
            async {
                if first {
                    self.ep
                        .get_json::<Vec<PDocument>>(self.ep.client.get(&doc_url).query(&doc_params))
                        .await
                } else {
                    Ok(Vec::new())
                }
            },
        );
        let rows = rows?;
        let sent = rows.len();
        // A service without documents still gives its datasets.
        let docs = docs.unwrap_or_else(|e| {
            tracing::info!("{}: no documents: {e}", self.ep.name);
            Vec::new()
        });
        // A federated service names each dataset's provider.
        let providers: std::collections::BTreeSet<String> =
            rows.iter().filter_map(|d| d.provider.clone()).collect();
        let federation = (!providers.is_empty()).then(|| super::Federation {
            providers,
            waited: started.elapsed(),
        });
        let mut datasets: Vec<Dataset> = rows.into_iter().map(|d| self.map(d)).collect();
        for doc in docs {
            let creators: Vec<Creator> = doc
                .members
                .iter()
                .filter_map(|m| {
                    let p = m.person.as_ref()?;
                    Some(Creator {
                        name: p.full_name.clone(),
                        orcid: p
                            .orcid
                            .as_ref()
                            .map(|o| o.rsplit('/').next().unwrap_or_default().to_owned()),
                        affiliations: m
                            .affiliation
                            .as_ref()
                            .and_then(|a| a.name.clone())
                            .into_iter()
                            .collect(),
                    })
                })
                .collect();
            for pd in doc.datasets {
                let pid = pd.pid.clone();
                if !datasets
                    .iter()
                    .any(|d| d.pid.as_deref() == Some(pid.as_str()))
                {
                    datasets.push(self.map(pd));
                }
                if let Some(d) = datasets
                    .iter_mut()
                    .find(|d| d.pid.as_deref() == Some(pid.as_str()))
                {
                    for c in &creators {
                        if !d.creators.iter().any(|x| x.name == c.name) {
                            d.creators.push(c.clone());
                        }
                    }
                    if !d.related.contains(&doc.pid) {
                        d.related.push(doc.pid.clone());
                    }
                    super::lineage::add_links(
                        &mut d.links,
                        [super::Link {
                            title: Some(doc.title.clone()).filter(|t| !t.is_empty()),
                            ..super::Link::new(super::Relation::PartOf, &doc.pid)
                        }],
                    );
                    if doc.kind == "proposal" && d.project.is_none() && !doc.title.is_empty() {
                        d.project = Some(doc.title.clone());
                    }
                }
            }
        }
        Ok(SearchPage {
            federation,
            ..SearchPage::paged(&datasets, &q.facets, q.skip, limit, sent, None)
        })
    }
}

impl Catalogue for Panosc {
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

    /// A parameter in the older `{variable, operator, value, unit}` form
    /// reads as in the current `{name, value, unit}` one.
    #[test]
    fn parameters_in_the_older_form_read() {
        let answer = serde_json::json!([{
            "pid": "20.500.12269/x",
            "title": "A dataset",
            "isPublic": true,
            "parameters": [
                {"variable": "wavelength", "operator": "eq", "value": 1.5, "unit": "angstrom"},
                {"name": "temperature", "value": 10, "unit": "K"},
            ],
        }]);
        let d = parse_answer(&answer, "p").expect("reads").remove(0);
        let names: Vec<(&str, &str)> = d
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.unit.as_str()))
            .collect();
        assert_eq!(names, [("wavelength", "angstrom"), ("temperature", "K")]);
        assert_eq!(d.parameters[0].value, serde_json::json!(1.5));
        // The structured query's filter finds it in its own units.
        let q = super::super::query::Query::parse("wavelength:0.1..0.2 nm").expect("q");
        assert!(q.keeps(&d));
    }
}
