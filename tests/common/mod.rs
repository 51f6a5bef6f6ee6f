//! Helpers shared by integration tests: start real peers on loopback.
#![allow(dead_code)]

pub mod gui;
pub mod image;
pub mod live;
pub mod oidc;
pub mod peaks;
pub mod slurm;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python of the test venv (`make test` creates it).
/// A loopback URL where nothing listens (a port bound and let go): a
/// service that is down, or no network.
pub fn closed_port_url() -> String {
    format!(
        "http://127.0.0.1:{}/api",
        std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port()
    )
}

pub fn venv_python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `make test` (it creates the venv with the test peers)",
        p.display()
    );
    p
}

/// Run `script` with the test venv's Python (numpy, h5py, scipy,
/// scikit-image…), `args` as `sys.argv[1:]`; it must succeed. What it
/// printed.
pub fn python<S: AsRef<std::ffi::OsStr>>(script: &str, args: &[S]) -> Vec<u8> {
    let out = Command::new(venv_python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// [`python`], and the JSON it printed.
pub fn python_json<S: AsRef<std::ffi::OsStr>>(script: &str, args: &[S]) -> serde_json::Value {
    serde_json::from_slice(&python(script, args)).expect("json")
}

/// Run the `panorama` binary with `PANORAMA_HOME` at `home`: (exit code,
/// stdout, stderr).
pub fn panorama<S: AsRef<std::ffi::OsStr>>(
    home: &Path,
    args: &[S],
) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_panorama"))
        .env("PANORAMA_HOME", home)
        .args(args)
        .output()
        .expect("run panorama");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A server process, killed when dropped.
pub struct Peer {
    child: Child,
    pub url: String,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start a command that prints `READY_WORD URL` on stdout once listening.
/// A peer that has said nothing after 45 s is stopped and started once more
/// (on a loaded machine a start now and then stalls before it listens).
pub fn start_peer(mut cmd: Command, ready_word: &str) -> Peer {
    for attempt in 1..=2 {
        match try_start_peer(&mut cmd, ready_word, Duration::from_secs(45)) {
            Some(peer) => return peer,
            None => eprintln!("peer {ready_word} said nothing in 45 s (try {attempt} of 2)"),
        }
    }
    panic!("peer {ready_word} did not start in two tries of 45 s");
}

fn try_start_peer(cmd: &mut Command, ready_word: &str, wait: Duration) -> Option<Peer> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start peer");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let word = ready_word.to_owned();
    std::thread::Builder::new()
        .name(format!("peer {word}"))
        .spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix(&format!("{word} ")) {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        })
        .expect("peer output thread");
    let deadline = Instant::now() + wait;
    loop {
        if let Ok(url) = rx.recv_timeout(Duration::from_millis(100)) {
            return Some(Peer { child, url });
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("peer exited early with {status}");
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
    }
}

/// A real h5grove server over `dir` on a free loopback port.
pub fn h5grove(dir: &Path, token: Option<&str>) -> Peer {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/h5grove_serve.py");
    let mut cmd = Command::new(venv_python());
    cmd.arg(script)
        .env("H5_DIR", dir)
        .env("PORT", "0")
        .env("HOST", "127.0.0.1");
    if let Some(t) = token {
        cmd.env("TOKEN", t);
    } else {
        cmd.env_remove("TOKEN");
    }
    start_peer(cmd, "H5GROVE_READY")
}

/// Write the recipe's sample file (counts, image, big-endian, half, scalar, string, link).
pub fn h5grove_sample(dir: &Path) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/h5grove_serve.py");
    let out = Command::new(venv_python())
        .arg(script)
        .arg("--make-sample")
        .arg(dir)
        .output()
        .expect("make sample");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("sample.h5")
}

/// Check a run's RO-Crate folder with the official validator (PyPI
/// `roc-validator`) for the `workflow-run-crate` profile, offline: its HTTP
/// cache is filled with the RO-Crate 1.1 context that the PyPI `rocrate`
/// package ships (`tests/tools/rocrate_offline_fill.py`), and a proxy that
/// refuses every connection makes any network use fail. `Err` lists the
/// REQUIRED issues.
pub fn roc_validate(dir: &Path) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let cache = work.path().join("http_cache");
    let fill = Command::new(venv_python())
        .arg(root.join("tests/tools/rocrate_offline_fill.py"))
        .arg("--cache-path")
        .arg(&cache)
        .output()
        .map_err(|e| e.to_string())?;
    if !fill.status.success() {
        return Err(format!(
            "the validator's cache could not be filled: {}",
            String::from_utf8_lossy(&fill.stderr)
        ));
    }
    let report = work.path().join("report.json");
    let validator = root.join("target/venv/bin/rocrate-validator");
    let run = Command::new(validator)
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .args([
            "-y",
            "--disable-color",
            "validate",
            "--offline",
            "--cache-path",
        ])
        .arg(&cache)
        .args(["-p", "workflow-run-crate-0.5", "-f", "json", "-o"])
        .arg(&report)
        .arg(dir)
        .output()
        .map_err(|e| format!("rocrate-validator: {e}"))?;
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    let parsed: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "no report ({e}): {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    })?;
    if run.status.success() && parsed["passed"] == true {
        return Ok(());
    }
    let issues: Vec<String> = parsed["issues"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| format!("{}: {}", i["severity"], i["message"]))
                .collect()
        })
        .unwrap_or_default();
    Err(issues.join("\n"))
}

/// Two copies of the demo stack (`scan_001.nxs`, `scan_002.nxs`) in a new
/// folder, the second recorded in `home`'s store as downloaded from a
/// catalogue dataset, as a download records it.
pub fn two_scans(home: &Path) -> tempfile::TempDir {
    let scans = tempfile::tempdir().expect("tmp");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo_stack3d.nxs");
    for name in ["scan_001.nxs", "scan_002.nxs"] {
        std::fs::copy(&demo, scans.path().join(name)).expect("copy");
    }
    let dirs = panorama::paths::AppDirs::under(home);
    std::fs::create_dir_all(&dirs.data).expect("data dir");
    panorama::store::Store::open(&dirs.database())
        .expect("store")
        .record_origin(
            &scans.path().join("scan_002.nxs"),
            &panorama::store::FileOrigin {
                dataset: "https://doi.org/10.5281/zenodo.42".into(),
                title: "Stack from the beamline".into(),
                source: "zenodo".into(),
                url: "https://zenodo.org/records/42/files/scan_002.nxs".into(),
            },
        )
        .expect("origin");
    scans
}

/// The loopback InvenioRDM (tests/servers/invenio_serve.py) serving
/// `romans_scan.h5` (an h5grove sample file) from a folder of its own.
pub fn invenio_with_a_file() -> (tempfile::TempDir, Peer) {
    let files = tempfile::tempdir().expect("files");
    let sample = h5grove_sample(files.path());
    std::fs::rename(&sample, files.path().join("romans_scan.h5")).expect("rename");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/invenio_serve.py");
    let mut cmd = Command::new(venv_python());
    cmd.arg(script).env("FILES_DIR", files.path());
    let peer = start_peer(cmd, "INVENIO_READY");
    (files, peer)
}

/// The loopback SciCat with its own derived example (testdata/DerivedCorrect.json)
/// made from the first dataset (`DERIVED=1`).
pub fn scicat_with_derived() -> Peer {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/scicat_serve.py");
    let mut cmd = Command::new(venv_python());
    cmd.arg(script).env("DERIVED", "1");
    start_peer(cmd, "SCICAT_READY")
}
