//! Workflow files run headless: the example pipeline gives the numbers
//! worked out by hand, `--set` changes a parameter, bad files are refused.

mod common;

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    common::panorama(&std::env::temp_dir().join("panorama-workflow-test"), args)
}

#[test]
fn the_example_pipeline_runs_headless() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/workflows/normalise_and_sum.json"
    );
    // (0 + 1 + … + 100) / 4 − 101 × 0.5 = 1262.5 − 50.5
    let (code, out, err) = run(&["run", file, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["values"]["6"], 1212.0);
    assert_eq!(v["values"]["7"]["shape"], serde_json::json!([5]));
    // A parameter changed from the command line: monitor 2 instead of 4.
    let (code, out, _) = run(&["run", file, "--set", "2.value=2", "--json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["values"]["6"], 2474.5);
    // A bad parameter fails that node and what depends on it, in words.
    let (code, out, _) = run(&["run", file, "--set", "7.bins=0"]);
    assert_eq!(code, Some(1));
    assert!(
        out.lines()
            .any(|l| l.contains("histogram") && l.contains("failed: parameter bins")),
        "{out}"
    );
    assert!(out.contains("1212"), "the other branch still ran: {out}");
    // Files that cannot be run.
    let (code, _, err) = run(&["run", "/nonexistent.json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("cannot be read"), "{err}");
    let (code, _, err) = run(&["run", file, "--set", "99.value=1"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no node"), "{err}");
}

#[test]
fn a_run_leaves_an_ro_crate_the_rocrate_library_accepts() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/workflows/normalise_and_sum.json"
    );
    let out = tempfile::tempdir().expect("tmp");
    let dir = out.path().join("run1");
    let (code, _, err) = run(&[
        "run",
        file,
        "--set",
        "2.value=2",
        "--out",
        dir.to_str().expect("utf8"),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("ro-crate-metadata.json")).expect("crate"))
            .expect("json");
    let graph = meta["@graph"].as_array().expect("graph");
    assert!(
        graph
            .iter()
            .any(|e| e["@type"] == "PropertyValue" && e["name"] == "2.value" && e["value"] == "2"),
        "the parameter set for the run is recorded"
    );
    assert!(
        graph
            .iter()
            .any(|e| e["@type"] == "SoftwareApplication" && e["version"] == panorama::VERSION)
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).expect("results"))
            .expect("json");
    assert_eq!(results["values"]["6"], 2474.5);
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin/python");
    assert!(
        python.exists(),
        "run `make test` (it creates the venv with rocrate)"
    );
    let check = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/tools/rocrate_check.py"
        ))
        .arg(&dir)
        .output()
        .expect("python");
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn a_detector_image_is_regrouped_fitted_and_saved_with_provenance() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/workflows/image_to_iq_fit.json"
    );
    let tmp = tempfile::tempdir().expect("tmp");
    let csv = tmp.path().join("iq.csv");
    let nxs = tmp.path().join("iq.nxs");
    let (code, out, err) = run(&[
        "run",
        file,
        "--json",
        "--set",
        &format!("6.file={}", csv.display()),
        "--set",
        &format!("7.file={}", nxs.display()),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    // The demo image (shipped next to the examples) is found relative to the workflow.
    assert_eq!(v["values"]["1"]["shape"], serde_json::json!([400, 512]));
    let fit = &v["values"]["5"];
    let col = |name: &str| {
        let i = fit["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .position(|c| c == name)
            .expect(name);
        fit["rows"][0][i].as_f64().expect("number")
    };
    assert!(col("amplitude") > 1000.0, "{fit}");
    assert!(
        col("center").abs() < 0.05 && col("center_error") < 0.01,
        "{fit}"
    );
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert!(text.starts_with("q,I,pixels\n"), "{text}");
    assert_eq!(text.lines().count(), 201);
    let src = panorama::data::open(&nxs.to_string_lossy()).expect("saved file");
    let process = src.entity("/entry/process").expect("NXprocess");
    assert_eq!(process.nx_class.as_deref(), Some("NXprocess"));
    let plot = panorama::data::nexus::default_plot(src.as_ref(), "/").expect("default plot");
    assert_eq!(plot.signal, "/entry/data/I");
}

#[test]
fn one_graph_maps_over_several_input_files() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/workflows/image_to_iq_fit.json"
    );
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/demo_image2d.nxs");
    let tmp = tempfile::tempdir().expect("tmp");
    let second = tmp.path().join("second_image.nxs");
    std::fs::copy(demo, &second).expect("copy");
    let out = tmp.path().join("runs");
    let (code, stdout, err) = run(&[
        "run",
        file,
        "--json",
        "--input",
        demo,
        "--input",
        &second.display().to_string(),
        "--set",
        &format!("6.file={}", tmp.path().join("iq.csv").display()),
        "--set",
        &format!("7.file={}", tmp.path().join("iq.nxs").display()),
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1]["input"], second.display().to_string());
    assert_eq!(
        runs[0]["values"]["5"], runs[1]["values"]["5"],
        "the same image, the same fit"
    );
    // Each run has its own crate naming its input with a checksum.
    let crate_dir = out.join("002-second_image");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate_dir.join("ro-crate-metadata.json")).expect("crate"),
    )
    .expect("json");
    let input = meta["@graph"]
        .as_array()
        .expect("graph")
        .iter()
        .find(|e| {
            e["@id"]
                .as_str()
                .is_some_and(|i| i.ends_with("second_image.nxs"))
        })
        .cloned()
        .expect("the input file in the crate");
    assert_eq!(input["sha256"].as_str().map(str::len), Some(64), "{input}");
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin/python");
    let check = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/tools/rocrate_check.py"
        ))
        .arg(&crate_dir)
        .output()
        .expect("python");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // The official validator accepts each run's crate (workflow-run-crate).
    for run_dir in [out.join("001-demo_image2d"), crate_dir.clone()] {
        if let Err(issues) = common::roc_validate(&run_dir) {
            panic!("{}: {issues}", run_dir.display());
        }
    }
    // A workflow without a file input cannot be mapped.
    let plain = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/workflows/normalise_and_sum.json"
    );
    let (code, _, err) = run(&["run", plain, "--input", demo]);
    assert_eq!(code, Some(2));
    assert!(err.contains("file input node"), "{err}");
}

