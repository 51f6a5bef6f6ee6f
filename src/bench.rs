//! `panorama bench`: the same measurements as the h5py reference script
//! (tests/tools/h5py_baseline.py) on the same generated files, so `make bench`
//! can print ratios. Each figure is the median of several warm runs.

use crate::catalogue::offline::RecordIndex as _;
use crate::command::DocumentsCommand;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::catalogue::synthetic::{FACILITIES, Lcg, PROJECTS, SAMPLES, synthetic_records};
use crate::data::local_hdf5::LocalHdf5;
use crate::data::{Data, DataError, DataSource, NoProgress, Selection};
use crate::plot::{Colormap, Scale, decimate_minmax};

#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub name: &'static str,
    pub median_s: f64,
    pub runs_s: Vec<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn time<F: FnMut() -> Result<(), DataError>>(
    name: &'static str,
    runs: usize,
    mut f: F,
) -> Result<Measurement, DataError> {
    f()?; // warm-up: page cache, filter registration
    let mut t = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t0 = Instant::now();
        f()?;
        t.push(t0.elapsed().as_secs_f64());
    }
    Ok(Measurement {
        name,
        median_s: median(t.clone()),
        runs_s: t,
    })
}

/// Run every benchmark whose file exists in `dir`.
///
/// # Panics
///
/// When a benchmark file is not what `make bench` generates (the tree of
/// 10,000 objects has fewer).
pub fn run(dir: &Path, runs: usize) -> Result<Vec<Measurement>, DataError> {
    let mut out = Vec::new();
    let file = |n: &str| dir.join(n);
    if file("tree10k.nxs").exists() {
        out.push(time("visititems_tree10k", runs, || {
            let src = LocalHdf5::open(&file("tree10k.nxs"))?;
            let n = crate::data::list_all(&src, &NoProgress)?.len();
            assert!(n > 10_000, "{n}");
            Ok(())
        })?);
    }
    if file("image4k.nxs").exists() {
        out.push(time("read_image4k_full", runs, || {
            let src = LocalHdf5::open(&file("image4k.nxs"))?;
            let v = src.value("/entry/data/data", &Selection::all(), &NoProgress)?;
            std::hint::black_box(v);
            Ok(())
        })?);
        out.push(time("read_image4k_to_texture", runs, || {
            let src = LocalHdf5::open(&file("image4k.nxs"))?;
            let v = src.value("/entry/data/data", &Selection::all(), &NoProgress)?;
            std::hint::black_box(crate::plot::image_rgba(
                &v,
                Colormap::Viridis,
                Scale::Linear,
            ));
            Ok(())
        })?);
    }
    if file("line10m.nxs").exists() {
        out.push(time("read_line10m_full", runs, || {
            let src = LocalHdf5::open(&file("line10m.nxs"))?;
            std::hint::black_box(src.value(
                "/entry/data/signal",
                &Selection::all(),
                &NoProgress,
            )?);
            Ok(())
        })?);
        out.push(time("read_decimate_line10m_2000cols", runs, || {
            let src = LocalHdf5::open(&file("line10m.nxs"))?;
            let v = src.value("/entry/data/signal", &Selection::all(), &NoProgress)?;
            let Data::F64(y) = &v.data else {
                return Err(DataError::Malformed {
                    object: "signal".into(),
                    message: "not float64".into(),
                });
            };
            std::hint::black_box(decimate_minmax(y, 2000));
            Ok(())
        })?);
        out.push({
            // One pan/zoom frame: decimate a visible range from the pyramid.
            let src = LocalHdf5::open(&file("line10m.nxs"))?;
            let v = src.value("/entry/data/signal", &Selection::all(), &NoProgress)?;
            let p = crate::plot::MinMaxPyramid::new(v.to_f64().unwrap_or_default());
            let mut k = 0usize;
            time("line10m_pan_zoom_frame", runs.max(20), || {
                k += 1;
                let start = (k * 777_777) % 5_000_000;
                std::hint::black_box(p.decimate(start, start + 4_000_000, 2000));
                Ok(())
            })?
        });
    }
    if file("stack_bslz4.h5").exists() {
        out.push(time("bslz4_decompress_50frames_sum", runs, || {
            let src = LocalHdf5::open(&file("stack_bslz4.h5"))?;
            let v = src.value("/entry/data/data", &Selection::all(), &NoProgress)?;
            let sum: u64 = match &v.data {
                Data::U16(d) => {
                    use rayon::prelude::*;
                    d.par_iter().map(|&x| u64::from(x)).sum()
                }
                _ => 0,
            };
            std::hint::black_box(sum);
            Ok(())
        })?);
        if file("dark2048.h5").exists() {
            let saved =
                std::env::temp_dir().join(format!("panorama-bench-sum-{}.nxs", std::process::id()));
            let g = reduction_graph(&file("stack_bslz4.h5"), &file("dark2048.h5"), &saved);
            let cancel = tokio_util::sync::CancellationToken::new();
            out.push(time("reduce_dark_sum_save_50frames", runs, || {
                // A new engine each time: nothing comes from the cache.
                let outcome = crate::workflow::engine::Engine::default()
                    .run(&g, &cancel, &|_, _| {})
                    .map_err(|e| DataError::Malformed {
                        object: "workflow".into(),
                        message: e.to_string(),
                    })?;
                if let Some((_, e)) = outcome.errors.iter().next() {
                    return Err(DataError::Malformed {
                        object: "workflow".into(),
                        message: e.clone(),
                    });
                }
                Ok(())
            })?);
            let _ = std::fs::remove_file(&saved);
        }
    }
    Ok(out)
}

