//! The `panorama` binary as a user runs it.

use std::process::Command;

fn panorama(home: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_panorama"));
    c.env("PANORAMA_HOME", home).env_remove("RUST_LOG");
    c
}

#[test]
fn version_is_printed() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .arg("--version")
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("panorama {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn doctor_tells_the_truth_about_this_machine() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .args(["doctor", "--json"])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let checks = report["checks"].as_array().expect("checks");
    let find = |name: &str| {
        checks
            .iter()
            .find(|c| c["name"].as_str().is_some_and(|n| n.starts_with(name)))
            .unwrap_or_else(|| panic!("no check {name}"))
    };
    let hdf5 = find("HDF5 library");
    assert!(
        hdf5["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with(&panorama::data::hdf5_library::version())),
        "{hdf5}"
    );
    assert_eq!(find("filter 1 ")["status"], "ok");
    // Folders are the ones PANORAMA_HOME points at, and were created.
    let data = find("data folder");
    assert_eq!(data["status"], "ok");
    assert!(home.path().join("data").is_dir());
    // The exit code follows the report: non-zero exactly when a check failed.
    let failed = checks.iter().any(|c| c["status"] == "fail");
    assert_eq!(out.status.success(), !failed, "{report:#}");
    // The text form carries the same verdict.
    let text = panorama(home.path()).arg("doctor").output().expect("run");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("HDF5 library"), "{text}");
    assert!(text.contains("GPU adapter"), "{text}");
    assert!(text.contains("keyring"), "{text}");
}

#[test]
fn without_a_display_the_gui_explains_instead_of_crashing() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no display found"), "{err}");
    assert!(err.contains("xvfb-run"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn logs_go_to_a_file_in_the_data_folder() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .args(["-v", "doctor"])
        .output()
        .expect("run");
    assert!(out.status.code().is_some());
    let logs: Vec<_> = std::fs::read_dir(home.path().join("data/logs"))
        .expect("log folder")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("panorama.log"))
        .collect();
    assert_eq!(logs.len(), 1, "one log file for today");
}

#[test]
fn unknown_arguments_are_refused_with_usage() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .args(["doctor", "--frobnicate"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage"));
}

#[test]
fn search_finds_demo_records_by_project_as_json() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .args([
            "search",
            "Aurora",
            "--source",
            "demo",
            "--facet",
            "facility=HZDR",
            "--json",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let hits = v.as_array().expect("array");
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|d| d["facility"] == "HZDR" && d["project"] == "Aurora")
    );
    assert!(
        hits.iter()
            .any(|d| d["pid"] == "10.5555/panorama-demo.0001")
    );
}