/// The sum of every element of the demo stack, read whole by the data layer.
fn demo_stack_total() -> (f64, usize) {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/demo_stack3d.nxs");
    let src = panorama::data::open(demo).expect("demo stack");
    let v = src
        .value(
            "/entry/stack/data",
            &panorama::data::Selection::all(),
            &panorama::data::NoProgress,
        )
        .expect("values");
    let values = v.to_f64().expect("numbers");
    (values.iter().sum(), values.len())
}

#[test]
fn frames_stream_through_a_pipeline_from_one_file_or_a_pattern_of_files() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/workflows/sum_frames.json"
    );
    let (total, count) = demo_stack_total();
    let (code, out, err) = run(&["run", file, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    // The stack is never whole in memory: the input node holds a reference.
    assert_eq!(v["values"]["1"]["streamed"], true, "{}", v["values"]["1"]);
    assert_eq!(v["values"]["1"]["shape"], serde_json::json!([24, 128, 128]));
    let got = v["values"]["5"].as_f64().expect("a number");
    let want = total - count as f64;
    assert!(
        (got - want).abs() < 1e-6 * want.abs().max(1.0),
        "{got} vs {want}"
    );
    assert_eq!(v["values"]["4"]["shape"], serde_json::json!([128, 128]));

    // The same graph over every file that matches a pattern: twice the frames.
    let tmp = tempfile::tempdir().expect("tmp");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/demo_stack3d.nxs");
    for name in ["scan_001.nxs", "scan_002.nxs"] {
        std::fs::copy(demo, tmp.path().join(name)).expect("copy");
    }
    std::fs::write(tmp.path().join("scan_notes.txt"), "not a match").expect("write");
    let pattern = tmp.path().join("scan_*.nxs").display().to_string();
    let runs = tmp.path().join("runs");
    let (code, out, err) = run(&[
        "run",
        file,
        "--json",
        "--set",
        &format!("1.file={pattern}"),
        "--out",
        &runs.display().to_string(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["values"]["1"]["shape"], serde_json::json!([48, 128, 128]));
    let got = v["values"]["5"].as_f64().expect("a number");
    assert!(
        (got - 2.0 * want).abs() < 1e-6 * want.abs().max(1.0),
        "{got}"
    );
    // The crate names each matched file with its checksum.
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(runs.join("ro-crate-metadata.json")).expect("crate"),
    )
    .expect("json");
    let files: Vec<&serde_json::Value> = meta["@graph"]
        .as_array()
        .expect("graph")
        .iter()
        .filter(|e| e["@id"].as_str().is_some_and(|i| i.contains("scan_")))
        .collect();
    assert_eq!(files.len(), 2, "{meta}");
    assert!(
        files
            .iter()
            .all(|f| f["sha256"].as_str().map(str::len) == Some(64))
    );

    // A pattern that matches nothing fails that node, in words.
    let none = tmp.path().join("none_*.nxs").display().to_string();
    let (code, out, _) = run(&["run", file, "--set", &format!("1.file={none}")]);
    assert_eq!(code, Some(1));
    assert!(out.contains("no file matches"), "{out}");
}

#[test]
fn a_catalogue_datasets_downloaded_files_feed_a_workflow_and_its_crate() {
    let home = tempfile::tempdir().expect("tmp");
    let files = tempfile::tempdir().expect("tmp");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/demo_stack3d.nxs");
    let dirs = panorama::paths::AppDirs::under(home.path());
    std::fs::create_dir_all(&dirs.data).expect("data");
    let store = panorama::store::Store::open(&dirs.database()).expect("store");
    for name in ["a.nxs", "b.nxs"] {
        let to = files.path().join(name);
        std::fs::copy(demo, &to).expect("copy");
        store
            .record_origin(
                &to,
                &panorama::store::FileOrigin {
                    dataset: "https://doi.org/10.5281/zenodo.42".into(),
                    title: "Two stacks".into(),
                    source: "zenodo".into(),
                    url: format!("https://zenodo.org/records/42/files/{name}"),
                },
            )
            .expect("origin");
    }
    drop(store);
    let wf = files.path().join("wf.json");
    std::fs::write(
        &wf,
        r#"{"schema_version": 1, "name": "Sum a dataset's frames",
            "nodes": [
              {"id": 1, "kind": "dataset_frames", "params": {"dataset": "10.5281/zenodo.42", "path": "/entry/stack/data"}},
              {"id": 2, "kind": "sum", "params": {"axis": null}}],
            "edges": ["1.0 -> 2.0"]}"#,
    )
    .expect("write");
    let out_dir = files.path().join("run");
    let run = |dataset: &str| {
        Command::new(env!("CARGO_BIN_EXE_panorama"))
            .env("PANORAMA_HOME", home.path())
            .args(["run", &wf.display().to_string(), "--json", "--set"])
            .arg(format!("1.dataset={dataset}"))
            .args(["--out", &out_dir.display().to_string()])
            .output()
            .expect("run")
    };
    let out = run("10.5281/zenodo.42");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let (total, _) = demo_stack_total();
    let got = v["values"]["2"].as_f64().expect("sum");
    assert!(
        (got - 2.0 * total).abs() < 1e-6 * total.abs(),
        "{got} vs {}",
        2.0 * total
    );
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("ro-crate-metadata.json")).expect("crate"),
    )
    .expect("json");
    let graph = meta["@graph"].as_array().expect("graph");
    let inputs: Vec<_> = graph
        .iter()
        .filter(|e| e["identifier"] == "https://doi.org/10.5281/zenodo.42" && e["@type"] == "File")
        .collect();
    assert_eq!(inputs.len(), 2, "{meta}");
    assert!(inputs.iter().all(|f| {
        f["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://zenodo.org/"))
    }));
    // A dataset with nothing downloaded says what to do.
    let out = run("10.5281/zenodo.43");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("panorama get 10.5281/zenodo.43"), "{text}");
}