/// The reduction benchmark's workflow: each frame of `stack` less the dark
/// frame, summed over frames, saved as NeXus.
pub fn reduction_graph(stack: &Path, dark: &Path, save: &Path) -> crate::workflow::Graph {
    use crate::workflow::{Graph, library};
    let node = |kind: &str, params: &[(&str, serde_json::Value)]| {
        let mut n = library::make(kind).unwrap_or_else(|| unreachable!("{kind} is in the library"));
        for (k, v) in params {
            n.params.insert((*k).to_owned(), v.clone());
        }
        n
    };
    let path = serde_json::json!("/entry/data/data");
    let mut g = Graph::default();
    let frames = g.add(node(
        "read_hdf5",
        &[
            ("file", stack.display().to_string().into()),
            ("path", path.clone()),
        ],
    ));
    let dark = g.add(node(
        "read_hdf5",
        &[("file", dark.display().to_string().into()), ("path", path)],
    ));
    let less = g.add(node("subtract", &[]));
    let sum = g.add(node("sum", &[("axis", 0.into())]));
    let save = g.add(node(
        "save_nexus",
        &[
            ("file", save.display().to_string().into()),
            ("name", "sum".into()),
        ],
    ));
    for (from, to) in [
        (frames, (less, 0)),
        (dark, (less, 1)),
        (less, (sum, 0)),
        (sum, (save, 0)),
    ] {
        let _ = g.connect((from, 0), to);
    }
    g
}

/// Percentiles of an offline search benchmark, in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct SearchTimes {
    pub records: usize,
    pub queries: usize,
    pub p50_s: f64,
    pub p95_s: f64,
}

impl SearchTimes {
    /// The median and 95th percentile of `times` (seconds), over `records`.
    fn of(records: usize, mut times: Vec<f64>) -> Self {
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let i = ((times.len() as f64 - 1.0) * p).round() as usize;
            times.get(i).copied().unwrap_or(f64::NAN)
        };
        Self {
            records,
            queries: times.len(),
            p50_s: pct(0.5),
            p95_s: pct(0.95),
        }
    }
}

