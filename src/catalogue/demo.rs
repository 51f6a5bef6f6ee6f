//! The bundled catalogue, searched offline through the same full-text index
//! as harvested records: real answers of real catalogues, kept as recorded
//! in `assets/demo/records/` (DataCite REST records, ESS's PaNOSC search API,
//! a Zenodo OAI-PMH page; origin and licence in `assets/demo/SOURCES.md`)
//! and read by each catalogue kind's own reader, beside the four records of
//! `assets/demo/catalogue.json` that link the demo NeXus files.

use crate::catalogue::offline::RecordIndex as _;
use std::path::Path;
use std::sync::Mutex;

use super::{Catalogue, CatalogueError, Dataset, SearchPage, SearchQuery};
use crate::runtime::BoxFuture;
use crate::store::Store;

#[derive(serde::Deserialize)]
struct File {
    records: Vec<Dataset>,
}

pub struct DemoCatalogue {
    store: Mutex<Store>,
}

fn malformed(detail: impl Into<String>) -> CatalogueError {
    CatalogueError::Malformed {
        source_name: "Demo catalogue".into(),
        detail: detail.into(),
    }
}

/// How a recorded answer in `records/` reads into records, by the start of
/// its file name: each catalogue kind's own reader. A new kind of recorded
/// answer is one entry here.
type Reader = fn(&str) -> Result<Vec<Dataset>, String>;

const READERS: &[(&str, Reader)] = &[
    ("datacite-", |text| {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        super::datacite::map_record(&v, "demo").map(|d| vec![d])
    }),
    ("panosc-", |text| {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        super::panosc::parse_answer(&v, "demo")
    }),
    ("oai-", |text| {
        let page = super::oaipmh::parse_list_records(text, "demo").map_err(|e| e.to_string())?;
        Ok(page
            .records
            .into_iter()
            .filter_map(|h| match h {
                super::oaipmh::Harvested::Record(d) => Some(*d),
                super::oaipmh::Harvested::Deleted(_) => None,
            })
            .collect())
    }),
];

/// The records of every recorded answer in `dir`, in file-name order. A
/// file no reader knows, or one that does not read, is an error that names
/// it: the bundled catalogue is shipped, so a bad file is a packaging fault.
fn recorded_answers(dir: &Path) -> Result<Vec<Dataset>, CatalogueError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        malformed(format!(
            "cannot read the recorded answers in {}: {e}; reinstall Panorama",
            dir.display()
        ))
    })?;
    // Hidden files (a file manager's own) are none of the catalogue's.
    let mut names: Vec<std::path::PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some((_, read)) = READERS.iter().find(|(prefix, _)| name.starts_with(prefix)) else {
            return Err(malformed(format!(
                "{name}: no reader for this kind of file"
            )));
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| malformed(format!("cannot read {name}: {e}")))?;
        let mut records = read(&text).map_err(|e| malformed(format!("{name}: {e}")))?;
        for d in &mut records {
            d.sources = vec!["demo".into()];
        }
        out.extend(records);
    }
    Ok(out)
}

impl DemoCatalogue {
    /// Load `catalogue.json` and the recorded answers in `records/` from a
    /// demo folder; shipped files get absolute paths.
    pub fn load(dir: &Path) -> Result<Self, CatalogueError> {
        let text = std::fs::read_to_string(dir.join("catalogue.json"))
            .map_err(|e| malformed(format!("cannot read the demo catalogue: {e}")))?;
        let mut file: File = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
        for d in &mut file.records {
            for f in &mut d.files {
                if let Some(local) = &f.local {
                    // Only plain names inside the demo folder.
                    let name = Path::new(local).file_name().map(|n| dir.join(n));
                    f.local = name.filter(|p| p.exists()).map(|p| p.display().to_string());
                }
            }
        }
        // One record per DOI/PID as the search merges them (`Dataset::key`):
        // a dataset in two answers is one record, the first one read.
        let mut seen = std::collections::HashSet::new();
        file.records.extend(recorded_answers(&dir.join("records"))?);
        file.records.retain(|d| seen.insert(d.key()));
        let mut store = Store::in_memory().map_err(|e| malformed(e.to_string()))?;
        store
            .index_datasets(&file.records)
            .map_err(|e| malformed(e.to_string()))?;
        Ok(Self {
            store: Mutex::new(store),
        })
    }

    /// Search synchronously (the CLI and tests; the GUI goes through [`Catalogue`]).
    pub fn search_now(&self, q: &SearchQuery) -> Result<SearchPage, CatalogueError> {
        let store = self
            .store
            .lock()
            .map_err(|_| malformed("the demo index is unavailable"))?;
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        // The query's filters and the facets, by the index, over every record.
        let (datasets, total, _) = store
            .search_index_filtered(&q.text, &q.filters, &q.facets, q.skip, limit)
            .map_err(|e| malformed(e.to_string()))?;
        let end = q.skip + datasets.len();
        Ok(SearchPage {
            datasets,
            total: Some(total as u64),
            facet_counts: None,
            federation: None,
            next: (end < total).then_some(end),
        })
    }
}