#[test]
fn outputs_of_a_run_land_in_its_folder_and_the_crate_names_them() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/workflows/image_to_iq_fit.json"
    );
    let cwd = tempfile::tempdir().expect("cwd");
    let home = tempfile::tempdir().expect("home");
    let out = cwd.path().join("result");
    let run = Command::new(env!("CARGO_BIN_EXE_panorama"))
        .current_dir(cwd.path())
        .env("PANORAMA_HOME", home.path())
        .args(["run", file, "--out"])
        .arg(&out)
        .output()
        .expect("run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for name in ["i_of_q.csv", "i_of_q.nxs"] {
        assert!(
            !cwd.path().join(name).exists(),
            "{name} must not land in the working directory"
        );
        let written = out.join(name);
        let bytes = std::fs::read(&written).expect(name);
        let meta: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("ro-crate-metadata.json")).expect("crate"),
        )
        .expect("json");
        let graph = meta["@graph"].as_array().expect("graph");
        let entity = graph
            .iter()
            .find(|e| e["@id"] == name)
            .unwrap_or_else(|| panic!("{name} in the crate: {meta}"));
        use sha2::Digest;
        assert_eq!(
            entity["sha256"],
            format!("{:x}", sha2::Sha256::digest(&bytes)),
            "{name}"
        );
        let run_entity = graph
            .iter()
            .find(|e| e["@type"] == "CreateAction")
            .expect("run");
        assert!(
            run_entity["result"]
                .as_array()
                .expect("results")
                .iter()
                .any(|r| r["@id"] == name),
            "{name} is a result of the run"
        );
    }
    // The official validator accepts the crate, outputs and all.
    if let Err(issues) = common::roc_validate(&out) {
        panic!("{issues}");
    }
}
