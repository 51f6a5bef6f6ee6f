//! One graph over many inputs ("map"): each run sets its input file on the
//! graph's first file-reading node and leaves a folder with its results, a
//! copy of the workflow and an RO-Crate. `panorama run --input` and the
//! Workflows tab's "Run over files" both use it.

use std::path::{Path, PathBuf};

use serde_json::{Value as J, json};
use tokio_util::sync::CancellationToken;

use super::crate_meta::{self, InputFile};
use super::engine::{Engine, Outcome};
use super::value::Value;
use super::{Graph, NodeId, WorkflowError};
use crate::store::FileOrigin;

/// The node whose `file` each run of a map replaces.
pub fn input_node(g: &Graph) -> Option<NodeId> {
    g.nodes()
        .find(|(_, n)| super::library::reads_files(&n.kind))
        .map(|(id, _)| id)
}

/// A value as it is written to `results.json` (long arrays shortened).
pub fn value_json(v: &Value) -> J {
    match v {
        Value::Scalar(s) => json!(s),
        Value::Array(a) => {
            json!({"shape": a.shape(), "values": a.iter().take(1000).collect::<Vec<_>>()})
        }
        Value::Table(t) => json!({"columns": t.columns, "rows": t.rows}),
        Value::Stack(s) => json!({"shape": s.shape(), "streamed": true, "values": []}),
    }
}

/// The file beside `results.json` with every value in full (the JSON
/// summary shortens long arrays): one dataset per node, named by its id;
/// a table is a 2-D dataset (rows × columns) with its `columns` named.
pub const RESULTS_H5: &str = "results.h5";

/// Write every value of a run, bit for bit, into an HDF5 file.
pub fn write_values(path: &Path, out: &Outcome) -> hdf5::Result<()> {
    use hdf5::types::VarLenUnicode;
    let text = |s: &str| -> hdf5::Result<VarLenUnicode> {
        s.parse()
            .map_err(|e: hdf5::types::StringError| hdf5::Error::from(e.to_string().as_str()))
    };
    let f = hdf5::File::create(path)?;
    for (id, v) in &out.values {
        let name = id.0.to_string();
        let (ds, kind) = match v.as_ref() {
            Value::Scalar(x) => {
                let ds = f.new_dataset::<f64>().create(name.as_str())?;
                ds.write_scalar(x)?;
                (ds, "number")
            }
            Value::Array(a) => (
                f.new_dataset_builder().with_data(a).create(name.as_str())?,
                "array",
            ),
            Value::Table(t) => {
                let ds = f
                    .new_dataset_builder()
                    .with_data(&t.to_array())
                    .create(name.as_str())?;
                let cols: Vec<VarLenUnicode> = t
                    .columns
                    .iter()
                    .map(|c| text(c))
                    .collect::<hdf5::Result<_>>()?;
                ds.new_attr::<VarLenUnicode>()
                    .shape(cols.len())
                    .create("columns")?
                    .write(&cols)?;
                (ds, "table")
            }
            // Streamed stacks are summarised only, as in the JSON.
            Value::Stack(_) => continue,
        };
        ds.new_attr::<VarLenUnicode>()
            .create("kind")?
            .write_scalar(&text(kind)?)?;
    }
    Ok(())
}

/// Read back what [`write_values`] wrote.
pub fn read_values(path: &Path) -> hdf5::Result<std::collections::BTreeMap<NodeId, Value>> {
    use hdf5::types::VarLenUnicode;
    let f = hdf5::File::open(path)?;
    let mut out = std::collections::BTreeMap::new();
    for name in f.member_names()? {
        let Ok(id) = name.parse::<u64>() else {
            continue;
        };
        let ds = f.dataset(&name)?;
        let kind = ds
            .attr("kind")
            .and_then(|a| a.read_scalar::<VarLenUnicode>())
            .map(|k| k.as_str().to_owned())
            .unwrap_or_default();
        let value = match kind.as_str() {
            "number" => Value::Scalar(ds.read_scalar::<f64>()?),
            "table" => {
                let a = ds.read_2d::<f64>()?;
                let columns: Vec<String> = ds
                    .attr("columns")?
                    .read_1d::<VarLenUnicode>()?
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect();
                Value::Table(super::value::Table {
                    columns,
                    rows: a.outer_iter().map(|r| r.to_vec()).collect(),
                })
            }
            _ => Value::Array(ds.read_dyn::<f64>()?),
        };
        out.insert(NodeId(id), value);
    }
    Ok(out)
}

