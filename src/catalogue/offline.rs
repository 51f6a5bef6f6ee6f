//! The offline index: records harvested (OAI-PMH) or seen in earlier
//! searches, kept in the SQLite store as plain rows and searched without a
//! network. This file says what of a [`Dataset`] is searched and which
//! facets it has ([`RecordIndex`], on the store), and offers the index as a
//! catalogue ([`OfflineIndex`]).

use std::path::PathBuf;

use super::{Catalogue, CatalogueError, Dataset, FacetCounts, SearchPage, SearchQuery};
use crate::runtime::BoxFuture;
use crate::store::{RecordRow, Store, StoreError};

/// A dataset as the index keeps it: its JSON, the text searched by column
/// (people with their ORCID iDs and affiliations; facility, instrument,
/// technique, project, sample and PID as its place), and its facet values.
pub fn row_of(d: &Dataset) -> Result<RecordRow, StoreError> {
    let people: Vec<String> = d
        .creators
        .iter()
        .flat_map(|c| {
            std::iter::once(c.name.clone())
                .chain(c.orcid.clone())
                .chain(c.affiliations.clone())
        })
        .collect();
    let parameters: Vec<String> = d
        .parameters
        .iter()
        .map(|p| format!("{} {}", p.name, p.value_text()))
        .collect();
    let place: Vec<&str> = [
        &d.facility,
        &d.instrument,
        &d.technique,
        &d.project,
        &d.sample,
        &d.pid,
    ]
    .iter()
    .filter_map(|o| o.as_deref())
    .collect();
    Ok(RecordRow {
        key: d.key(),
        source: d.sources.first().cloned().unwrap_or_default(),
        json: serde_json::to_string(d).map_err(|e| StoreError::Encode(e.to_string()))?,
        title: d.title.clone(),
        people: people.join(" "),
        keywords: d.keywords.join(" "),
        description: d.description.clone().unwrap_or_default(),
        parameters: parameters.join(" "),
        place: place.join(" "),
        facets: facets_of(d),
    })
}

fn facets_of(d: &Dataset) -> Vec<(String, String)> {
    super::FACETS
        .iter()
        .flat_map(|f| {
            super::facet_values(d, f)
                .into_iter()
                .map(|v| ((*f).to_owned(), v))
        })
        .collect()
}

fn parse(json: &str) -> Result<Dataset, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Encode(e.to_string()))
}

/// The offline index of catalogue records, on the store.
pub trait RecordIndex {
    /// Add or replace records, in one transaction.
    fn index_datasets(&mut self, datasets: &[Dataset]) -> Result<usize, StoreError>;
    /// Best matches first; an empty query lists records.
    fn search_index(&self, text: &str, limit: usize) -> Result<Vec<Dataset>, StoreError>;
    /// With facet filters, over every match: the best `limit` records that
    /// pass the filters, how many pass in all, and the facet counts of
    /// every text match (before the filters, as the Search tab counts).
    fn search_index_faceted(
        &self,
        text: &str,
        filters: &[(String, String)],
        limit: usize,
    ) -> Result<(Vec<Dataset>, usize, FacetCounts), StoreError>;
}

impl RecordIndex for Store {
    fn index_datasets(&mut self, datasets: &[Dataset]) -> Result<usize, StoreError> {
        let rows = datasets.iter().map(row_of).collect::<Result<Vec<_>, _>>()?;
        self.put_records(&rows)
    }

    fn search_index(&self, text: &str, limit: usize) -> Result<Vec<Dataset>, StoreError> {
        self.search_records(text, limit)?
            .iter()
            .map(|j| parse(j))
            .collect()
    }

