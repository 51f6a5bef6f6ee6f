//! Catalogue clients (PaNOSC, SciCat, InvenioRDM, OAI-PMH, DataCite) behind
//! one trait, all mapping into one dataset model.

pub mod cart;
mod cite;
mod config;
pub mod datacite;
pub mod demo;
mod endpoint;
mod facets;
pub mod invenio;
pub mod lineage;
pub mod model;
pub mod oaipmh;
pub mod offline;
pub mod panosc;
pub mod query;
pub mod scicat;
mod source;
pub mod synthetic;

pub use cite::{bibtex, citation, ris};
pub use config::{
    SOURCES_FILE, SourceConfig, default_sources, offline_blocks, read_sources_file,
    write_sources_file,
};
pub(crate) use endpoint::Endpoint;
pub use facets::{FACETS, apply_facets, facet_counts, facet_value, facet_values};
pub use model::{Access, Creator, DataFile, Dataset, Link, Parameter, Relation};
pub use source::{ConnectFn, KindSpec, SourceKind, connect, connect_with};

/// Every kind of catalogue, in the order the Sources window explains them.
/// A new kind: its file (with its `KIND`) above, and one line here.
pub const KINDS: &[&KindSpec] = &[
    &demo::KIND,
    &panosc::KIND,
    &invenio::KIND,
    &scicat::KIND,
    &datacite::KIND,
    &offline::KIND,
];

use crate::runtime::BoxFuture;

/// Errors from a catalogue, worded for the person searching.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error(
        "{source_name} did not answer in time. It may be slow or down; the other sources still work"
    )]
    Timeout { source_name: String },
    #[error(
        "could not connect to {source_name} ({detail}). Check the network or try again later; the other sources still work"
    )]
    Unreachable { source_name: String, detail: String },
    #[error("the request to {source_name} did not go through: {detail}")]
    RequestFailed { source_name: String, detail: String },
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

impl CatalogueError {
    /// A request that got no answer: timed out, could not connect (no
    /// network, the service down), or failed on the way.
    pub fn sending(e: &reqwest::Error, source_name: &str) -> Self {
        let source_name = source_name.to_owned();
        if e.is_timeout() {
            Self::Timeout { source_name }
        } else if e.is_connect() {
            // The innermost cause names what went wrong (DNS, refused).
            let mut cause: &dyn std::error::Error = e;
            while let Some(next) = cause.source() {
                cause = next;
            }
            Self::Unreachable {
                source_name,
                detail: cause.to_string(),
            }
        } else {
            Self::RequestFailed {
                source_name,
                detail: e.to_string(),
            }
        }
    }

    /// Whether the source could not be reached at all (no network, DNS,
    /// nothing listening): what every online source says when offline.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }
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
            crate::catalogue::lineage::add_links(&mut existing.links, d.links);
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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    pub text: String,
    /// Filters of the structured query (parameters with units, technique,
    /// facility, dates, access): sent to a source that can express them,
    /// and applied here on every answer ([`query::Query::keeps`]).
    pub filters: Vec<query::Filter>,
    /// Facet filters such as `("facility", "HZDR")`.
    pub facets: Vec<(String, String)>,
    pub limit: usize,
    /// Where the page starts: how many records the source sent before
    /// (its [`SearchPage::next`] of the page before).
    pub skip: usize,
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
    /// Where the next page starts (the `skip` to ask it with), when the
    /// source may have more.
    pub next: Option<usize>,
    /// What a federated service's answer says of the providers behind it.
    pub federation: Option<Federation>,
}

/// The providers (facilities' search APIs) whose records a federated
/// service's answer holds, and how long it took. The PaNOSC federated
/// service drops a provider that does not answer in time without saying
/// so; a known provider missing from a slow answer may have been dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Federation {
    pub providers: std::collections::BTreeSet<String>,
    pub waited: std::time::Duration,
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
            next: None,
            federation: None,
        }
    }

    /// The same, and where the next page starts: `sent` records came for
    /// a page of `limit` asked after `skip`; a full page may be followed by
    /// another, and so is a total beyond what was sent (`total` when the
    /// source says).
    pub fn paged(
        datasets: &[Dataset],
        facets: &[(String, String)],
        skip: usize,
        limit: usize,
        sent: usize,
        total: Option<u64>,
    ) -> Self {
        let mut page = Self::filtered(datasets, facets);
        let end = skip + sent;
        let more = match total {
            Some(t) => (end as u64) < t && sent > 0,
            None => sent >= limit && sent > 0,
        };
        page.next = more.then_some(end);
        if let Some(t) = total {
            page.total = Some(t);
        }
        page
    }
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
    /// Records of this catalogue that point at `dataset` (a SciCat derived
    /// dataset naming it as input), as links seen from `dataset`. Sources
    /// whose records link only forward (DataCite, InvenioRDM: the links are
    /// on the record itself) give none.
    fn linked<'a>(
        &'a self,
        _dataset: &'a Dataset,
    ) -> BoxFuture<'a, Result<Vec<Link>, CatalogueError>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }
    /// The record with this PID or DOI, where the catalogue holds it (a
    /// lineage node opened). By default a search for the PID, and the
    /// record of the answer that it names.
    fn record<'a>(
        &'a self,
        pid: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogueError>> {
        Box::pin(async move {
            let q = SearchQuery {
                text: self.pid_query(pid),
                limit: 25,
                ..SearchQuery::default()
            };
            let page = self.search(&q).await?;
            Ok(page.datasets.into_iter().find(|d| lineage::names(pid, d)))
        })
    }
    /// The free text that finds a PID in this catalogue's search.
    fn pid_query(&self, pid: &str) -> String {
        datacite::bare_doi(pid).unwrap_or_else(|| pid.trim().to_owned())
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