/// A run's values and errors by node id.
pub fn results_json(out: &Outcome) -> J {
    let values: serde_json::Map<String, J> = out
        .values
        .iter()
        .map(|(id, v)| (id.0.to_string(), value_json(v)))
        .collect();
    let errors: serde_json::Map<String, J> = out
        .errors
        .iter()
        .map(|(id, e)| (id.0.to_string(), json!(e)))
        .collect();
    json!({"values": values, "errors": errors})
}

/// What a crate records of the workflow that ran.
pub struct RunInfo<'a> {
    /// The workflow file's bytes (as saved, or as the editor holds it).
    pub workflow: &'a [u8],
    pub settings: &'a [String],
    pub started: chrono::DateTime<chrono::Utc>,
    /// The SPDX licence id the crate gives its results.
    pub license: &'a str,
}

/// Write the results (the JSON summary and [`RESULTS_H5`] with every value
/// in full), a copy of the workflow and the RO-Crate into `dir`.
pub fn write_crate(
    dir: &Path,
    run: &RunInfo<'_>,
    out: &Outcome,
    inputs: &[InputFile],
    outputs: &[PathBuf],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let full = dir.join(RESULTS_H5);
    write_values(&full, out).map_err(|e| std::io::Error::other(format!("{RESULTS_H5}: {e}")))?;
    let failed = out.errors.len();
    let results = results_json(out);
    let outputs: Vec<crate_meta::OutputFile> = outputs
        .iter()
        .chain(std::iter::once(&full))
        .filter_map(|p| crate_meta::OutputFile::of(dir, p))
        .collect();
    std::fs::write(dir.join("workflow.json"), run.workflow)?;
    let res_bytes = serde_json::to_vec_pretty(&results).unwrap_or_default();
    std::fs::write(dir.join("results.json"), &res_bytes)?;
    let name = super::file::WorkflowFile::parse(&String::from_utf8_lossy(run.workflow))
        .map(|f| f.name)
        .unwrap_or_default();
    let meta = crate_meta::metadata(&crate_meta::RunRecord {
        workflow_name: &name,
        workflow_file: "workflow.json",
        workflow_bytes: run.workflow,
        settings: run.settings,
        results_file: "results.json",
        results_bytes: &res_bytes,
        started: run.started,
        ended: chrono::Utc::now(),
        failed_nodes: failed,
        license: run.license,
        inputs,
        outputs: &outputs,
    });
    std::fs::write(
        dir.join("ro-crate-metadata.json"),
        serde_json::to_vec_pretty(&meta).unwrap_or_default(),
    )
}

/// A folder name from free text (a workflow's name, a file's stem): letters,
/// digits, `.`, `_` and `-` only, at most 40 characters, so that the
/// folder's `file:` URI in a crate needs no escaping.
pub fn folder_name(text: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        let keep = c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        let c = if keep { c } else { '_' };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_matches(|c| c == '_' || c == '.').to_owned();
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

/// The folder of run `index` (from 0) over `input`: `001-scan_12` and so on.
pub fn run_dir(base: &Path, index: usize, input: &str) -> PathBuf {
    let stem = Path::new(input)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = folder_name(&stem, "input");
    base.join(format!("{:03}-{stem}", index + 1))
}

/// One run of a map.
#[derive(Debug)]
pub struct MapRun {
    /// The input file (`None`: the graph as it is).
    pub input: Option<String>,
    /// Where its results and crate are, if written.
    pub dir: Option<PathBuf>,
    pub outcome: Outcome,
    /// Why its folder could not be written, if so.
    pub write_error: Option<String>,
}

impl MapRun {
    pub fn failed(&self) -> bool {
        !self.outcome.errors.is_empty() || self.write_error.is_some()
    }
}

/// Run `g` once per input (once as it is when there are none), each into
/// its own folder under `out` when given, with the catalogue origin of each
/// input file from `origin`. `progress` hears (runs done, runs, input)
/// before each run; `cancel` stops between and within runs. The engine's
/// cache is shared, so nodes that do not depend on the input run once.
#[allow(clippy::too_many_arguments)]
pub fn map(
    engine: &mut Engine,
    g: &Graph,
    inputs: &[String],
    out: Option<&Path>,
    run: &RunInfo<'_>,
    origin: &dyn Fn(&str) -> Option<FileOrigin>,
    cancel: &CancellationToken,
    progress: &dyn Fn(usize, usize, &str),
) -> Result<Vec<MapRun>, WorkflowError> {
    let node = match input_node(g) {
        Some(n) => Some(n),
        None if inputs.is_empty() => None,
        None => {
            return Err(WorkflowError::Invalid(
                "this workflow has no file input node (HDF5 dataset, NeXus default signal or frames)"
                    .into(),
            ));
        }
    };
    let todo: Vec<Option<&String>> = if inputs.is_empty() {
        vec![None]
    } else {
        inputs.iter().map(Some).collect()
    };
    let mut runs = Vec::with_capacity(todo.len());
    for (i, input) in todo.iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(WorkflowError::Cancelled);
        }
        progress(i, todo.len(), input.map_or("", String::as_str));
        let started = chrono::Utc::now();
        let mut one = g.clone();
        if let (Some(node), Some(input)) = (node, input) {
            one.set_param(node, "file", J::String((*input).clone()))?;
        }
        let dir = out.map(|out| match input {
            Some(input) if todo.len() > 1 => run_dir(out, i, input),
            _ => out.to_path_buf(),
        });
        // Output nodes write inside the run's folder, never the working directory.
        let outputs = match &dir {
            Some(dir) => super::file::resolve_outputs(&mut one, dir)?,
            None => Vec::new(),
        };
        // Only what the results need: the output nodes and the ends of the
        // graph that are wired in. A leftover node (inputs, none of them
        // connected, feeding nothing) cannot fail the run; optional inputs
        // may stay open.
        let results: Vec<super::NodeId> = one
            .nodes()
            .filter(|(id, n)| {
                let feeds = one.edges().any(|e| e.from.0 == *id);
                let wired = n.inputs.is_empty()
                    || (0..n.inputs.len()).any(|p| one.source_of(*id, p).is_some());
                super::library::writes_files(&n.kind) || (!feeds && wired)
            })
            .map(|(id, _)| id)
            .collect();
        if !results.is_empty() {
            one = one.needed_by(&results);
        }
        let outcome = engine.run(&one, cancel, &|done, total| {
            tracing::debug!("{done}/{total} nodes");
        })?;
        let write_error = dir.as_ref().and_then(|dir| {
            let files = crate_meta::inputs_with_origins(&one, origin);
            write_crate(
                dir,
                &RunInfo { started, ..*run },
                &outcome,
                &files,
                &outputs,
            )
            .err()
            .map(|e| format!("the results were not written to {}: {e}", dir.display()))
        });
        runs.push(MapRun {
            input: input.cloned(),
            dir,
            outcome,
            write_error,
        });
    }
    progress(todo.len(), todo.len(), "");
    Ok(runs)
}

