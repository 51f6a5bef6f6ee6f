//! Sign-in against a real OpenID Provider (npm `oidc-provider`) on loopback:
//! code + PKCE through the loopback redirect, the device flow, refresh with
//! rotation, revocation, key rotation, and the attacks a native client must refuse.

mod common;

use std::sync::{Arc, Mutex};

use common::oidc::{Browser, Choice, introspect, start_op};
use panorama::auth::flow::{self, Callback, DeviceLogin, PendingLogin, SignedIn};
use panorama::auth::http::OidcHttp;
use panorama::auth::keystore::Vault;
use panorama::auth::provider::Provider;
use panorama::auth::{AccountBook, AuthError, TokenSource};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const CLIENT: &str = "test-native";

async fn provider(issuer: &str) -> Arc<Provider> {
    Arc::new(
        Provider::discover(issuer, OidcHttp::new().expect("http"))
            .await
            .expect("discovery"),
    )
}

type Page = Arc<Mutex<Option<JoinHandle<(u16, String)>>>>;

/// Sign in through the loopback redirect with a scripted browser. `tamper`
/// may change the authorization URL before the browser opens it.
async fn browser_login(
    provider: Arc<Provider>,
    user: &str,
    choice: Choice,
    tamper: impl FnOnce(String) -> String,
) -> (Result<SignedIn, AuthError>, (u16, String)) {
    let page: Page = Arc::default();
    let slot = page.clone();
    let user = user.to_owned();
    let result = flow::login_with_browser(
        provider,
        CLIENT,
        &[],
        move |url| {
            let url = tamper(url.to_owned());
            let handle =
                tokio::spawn(
                    async move { Browser::new().sign_in(&url, &user, None, choice).await },
                );
            *slot.lock().expect("slot") = Some(handle);
            Ok(())
        },
        CancellationToken::new(),
    )
    .await;
    let handle = page.lock().expect("slot").take().expect("browser opened");
    (result, handle.await.expect("browser"))
}

