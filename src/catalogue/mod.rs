//! Catalogue clients (PaNOSC, SciCat, InvenioRDM, OAI-PMH, DataCite) behind
//! one trait, all mapping into one dataset model.

pub mod datacite;
pub mod demo;
pub mod invenio;
pub mod model;
pub mod oaipmh;
pub mod offline;
pub mod panosc;
pub mod scicat;
pub mod synthetic;

pub use model::{Access, Creator, DataFile, Dataset, Parameter};

use std::sync::Arc;

use crate::net::credentials::SharedTokens;
use crate::runtime::BoxFuture;

/// Errors from a catalogue, worded for the person searching.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error(
        "{source_name} did not answer in time. It may be slow or down; the other sources still work"
    )]
    Timeout { source_name: String },
    #[error("{source_name} refused the request ({status}): {detail}")]
    Http {
        source_name: String,
        status: u16,
        detail: String,
    },
    #[error("{source_name} sent a response Panorama cannot read: {detail}")]
    Malformed { source_name: String, detail: String },
    #[error("{source_name} needs you to sign in. Open Accounts and sign in to see this")]
    SignInRequired { source_name: String },
    #[error(
        "{account} may not see this at {source_name}. Ask the facility for access (your entitlements: {entitlements})"
    )]
    Forbidden {
        source_name: String,
        account: String,
        entitlements: String,
    },
    #[error("{source_name}: {detail}")]
    Account { source_name: String, detail: String },
}

/// How a kind makes the client of a configured source.
pub type ConnectFn =
    fn(&SourceConfig, Option<SharedTokens>) -> Result<Arc<dyn Catalogue>, CatalogueError>;

/// One kind of catalogue service (PaNOSC, SciCat, …): what the program
/// needs to know about it, kept in the kind's own file as its `KIND`.
/// Adding a kind is its file and one line in [`KINDS`].
#[derive(Debug)]
pub struct KindSpec {
    /// The name `sources.json` uses (`"kind": "panosc"`).
    pub id: &'static str,
    /// What the Sources window calls it.
    pub label: &'static str,
    /// Served from this computer: no URL to check, no account, searched
    /// when offline.
    pub local: bool,
    /// What the Sources window shows instead of the URL, if anything.
    pub place: Option<&'static str>,
    /// The client for a configured source; requests carry the tokens of
    /// `auth`.
    pub connect: ConnectFn,
}

impl KindSpec {
    /// Sources of this kind are configured with this.
    pub fn kind(&self) -> SourceKind {
        SourceKind(std::borrow::Cow::Borrowed(self.id))
    }
}

/// Every kind of catalogue, in the order the Sources window explains them.
pub const KINDS: &[&KindSpec] = &[
    &demo::KIND,
    &panosc::KIND,
    &invenio::KIND,
    &scicat::KIND,
    &datacite::KIND,
    &offline::KIND,
];

/// Which kind of service a source is: the id of an entry of [`KINDS`]. A
/// kind this version does not know (a `sources.json` from a newer one) is
/// kept and reported when the source is searched.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SourceKind(std::borrow::Cow<'static, str>);

impl SourceKind {
    /// Its entry in [`KINDS`], if this version knows it.
    pub fn spec(&self) -> Option<&'static KindSpec> {
        KINDS.iter().copied().find(|k| k.id == self.0)
    }

    /// Whether this is the kind `spec` describes.
    pub fn is(&self, spec: &KindSpec) -> bool {
        self.0 == spec.id
    }

    pub fn id(&self) -> &str {
        &self.0
    }

    /// What people call it (its id when unknown).
    pub fn label(&self) -> &str {
        self.spec().map_or(&self.0, |k| k.label)
    }

    /// Served from this computer (see [`KindSpec::local`]).
    pub fn is_local(&self) -> bool {
        self.spec().is_some_and(|k| k.local)
    }
}

/// A configured catalogue source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceConfig {
    pub id: String,
    pub name: String,
    pub kind: SourceKind,
    #[serde(default)]
    pub url: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The signed-in account whose tokens requests carry (see `auth::AccountBook`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The facility's h5grove service for this catalogue's files
    /// (`http://host/` serving the storage the records point into): HDF5
    /// files then open remotely, without downloading them first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h5grove: Option<String>,
}

