//! Catalogue clients (PaNOSC, SciCat, InvenioRDM, OAI-PMH, DataCite) behind
//! one trait, all mapping into one dataset model.

pub mod model;

pub use model::{Access, Creator, DataFile, Dataset};

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
}