fn replace_param(url: &str, name: &str, value: &str) -> String {
    let mut u = url::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            if k == name {
                (k.into_owned(), value.to_owned())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sign_in_refresh_rotation_and_sign_out() {
    let op = start_op(&[]);
    let provider = provider(&op.url).await;
    assert!(provider.supports_device_flow());

    let (result, page) = browser_login(provider.clone(), "alice", Choice::Approve, |u| u).await;
    let signed = result.expect("signed in");
    assert_eq!(page.0, 200, "{}", page.1);
    assert!(page.1.contains("Signed in to Panorama"), "{}", page.1);
    // The URL carried PKCE S256, state and nonce; the ID token was verified.
    assert_eq!(signed.identity.subject, "alice");
    assert_eq!(signed.identity.email.as_deref(), Some("alice@example.org"));
    assert!(
        signed
            .identity
            .entitlements
            .iter()
            .any(|e| e.contains("Helmholtz-member")),
        "{:?}",
        signed.identity.entitlements
    );
    assert!(
        signed.tokens.refresh.is_some(),
        "offline_access was granted"
    );
    assert!(signed.tokens.scopes.iter().any(|s| s == "offline_access"));

    let dir = tempfile::tempdir().expect("tmp");
    let book =
        AccountBook::open(Some(dir.path().join("db.sqlite")), Vault::memory()).expect("book");
    let first_refresh = signed.tokens.refresh.clone().expect("refresh");
    let first_access = signed.tokens.access.clone();
    let session = book.add(provider.clone(), CLIENT, signed).expect("add");
    let account = session.account();
    let port = url::Url::parse(&op.url).expect("url").port().expect("port");
    assert_eq!(account.id, format!("alice@127.0.0.1:{port}"));
    assert_eq!(session.token().await.expect("token"), first_access);

    // The account list survives a restart (without secrets), found by prefix.
    let reopened =
        AccountBook::open(Some(dir.path().join("db.sqlite")), Vault::memory()).expect("book");
    assert_eq!(reopened.find("alice").expect("found").subject, "alice");
    let stored = std::fs::read(dir.path().join("db.sqlite")).expect("db");
    let stored = String::from_utf8_lossy(&stored);
    assert!(!stored.contains(first_access.expose()));
    assert!(!stored.contains(first_refresh.expose()));

    // Refresh: a new access token, and the refresh token rotates.
    let second = session.force_refresh().await.expect("refresh");
    assert_ne!(second, first_access);
    // Reusing the spent refresh token is refused, and the provider then
    // revokes the whole grant: the session says to sign in again.
    let reuse = provider.refresh(CLIENT, &first_refresh).await;
    assert!(
        matches!(reuse, Err(AuthError::GrantGone(ref m)) if m.contains("invalid_grant")),
        "{reuse:?}"
    );
    let after = session.force_refresh().await;
    let err = after.expect_err("grant revoked");
    assert!(matches!(err, AuthError::Expired { .. }), "{err:?}");
    assert!(err.to_string().contains("Sign in again as alice@"), "{err}");

    // A fresh sign-in, then sign out: the provider revokes the tokens.
    let (result, _) = browser_login(provider.clone(), "alice", Choice::Approve, |u| u).await;
    let signed = result.expect("signed in again");
    let refresh = signed.tokens.refresh.clone().expect("refresh");
    let access = signed.tokens.access.clone();
    book.add(provider.clone(), CLIENT, signed).expect("add");
    assert_eq!(
        book.accounts().len(),
        1,
        "same person replaces the old account"
    );
    let out = book.sign_out("alice").await.expect("sign out");
    assert!(out.revoked, "{out:?}");
    assert!(book.accounts().is_empty());
    assert!(book.find("alice").is_err());
    let reuse = provider.refresh(CLIENT, &refresh).await;
    assert!(reuse.is_err(), "revoked refresh token still works");
    let active = introspect(&op.url, access.expose()).await;
    assert_eq!(active["active"], false, "{active}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_approval_denial_expiry_and_cancel() {
    let op = start_op(&[]);
    let short = start_op(&[("OP_DEVICE_TTL", "2")]);
    let provider = provider(&op.url).await;
    let short_provider = provider_for(&short.url).await;

    let approve = async {
        let login = DeviceLogin::start(provider.clone(), CLIENT, &[])
            .await
            .expect("start");
        assert!(login.verification_uri.starts_with(&op.url), "{login:?}");
        assert!(login.page().contains(&login.user_code) || login.page() == login.verification_uri);
        let code = login.user_code.clone();
        let uri = login.verification_uri.clone();
        let browser = tokio::spawn(async move {
            Browser::new()
                .sign_in(&uri, "bob", Some(&code), Choice::Approve)
                .await
        });
        let signed = login.finish(CancellationToken::new()).await;
        (signed, browser.await.expect("browser"))
    };
    let deny = async {
        let login = DeviceLogin::start(provider.clone(), CLIENT, &[])
            .await
            .expect("start");
        let code = login.user_code.clone();
        let uri = login.verification_uri.clone();
        tokio::spawn(async move {
            Browser::new()
                .sign_in(&uri, "carol", Some(&code), Choice::Abort)
                .await
        });
        login.finish(CancellationToken::new()).await
    };
    let expire = async {
        let login = DeviceLogin::start(short_provider.clone(), CLIENT, &[])
            .await
            .expect("start");
        login.finish(CancellationToken::new()).await
    };
    let cancel = async {
        let login = DeviceLogin::start(provider.clone(), CLIENT, &[])
            .await
            .expect("start");
        let token = CancellationToken::new();
        let t2 = token.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            t2.cancel();
        });
        let started = std::time::Instant::now();
        (login.finish(token).await, started.elapsed())
    };
    let ((approved, page), denied, expired, (cancelled, waited)) =
        tokio::join!(approve, deny, expire, cancel);

    let signed = approved.expect("device sign-in");
    assert_eq!(page.0, 200, "{}", page.1);
    assert_eq!(signed.identity.subject, "bob");
    assert!(signed.tokens.refresh.is_some());
    let denied = denied.expect_err("denied");
    assert!(matches!(denied, AuthError::Denied(_)), "{denied:?}");
    let expired = expired.expect_err("expired");
    assert!(matches!(expired, AuthError::DeviceExpired), "{expired:?}");
    assert!(expired.to_string().contains("expired"));
    assert!(
        matches!(cancelled, Err(AuthError::Cancelled)),
        "{cancelled:?}"
    );
    assert!(waited.as_secs() < 3, "cancel took {waited:?}");
}

async fn provider_for(issuer: &str) -> Arc<Provider> {
    provider(issuer).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_are_refused() {
    let op = start_op(&[]);
    let provider = provider(&op.url).await;

    // A redirect that leaves this computer is refused before anything is sent.
    let err = PendingLogin::new(
        provider.clone(),
        CLIENT,
        &[],
        "http://evil.example/callback",
    )
    .err()
    .expect("refused");
    assert!(matches!(err, AuthError::NotLoopback(_)), "{err:?}");
    assert!(err.to_string().contains("not on this computer"));

    // An answer carrying another state (a forged or replayed redirect).
    let (result, page) = browser_login(provider.clone(), "mallory", Choice::Approve, |u| {
        replace_param(&u, "state", "forged-state")
    })
    .await;
    assert!(
        matches!(result, Err(AuthError::StateMismatch)),
        "{result:?}"
    );
    assert_eq!(page.0, 400);
    assert!(page.1.contains("Sign-in failed"), "{}", page.1);

    // An ID token whose nonce is not the one sent (token injection).
    let (result, _) = browser_login(provider.clone(), "mallory", Choice::Approve, |u| {
        replace_param(&u, "nonce", "someone-elses-nonce")
    })
    .await;
    let err = result.expect_err("nonce");
    assert!(
        matches!(err, AuthError::IdToken(ref m) if m.contains("nonce")),
        "{err:?}"
    );

    // An answer naming another issuer (mix-up attack, RFC 9207).
    let pending = PendingLogin::new(provider.clone(), CLIENT, &[], "http://127.0.0.1:1/callback")
        .expect("ok");
    let state = url::Url::parse(&pending.url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned());
    assert!(
        pending.url.contains("code_challenge_method=S256"),
        "{}",
        pending.url
    );
    let err = pending
        .finish(&Callback {
            code: Some("code".into()),
            state,
            iss: Some("http://127.0.0.1:2".into()),
            ..Callback::default()
        })
        .await
        .expect_err("mix-up");
    assert!(matches!(err, AuthError::IssuerMismatch { .. }), "{err:?}");

    // An error answer without this sign-in's state is refused as foreign,
    // not shown as the provider's word.
    let pending = PendingLogin::new(provider.clone(), CLIENT, &[], "http://127.0.0.1:1/callback")
        .expect("ok");
    let err = pending
        .finish(&Callback {
            error: Some("access_denied".into()),
            error_description: Some("planted by a web page".into()),
            state: Some("not-this-sign-in".into()),
            ..Callback::default()
        })
        .await
        .expect_err("foreign");
    assert!(matches!(err, AuthError::StateMismatch), "{err:?}");

    // A provider elsewhere over plain http is refused before any token goes there.
    let plain =
        Provider::discover("http://login.example.org", OidcHttp::new().expect("http")).await;
    assert!(
        matches!(&plain, Err(AuthError::Discovery { detail, .. }) if detail.contains("not https")),
        "{:?}",
        plain.as_ref().err()
    );

    // A real ID token, checked after it expired.
    let (result, _) = browser_login(provider.clone(), "alice", Choice::Approve, |u| u).await;
    let signed = result.expect("signed in");
    let id_token = signed.tokens.id_token.clone().expect("id token");
    let now = chrono::Utc::now().timestamp();
    provider
        .verify_id_token_at(id_token.expose(), CLIENT, None, now)
        .await
        .expect("valid now");
    let err = provider
        .verify_id_token_at(id_token.expose(), CLIENT, None, now + 7200)
        .await
        .expect_err("expired");
    assert!(
        matches!(err, AuthError::IdToken(ref m) if m.contains("expired")),
        "{err:?}"
    );
    // …and for another app.
    let err = provider
        .verify_id_token_at(id_token.expose(), "another-app", None, now)
        .await
        .expect_err("audience");
    assert!(
        matches!(err, AuthError::IdToken(ref m) if m.contains("another app")),
        "{err:?}"
    );

    // The same claims signed by another key (with the provider's key id).
    let forged = forge(id_token.expose());
    let err = provider
        .verify_id_token_at(&forged, CLIENT, None, now)
        .await
        .expect_err("forged");
    assert!(
        matches!(err, AuthError::IdToken(ref m) if m.contains("signature")),
        "{err:?}"
    );
}

/// Re-sign a JWT's header and claims with a fresh RSA key (Node's crypto).
fn forge(jwt: &str) -> String {
    let script = r"
const crypto = require('node:crypto');
const [h, p] = process.argv[1].split('.');
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const sig = crypto.sign('sha256', Buffer.from(h + '.' + p), privateKey).toString('base64url');
process.stdout.write(h + '.' + p + '.' + sig);
";
    let out = std::process::Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(jwt)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_key_rotation_is_followed() {
    // The provider restarts on the same address with a new signing key.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
        .to_string();
    let first = start_op(&[("OP_PORT", &port)]);
    let provider = provider(&first.url).await;
    drop(first);
    let _second = start_op(&[("OP_PORT", &port)]);
    let (result, _) = browser_login(provider.clone(), "alice", Choice::Approve, |u| u).await;
    let signed = result.expect("keys fetched again and the token verified");
    assert_eq!(signed.identity.subject, "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_refresh_before_expiry_and_survive_a_restart() {
    // Access tokens live 30 s: within the refresh margin from the start.
    let op = start_op(&[("OP_AT_TTL", "30")]);
    let provider = provider(&op.url).await;
    let (result, _) = browser_login(provider.clone(), "dora", Choice::Approve, |u| u).await;
    let signed = result.expect("signed in");
    let first = signed.tokens.access.clone();
    let dir = tempfile::tempdir().expect("tmp");
    let vault = Vault::memory();
    let db = dir.path().join("db.sqlite");
    let book = AccountBook::open(Some(db.clone()), vault.clone()).expect("book");
    let session = book.add(provider.clone(), CLIENT, signed).expect("add");
    let fresh = session.token().await.expect("token");
    assert_ne!(fresh, first, "a token about to expire is refreshed first");
    assert!(session.access_expires_at().await.is_some());
    assert_eq!(session.label(), session.account().id);

    // A new process (new book, same store and keyring) starts from the
    // refresh token: discovery, refresh, a working access token.
    let later = AccountBook::open(Some(db), vault).expect("book");
    let again = later.session("dora").expect("session");
    let token = again.token().await.expect("token after restart");
    assert_eq!(introspect(&op.url, token.expose()).await["active"], true);
}

/// h5grove checking bearer tokens at the provider's introspection endpoint.
fn guarded_h5grove(
    dir: &std::path::Path,
    issuer: &str,
    entitlement: Option<&str>,
    max_age: Option<&str>,
) -> common::Peer {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/h5grove_serve.py");
    let mut cmd = std::process::Command::new(common::venv_python());
    cmd.arg(script)
        .env("H5_DIR", dir)
        .env("PORT", "0")
        .env("HOST", "127.0.0.1")
        .env_remove("TOKEN")
        .env("INTROSPECT_URL", format!("{issuer}/token/introspection"))
        .env("INTROSPECT_CLIENT", "test-rs")
        .env("INTROSPECT_SECRET", "test-rs-secret");
    match entitlement {
        Some(e) => cmd.env("ENTITLEMENT", e),
        None => cmd.env_remove("ENTITLEMENT"),
    };
    match max_age {
        Some(a) => cmd.env("MAX_TOKEN_AGE", a),
        None => cmd.env_remove("MAX_TOKEN_AGE"),
    };
    common::start_peer(cmd, "H5GROVE_READY")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_reads_from_an_h5grove_that_checks_tokens() {
    use panorama::data::h5grove::H5Grove;
    use panorama::data::{Data, DataSource, NoProgress, Selection};

    let op = start_op(&[]);
    let dir = tempfile::tempdir().expect("tmp");
    common::h5grove_sample(dir.path());
    let member = "urn:geant:helmholtz.de:group:test-vo#login.helmholtz.de";
    // Tokens older than 5 s are refused, as a server with a maximum token age does.
    let open_server = guarded_h5grove(dir.path(), &op.url, Some(member), Some("5"));
    let closed_server = guarded_h5grove(
        dir.path(),
        &op.url,
        Some("urn:geant:helmholtz.de:group:beamtime-4711#login.helmholtz.de"),
        None,
    );
    let provider = provider(&op.url).await;
    let (result, _) = browser_login(provider.clone(), "erin", Choice::Approve, |u| u).await;
    let book = AccountBook::open(None, Vault::memory()).expect("book");
    let session = book
        .add(provider.clone(), CLIENT, result.expect("signed in"))
        .expect("add");
    let url = format!("{}/?file=sample.h5", open_server.url);
    let closed_url = format!("{}/?file=sample.h5", closed_server.url);
    let auth: panorama::auth::SharedTokens = session.clone();
    let first_token = session.token().await.expect("token");

    let outcome = tokio::task::spawn_blocking(move || {
        let read = |src: &H5Grove| {
            src.value("/entry/counts", &Selection::all(), &NoProgress)
                .map(|v| v.data)
        };
        // Anonymous: told to sign in.
        let anonymous = H5Grove::from_url(&url, None).expect("source");
        let anon_err = read(&anonymous).expect_err("anonymous").to_string();
        // Signed in: the bearer token is checked by the server and the read works.
        let signed = H5Grove::from_url(&url, None)
            .expect("source")
            .with_auth(Some(auth.clone()));
        let first = read(&signed).expect("authenticated read");
        // Missing entitlement: a 403 that names the account.
        let closed = H5Grove::from_url(&closed_url, None)
            .expect("source")
            .with_auth(Some(auth.clone()));
        let forbidden = read(&closed).expect_err("forbidden").to_string();
        (anon_err, first, forbidden, signed)
    })
    .await
    .expect("reader");
    let (anon_err, first, forbidden, signed) = outcome;
    assert!(anon_err.contains("sign in"), "{anon_err}");
    assert_eq!(first, Data::I32((0..100).collect()));
    assert!(
        forbidden.contains("erin@127.0.0.1") && forbidden.contains("may not read"),
        "{forbidden}"
    );

    // The server now finds the token too old and says 401 although it has
    // not expired: Panorama refreshes once and the read still works.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let again = tokio::task::spawn_blocking(move || {
        signed
            .value("/entry/counts", &Selection::all(), &NoProgress)
            .map(|v| v.data)
    })
    .await
    .expect("reader")
    .expect("read after refresh");
    assert_eq!(again, Data::I32((0..100).collect()));
    assert_ne!(session.token().await.expect("token"), first_token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_at_two_issuers_live_side_by_side() {
    let a = start_op(&[]);
    let b = start_op(&[]);
    let (pa, pb) = (provider(&a.url).await, provider(&b.url).await);
    let book = AccountBook::open(None, Vault::memory()).expect("book");
    let (ra, _) = browser_login(pa.clone(), "alice", Choice::Approve, |u| u).await;
    let (rb, _) = browser_login(pb.clone(), "alice", Choice::Approve, |u| u).await;
    let sa = book.add(pa, CLIENT, ra.expect("a")).expect("add a");
    let sb = book.add(pb, CLIENT, rb.expect("b")).expect("add b");
    assert_eq!(
        book.accounts().len(),
        2,
        "same name, two issuers: two accounts"
    );
    assert_ne!(sa.account().id, sb.account().id);
    assert!(
        book.find("alice").is_err(),
        "a prefix naming two accounts is ambiguous"
    );
    // Each session refreshes at its own issuer; tokens are not interchangeable.
    let ta = sa.force_refresh().await.expect("refresh a");
    let tb = sb.force_refresh().await.expect("refresh b");
    assert_eq!(introspect(&a.url, ta.expose()).await["active"], true);
    assert_eq!(introspect(&a.url, tb.expose()).await["active"], false);
    assert_eq!(introspect(&b.url, tb.expose()).await["active"], true);
    book.sign_out(&sa.account().id).await.expect("sign out a");
    assert_eq!(book.accounts().len(), 1);
    assert_eq!(
        introspect(&b.url, tb.expose()).await["active"],
        true,
        "b untouched"
    );
}

/// A refused audience (`invalid_target` from the real provider) or a
/// provider that has gone away keeps the sign-in: the refresh token stays
/// in the keyring and the next request works. Only `invalid_grant` forgets.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_audience_or_an_outage_keeps_the_sign_in() {
    let op = start_op(&[]);
    let provider = provider(&op.url).await;
    let (result, _) = browser_login(provider.clone(), "erin", Choice::Approve, |u| u).await;
    let signed = result.expect("signed in");
    let dir = tempfile::tempdir().expect("tmp");
    let vault = Vault::memory();
    let db = dir.path().join("db.sqlite");
    let book = AccountBook::open(Some(db.clone()), vault.clone()).expect("book");
    let session = book.add(provider.clone(), CLIENT, signed).expect("add");

    // A cluster audience the provider does not know.
    let refused = session.token_for("urn:unknown:cluster").await;
    match &refused {
        Err(AuthError::Unavailable { detail, .. }) => {
            assert!(detail.contains("urn:unknown:cluster"), "{detail}");
        }
        other => panic!("expected the sign-in kept, got {other:?}"),
    }
    let text = refused.expect_err("refused").to_string();
    assert!(text.contains("still signed in"), "{text}");
    // The client kept its refresh token (this provider spends a refresh
    // token it rotates even when it then refuses the audience: what it
    // answers next is its call, not a reason for Panorama to forget).
    let user = session.account().keyring_user();
    assert!(
        vault.load(&user).expect("vault").is_some(),
        "the refresh token stays in the keyring"
    );
    assert!(book.session("erin").is_ok());

    // The provider goes away: an error that keeps the account, in a new
    // process as in this one.
    drop(op);
    let later = AccountBook::open(Some(db), vault).expect("book");
    let again = later.session("erin").expect("the account is still there");
    let outage = again.token_for("urn:test:api").await;
    assert!(
        !matches!(outage, Err(AuthError::Expired { .. }) | Ok(_)),
        "an outage is not a sign-out: {outage:?}"
    );
    assert!(
        later.session("erin").is_ok(),
        "the account survives the outage"
    );
}
