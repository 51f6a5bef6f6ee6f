//! The offline index: records harvested (OAI-PMH) or seen in earlier
//! searches, kept in the SQLite store as plain rows and searched without a
//! network. This file says what of a [`Dataset`] is searched and which
//! facets it has ([`RecordIndex`], on the store), and offers the index as a
//! catalogue ([`OfflineIndex`]).

use std::path::PathBuf;

use super::query::{self, AccessFilter, Filter};
use super::{Catalogue, CatalogueError, Dataset, FacetCounts, SearchPage, SearchQuery};
use crate::runtime::BoxFuture;
use crate::store::{
    RecordFilter, RecordRow, Store, StoreError, ValueCondition, ValueRange, ValueRow,
};

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
        values: values_of(d),
    })
}

/// The numbers of a record's parameters, for range filters: by the name
/// filters compare, as recorded and in the base unit of what they measure.
/// As [`query::keeps`] reads a record, the first parameter of a name is
/// the one (a later one of the same name, or a first that is no number,
/// gives nothing).
fn values_of(d: &Dataset) -> Vec<ValueRow> {
    let mut seen = std::collections::HashSet::new();
    d.parameters
        .iter()
        .filter(|p| seen.insert(query::parameter_name(&p.name)))
        .filter_map(|p| {
            let value = p.value.as_f64()?;
            let base = crate::units::to_base(value, &p.unit);
            Some(ValueRow {
                name: query::parameter_name(&p.name),
                value,
                unit: p.unit.clone(),
                dimension: base.map(|(d, _)| d.to_owned()),
                base: base.map(|(_, v)| v),
            })
        })
        .collect()
}

/// What the index keeps of a query's filters: parameters as conditions on
/// the numbers (a range in the filter's unit, in the base unit of what it
/// measures, and for a photon in its wavelength or energy), facility,
/// instrument, technique and access on the facets, dates on the record.
/// The same records pass as [`query::keeps`] lets through.
fn record_filter<'a>(
    filters: &'a [Filter],
    facets: &'a [(String, String)],
    dates: &'a dyn Fn(&str) -> bool,
) -> RecordFilter<'a> {
    let mut out = RecordFilter {
        facets,
        ..RecordFilter::default()
    };
    for f in filters {
        match f {
            Filter::Parameter { name, range, unit } => {
                out.values.push(condition(name, range, unit.as_deref()));
            }
            Filter::Facility(v) => out.contains.push(("facility".into(), v.clone())),
            Filter::Instrument(v) => out.contains.push(("instrument".into(), v.clone())),
            Filter::Technique(v) => out.contains.push(("technique".into(), v.clone())),
            Filter::Access(a) => out.contains.push((
                "access".into(),
                match a {
                    AccessFilter::Open => "open",
                    AccessFilter::Embargoed => "embargoed",
                    AccessFilter::Restricted => "restricted",
                }
                .into(),
            )),
            Filter::After(_) | Filter::Before(_) => out.check = Some(dates),
        }
    }
    out
}