fn yes() -> bool {
    true
}

/// The sources a new installation searches: the bundled demo catalogue, the
/// PaNOSC federated search (data.panosc.eu), Zenodo, RODARE and the public
/// SciCat instances of PSI and ESS; DataCite is listed but off.
pub fn default_sources() -> Vec<SourceConfig> {
    vec![
        SourceConfig {
            id: "demo".into(),
            name: "Demo catalogue".into(),
            kind: demo::KIND.kind(),
            url: String::new(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        SourceConfig {
            id: "panosc".into(),
            name: "PaNOSC".into(),
            kind: panosc::KIND.kind(),
            url: "https://data.panosc.eu/api".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        SourceConfig {
            id: "zenodo".into(),
            name: "Zenodo".into(),
            kind: invenio::KIND.kind(),
            url: "https://zenodo.org/api".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        SourceConfig {
            id: "rodare".into(),
            name: "RODARE".into(),
            kind: invenio::KIND.kind(),
            url: "https://rodare.hzdr.de/api".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        // Public SciCat instances: their published datasets need no account.
        SourceConfig {
            id: "psi".into(),
            name: "PSI (SciCat)".into(),
            kind: scicat::KIND.kind(),
            url: "https://dacat.psi.ch/api/v3".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        SourceConfig {
            id: "ess".into(),
            name: "ESS (SciCat)".into(),
            kind: scicat::KIND.kind(),
            url: "https://scicat.ess.eu/api/v3".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        // Every DOI DataCite knows: broad, so off until wanted.
        SourceConfig {
            id: "datacite".into(),
            name: "DataCite".into(),
            kind: datacite::KIND.kind(),
            url: datacite::PUBLIC_API.into(),
            enabled: false,
            account: None,
            h5grove: None,
        },
    ]
}

/// The sources file in the configuration folder: the same list as the
/// Sources window, as JSON people can edit and share.
pub const SOURCES_FILE: &str = "sources.json";

/// Read `sources.json` from the configuration folder; `Ok(None)` when there
/// is none.
pub fn read_sources_file(config: &std::path::Path) -> Result<Option<Vec<SourceConfig>>, String> {
    let path = config.join(SOURCES_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let sources: Vec<SourceConfig> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(bad) = sources
        .iter()
        .find(|s| !s.kind.is_local() && !crate::net::is_web_url(&s.url))
    {
        return Err(format!(
            "{}: source “{}” needs an http or https URL",
            path.display(),
            bad.id
        ));
    }
    Ok(Some(sources))
}

/// Write the sources to `sources.json` in the configuration folder.
pub fn write_sources_file(
    config: &std::path::Path,
    sources: &[SourceConfig],
) -> Result<(), String> {
    let path = config.join(SOURCES_FILE);
    let text = serde_json::to_string_pretty(sources).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(config)
        .and_then(|()| std::fs::write(&path, text + "\n"))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// With `PANORAMA_OFFLINE=1` only local sources and loopback servers are searched
/// (workshops without network, and the test suite).
pub fn offline_blocks(cfg: &SourceConfig) -> bool {
    let offline = std::env::var("PANORAMA_OFFLINE").is_ok_and(|v| v == "1");
    offline
        && !cfg.kind.is_local()
        && !url::Url::parse(&cfg.url)
            .is_ok_and(|u| matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
}

/// The client for a configured source, anonymous.
pub fn connect(cfg: &SourceConfig) -> Result<std::sync::Arc<dyn Catalogue>, CatalogueError> {
    connect_with(cfg, None)
}

/// The client for a configured source; requests carry the tokens of `auth`.
pub fn connect_with(
    cfg: &SourceConfig,
    auth: Option<SharedTokens>,
) -> Result<std::sync::Arc<dyn Catalogue>, CatalogueError> {
    let spec = cfg.kind.spec().ok_or_else(|| CatalogueError::Malformed {
        source_name: cfg.name.clone(),
        detail: format!(
            "“{}” is not a kind of catalogue this version knows ({}); update Panorama or \
             remove the source",
            cfg.kind.id(),
            KINDS.iter().map(|k| k.id).collect::<Vec<_>>().join(", ")
        ),
    })?;
    (spec.connect)(cfg, auth)
}

/// What every HTTP catalogue client holds: its id and name, the base URL and
/// the shared HTTP client.
pub(crate) struct Endpoint {
    pub id: String,
    pub name: String,
    pub base: String,
    pub client: reqwest::Client,
    /// Tokens of the account bound to this source, if any.
    pub auth: Option<SharedTokens>,
}

impl Endpoint {
    pub fn new(
        id: &str,
        name: &str,
        base: &str,
        timeout: std::time::Duration,
    ) -> Result<Self, CatalogueError> {
        let client =
            crate::net::shared_async_client(timeout).map_err(|e| CatalogueError::Malformed {
                source_name: name.to_owned(),
                detail: e.to_string(),
            })?;
        Ok(Self {
            id: id.to_owned(),
            name: name.to_owned(),
            base: base.trim_end_matches('/').to_owned(),
            client,
            auth: None,
        })
    }

    /// Send a request (with the bound account's bearer token, refreshed and
    /// retried once on 401) and read its JSON answer.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, CatalogueError> {
        let Some(auth) = &self.auth else {
            // Without an account, 403 also means "sign in to see this".
            return get_json(req, &self.name).await.map_err(|e| match e {
                CatalogueError::Forbidden { source_name, .. } => {
                    CatalogueError::SignInRequired { source_name }
                }
                other => other,
            });
        };
        let account_error = |e: crate::net::credentials::TokenError| CatalogueError::Account {
            source_name: self.name.clone(),
            detail: e.to_string(),
        };
        let forbidden = |e: CatalogueError| match e {
            CatalogueError::Forbidden { source_name, .. } => CatalogueError::Forbidden {
                source_name,
                account: auth.label(),
                entitlements: match auth.entitlements() {
                    e if e.is_empty() => "none".into(),
                    e => e.join(", "),
                },
            },
            other => other,
        };
        let token = auth.access_token().await.map_err(account_error)?;
        let retry = req.try_clone();
        match (
            get_json(req.bearer_auth(token.expose()), &self.name).await,
            retry,
        ) {
            (Err(CatalogueError::SignInRequired { .. }), Some(retry)) => {
                // 401: the token was refused; refresh once and try again.
                let fresh = auth
                    .after_unauthorized(&token)
                    .await
                    .map_err(account_error)?;
                get_json(retry.bearer_auth(fresh.expose()), &self.name)
                    .await
                    .map_err(forbidden)
            }
            (other, _) => other.map_err(forbidden),
        }
    }
}

/// Send a catalogue request and read its JSON answer, turning every failure
/// into a [`CatalogueError`] that names the source: time-outs, refused
/// connections, 401/403 (sign in), other HTTP errors, malformed JSON.
pub(crate) async fn get_json<T: serde::de::DeserializeOwned>(
    req: reqwest::RequestBuilder,
    source_name: &str,
) -> Result<T, CatalogueError> {
    let name = || source_name.to_owned();
    let resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            CatalogueError::Timeout {
                source_name: name(),
            }
        } else {
            CatalogueError::Http {
                source_name: name(),
                status: 0,
                detail: if e.is_connect() {
                    "cannot connect: the service is down or unreachable".into()
                } else {
                    e.to_string()
                },
            }
        }
    })?;
    let status = resp.status().as_u16();
    if status == 401 {
        return Err(CatalogueError::SignInRequired {
            source_name: name(),
        });
    }
    if status == 403 {
        return Err(CatalogueError::Forbidden {
            source_name: name(),
            account: String::new(),
            entitlements: String::new(),
        });
    }
    let body = crate::net::text_limited(resp, crate::net::limits::CATALOGUE, "a catalogue answer")
        .await
        .map_err(|e| CatalogueError::Malformed {
            source_name: name(),
            detail: e.to_string(),
        })?;
    if !(200..300).contains(&status) {
        return Err(CatalogueError::Http {
            source_name: name(),
            status,
            detail: body.chars().take(200).collect(),
        });
    }
    serde_json::from_str(&body).map_err(|e| CatalogueError::Malformed {
        source_name: name(),
        detail: e.to_string(),
    })
}

/// Give the HDF5 files of `d` that the facility's h5grove service (at
/// `base`) can serve a `remote` link: `base?file=STORAGE/NAME`.
pub fn link_h5grove(base: &str, d: &mut Dataset) {
    let Ok(mut url) = url::Url::parse(base) else {
        return;
    };
    if !crate::net::is_web_url(base) {
        return;
    }
    let folder = d
        .storage
        .as_deref()
        .unwrap_or_default()
        .trim_matches('/')
        .to_owned();
    for f in d.files.iter_mut().filter(|f| model::is_hdf5_name(&f.name)) {
        let name = f.name.trim_start_matches('/');
        let file = if folder.is_empty() {
            name.to_owned()
        } else {
            format!("{folder}/{name}")
        };
        url.query_pairs_mut().clear().append_pair("file", &file);
        f.remote = Some(url.to_string());
    }
}

/// Merge results from several sources: records with the same DOI (or key)
/// become one row listing every source they were found in.
pub fn merge(into: &mut Vec<Dataset>, more: Vec<Dataset>) {
    // Each key computed once: linear in both lists, not one key per
    // comparison (5,000 results merge within a frame).
    let mut index: std::collections::HashMap<String, usize> = into
        .iter()
        .enumerate()
        .map(|(i, d)| (d.key(), i))
        .rev()
        .collect();
    for d in more {
        let key = d.key();
        if let Some(existing) = index.get(&key).and_then(|&i| into.get_mut(i)) {
            // The first source's record stays; what it lacks comes from the others.
            if existing.files.is_empty() {
                existing.files = d.files;
            }
            if existing.description.is_none() {
                existing.description = d.description;
            }
            for s in d.sources {
                if !existing.sources.contains(&s) {
                    existing.sources.push(s);
                }
            }
        } else {
            index.insert(key, into.len());
            into.push(d);
        }
    }
}

/// A search across catalogues.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: String,
    /// Facet filters such as `("facility", "HZDR")`.
    pub facets: Vec<(String, String)>,
    pub limit: usize,
}

/// One page of results from one source.
#[derive(Debug, Clone, Default)]
pub struct SearchPage {
    pub datasets: Vec<Dataset>,
    /// Total hits the source reports, when it does.
    pub total: Option<u64>,
    /// Facet counts over every match, from a source that counts them itself
    /// (the offline index); the others' are counted on the records sent.
    pub facet_counts: Option<FacetCounts>,
}

/// Facet counts: each facet with its values and how many records have each.
pub use crate::store::FacetCounts;

impl SearchPage {
    /// The datasets that pass the facet filters (for sources that cannot
    /// filter on the server), counted.
    pub fn filtered(datasets: &[Dataset], facets: &[(String, String)]) -> Self {
        let datasets: Vec<Dataset> = apply_facets(datasets, facets)
            .into_iter()
            .cloned()
            .collect();
        Self {
            total: Some(datasets.len() as u64),
            datasets,
            facet_counts: None,
        }
    }
}

/// A plain-text citation in the DataCite style:
/// `Creators (Year). Title. Publisher. https://doi.org/PID`.
pub fn citation(d: &Dataset) -> String {
    let names: Vec<&str> = d.creators.iter().map(|c| c.name.as_str()).collect();
    let mut s = names.join("; ");
    if let Some(y) = d.year() {
        s.push_str(&format!(" ({y})"));
    }
    s.push_str(&format!(". {}.", d.title));
    if let Some(f) = &d.facility {
        s.push_str(&format!(" {f}."));
    }
    if let Some(doi) = d.normalized_doi() {
        s.push_str(&format!(" https://doi.org/{doi}"));
    }
    s
}

/// A BibTeX `@misc` entry (DataCite's recommended form for datasets).
pub fn bibtex(d: &Dataset) -> String {
    let esc = |t: &str| t.replace(['{', '}'], "");
    let key: String = d
        .creators
        .first()
        .map_or_else(
            || "dataset".into(),
            |c| c.name.split(',').next().unwrap_or("").trim().to_lowercase(),
        )
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        + &d.year().map(|y| y.to_string()).unwrap_or_default();
    let mut out = format!("@misc{{{key},\n  title = {{{}}},\n", esc(&d.title));
    if !d.creators.is_empty() {
        let names: Vec<String> = d.creators.iter().map(|c| esc(&c.name)).collect();
        out.push_str(&format!("  author = {{{}}},\n", names.join(" and ")));
    }
    if let Some(y) = d.year() {
        out.push_str(&format!("  year = {{{y}}},\n"));
    }
    if let Some(f) = &d.facility {
        out.push_str(&format!("  publisher = {{{}}},\n", esc(f)));
    }
    if let Some(doi) = d.normalized_doi() {
        out.push_str(&format!(
            "  doi = {{{doi}}},\n  url = {{https://doi.org/{doi}}},\n"
        ));
    }
    out.push('}');
    out.push('\n');
    out
}

/// An RIS record (type DATA).
pub fn ris(d: &Dataset) -> String {
    let mut out = String::from("TY  - DATA\n");
    out.push_str(&format!("TI  - {}\n", d.title));
    for c in &d.creators {
        out.push_str(&format!("AU  - {}\n", c.name));
    }
    if let Some(y) = d.year() {
        out.push_str(&format!("PY  - {y}\n"));
    }
    if let Some(f) = &d.facility {
        out.push_str(&format!("PB  - {f}\n"));
    }
    if let Some(doi) = d.normalized_doi() {
        out.push_str(&format!("DO  - {doi}\nUR  - https://doi.org/{doi}\n"));
    }
    out.push_str("ER  - \n");
    out
}

/// Facet names, in the order they are shown.
pub const FACETS: [&str; 7] = [
    "facility",
    "instrument",
    "technique",
    "year",
    "license",
    "access",
    "source",
];

/// Every value of a facet for a dataset (a merged record is in several sources).
pub fn facet_values(d: &Dataset, facet: &str) -> Vec<String> {
    match facet {
        "source" => d.sources.clone(),
        other => facet_value(d, other).into_iter().collect(),
    }
}

/// The value of a facet for a dataset.
pub fn facet_value(d: &Dataset, facet: &str) -> Option<String> {
    match facet {
        "facility" => d.facility.clone(),
        "instrument" => d.instrument.clone(),
        "technique" => d.technique.clone(),
        "year" => d.year().map(|y| y.to_string()),
        "license" => d.license.clone(),
        "access" => Some(
            match d.access {
                Access::Open => "open",
                Access::Embargoed { .. } => "embargoed",
                Access::Restricted => "restricted",
            }
            .to_owned(),
        ),
        "source" => d.sources.first().cloned(),
        _ => None,
    }
}

/// Counts per value of each facet, most frequent first.
pub fn facet_counts<'a>(
    results: impl IntoIterator<Item = &'a Dataset> + Clone,
) -> Vec<(&'static str, Vec<(String, usize)>)> {
    FACETS
        .iter()
        .map(|&f| {
            let mut counts: std::collections::BTreeMap<String, usize> =
                std::collections::BTreeMap::new();
            for d in results.clone() {
                for v in facet_values(d, f) {
                    *counts.entry(v).or_default() += 1;
                }
            }
            let mut v: Vec<(String, usize)> = counts.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (f, v)
        })
        .collect()
}

/// Keep the datasets that match every `(facet, value)` filter.
pub fn apply_facets<'a>(results: &'a [Dataset], filters: &[(String, String)]) -> Vec<&'a Dataset> {
    results
        .iter()
        .filter(|d| {
            filters
                .iter()
                .all(|(f, v)| facet_values(d, f).iter().any(|x| x == v))
        })
        .collect()
}

/// The text of an XML predefined entity (`&amp;` and friends) as quick-xml
/// reports it on its own; unknown entities give nothing.
pub(crate) fn xml_entity(name: &str) -> &'static str {
    match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
}

/// A catalogue of datasets. One implementation per kind of service.
pub trait Catalogue: Send + Sync {
    /// A stable id such as `zenodo` used in settings and result chips.
    fn id(&self) -> &str;
    /// The name shown to people.
    fn name(&self) -> &str;
    fn search<'a>(
        &'a self,
        query: &'a SearchQuery,
    ) -> BoxFuture<'a, Result<SearchPage, CatalogueError>>;
    /// The files of a dataset found by this source. Sources whose search
    /// answers carry the file list return it; others (SciCat's
    /// origdatablocks) ask the service.
    fn files<'a>(
        &'a self,
        dataset: &'a Dataset,
    ) -> BoxFuture<'a, Result<Vec<DataFile>, CatalogueError>> {
        Box::pin(std::future::ready(Ok(dataset.files.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merged_record_is_found_under_each_of_its_sources() {
        let d = |src: &str| Dataset {
            title: "Ring".into(),
            pid: Some("10.1/x".into()),
            sources: vec![src.into()],
            ..Dataset::default()
        };
        let mut all = vec![d("zenodo")];
        merge(
            &mut all,
            vec![
                d("datacite"),
                Dataset {
                    title: "Other".into(),
                    sources: vec!["zenodo".into()],
                    ..Dataset::default()
                },
            ],
        );
        assert_eq!(all.len(), 2);
        let by = |v: &str| apply_facets(&all, &[("source".into(), v.into())]).len();
        assert_eq!(by("datacite"), 1);
        assert_eq!(by("zenodo"), 2);
        let counts = facet_counts(&all);
        let sources = &counts
            .iter()
            .find(|(f, _)| *f == "source")
            .expect("source")
            .1;
        assert_eq!(sources[0], ("zenodo".to_owned(), 2));
        assert_eq!(sources[1], ("datacite".to_owned(), 1));
    }

    /// Every kind in the registry connects from a configuration the way
    /// `sources.json` spells it, under its own id; the default sources all
    /// have known kinds.
    #[test]
    fn every_kind_connects_under_its_id() {
        let mut ids = Vec::new();
        for k in KINDS {
            assert!(!ids.contains(&k.id), "{} is listed twice", k.id);
            ids.push(k.id);
            let cfg: SourceConfig = serde_json::from_value(serde_json::json!({
                "id": "x", "name": "X", "kind": k.id, "url": "http://127.0.0.1:9/api"
            }))
            .expect("config");
            assert_eq!(cfg.kind.spec().map(|s| s.id), Some(k.id));
            let c = connect(&cfg).unwrap_or_else(|e| panic!("{}: {e}", k.id));
            if !k.local {
                assert_eq!(c.id(), "x", "{}", k.id);
            }
        }
        assert!(default_sources().iter().all(|s| s.kind.spec().is_some()));
    }

    /// A `sources.json` from a newer version, with a kind this one does not
    /// know, still reads: that source says why it cannot be searched and the
    /// others are kept.
    #[test]
    fn an_unknown_kind_is_kept_and_explained() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join(SOURCES_FILE),
            r#"[{"id": "h", "name": "HSDS", "kind": "hsds", "url": "https://hsds.example"},
                {"id": "z", "name": "Zenodo", "kind": "invenio", "url": "https://zenodo.org/api"}]"#,
        )
        .expect("write");
        let sources = read_sources_file(dir.path())
            .expect("reads")
            .expect("sources");
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[0].kind.label(), "hsds");
        let Err(e) = connect(&sources[0]) else {
            panic!("an unknown kind connects");
        };
        assert!(e.to_string().contains("not a kind of catalogue"), "{e}");
        assert!(connect(&sources[1]).is_ok());
        // Written back as it was read.
        let json = serde_json::to_value(&sources[0]).expect("json");
        assert_eq!(json["kind"], "hsds");
    }
}