/// Build (once) an offline index of `n` synthetic records in `dir`, then time
/// `queries` searches of one to three words, as the Search tab makes them:
/// the best 500 hits and the facet counts over every match.
pub fn offline_search(dir: &Path, n: usize, queries: usize) -> Result<SearchTimes, String> {
    let path = dir.join(format!("offline{n}-v2.sqlite"));
    let mut store = crate::store::Store::open(&path).map_err(|e| e.to_string())?;
    if store.index_len().map_err(|e| e.to_string())? < n {
        let t0 = Instant::now();
        for chunk in synthetic_records(n).chunks(10_000) {
            store.index_datasets(chunk).map_err(|e| e.to_string())?;
        }
        eprintln!(
            "indexed {n} synthetic records in {:.1} s",
            t0.elapsed().as_secs_f64()
        );
    }
    let mut r = Lcg(7);
    let words: Vec<&str> = SAMPLES
        .iter()
        .chain(PROJECTS.iter())
        .chain(FACILITIES.iter())
        .chain(["diffraction", "scattering", "Schmidt", "beamtime", "run"].iter())
        .copied()
        .collect();
    let mut times = Vec::with_capacity(queries);
    for _ in 0..queries {
        let q: Vec<&str> = (0..=r.next(3))
            .map(|_| words[r.next(words.len())])
            .collect();
        let q = q.join(" ");
        let t0 = Instant::now();
        // What the Search tab waits for: the best 500 and the facet counts
        // over every match.
        let hits = store
            .search_index_faceted(&q, &[], 500)
            .map_err(|e| e.to_string())?;
        times.push(t0.elapsed().as_secs_f64());
        std::hint::black_box(hits);
    }
    Ok(SearchTimes::of(n, times))
}

/// Time `queries` range-filtered searches of the offline index of `n`
/// synthetic records (built by [`offline_search`] when missing), as the
/// Search tab makes them: a parameter range in a unit picked at random
/// (often not the records' own), with a word half of the time; the best
/// 500 and the facet counts over every record that passes.
pub fn offline_range_search(dir: &Path, n: usize, queries: usize) -> Result<SearchTimes, String> {
    use crate::catalogue::offline::RecordIndex as _;
    let path = dir.join(format!("offline{n}-v2.sqlite"));
    if crate::store::Store::open(&path)
        .and_then(|s| s.index_len())
        .map_err(|e| e.to_string())?
        < n
    {
        offline_search(dir, n, 1)?;
    }
    let store = crate::store::Store::open(&path).map_err(|e| e.to_string())?;
    let mut r = Lcg(11);
    #[allow(clippy::cast_precision_loss)]
    let mut pick = |lo: f64, hi: f64| lo + (hi - lo) * r.next(10_000) as f64 / 1e4;
    let mut times = Vec::with_capacity(queries);
    // Warm the index (the first search after opening reads it in).
    store
        .search_index_filtered("", &[], &[], 0, 500)
        .map_err(|e| e.to_string())?;
    for i in 0..queries {
        let a = pick(0.0, 1.0);
        let syntax = match i % 5 {
            0 => format!("wavelength:{:.2}..{:.2} Å", 0.3 + 2.0 * a, 0.5 + 2.0 * a),
            1 => format!("wavelength:{:.3}..{:.3} nm", 0.03 + 0.2 * a, 0.06 + 0.2 * a),
            2 => format!(
                "photon_energy:{:.1}..{:.1} keV",
                5.0 + 20.0 * a,
                7.0 + 20.0 * a
            ),
            3 => format!("sample_temperature:<{:.0} K", 10.0 + 300.0 * a),
            _ => format!("pressure:{:.1}..{:.1} mbar", 100.0 * a, 100.0 * a + 50.0),
        };
        let words = ["", "lysozyme", "beamtime", "ESRF", "tomography"];
        let text = words[i % words.len()];
        let q = crate::catalogue::query::Query::parse(&format!("{text} {syntax}"))
            .map_err(|e| e.to_string())?;
        let t0 = Instant::now();
        let hits = store
            .search_index_filtered(&q.text, &q.filters, &[], 0, 500)
            .map_err(|e| e.to_string())?;
        times.push(t0.elapsed().as_secs_f64());
        std::hint::black_box(hits);
    }
    Ok(SearchTimes::of(n, times))
}

/// Federated search timings, in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct FederationTimes {
    /// Median time of the slowest source searched on its own.
    pub slowest_alone_s: f64,
    /// Median time until every source has answered, all searched at once.
    pub federated_s: f64,
    pub overhead_s: f64,
    /// The same for "Load more": the next page of one record a source.
    pub more_slowest_alone_s: f64,
    pub more_federated_s: f64,
    pub more_overhead_s: f64,
}

