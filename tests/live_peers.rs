//! The real window against real peers on loopback, driven by xdotool as a
//! person drives it (see tests/common/live.rs): a file downloaded from an
//! InvenioRDM dataset page lands checked and opens; a sign-in with a code on
//! another device at a real OpenID Provider shows the code, then the account
//! with its entitlements and the source bound to it; a workflow submitted to
//! a real Slurm cluster with a typed token comes back with its results, and
//! the token is nowhere on disk. With `PANORAMA_LIVE_SHOTS=DIR` it retakes
//! the README's screenshots of these views.

mod common;

use std::path::Path;
use std::time::Duration;

use common::live::{App, Display, need};
use common::oidc::{Browser, Choice, start_op};
use panorama::catalogue::{SourceConfig, SourceKind};

fn source(
    id: &str,
    name: &str,
    kind: SourceKind,
    url: &str,
    account: Option<String>,
) -> SourceConfig {
    SourceConfig {
        id: id.into(),
        name: name.into(),
        kind,
        url: url.into(),
        enabled: true,
        account,
        h5grove: None,
    }
}

/// A fresh home folder whose sources file lists `sources`.
fn home_with(sources: &[SourceConfig]) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("home");
    let dirs = panorama::paths::AppDirs::under(home.path());
    panorama::catalogue::write_sources_file(&dirs.config, sources).expect("sources file");
    home
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn the_real_window_with_real_peers() {
    for tool in ["Xvfb", "xdotool", "xwd"] {
        need(tool);
    }
    let display = Display::start();
    downloads(&display);
    accounts(&display);
    cluster_run(&display);
}

/// Search an InvenioRDM, open the dataset page, Download: the queue shows
/// the file checked, and it is the server's file byte for byte.
fn downloads(display: &Display) {
    let (files, peer) = common::invenio_with_a_file();
    let home = home_with(&[source(
        "rdm",
        "Loopback InvenioRDM",
        panorama::catalogue::invenio::KIND.kind(),
        &peer.url,
        None,
    )]);
    let mut app = App::launch_in(display, home, &[]);
    app.click_widget("tab:Search");
    app.click_widget("field:search");
    app.keys(&["type", "--delay", "120", "Romans"]);
    app.keys(&["key", "Return"]);
    app.click_widget("card:A Romans story");
    app.click_widget("button:Download romans_scan.h5");
    // The Downloads tab from the command palette.
    app.keys(&["key", "ctrl+k"]);
    app.keys(&["type", "--delay", "100", "show downloads"]);
    app.keys(&["key", "Return"]);
    app.wait_for("the download", |r| {
        r["widgets"]
            .get("download:romans_scan.h5: done, checked")
            .is_some()
    });
    app.move_to((1, 1));
    app.settle();
    app.shot("downloads");
    assert_eq!(
        std::fs::read(app.home.path().join("downloads/romans_scan.h5")).expect("downloaded"),
        std::fs::read(files.path().join("romans_scan.h5")).expect("source"),
        "the downloaded file is the server's"
    );
}

/// Sign in with a code on another device: the code is shown; approved in a
/// browser, the account shows with its entitlements and the source using it.
fn accounts(display: &Display) {
    let op = start_op(&[]);
    let host = op
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let id = format!("gina@{host}");
    let home = home_with(&[source(
        "panosc",
        "PaNOSC",
        panorama::catalogue::panosc::KIND.kind(),
        "https://data.panosc.eu/api",
        Some(id.clone()),
    )]);
    let mut app = App::launch_with(display, home, &[], &[("PANORAMA_KEYRING", "memory")]);
    app.click_widget("tab:Accounts");
    app.click_widget("field:issuer");
    app.keys(&["type", "--delay", "40", &op.url]);
    app.click_widget("field:client id");
    app.keys(&["type", "--delay", "60", "test-native"]);
    app.click_widget("checkbox:device code");
    app.click_widget("button:Sign in");
    let code = app.find_widget("device code:");
    let code = code.trim_start_matches("device code:").to_owned();
    let page = app.find_widget("device page:");
    let page = page.trim_start_matches("device page:").to_owned();
    app.move_to((1, 1));
    app.settle();
    app.shot("accounts_device_code");

    // The person approves on "another device".
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let (status, body) =
        rt.block_on(Browser::new().sign_in(&page, "gina", Some(&code), Choice::Approve));
    assert_eq!(status, 200, "{body}");
    app.wait_for("the account", |r| {
        r["widgets"].get(format!("account:{id}")).is_some()
    });
    app.click_widget("header:Entitlements");
    app.move_to((1, 1));
    app.settle();
    app.shot("accounts");
    // Kept in memory only (PANORAMA_KEYRING=memory): no token on disk.
    drop(app);
}

/// A workflow submitted to a real Slurm cluster with a typed token; its
/// results come back into the nodes, and the token is nowhere on disk.
fn cluster_run(display: &Display) {
    // Tokens from slurmrestd's own key only (no provider's keys).
    let slurm = common::slurm::Slurm::start(Path::new(""));
    let url = slurm.get("SLURM_REST_URL").replace("http://", "slurm://");
    let token = slurm.get("SLURM_REST_TOKEN");
    let settings = panorama::state::workflow::ClusterSettings {
        address: url,
        user: slurm.get("SLURM_REST_USER"),
        shared_dir: slurm.get("SLURM_JOB_DIR"),
        panorama: env!("CARGO_BIN_EXE_panorama").into(),
        ..Default::default()
    };
    let home = tempfile::tempdir().expect("home");
    let dirs = panorama::paths::AppDirs::under(home.path());
    std::fs::create_dir_all(&dirs.data).expect("data dir");
    panorama::store::Store::open(&dirs.database())
        .expect("store")
        .set(
            "workflow.cluster",
            &serde_json::to_string(&settings).expect("json"),
        )
        .expect("cluster settings");
    let mut app = App::launch_in(display, home, &[]);
    app.open_example("normalise_and_sum");
    app.click_widget("button:Run on cluster…");
    app.click_widget("field:Token");
    app.keys(&["type", "--delay", "5", &token]);
    app.click_widget("button:Submit");
    let t0 = std::time::Instant::now();
    loop {
        let r = app.settle();
        if r["widgets"].get("label:completed; results below").is_some() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the cluster run did not end: {:?}",
            r["widgets"].as_object().map(|w| w
                .keys()
                .filter(|k| k.starts_with("label:"))
                .cloned()
                .collect::<Vec<_>>())
        );
    }
    app.move_to((1, 1));
    app.settle();
    app.shot("workflow_cluster_run");
    for f in files_under(app.home.path()) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&token),
            "{} holds the token",
            f.display()
        );
    }
}
