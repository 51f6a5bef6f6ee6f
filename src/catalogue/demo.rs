//! The demo catalogue shipped in `assets/demo/catalogue.json`: a few hundred
//! synthetic open-data records, four linked to the demo NeXus files, searched
//! offline through the same full-text index as harvested records.

use crate::catalogue::offline::RecordIndex as _;
use std::path::Path;
use std::sync::Mutex;

use super::{Catalogue, CatalogueError, Dataset, SearchPage, SearchQuery, apply_facets};
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

impl DemoCatalogue {
    /// Load `catalogue.json` from a demo folder; shipped files get absolute paths.
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
        let hits = store
            .search_index(&q.text, 10_000)
            .map_err(|e| malformed(e.to_string()))?;
        let filtered: Vec<Dataset> = apply_facets(&hits, &q.facets)
            .into_iter()
            .cloned()
            .collect();
        let total = filtered.len() as u64;
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        Ok(SearchPage {
            datasets: filtered.into_iter().take(limit).collect(),
            total: Some(total),
            facet_counts: None,
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

    #[test]
    fn facets_filter_the_results() {
        let cat = demo();
        let all = cat.search_now(&SearchQuery::default()).expect("all");
        assert_eq!(all.total, Some(300));
        let psi = cat
            .search_now(&SearchQuery {
                text: "reflectometry".into(),
                facets: vec![("facility".into(), "PSI".into())],
                limit: 0,
            })
            .expect("psi");
        assert!(!psi.datasets.is_empty());
        assert!(
            psi.datasets
                .iter()
                .all(|d| d.facility.as_deref() == Some("PSI"))
        );
    }
}