/// Search the PaNOSC servers at `urls` one by one and then all at once, as
/// the Search tab does (fan-out, streaming, merging), with a structured
/// query (free text and a wavelength range in another unit than the
/// records'), `runs` times each; then the same for "Load more" (pages of
/// one record: the time from the command to the next page merged).
pub fn federation(dir: &Path, urls: &[String], runs: usize) -> Result<FederationTimes, String> {
    let home = dir.join("federation-home");
    let rt = crate::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let mut state =
        crate::state::AppState::new(crate::paths::AppDirs::under(&home), rt.tasks().clone());
    let cfg = |i: usize, url: &str| crate::catalogue::SourceConfig {
        id: format!("s{i}"),
        name: format!("source {i}"),
        kind: crate::catalogue::panosc::KIND.kind(),
        url: url.to_owned(),
        enabled: true,
        account: None,
        h5grove: None,
    };
    let wait = |state: &mut crate::state::AppState, t0: Instant| -> Result<f64, String> {
        while state.search.running() {
            let _ = state.poll();
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        let t = t0.elapsed().as_secs_f64();
        if let Some(failed) = state.search.runs.iter().find_map(|r| match &r.status {
            crate::state::Requested::Failed { error: m, .. } => Some(format!("{}: {m}", r.name)),
            _ => None,
        }) {
            return Err(failed);
        }
        Ok(t)
    };
    let query = "dataset wavelength:0.5..2 µm";
    let search = |state: &mut crate::state::AppState| -> Result<f64, String> {
        state.search.page_size = 0;
        let t0 = Instant::now();
        state.apply(crate::command::SearchCommand::Run(query.into()));
        let t = wait(state, t0)?;
        if state.search.results.is_empty() {
            return Err(format!("“{query}” found nothing"));
        }
        Ok(t)
    };
    let more = |state: &mut crate::state::AppState| -> Result<f64, String> {
        state.search.page_size = 1;
        state.apply(crate::command::SearchCommand::Run("dataset".into()));
        wait(state, Instant::now())?;
        if !state.search.has_more() {
            return Err("a page of one record left nothing to load".into());
        }
        let t0 = Instant::now();
        state.apply(crate::command::SearchCommand::LoadMore);
        wait(state, t0)
    };
    let median_of = |state: &mut crate::state::AppState,
                     f: &dyn Fn(&mut crate::state::AppState) -> Result<f64, String>|
     -> Result<f64, String> {
        f(state)?;
        let t: Result<Vec<f64>, String> = (0..runs).map(|_| f(state)).collect();
        Ok(median(t?))
    };
    let (mut slowest, mut more_slowest): (f64, f64) = (0.0, 0.0);
    for (i, url) in urls.iter().enumerate() {
        state.search.sources = vec![cfg(i, url)];
        slowest = slowest.max(median_of(&mut state, &search)?);
        more_slowest = more_slowest.max(median_of(&mut state, &more)?);
    }
    state.search.sources = urls.iter().enumerate().map(|(i, u)| cfg(i, u)).collect();
    let federated = median_of(&mut state, &search)?;
    let more_federated = median_of(&mut state, &more)?;
    Ok(FederationTimes {
        slowest_alone_s: slowest,
        federated_s: federated,
        overhead_s: federated - slowest,
        more_slowest_alone_s: more_slowest,
        more_federated_s: more_federated,
        more_overhead_s: more_federated - more_slowest,
    })
}

/// Engine overhead: a chain of `n` scalar nodes (a number, then `n − 1`
/// scale nodes), run from an empty cache; returns seconds per node (median).
pub fn workflow_chain(n: usize, runs: usize) -> Result<f64, String> {
    use crate::workflow::{Graph, NodeId, engine::Engine, library};
    let mut g = Graph::default();
    let mut prev: NodeId = g.add(library::make("constant").ok_or("no constant node")?);
    for _ in 1..n {
        let id = g.add(library::make("scale").ok_or("no scale node")?);
        g.connect((prev, 0), (id, 0)).map_err(|e| e.to_string())?;
        prev = id;
    }
    let cancel = tokio_util::sync::CancellationToken::new();
    let mut t = Vec::with_capacity(runs);
    for _ in 0..=runs {
        let mut engine = Engine::default();
        let t0 = Instant::now();
        let out = engine
            .run(&g, &cancel, &|_, _| {})
            .map_err(|e| e.to_string())?;
        t.push(t0.elapsed().as_secs_f64());
        if out.values.len() != n {
            return Err(format!("{} of {n} nodes ran", out.values.len()));
        }
    }
    t.remove(0); // warm-up
    Ok(median(t) / n as f64)
}

/// What browsing a large file cost in memory.
#[derive(Debug, Clone, Serialize)]
pub struct BrowseMemory {
    pub logical_bytes: u64,
    pub frames_shown: usize,
    /// Peak resident memory of the process (VmHWM), MB.
    pub peak_rss_mb: f64,
    /// Most bytes the value cache held, MB.
    pub peak_cache_mb: f64,
    pub seconds: f64,
}

/// Peak resident memory of this process so far, in MB (Linux `VmHWM`).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Browse `file` as the viewer does, without a window: open it, list every
/// object (search-as-you-type), show the NeXus default plot, then step
/// through `frames` frames of `path` one by one with the viewer's prefetch
/// of the next two, each frame coloured as an image; report peak memory.
pub fn browse_memory(file: &Path, path: &str, frames: usize) -> Result<BrowseMemory, String> {
    use crate::state::{AppState, Requested, ValueKey};
    let t0 = Instant::now();
    let rt = crate::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let home = std::env::temp_dir().join(format!("panorama-browse-{}", std::process::id()));
    let mut state = AppState::new(crate::paths::AppDirs::under(&home), rt.tasks().clone());
    let settle = |state: &mut AppState| {
        while state.busy() || !state.tasks().snapshot().is_empty() {
            let _ = state.poll();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    };
    state.apply(DocumentsCommand::OpenPath(file.to_path_buf()));
    settle(&mut state);
    let doc = state
        .documents
        .open
        .first()
        .map(|d| d.id)
        .ok_or("the file did not open")?;
    let src = state
        .documents
        .open
        .first()
        .and_then(|d| d.source.clone())
        .ok_or_else(|| "the file did not open".to_owned())?;
    let listed = crate::data::list_all(src.as_ref(), &NoProgress).map_err(|e| e.to_string())?;
    let info = listed
        .iter()
        .find(|e| e.path == path)
        .and_then(|e| e.dataset().cloned())
        .ok_or_else(|| format!("{path} is not a dataset of {}", file.display()))?;
    let logical = info.element_count().saturating_mul(2);
    let n = usize::try_from(info.shape.first().copied().unwrap_or(0)).unwrap_or(0);
    state.apply(DocumentsCommand::OpenDefaultPlot(doc));
    settle(&mut state);
    let key = |f: usize| ValueKey {
        doc,
        path: path.to_owned(),
        selection: Selection::parse(&f.to_string()).unwrap_or_default(),
        part: None,
    };
    let mut peak_cache = 0usize;
    let shown = frames.min(n);
    for f in 0..shown {
        loop {
            let now = state.value(&key(f));
            for ahead in 1..=2 {
                if f + ahead < n {
                    let _ = state.value(&key(f + ahead));
                }
            }
            match now {
                Requested::Ready(v) => {
                    std::hint::black_box(crate::plot::image_rgba(
                        &v,
                        Colormap::Viridis,
                        Scale::Linear,
                    ));
                    break;
                }
                Requested::Failed { error: e, .. } => return Err(e),
                Requested::Pending { .. } => {
                    let _ = state.poll();
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            }
        }
        peak_cache = peak_cache.max(state.documents.cached_value_bytes());
    }
    settle(&mut state);
    let _ = std::fs::remove_dir_all(&home);
    Ok(BrowseMemory {
        logical_bytes: logical,
        frames_shown: shown,
        peak_rss_mb: peak_rss_mb().unwrap_or(f64::NAN),
        peak_cache_mb: peak_cache as f64 / f64::from(1 << 20),
        seconds: t0.elapsed().as_secs_f64(),
    })
}
