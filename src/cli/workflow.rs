//! `panorama run`: a workflow file through the engine, without a window.

use std::path::Path;
use std::process::ExitCode;

/// `panorama run WORKFLOW [--set NODE.PARAM=VALUE]… [--input FILE]… [--json]
/// [--out DIR]`: the same engine as the editor, without a window. With
/// several `--input`s the graph runs once per file (map over inputs): the
/// file goes to the workflow's first input node, and the engine's cache keeps
/// what does not depend on it.
pub fn run_workflow(
    dirs: &crate::paths::AppDirs,
    file: &Path,
    settings: &[String],
    inputs: &[String],
    json: bool,
    (out_dir, license): (Option<&Path>, &str),
) -> ExitCode {
    use crate::workflow::batch;
    if spdx::license_id(license).is_none() {
        eprintln!("panorama: --license: “{license}” is not an SPDX licence id (e.g. CC-BY-4.0)");
        return ExitCode::from(2);
    }
    use crate::workflow::{engine::Engine, file::WorkflowFile};
    let loaded = std::fs::read(file)
        .map_err(|e| crate::workflow::WorkflowError::File(format!("{}: {e}", file.display())))
        .and_then(|b| {
            let mut g = WorkflowFile::parse(&String::from_utf8_lossy(&b))?.to_graph()?;
            if let Some(dir) = file.parent() {
                crate::workflow::file::resolve_inputs(&mut g, dir);
            }
            crate::workflow::file::apply_settings(&mut g, settings)?;
            Ok((g, b))
        });
    let (g, workflow_bytes) = match loaded {
        Ok(x) => x,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::from(2);
        }
    };
    let origins = crate::workflow::crate_meta::store_origins(dirs);
    let runs = match batch::map(
        &mut Engine::default(),
        &g,
        inputs,
        out_dir,
        &batch::RunInfo {
            workflow: &workflow_bytes,
            settings,
            started: chrono::Utc::now(),
            license,
        },
        &origins,
        &tokio_util::sync::CancellationToken::new(),
        &|done, total, input| {
            if !input.is_empty() {
                tracing::info!("run {} of {total}: {input}", done + 1);
            }
        },
    ) {
        Ok(r) => r,
        // `--input` for a workflow that reads no file: a usage error.
        Err(e @ crate::workflow::WorkflowError::Invalid(_)) => {
            eprintln!("panorama: --input: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::FAILURE;
        }
    };
    let any_failed = runs.iter().any(|r| !r.outcome.errors.is_empty());
    if let Some(e) = runs.iter().find_map(|r| r.write_error.as_ref()) {
        eprintln!("panorama: {e}");
        return ExitCode::FAILURE;
    }
    let mut reports = Vec::new();
    for run in &runs {
        if !json {
            if let Some(path) = &run.input {
                println!("== {path}");
            }
            for (id, n) in g.nodes() {
                match (run.outcome.values.get(&id), run.outcome.errors.get(&id)) {
                    (Some(v), _) => println!("{:>3} {:<12} {}", id.0, n.kind, v.summary()),
                    (_, Some(e)) => println!("{:>3} {:<12} failed: {e}", id.0, n.kind),
                    _ => {}
                }
            }
        }
        let mut report = batch::results_json(&run.outcome);
        if let Some(path) = &run.input {
            report["input"] = serde_json::json!(path);
        }
        reports.push(report);
    }
    if json {
        if reports.len() == 1 && inputs.len() <= 1 {
            let mut one = reports.remove(0);
            if let Some(o) = one.as_object_mut() {
                o.remove("input");
            }
            println!("{one}");
        } else {
            println!("{}", serde_json::json!({ "runs": reports }));
        }
    }
    if any_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Where and how `panorama run --on slurm://…` runs.
pub struct SlurmArgs {
    pub address: String,
    pub shared_dir: Option<std::path::PathBuf>,
    pub user: Option<String>,
    pub panorama: String,
    /// A signed-in account whose provider tokens the cluster accepts.
    pub account: Option<String>,
    /// The audience (RFC 8707 resource) of the cluster's tokens.
    pub audience: String,
}

/// `panorama run WORKFLOW --on slurm://HOST:PORT --shared-dir DIR`: submit the
/// run to a Slurm cluster, follow it, and print (or copy to `--out`) what the
/// job wrote.
pub fn run_on_slurm(
    dirs: &crate::paths::AppDirs,
    file: &Path,
    settings: &[String],
    json: bool,
    out_dir: Option<&Path>,
    args: &SlurmArgs,
) -> ExitCode {
    use crate::workflow::slurm::{Cluster, RemoteTarget, follow, submit_workflow};
    let Some(shared) = args.shared_dir.clone() else {
        eprintln!(
            "panorama: a cluster run needs --shared-dir, a folder this computer and the cluster both see"
        );
        return ExitCode::from(2);
    };
    // The token: from a signed-in account where the site's Slurm accepts the
    // provider's tokens, else from `scontrol token` (SLURM_JWT).
    let (token, token_user) = match &args.account {
        Some(account) => {
            let got = crate::auth::AccountBook::system(dirs)
                .and_then(|book| book.session(account))
                .map_err(|e| e.to_string())
                .and_then(|session| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| e.to_string())?;
                    rt.block_on(crate::workflow::slurm::token_from_account(
                        &session,
                        &args.audience,
                    ))
                    .map_err(|e| e.to_string())
                });
            match got {
                Ok((t, u)) => (t.expose().to_owned(), u),
                Err(e) => {
                    eprintln!("panorama: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => match std::env::var("SLURM_JWT").ok().filter(|t| !t.is_empty()) {
            Some(t) => (t, None),
            None => {
                eprintln!(
                    "panorama: set SLURM_JWT to a token from `scontrol token` on the cluster, or use --slurm-account"
                );
                return ExitCode::from(2);
            }
        },
    };
    let user = args
        .user
        .clone()
        .or(token_user)
        .or_else(|| std::env::var("SLURM_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_default();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("panorama: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    // Check the file and the settings here, before a job is queued for nothing.
    let checked = crate::workflow::file::WorkflowFile::parse(&text).and_then(|f| {
        let mut g = f.to_graph()?;
        crate::workflow::file::apply_settings(&mut g, settings)?;
        Ok(f.name)
    });
    let name = match checked {
        Ok(n) => n,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::from(2);
        }
    };
    let cluster = match Cluster::new(&args.address, &user, crate::auth::Secret::new(token)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(runtime) = super::runtime_or_say() else {
        return ExitCode::FAILURE;
    };
    let target = RemoteTarget {
        cluster: cluster.clone(),
        shared_dir: shared,
        panorama: args.panorama.clone(),
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let result = runtime.block_on(async {
        cluster.ping().await?;
        let run = submit_workflow(&target, &text, &name, settings).await?;
        eprintln!("job {} submitted; files in {}", run.job, run.dir.display());
        let results = follow(
            &cluster,
            &run,
            &|s| eprintln!("job {}: {}", run.job, s.describe()),
            &cancel,
        )
        .await?;
        Ok::<_, crate::workflow::slurm::SlurmError>((run, results))
    });
    let (run, results) = match result {
        Ok((run, r)) => (run, r.summary),
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(dir) = out_dir {
        let copied = std::fs::create_dir_all(dir).and_then(|()| {
            for entry in std::fs::read_dir(run.out_dir())? {
                let entry = entry?;
                if entry.file_type()?.is_file() {
                    std::fs::copy(entry.path(), dir.join(entry.file_name()))?;
                }
            }
            Ok(())
        });
        if let Err(e) = copied {
            eprintln!(
                "panorama: the results were not copied to {}: {e}",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
    }
    if json {
        println!("{results}");
    } else {
        let values = results.get("values").and_then(|v| v.as_object());
        for (id, v) in values.into_iter().flatten() {
            println!("{id:>3} {}", summarize(v));
        }
    }
    let failed = results
        .get("errors")
        .and_then(|e| e.as_object())
        .is_some_and(|e| !e.is_empty());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `[101] array, 0 … 100` for an array result, the number for a scalar.
fn summarize(v: &serde_json::Value) -> String {
    let Some(shape) = v.get("shape") else {
        return v.to_string();
    };
    let nums: Vec<f64> = v
        .get("values")
        .and_then(|x| x.as_array())
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    let (lo, hi) = nums
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
            (l.min(*x), h.max(*x))
        });
    format!("{shape} array, {lo} … {hi}")
}
