//! `panorama run`: a workflow file through the engine, without a window.

use std::path::Path;
use std::process::ExitCode;

/// `panorama run WORKFLOW [--set NODE.PARAM=VALUE]… [--json]`: the same
/// engine as the editor, without a window.
pub fn run_workflow(
    file: &Path,
    settings: &[String],
    json: bool,
    out_dir: Option<&Path>,
) -> ExitCode {
    let started = chrono::Utc::now();
    use crate::workflow::{engine::Engine, file::WorkflowFile};
    let graph = std::fs::read_to_string(file)
        .map_err(|e| crate::workflow::WorkflowError::File(format!("{}: {e}", file.display())))
        .and_then(|t| WorkflowFile::parse(&t))
        .and_then(|f| {
            let mut g = f.to_graph()?;
            crate::workflow::file::apply_settings(&mut g, settings)?;
            Ok(g)
        });
    let g = match graph {
        Ok(g) => g,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::from(2);
        }
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let out = match Engine::default().run(&g, &cancel, &|done, total| {
        tracing::info!("{done}/{total} nodes");
    }) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::FAILURE;
        }
    };
    let value_json = |v: &crate::workflow::nodes::Value| match v {
        crate::workflow::nodes::Value::Scalar(s) => serde_json::json!(s),
        crate::workflow::nodes::Value::Array(a) => {
            serde_json::json!({"shape": a.shape(), "values": a.iter().take(1000).collect::<Vec<_>>()})
        }
    };
    let values_json: serde_json::Map<String, serde_json::Value> = out
        .values
        .iter()
        .map(|(id, v)| (id.0.to_string(), value_json(v)))
        .collect();
    let errors_json: serde_json::Map<String, serde_json::Value> = out
        .errors
        .iter()
        .map(|(id, e)| (id.0.to_string(), serde_json::json!(e)))
        .collect();
    let results = serde_json::json!({"values": values_json, "errors": errors_json});
    if let Some(dir) = out_dir
        && let Err(e) = write_crate(dir, file, settings, &results, started, out.errors.len())
    {
        eprintln!(
            "panorama: the results were not written to {}: {e}",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    if json {
        let values: serde_json::Map<String, serde_json::Value> = out
            .values
            .iter()
            .map(|(id, v)| (id.0.to_string(), value_json(v)))
            .collect();
        let errors: serde_json::Map<String, serde_json::Value> = out
            .errors
            .iter()
            .map(|(id, e)| (id.0.to_string(), serde_json::json!(e)))
            .collect();
        println!(
            "{}",
            serde_json::json!({"values": values, "errors": errors})
        );
    } else {
        for (id, n) in g.nodes() {
            match (out.values.get(&id), out.errors.get(&id)) {
                (Some(v), _) => println!("{:>3} {:<10} {}", id.0, n.kind, v.summary()),
                (_, Some(e)) => println!("{:>3} {:<10} failed: {e}", id.0, n.kind),
                _ => {}
            }
        }
    }
    if out.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Write the results, a copy of the workflow and the RO-Crate into `dir`.
fn write_crate(
    dir: &Path,
    workflow: &Path,
    settings: &[String],
    results: &serde_json::Value,
    started: chrono::DateTime<chrono::Utc>,
    failed: usize,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let wf_bytes = std::fs::read(workflow)?;
    std::fs::write(dir.join("workflow.json"), &wf_bytes)?;
    let res_bytes = serde_json::to_vec_pretty(results).unwrap_or_default();
    std::fs::write(dir.join("results.json"), &res_bytes)?;
    let name = crate::workflow::file::WorkflowFile::parse(&String::from_utf8_lossy(&wf_bytes))
        .map(|f| f.name)
        .unwrap_or_default();
    let meta = crate::workflow::crate_meta::metadata(&crate::workflow::crate_meta::RunRecord {
        workflow_name: &name,
        workflow_file: "workflow.json",
        workflow_bytes: &wf_bytes,
        settings,
        results_file: "results.json",
        results_bytes: &res_bytes,
        started,
        ended: chrono::Utc::now(),
        failed_nodes: failed,
    });
    std::fs::write(
        dir.join("ro-crate-metadata.json"),
        serde_json::to_vec_pretty(&meta).unwrap_or_default(),
    )
}