/// The installation's demo catalogue as a source (loaded on first search).
/// The bundled demo catalogue.
pub const KIND: super::KindSpec = super::KindSpec {
    id: "demo",
    label: "bundled",
    local: true,
    place: None,
    connect: |_, _| Ok(std::sync::Arc::new(DemoSource)),
    expresses: |_| true,
};

pub struct DemoSource;

impl Catalogue for DemoSource {
    fn id(&self) -> &'static str {
        "demo"
    }

    fn name(&self) -> &'static str {
        "Demo catalogue"
    }

    fn search<'a>(
        &'a self,
        query: &'a SearchQuery,
    ) -> BoxFuture<'a, Result<SearchPage, CatalogueError>> {
        Box::pin(async move { shared()?.search_now(query) })
    }
}

/// The demo catalogue of this installation, loaded once.
pub fn shared() -> Result<&'static DemoCatalogue, CatalogueError> {
    static DEMO: std::sync::OnceLock<Result<DemoCatalogue, String>> = std::sync::OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = crate::paths::demo_dir()
            .ok_or_else(|| "the demo files are not installed".to_owned())?;
        DemoCatalogue::load(&dir).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| malformed(e.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> DemoCatalogue {
        DemoCatalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo"))
            .expect("demo catalogue")
    }

    /// The workshop trainee's task, end to end through the library.
    #[test]
    fn a_trainee_finds_a_dataset_by_project_and_reads_its_pixel_size() {
        let cat = demo();
        let page = cat
            .search_now(&SearchQuery {
                text: "Aurora ring".into(),
                ..SearchQuery::default()
            })
            .expect("search");
        let d = &page.datasets[0];
        assert_eq!(d.project.as_deref(), Some("Aurora"));
        assert!(d.creators.iter().all(|c| c.orcid.is_some()));
        assert_eq!(d.pid.as_deref(), Some("10.5555/panorama-demo.0001"));
        assert_eq!(d.files.len(), 1);
        assert!(d.total_size() > 100_000);
        let file = d.files[0].local.as_deref().expect("shipped file");
        // The pixel size in the record is the one in the file's NeXus axis.
        let pixel = d.parameter("pixel size").expect("pixel size");
        assert_eq!(pixel.unit, "mm");
        use crate::data::DataSource;
        let src = crate::data::local_hdf5::LocalHdf5::open(Path::new(file)).expect("open");
        let x = src
            .value(
                "/entry/image/x",
                &crate::data::Selection::parse("0:2").expect("sel"),
                &crate::data::NoProgress,
            )
            .expect("x")
            .to_f64()
            .expect("numbers");
        let from_file = (x[1] - x[0]).abs();
        assert!((pixel.value.as_f64().expect("number") - from_file).abs() < 1e-6);
    }

    #[test]
    fn citations_come_in_three_formats() {
        let d = demo()
            .search_now(&SearchQuery {
                text: "Fjord reflectivity film".into(),
                ..SearchQuery::default()
            })
            .expect("search")
            .datasets
            .remove(0);
        let text = crate::catalogue::citation(&d);
        assert!(
            text.contains("(2025)") && text.ends_with("https://doi.org/10.5555/panorama-demo.0004"),
            "{text}"
        );
        let bib = crate::catalogue::bibtex(&d);
        assert!(
            bib.starts_with("@misc{") && bib.contains("doi = {10.5555/panorama-demo.0004}"),
            "{bib}"
        );
        let ris = crate::catalogue::ris(&d);
        assert!(
            ris.starts_with("TY  - DATA\n")
                && ris.contains("DO  - 10.5555/panorama-demo.0004")
                && ris.ends_with("ER  - \n")
        );
    }

    /// The workshop's questions, answered offline on a real record: who
    /// made the ISIS (TOSCA) hydrogen-storage dataset, with which ORCID iD,
    /// under which DOI, in how many files of what size.
    #[test]
    fn the_workshop_questions_are_answered_on_real_records() {
        let page = demo()
            .search_now(&SearchQuery {
                text: "hydrogen".into(),
                ..SearchQuery::default()
            })
            .expect("search");
        let d = page
            .datasets
            .iter()
            .find(|d| d.pid.as_deref() == Some("10.15125/bath-00114"))
            .expect("the Bath record");
        assert_eq!(d.facility.as_deref(), Some("University of Bath"));
        assert!(d.description.as_deref().is_some_and(|t| t.contains("ISIS")));
        assert_eq!(d.creators[0].name, "Bimbo, Nuno");
        assert_eq!(d.creators[0].orcid.as_deref(), Some("0000-0001-8740-8284"));
        assert_eq!(d.files.len(), 8);
        assert_eq!(d.total_size(), 255_000);
        assert_eq!(d.sources, ["demo"]);
        // ESS's own records of the BrightnESS project, with their real PIDs.
        let ess = demo()
            .search_now(&SearchQuery {
                text: "BrightnESS".into(),
                ..SearchQuery::default()
            })
            .expect("search");
        let pids: Vec<&str> = ess
            .datasets
            .iter()
            .filter_map(|d| d.pid.as_deref())
            .collect();
        assert!(pids.contains(&"10.17199/BRIGHTNESS/MG0026"), "{pids:?}");
        let multiblade = demo()
            .search_now(&SearchQuery {
                text: "multiblade".into(),
                ..SearchQuery::default()
            })
            .expect("search");
        let mb = multiblade
            .datasets
            .iter()
            .find(|d| d.pid.as_deref() == Some("20.500.12269/BRIGHTNESS/MB0033"))
            .expect("multiblade 33");
        assert_eq!(mb.created.as_deref(), Some("2017-10-05"));
    }

    /// Every recorded answer reads: the DataCite records, ESS's answers, the
    /// Zenodo page, beside the four demo records.
    #[test]
    fn every_recorded_answer_is_in_the_catalogue() {
        let all = demo().search_now(&SearchQuery::default()).expect("all");
        let pids: Vec<&str> = all
            .datasets
            .iter()
            .filter_map(|d| d.pid.as_deref())
            .collect();
        for pid in [
            "10.5555/panorama-demo.0001",
            "10.5438/6423",
            "10.5061/dryad.8515",
            "20.500.12269/00fd159a-0fe7-46d2-855d-a5dfa3d4dc13",
        ] {
            assert!(pids.contains(&pid), "{pid} in {pids:?}");
        }
        // The Zenodo page's ten records, by their DOIs and titles.
        let zenodo = all
            .datasets
            .iter()
            .find(|d| d.pid.as_deref() == Some("10.5281/zenodo.10165"))
            .expect("a record of the Zenodo page");
        assert_eq!(
            zenodo.title,
            "Adapting educational materials in data management for Astronomy graduate students"
        );
        assert_eq!(all.total, Some(all.datasets.len() as u64));
    }

    /// A record in two answers (its DOI spelt in two cases) is one record,
    /// as read first; hidden files are skipped; no folder is an error.
    #[test]
    fn a_record_in_two_answers_is_one() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("catalogue.json"), r#"{"records": []}"#).expect("write");
        assert!(
            DemoCatalogue::load(dir.path()).is_err(),
            "no records folder"
        );
        std::fs::create_dir(dir.path().join("records")).expect("mkdir");
        let record = |doi: &str, title: &str| {
            serde_json::json!({"data": {"attributes": {"doi": doi, "titles": [{"title": title}]}}})
                .to_string()
        };
        std::fs::write(
            dir.path().join("records/datacite-a.json"),
            record("10.1234/ABC", "first"),
        )
        .expect("write");
        std::fs::write(
            dir.path().join("records/datacite-b.json"),
            record("10.1234/abc", "second"),
        )
        .expect("write");
        std::fs::write(dir.path().join("records/.directory"), "[Desktop Entry]").expect("write");
        let all = DemoCatalogue::load(dir.path())
            .expect("load")
            .search_now(&SearchQuery::default())
            .expect("all");
        assert_eq!(all.datasets.len(), 1);
        assert_eq!(all.datasets[0].title, "first");
    }

    #[test]
    fn a_file_no_reader_knows_is_refused_with_its_name() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("catalogue.json"), r#"{"records": []}"#).expect("write");
        std::fs::create_dir(dir.path().join("records")).expect("mkdir");
        std::fs::write(dir.path().join("records/notes.txt"), "x").expect("write");
        let err = DemoCatalogue::load(dir.path())
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("notes.txt"), "{err}");
        std::fs::remove_file(dir.path().join("records/notes.txt")).expect("rm");
        std::fs::write(dir.path().join("records/datacite-x.json"), "{").expect("write");
        let err = DemoCatalogue::load(dir.path())
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("datacite-x.json"), "{err}");
    }

    #[test]
    fn facets_filter_the_results() {
        let cat = demo();
        let all = cat.search_now(&SearchQuery::default()).expect("all");
        assert!(all.total.is_some_and(|n| n > 30), "{:?}", all.total);
        let dryad = cat
            .search_now(&SearchQuery {
                text: String::new(),
                facets: vec![("facility".into(), "Dryad".into())],
                limit: 0,
                ..Default::default()
            })
            .expect("dryad");
        assert_eq!(dryad.datasets.len(), 1);
        assert_eq!(dryad.datasets[0].pid.as_deref(), Some("10.5061/dryad.8515"));
    }
}
