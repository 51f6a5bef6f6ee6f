//! A token is never sent on along a redirect: a Slurm REST server that
//! answers every call with 307 to another server. The call fails (a
//! redirect is not followed), and the other server never sees the token.

mod common;

use std::path::Path;
use std::process::Command as Process;

use panorama::auth::Secret;
use panorama::workflow::slurm::Cluster;

#[test]
fn a_slurm_redirect_is_not_followed_with_the_token() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/redirect_serve.py");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(script);
    let peer = common::start_peer(cmd, "REDIRECT_READY");
    let mut urls = peer.url.split_whitespace();
    let (front, target) = (
        urls.next().expect("front").to_owned(),
        urls.next().expect("target").to_owned(),
    );
    let rt = panorama::runtime::Runtime::new().expect("rt");
    let cluster = Cluster::new(
        &front.replace("http://", "slurm://"),
        "me",
        Secret::new(String::from("the-slurm-token")),
    )
    .expect("cluster");
    let pinged = rt.block_on(cluster.ping());
    assert!(pinged.is_err(), "the redirect was followed: {pinged:?}");
    let seen: serde_json::Value = reqwest::blocking::get(format!("{target}/seen"))
        .expect("seen")
        .json()
        .expect("json");
    assert_eq!(seen["tokens"], 0, "the other server got the token: {seen}");
    assert_eq!(seen["requests"], 0, "{seen}");
    let err = pinged.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        !err.contains("the-slurm-token"),
        "the error shows the token: {err}"
    );
}
