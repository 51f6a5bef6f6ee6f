//! The offline index as a source: records harvested (OAI-PMH) or seen in
//! earlier searches, kept in the SQLite store and searched without a network.

use std::path::PathBuf;

use super::{Catalogue, CatalogueError, SearchPage, SearchQuery};
use crate::runtime::BoxFuture;
use crate::store::Store;

/// The store file whose index is searched (the `url` of the source config).
pub struct OfflineIndex {
    path: PathBuf,
}

impl OfflineIndex {
    pub fn new(path: &str) -> Self {
        Self {
            path: PathBuf::from(path),
        }
    }

    pub fn search_now(&self, q: &SearchQuery) -> Result<SearchPage, CatalogueError> {
        let bad = |e: crate::store::StoreError| CatalogueError::Malformed {
            source_name: "Offline index".into(),
            detail: e.to_string(),
        };
        // A connection of its own: SQLite in WAL mode reads beside the app's writer.
        let store = Store::open(&self.path).map_err(bad)?;
        // Filters and counts over every match; the best `limit` are sent.
        let (hits, total, counts) = store
            .search_index_faceted(&q.text, &q.facets, if q.limit == 0 { 500 } else { q.limit })
            .map_err(bad)?;
        Ok(SearchPage {
            datasets: hits,
            total: Some(total as u64),
            facet_counts: Some(counts),
        })
    }
}

impl Catalogue for OfflineIndex {
    fn id(&self) -> &str {
        "offline"
    }

    fn name(&self) -> &str {
        "Offline index"
    }

    fn search<'a>(
        &'a self,
        query: &'a SearchQuery,
    ) -> BoxFuture<'a, Result<SearchPage, CatalogueError>> {
        Box::pin(async move { self.search_now(query) })
    }
}