#[cfg(test)]
mod tests {

    /// Every value of a run comes back from the results file bit for bit:
    /// NaN, infinities, −0, a table with a gap, a number, a 2-D array.
    #[test]
    fn the_results_file_keeps_every_value_bit_for_bit() {
        use std::sync::Arc;
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join(RESULTS_H5);
        let mut out = Outcome::default();
        let a = ndarray::Array2::from_shape_fn((3, 1500), |(r, c)| match (r, c) {
            (0, 0) => f64::NAN,
            (1, 7) => f64::INFINITY,
            (2, 9) => -0.0,
            _ => (r * 1500 + c) as f64 / 3.0,
        })
        .into_dyn();
        out.values
            .insert(NodeId(1), Arc::new(Value::Array(a.clone())));
        out.values.insert(NodeId(2), Arc::new(Value::Scalar(-0.0)));
        let table = super::super::value::Table {
            columns: vec!["q".into(), "I".into()],
            rows: vec![vec![0.1, f64::NAN], vec![0.2, 3.5]],
        };
        out.values
            .insert(NodeId(3), Arc::new(Value::Table(table.clone())));
        write_values(&path, &out).expect("write");
        let back = read_values(&path).expect("read");
        let bits = |v: &ndarray::ArrayD<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        match &back[&NodeId(1)] {
            Value::Array(b) => {
                assert_eq!(b.shape(), a.shape());
                assert_eq!(bits(b), bits(&a), "all 4,500 values, not the first 1,000");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(back[&NodeId(2)], Value::Scalar(x) if x.to_bits() == (-0.0f64).to_bits()));
        match &back[&NodeId(3)] {
            Value::Table(t) => {
                assert_eq!(t.columns, table.columns);
                assert!(t.rows[0][1].is_nan() && t.rows[1][1] == 3.5);
            }
            other => panic!("{other:?}"),
        }
        // The JSON summary is what shortens: this is why the file exists.
        let summary = results_json(&out);
        assert_eq!(
            summary["values"]["1"]["values"].as_array().map(Vec::len),
            Some(1000)
        );
    }
    use super::*;

    #[test]
    fn folder_names_need_no_escaping() {
        assert_eq!(
            folder_name("Detector image: regroup to I(q), fit", "w"),
            "Detector_image_regroup_to_I_q_fit"
        );
        assert_eq!(folder_name("scan_001.h5", "w"), "scan_001.h5");
        assert_eq!(folder_name("  ☃ ", "input"), "input");
        assert!(folder_name(&"x".repeat(100), "w").len() <= 40);
    }

    #[test]
    fn a_map_runs_once_per_input_with_a_crate_each_naming_its_dataset() {
        let tmp = tempfile::tempdir().expect("tmp");
        let demo = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/demo/demo_spectrum1d.nxs"
        );
        let copy = tmp.path().join("copy.nxs");
        std::fs::copy(demo, &copy).expect("copy");
        let mut g = Graph::default();
        let read = g.add(super::super::library::make("nexus_signal").expect("node"));
        let total = g.add(super::super::library::make("sum").expect("node"));
        g.connect((read, 0), (total, 0)).expect("edge");
        let inputs = vec![demo.to_owned(), copy.display().to_string()];
        let origin = |p: &str| {
            p.ends_with("copy.nxs").then(|| FileOrigin {
                dataset: "https://doi.org/10.1234/demo".into(),
                title: "Demo spectrum".into(),
                source: "demo".into(),
                url: "https://example.org/copy.nxs".into(),
            })
        };
        let seen = std::sync::Mutex::new(Vec::new());
        let runs = map(
            &mut Engine::default(),
            &g,
            &inputs,
            Some(&tmp.path().join("runs")),
            &RunInfo {
                workflow: b"{}",
                settings: &[],
                started: chrono::Utc::now(),
                license: crate::workflow::crate_meta::DEFAULT_LICENSE,
            },
            &origin,
            &CancellationToken::new(),
            &|done, n, _| seen.lock().expect("lock").push((done, n)),
        )
        .expect("map");
        assert_eq!(runs.len(), 2);
        assert!(runs.iter().all(|r| !r.failed()), "{runs:?}");
        assert_eq!(
            runs[0].outcome.values[&total], runs[1].outcome.values[&total],
            "the same file twice gives the same sum"
        );
        assert_eq!(*seen.lock().expect("lock"), vec![(0, 2), (1, 2), (2, 2)]);
        let dir = runs[1].dir.clone().expect("written");
        assert!(dir.ends_with("002-copy"));
        let meta: J = serde_json::from_str(
            &std::fs::read_to_string(dir.join("ro-crate-metadata.json")).expect("crate"),
        )
        .expect("json");
        let graph = meta["@graph"].as_array().expect("graph");
        let file = graph
            .iter()
            .find(|e| e["@id"].as_str().is_some_and(|i| i.ends_with("copy.nxs")))
            .expect("the input");
        assert_eq!(file["identifier"], "https://doi.org/10.1234/demo");
        assert_eq!(file["url"], "https://example.org/copy.nxs");
        assert!(
            graph
                .iter()
                .any(|e| e["@id"] == "https://doi.org/10.1234/demo" && e["@type"] == "Dataset")
        );
        // A graph without a file input cannot be mapped.
        let mut plain = Graph::default();
        plain.add(super::super::library::make("constant").expect("node"));
        assert!(matches!(
            map(
                &mut Engine::default(),
                &plain,
                &inputs,
                Some(tmp.path()),
                &RunInfo {
                    workflow: b"{}",
                    settings: &[],
                    started: chrono::Utc::now(),
                    license: crate::workflow::crate_meta::DEFAULT_LICENSE,
                },
                &|_| None,
                &CancellationToken::new(),
                &|_, _, _| {},
            ),
            Err(WorkflowError::Invalid(_))
        ));
    }

    /// A half-wired node that feeds no output does not fail a map run: only
    /// what the output nodes need runs.
    #[test]
    fn a_leftover_node_does_not_fail_the_runs() {
        let tmp = tempfile::tempdir().expect("tmp");
        let demo = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/demo/demo_spectrum1d.nxs"
        );
        let mut g = Graph::default();
        let read = g.add(super::super::library::make("nexus_signal").expect("node"));
        let save = g.add(super::super::library::make("export_csv").expect("node"));
        g.connect((read, 0), (save, 0)).expect("edge");
        // Left over: a sum with nothing wired into it.
        g.add(super::super::library::make("sum").expect("node"));
        let runs = map(
            &mut Engine::default(),
            &g,
            &[demo.to_owned()],
            Some(&tmp.path().join("runs")),
            &RunInfo {
                workflow: b"{}",
                settings: &[],
                started: chrono::Utc::now(),
                license: crate::workflow::crate_meta::DEFAULT_LICENSE,
            },
            &|_| None,
            &CancellationToken::new(),
            &|_, _, _| {},
        )
        .expect("map");
        assert!(
            runs.iter().all(|r| !r.failed()),
            "{:?}",
            runs[0].outcome.errors
        );
    }
}
