//! `panorama login --device`, `accounts`, `token` and `logout` as a person
//! would run them, against a real OpenID Provider, with refresh tokens in the
//! kernel keyring; afterwards no token may appear in a log file or on stderr.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::oidc::{Browser, Choice, introspect, start_op};
use panorama::auth::keystore::{Backend, Vault, probe};

fn panorama(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_panorama"));
    cmd.env("PANORAMA_HOME", home)
        .env("PANORAMA_KEYRING", "keyutils")
        .env_remove("RUST_LOG");
    cmd
}

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().expect("panorama runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_sign_in_token_and_sign_out_leave_no_token_in_logs() {
    if let Err(e) = probe().keyutils {
        // `make test` runs the suite in a private session keyring and sets
        // PANORAMA_REQUIRE_KEYRING, so there this is a failure.
        assert!(
            std::env::var_os("PANORAMA_REQUIRE_KEYRING").is_none(),
            "the kernel keyring does not work here ({e}); run the tests under `keyctl session -`"
        );
        eprintln!("skipped: no kernel keyring here ({e}); `make test` provides one");
        return;
    }
    let op = start_op(&[]);
    let home = tempfile::tempdir().expect("home");
    let mut stderr_all = String::new();

    // Device sign-in: read the code from stdout, approve it in the "browser".
    let mut child = panorama(home.path())
        .args([
            "-vv",
            "login",
            &op.url,
            "--client-id",
            "test-native",
            "--device",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("login");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut uri = None;
    let mut code = None;
    for line in lines.by_ref() {
        let line = line.expect("line");
        if let Some(u) = line.strip_prefix("To sign in, open ") {
            uri = Some(u.trim().to_owned());
        }
        if let Some(c) = line.strip_prefix("and enter the code: ") {
            code = Some(c.trim().to_owned());
            break;
        }
    }
    let (uri, code) = (uri.expect("uri printed"), code.expect("code printed"));
    let (status, page) = Browser::new()
        .sign_in(&uri, "frank", Some(&code), Choice::Approve)
        .await;
    assert_eq!(status, 200, "{page}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let done = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    stderr_all.push_str(&String::from_utf8_lossy(&done.stderr));
    assert!(done.status.success(), "{stderr_all}");
    let port = url::Url::parse(&op.url).expect("url").port().expect("port");
    let id = format!("frank@127.0.0.1:{port}");
    assert!(
        rest.iter()
            .any(|l| l.contains(&format!("Signed in as {id}"))),
        "{rest:?}"
    );

    // The account is listed, kept in the keyring.
    let (ok, out, err) = run(panorama(home.path()).arg("accounts"));
    stderr_all.push_str(&err);
    assert!(ok, "{err}");
    assert!(
        out.contains(&id) && out.contains("refresh token in the keyring"),
        "{out}"
    );
    assert!(out.contains("Helmholtz-member"), "{out}");
    let listed: serde_json::Value =
        serde_json::from_str(&run(panorama(home.path()).args(["accounts", "--json"])).1)
            .expect("json");
    let account: panorama::auth::Account =
        serde_json::from_value(listed[0].clone()).expect("account");
    let refresh = Vault::Keyring(Backend::KernelKeyutils)
        .load(&account.keyring_user())
        .expect("keyring")
        .expect("refresh token kept");

    // A fresh access token for scripts (a new process: refreshed from the keyring).
    let (ok, out, err) = run(panorama(home.path()).args(["-vv", "token", "frank"]));
    stderr_all.push_str(&err);
    assert!(ok, "{err}");
    let token = out.trim().to_owned();
    assert!(token.len() > 20, "{out}");
    assert_eq!(introspect(&op.url, &token).await["active"], true);
    let rotated = Vault::Keyring(Backend::KernelKeyutils)
        .load(&account.keyring_user())
        .expect("keyring")
        .expect("kept");
    assert_ne!(
        rotated, refresh,
        "the rotated refresh token replaced the old one"
    );

    // Sign out revokes and forgets.
    let (ok, out, err) = run(panorama(home.path()).args(["-vv", "logout", "frank"]));
    stderr_all.push_str(&err);
    assert!(ok, "{err}");
    assert!(out.contains("revoked"), "{out}");
    assert_eq!(introspect(&op.url, &token).await["active"], false);
    assert!(
        Vault::Keyring(Backend::KernelKeyutils)
            .load(&account.keyring_user())
            .expect("keyring")
            .is_none()
    );
    let (ok, _, err) = run(panorama(home.path()).args(["token", "frank"]));
    assert!(!ok && err.contains("No account"), "{err}");

    // No token string in any log file or on stderr.
    let mut logs = String::new();
    for entry in std::fs::read_dir(home.path().join("data/logs")).expect("logs") {
        logs.push_str(&std::fs::read_to_string(entry.expect("entry").path()).unwrap_or_default());
    }
    assert!(
        logs.contains("signed in") && logs.contains("signed out"),
        "{logs}"
    );
    for (what, secret) in [
        ("access token", token.as_str()),
        ("refresh token", refresh.expose()),
        ("rotated refresh token", rotated.expose()),
    ] {
        assert!(!logs.contains(secret), "{what} in the log file");
        assert!(!stderr_all.contains(secret), "{what} on stderr");
    }
}
