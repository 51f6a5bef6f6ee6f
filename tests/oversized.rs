//! Every kind of server Panorama reads from, answering with a body that does
//! not end (with and without an announced length): each client stops at the
//! limit for its kind of answer and says which limit was hit, instead of
//! filling memory.

mod common;

use std::path::Path;
use std::process::Command as Process;
use std::time::{Duration, Instant};

use panorama::auth::{Secret, StaticToken};
use panorama::catalogue::{SearchQuery, SourceConfig, SourceKind};
use panorama::runtime::Runtime;

fn huge(mode: &str) -> common::Peer {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/huge_serve.py");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(script).env("MODE", mode);
    common::start_peer(cmd, "HUGE_READY")
}

fn source(kind: SourceKind, url: &str) -> SourceConfig {
    SourceConfig {
        id: "huge".into(),
        name: "Huge".into(),
        kind,
        url: url.into(),
        enabled: true,
        account: None,
        h5grove: None,
    }
}

/// The error names the limit; it came well before the body's end.
fn refused(what: &str, started: Instant, err: &str) {
    assert!(
        err.contains("larger than") && err.contains("MiB"),
        "{what}: {err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{what}: stopped only after {:?}",
        started.elapsed()
    );
}

#[test]
fn an_endless_answer_from_any_kind_of_server_is_refused_at_its_limit() {
    let rt = Runtime::new().expect("rt");
    for mode in ["announced", "stream"] {
        let peer = huge(mode);
        let url = peer.url.trim_end_matches('/').to_owned();

        for kind in [
            panorama::catalogue::panosc::KIND.kind(),
            panorama::catalogue::scicat::KIND.kind(),
            panorama::catalogue::invenio::KIND.kind(),
        ] {
            let t0 = Instant::now();
            let cat = panorama::catalogue::connect(&source(kind.clone(), &url)).expect("client");
            let got = rt.block_on(cat.search(&SearchQuery {
                text: "x".into(),
                ..SearchQuery::default()
            }));
            let err = got.err().map(|e| e.to_string()).unwrap_or_default();
            refused(&format!("{mode} {kind:?} search"), t0, &err);
        }

        let t0 = Instant::now();
        let harvest = rt.block_on(panorama::catalogue::oaipmh::harvest(
            &panorama::catalogue::oaipmh::Request {
                base: url.clone(),
                set: None,
                from: None,
                prefix: String::new(),
            },
            &mut |_, _| {},
            &tokio_util::sync::CancellationToken::new(),
        ));
        let err = harvest.err().map(|e| e.to_string()).unwrap_or_default();
        refused(&format!("{mode} OAI-PMH"), t0, &err);

        let t0 = Instant::now();
        let lister = panorama::transfer::webdav::Lister::new(None).expect("lister");
        let listing = rt.block_on(lister.walk(&format!("{url}/folder/")));
        let err = listing.err().map(|e| e.to_string()).unwrap_or_default();
        refused(&format!("{mode} WebDAV"), t0, &err);

        let t0 = Instant::now();
        let discovered = rt.block_on(panorama::auth::provider::Provider::discover(
            &url,
            panorama::auth::http::OidcHttp::new().expect("http"),
        ));
        let err = discovered.err().map(|e| e.to_string()).unwrap_or_default();
        refused(&format!("{mode} identity provider"), t0, &err);

        let t0 = Instant::now();
        let token = StaticToken(Secret::new(String::from("t")));
        let published = rt.block_on(panorama::metadata::publish::publish(
            &source(panorama::catalogue::scicat::KIND.kind(), &url),
            &token,
            &serde_json::json!({"datasetName": "x"}),
            &[],
            None,
        ));
        let err = published.err().map(|e| e.to_string()).unwrap_or_default();
        refused(&format!("{mode} publish"), t0, &err);

        let t0 = Instant::now();
        let slurm = url.replace("http://", "slurm://");
        let cluster =
            panorama::workflow::slurm::Cluster::new(&slurm, "me", Secret::new(String::from("t")))
                .expect("cluster");
        let err = rt
            .block_on(cluster.ping())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        refused(&format!("{mode} Slurm"), t0, &err);

        let t0 = Instant::now();
        let opened = panorama::data::h5grove::H5Grove::new(&format!("{url}/"), "f.h5", None)
            .and_then(|g| {
                use panorama::data::DataSource;
                g.entity("/").map(|_| ())
            });
        let err = opened.err().map(|e| e.to_string()).unwrap_or_default();
        refused(&format!("{mode} h5grove"), t0, &err);
    }
}