    fn search_index_faceted(
        &self,
        text: &str,
        filters: &[(String, String)],
        limit: usize,
    ) -> Result<(Vec<Dataset>, usize, FacetCounts), StoreError> {
        // Records from before facets were kept get theirs first (once).
        let missing = self.records_without_facets()?;
        if !missing.is_empty() {
            let rows: Vec<(String, Vec<(String, String)>)> = missing
                .iter()
                .filter_map(|(key, json)| Some((key.clone(), facets_of(&parse(json).ok()?))))
                .collect();
            self.put_facets(&rows)?;
        }
        let (found, total, counts) = self.search_records_faceted(text, filters, limit)?;
        let found = found.iter().map(|j| parse(j)).collect::<Result<_, _>>()?;
        Ok((found, total, counts))
    }
}

/// The downloaded files of a dataset, by its PID, DOI in any spelling or
/// `https://doi.org/` URL, in name order, that are still there.
pub fn downloaded_files(store: &Store, dataset: &str) -> Result<Vec<PathBuf>, StoreError> {
    let d = dataset.trim();
    let mut names = vec![d.to_owned()];
    if let Some(bare) = super::datacite::bare_doi(d) {
        names.push(format!("https://doi.org/{bare}"));
    }
    store.files_of(&names)
}

/// This computer's offline index of harvested and seen records.
pub const KIND: super::KindSpec = super::KindSpec {
    id: "offline",
    label: "this computer",
    local: true,
    place: Some("harvested and seen records"),
    connect: |cfg, _| Ok(std::sync::Arc::new(OfflineIndex::new(&cfg.url))),
};

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
    fn id(&self) -> &'static str {
        "offline"
    }

    fn name(&self) -> &'static str {
        "Offline index"
    }

    fn search<'a>(
        &'a self,
        query: &'a SearchQuery,
    ) -> BoxFuture<'a, Result<SearchPage, CatalogueError>> {
        Box::pin(async move { self.search_now(query) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(id: &str, title: &str, facility: &str) -> Dataset {
        Dataset {
            id: id.into(),
            title: title.into(),
            facility: Some(facility.into()),
            sources: vec!["test".into()],
            ..Default::default()
        }
    }

    /// Facets are counted and filtered over every match of a search, not
    /// the best 500: the index's counts equal the catalogue's own counting
    /// over the full match set, and a filter finds matches that rank below
    /// the first 500.
    #[test]
    fn facets_count_and_filter_over_every_match() {
        let mut store = Store::in_memory().expect("store");
        let records = crate::catalogue::synthetic::synthetic_records(3000);
        store.index_datasets(&records).expect("index");
        let every = store
            .search_index("beamtime", 100_000)
            .expect("all matches");
        assert!(every.len() > 600, "{} matches", every.len());
        let (top, total, counts) = store
            .search_index_faceted("beamtime", &[], 500)
            .expect("faceted");
        assert_eq!((top.len(), total), (500, every.len()));
        let reference = crate::catalogue::facet_counts(&every);
        for (facet, values) in &reference {
            let mine = counts
                .iter()
                .find(|(f, _)| f == facet)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let mut a = mine.clone();
            let mut b = values.clone();
            a.sort();
            b.sort();
            assert_eq!(a, b, "counts of {facet}");
        }
        // The least frequent facility: most of its matches rank below 500.
        let (facility, n) = reference
            .iter()
            .find(|(f, _)| *f == "facility")
            .and_then(|(_, v)| v.last().cloned())
            .expect("a facility");
        let filter = vec![("facility".to_owned(), facility.clone())];
        let (found, total, _) = store
            .search_index_faceted("beamtime", &filter, 500)
            .expect("filtered");
        assert_eq!(total, n);
        assert_eq!(found.len(), n.min(500));
        assert!(
            found
                .iter()
                .all(|d| d.facility.as_deref() == Some(facility.as_str()))
        );
        let in_top = crate::catalogue::apply_facets(&top, &filter).len();
        assert!(
            in_top < found.len(),
            "the top 500 hold {in_top} of {}",
            found.len()
        );
        // A store on disk keeps its facet index between searches, and a
        // change to the index is seen by the next search of any connection.
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("s.sqlite");
        let mut a = Store::open(&file).expect("open");
        a.index_datasets(&records[..100]).expect("index");
        let count = |s: &Store| {
            s.search_index_faceted("beamtime", &[], 10)
                .expect("search")
                .1
        };
        let b = Store::open(&file).expect("open");
        assert_eq!(count(&b), 100);
        a.index_datasets(&records[100..250]).expect("index more");
        assert_eq!(count(&b), 250, "the new records counted");
        // Removed records leave the counts.
        let id = found[0].id.clone();
        store.remove_records(&[id]).expect("remove");
        let (_, after, _) = store
            .search_index_faceted("beamtime", &filter, 500)
            .expect("filtered");
        assert_eq!(after, n - 1);
    }

    #[test]
    fn the_offline_index_ranks_titles_first_and_matches_prefixes() {
        let mut s = Store::in_memory().expect("store");
        let mut by_desc = ds("1", "Powder pattern", "ILL");
        by_desc.description = Some("a reflectivity curve mentioned in passing".into());
        s.index_datasets(&[
            by_desc,
            ds("2", "Neutron reflectivity of a film", "PSI"),
            ds("3", "Tomography", "ESRF"),
        ])
        .expect("index");
        let hits = s.search_index("reflect", 10).expect("search");
        let ids: Vec<&str> = hits.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            ids,
            ["2", "1"],
            "title match ranks above a description match"
        );
        assert_eq!(
            s.search_index("psi reflectivity", 10)
                .expect("search")
                .len(),
            1
        );
        // Re-indexing replaces, never duplicates; odd input is not an FTS syntax error.
        s.index_datasets(&[ds("3", "Tomography of bone", "ESRF")])
            .expect("again");
        assert_eq!(s.index_len().expect("len"), 3);
        assert_eq!(
            s.search_index("tomography", 10).expect("search")[0].title,
            "Tomography of bone"
        );
        for odd in ["\"", "AND OR NOT", "a*b(c)", "NEAR(", "ü"] {
            assert!(s.search_index(odd, 10).is_ok(), "{odd}");
        }
        assert_eq!(s.search_index("", 2).expect("all").len(), 2);
    }

    /// A record indexed before facets were kept (its row has none) gets
    /// them on the first faceted search, from the dataset itself.
    #[test]
    fn records_from_before_facets_are_counted_after_an_upgrade() {
        let mut s = Store::in_memory().expect("store");
        let d = ds("a", "Old scan", "PSI");
        s.index_datasets(std::slice::from_ref(&d)).expect("index");
        // As an upgrade leaves it: the row without facets, marked pending.
        s.put_facets(&[(d.key(), Vec::new())]).expect("drop facets");
        s.set("index.facets_pending", "1").expect("mark");
        let (_, n, counts) = s
            .search_index_faceted("old", &[("facility".into(), "PSI".into())], 10)
            .expect("faceted");
        assert_eq!(n, 1, "{counts:?}");
        assert!(s.records_without_facets().expect("done").is_empty());
    }

    #[test]
    fn a_datasets_files_are_found_by_any_spelling_of_its_doi() {
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("scan.h5");
        std::fs::write(&file, b"x").expect("write");
        let s = Store::open(&tmp.path().join("db.sqlite")).expect("store");
        let o = crate::store::FileOrigin {
            dataset: "https://doi.org/10.5281/zenodo.1".into(),
            title: "Scan".into(),
            source: "zenodo".into(),
            url: "https://zenodo.org/files/scan.h5".into(),
        };
        s.record_origin(&file, &o).expect("record");
        for name in [
            "10.5281/zenodo.1",
            "doi:10.5281/zenodo.1",
            "https://doi.org/10.5281/zenodo.1",
        ] {
            assert_eq!(
                downloaded_files(&s, name).expect("files"),
                vec![std::fs::canonicalize(&file).expect("path")],
                "{name}"
            );
        }
        assert!(
            downloaded_files(&s, "10.5281/zenodo.2")
                .expect("files")
                .is_empty()
        );
    }
}