/// The rows a parameter filter lets through (see [`record_filter`]).
fn condition(name: &str, range: &query::Range, unit: Option<&str>) -> ValueCondition {
    // The ends as `Range::holds` reads them: included, within 1e-9.
    let tol = |x: f64| 1e-9 * x.abs().max(1e-300);
    let lo = range.min.map_or(f64::MIN, |a| a - tol(a));
    let hi = range.max.map_or(f64::MAX, |b| b + tol(b));
    let raw = |unit: Option<String>| ValueRange::Raw { lo, hi, unit };
    let mut any_of = Vec::new();
    match unit {
        None => any_of.push(raw(None)),
        Some(u) => {
            // A record without a unit is read in the filter's; one in the
            // same (even unknown) unit as it is.
            any_of.push(raw(Some(String::new())));
            any_of.push(raw(Some(u.to_owned())));
            let base = |x: f64| {
                if x == f64::MIN || x == f64::MAX {
                    Some(x)
                } else {
                    crate::units::to_base(x, u).map(|(_, v)| v)
                }
            };
            if let (Some(dimension), Some(blo), Some(bhi)) =
                (crate::units::dimension(u), base(lo), base(hi))
            {
                any_of.push(ValueRange::Base {
                    dimension: dimension.to_owned(),
                    lo: blo,
                    hi: bhi,
                });
                // A photon's wavelength asked for in energy, or its energy
                // in length: the range turns over (λ = hc/E).
                let other = match dimension {
                    "length" => Some("energy"),
                    "energy" => Some("length"),
                    _ => None,
                };
                if let Some(other) = other.filter(|_| crate::units::is_photon_quantity(name))
                    && let Some(to) = crate::units::base_unit(other)
                    && range.max.is_none_or(|b| b > 0.0)
                {
                    let turn = |x: f64| crate::units::convert_quantity(name, x, u, to);
                    let olo = match range.max {
                        Some(b) => turn(b + tol(b)),
                        None => Some(f64::MIN_POSITIVE),
                    };
                    let ohi = match range.min {
                        Some(a) if a > 0.0 => turn(a - tol(a)),
                        _ => Some(f64::MAX),
                    };
                    if let (Some(olo), Some(ohi)) = (olo, ohi) {
                        any_of.push(ValueRange::Base {
                            dimension: other.to_owned(),
                            lo: olo,
                            hi: ohi,
                        });
                    }
                }
            }
        }
    }
    ValueCondition {
        name: query::parameter_name(name),
        any_of,
    }
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
        facets: &[(String, String)],
        limit: usize,
    ) -> Result<(Vec<Dataset>, usize, FacetCounts), StoreError> {
        self.search_index_filtered(text, &[], facets, 0, limit)
    }
    /// With a query's filters too (parameter ranges in any unit, facility,
    /// dates…), over every record: `limit` of those that pass after the
    /// first `skip`, how many pass in all, and the facet counts of those
    /// that pass all but the facet filters.
    fn search_index_filtered(
        &self,
        text: &str,
        filters: &[Filter],
        facets: &[(String, String)],
        skip: usize,
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

    fn search_index_filtered(
        &self,
        text: &str,
        filters: &[Filter],
        facets: &[(String, String)],
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<Dataset>, usize, FacetCounts), StoreError> {
        // Records from before facets and numbers were kept get theirs first (once).
        let missing = self.records_to_refill()?;
        if !missing.is_empty() {
            let rows: Vec<_> = missing
                .iter()
                .filter_map(|(key, json)| {
                    let d = parse(json).ok()?;
                    Some((key.clone(), facets_of(&d), values_of(&d)))
                })
                .collect();
            self.put_derived(&rows)?;
        }
        let dates = |json: &str| {
            parse(json).is_ok_and(|d| {
                filters
                    .iter()
                    .filter(|f| matches!(f, Filter::After(_) | Filter::Before(_)))
                    .all(|f| f.keeps(&d) == Some(true))
            })
        };
        let filter = record_filter(filters, facets, &dates);
        let (found, total, counts) = self.search_records_filtered(text, &filter, skip, limit)?;
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
    expresses: |_| true,
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
            .search_index_filtered(
                &q.text,
                &q.filters,
                &q.facets,
                q.skip,
                if q.limit == 0 { 500 } else { q.limit },
            )
            .map_err(bad)?;
        let end = q.skip + hits.len();
        Ok(SearchPage {
            datasets: hits,
            total: Some(total as u64),
            facet_counts: Some(counts),
            federation: None,
            next: (end < total).then_some(end),
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

    /// Range filters in any unit are answered by the index over every
    /// record, not the best 500 words' matches: the records it finds are
    /// exactly those the query's rule (`query::keeps`) lets through, in
    /// the words' order, and a page after the first continues the list.
    #[test]
    fn range_filters_in_any_unit_find_every_record_that_holds() {
        let mut store = Store::in_memory().expect("store");
        let mut records = crate::catalogue::synthetic::synthetic_records(3000);
        // A name given twice: the first is the one (as `keeps` reads it),
        // even when it is no number; a photon energy below zero is none.
        let p = |name: &str, value: serde_json::Value, unit: &str| crate::catalogue::Parameter {
            name: name.into(),
            value,
            unit: unit.into(),
        };
        for (i, params) in [
            vec![
                p("wavelength", serde_json::json!("n/a"), ""),
                p("wavelength", serde_json::json!(1.5), "Å"),
            ],
            vec![
                p("wavelength", serde_json::json!(3.0), "Å"),
                p("Wavelength", serde_json::json!(1.5), "Å"),
            ],
            vec![p("wavelength", serde_json::json!(-5.0), "keV")],
        ]
        .into_iter()
        .enumerate()
        {
            records.push(Dataset {
                id: format!("twice-{i}"),
                title: format!("beamtime run twice {i}"),
                parameters: params,
                sources: vec!["test".into()],
                ..Dataset::default()
            });
        }
        store.index_datasets(&records).expect("index");
        let cases = [
            "wavelength:1..2 Å",
            "wavelength:0.1..0.2 nm",
            "wavelength:10..20 keV",
            "wavelength:>2.5 Å",
            "wavelength:<0.05 nm facility:esrf",
            "sample_temperature:<10 K",
            "sample_temperature:-200..-100 °C",
            "sample_temperature:300..",
            "pressure:0.5..1 bar",
            "pressure:<1000 Pa",
            "photon_energy:8..9 keV sample_temperature:<200 K",
            "beamtime wavelength:1..1.2 Å after:2020 before:2022-06",
            "lysozyme sample_temperature:100..200 K technique:diffraction access:open",
            "photon_energy:1..1.5 Å",
        ];
        for case in cases {
            let q = query::Query::parse(case).expect(case);
            let (found, total, counts) = store
                .search_index_filtered(&q.text, &q.filters, &[], 0, 100_000)
                .expect(case);
            let words = store.search_index(&q.text, 100_000).expect("words");
            let expected: Vec<&str> = words
                .iter()
                .filter(|d| q.keeps(d))
                .map(|d| d.id.as_str())
                .collect();
            let got: Vec<&str> = found.iter().map(|d| d.id.as_str()).collect();
            assert!(!expected.is_empty(), "{case} finds nothing to compare");
            assert_eq!(got, expected, "{case}");
            assert_eq!(total, expected.len(), "{case}");
            // Facets counted over what passes.
            let reference = crate::catalogue::facet_counts(found.iter());
            let facility = |c: &[(String, usize)]| c.iter().map(|(_, n)| n).sum::<usize>();
            let mine = counts
                .iter()
                .find(|(f, _)| f == "facility")
                .map(|(_, v)| facility(v));
            let theirs = reference
                .iter()
                .find(|(f, _)| *f == "facility")
                .map(|(_, v)| facility(v));
            assert_eq!(mine, theirs, "{case}");
        }
        // The second page goes on where the first ended.
        let q = query::Query::parse("wavelength:0.5..2.5 Å").expect("q");
        let all = store
            .search_index_filtered(&q.text, &q.filters, &[], 0, 1000)
            .expect("all")
            .0;
        let second = store
            .search_index_filtered(&q.text, &q.filters, &[], 40, 40)
            .expect("page")
            .0;
        assert_eq!(second, all[40..80]);
    }

    /// An index from before numbers were kept answers range filters after
    /// the upgrade, once its records are read again.
    #[test]
    fn an_index_from_before_values_answers_range_filters() {
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("s.sqlite");
        let records = crate::catalogue::synthetic::synthetic_records(200);
        {
            let mut s = Store::open(&file).expect("open");
            s.index_datasets(&records).expect("index");
            // As the version before left it: no numbers, schema 6.
            s.put_derived(
                &records
                    .iter()
                    .map(|d| (d.key(), facets_of(d), Vec::new()))
                    .collect::<Vec<_>>(),
            )
            .expect("drop values");
            s.set("index.values_pending", "1").expect("mark");
        }
        let s = Store::open(&file).expect("reopen");
        let q = query::Query::parse("sample_temperature:<100 K").expect("q");
        let (_, n, _) = s
            .search_index_filtered("", &q.filters, &[], 0, 500)
            .expect("search");
        let expected = records.iter().filter(|d| q.keeps(d)).count();
        assert!(expected > 0);
        assert_eq!(n, expected);
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
        s.put_derived(&[(d.key(), Vec::new(), Vec::new())])
            .expect("drop facets");
        s.set("index.facets_pending", "1").expect("mark");
        let (_, n, counts) = s
            .search_index_faceted("old", &[("facility".into(), "PSI".into())], 10)
            .expect("faceted");
        assert_eq!(n, 1, "{counts:?}");
        assert!(s.records_to_refill().expect("done").is_empty());
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
