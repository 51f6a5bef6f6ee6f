//! A real OpenID Provider (npm `oidc-provider`, tests/servers/oidc/op.mjs) on
//! loopback, and a scripted browser that signs in on its HTML pages the way a
//! person would: follow redirects, fill the login form, confirm consent.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use super::{Peer, start_peer};

/// Start the OP on a free port with extra environment (`OP_AT_TTL`, …).
pub fn start_op(env: &[(&str, &str)]) -> Peer {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oidc");
    assert!(
        dir.join("node_modules/oidc-provider").exists(),
        "{} is missing: run `make test` (it installs the OpenID Provider the sign-in tests use)",
        dir.display()
    );
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("op.mjs"))
        .env("OP_PORT", "0")
        .env("NODE_NO_WARNINGS", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    start_peer(cmd, "OP_READY")
}

/// What the person does on the provider's pages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Choice {
    Approve,
    /// Press "Cancel" on the login page.
    Abort,
}

/// A minimal browser: a cookie jar, no automatic redirects.
pub struct Browser {
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

#[derive(Debug)]
struct Form {
    action: String,
    fields: Vec<(String, String)>,
    inputs: Vec<String>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].replace("&amp;", "&"))
}

fn first_form(html: &str) -> Option<Form> {
    let start = html.find("<form")?;
    let end = html[start..]
        .find("</form>")
        .map_or(html.len(), |e| e + start);
    let form = &html[start..end];
    let head_end = form.find('>')?;
    let action = attr(&form[..head_end], "action").unwrap_or_default();
    let mut fields = Vec::new();
    let mut inputs = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find("<input") {
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| e + i);
        let tag = &rest[i..tag_end];
        if let Some(name) = attr(tag, "name") {
            match attr(tag, "value") {
                Some(v) if tag.contains("type=\"hidden\"") || v == "yes" => fields.push((name, v)),
                _ => inputs.push(name),
            }
        }
        rest = &rest[tag_end..];
    }
    Some(Form {
        action,
        fields,
        inputs,
    })
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> reqwest::Response {
        let resp = req
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .expect("browser request");
        for v in resp.headers().get_all("set-cookie") {
            if let Some((kv, _)) = v.to_str().unwrap_or("").split_once(';')
                && let Some((k, v)) = kv.split_once('=')
            {
                if v.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        resp
    }

    /// Start at `url` and click through until the provider sends the browser
    /// to a page outside itself (the app's loopback redirect, which is then
    /// visited) or shows a final page. Returns the last page's status and text.
    pub async fn sign_in(
        &mut self,
        url: &str,
        user: &str,
        user_code: Option<&str>,
        choice: Choice,
    ) -> (u16, String) {
        let origin = {
            let u = url::Url::parse(url).expect("url");
            format!("{}://{}", u.scheme(), u.host_str().unwrap_or_default())
                + &u.port().map(|p| format!(":{p}")).unwrap_or_default()
        };
        let mut current = url::Url::parse(url).expect("url");
        let mut req = self.client.get(current.clone());
        for _ in 0..20 {
            let resp = self.send(req).await;
            let status = resp.status().as_u16();
            if (300..400).contains(&status) {
                let loc = resp
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .expect("location")
                    .to_owned();
                current = current.join(&loc).expect("redirect");
                if !current.as_str().starts_with(&origin) {
                    // The app's loopback redirect: the real browser goes there.
                    let back = self.client.get(current.clone()).send().await;
                    return match back {
                        Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
                        Err(e) => (0, e.to_string()),
                    };
                }
                req = self.client.get(current.clone());
                continue;
            }
            let html = resp.text().await.unwrap_or_default();
            let Some(form) = first_form(&html) else {
                return (status, html);
            };
            if form.inputs.iter().any(|i| i == "login") && choice == Choice::Abort {
                let abort = current
                    .join(&format!("{}/abort", current.path()))
                    .expect("abort");
                req = self.client.get(abort);
                continue;
            }
            let mut fields = form.fields.clone();
            for input in &form.inputs {
                match input.as_str() {
                    "login" => fields.push(("login".into(), user.into())),
                    "password" => fields.push(("password".into(), "test".into())),
                    "user_code" => {
                        fields.push(("user_code".into(), user_code.expect("a user code").into()));
                    }
                    _ => {}
                }
            }
            let action = if form.action.is_empty() {
                current.clone()
            } else {
                current.join(&form.action).expect("action")
            };
            current = action.clone();
            req = self.client.post(action).form(&fields);
        }
        panic!("the sign-in did not finish within 20 pages");
    }
}

/// The scripted browser's visit, answering the final page's status and text.
type PageTask = tokio::task::JoinHandle<(u16, String)>;

/// Sign in at `issuer` as `user` through the loopback redirect, with the
/// scripted browser, and keep the account in a memory-only book.
pub async fn sign_in(
    issuer: &str,
    user: &str,
) -> (
    panorama::auth::AccountBook,
    std::sync::Arc<panorama::auth::Session>,
) {
    use std::sync::{Arc, Mutex};
    let provider = Arc::new(
        panorama::auth::provider::Provider::discover(
            issuer,
            panorama::auth::http::OidcHttp::new().expect("http"),
        )
        .await
        .expect("discovery"),
    );
    let page: Arc<Mutex<Option<PageTask>>> = Arc::default();
    let slot = page.clone();
    let who = user.to_owned();
    let signed = panorama::auth::flow::login_with_browser(
        provider.clone(),
        "test-native",
        &[],
        move |url| {
            let url = url.to_owned();
            *slot.lock().expect("slot") = Some(tokio::spawn(async move {
                Browser::new()
                    .sign_in(&url, &who, None, Choice::Approve)
                    .await
            }));
            Ok(())
        },
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .expect("signed in");
    let handle = page.lock().expect("slot").take().expect("browser");
    handle.await.expect("browser");
    let book = panorama::auth::AccountBook::open(None, panorama::auth::keystore::Vault::memory())
        .expect("book");
    let session = book.add(provider, "test-native", signed).expect("add");
    (book, session)
}

/// RFC 7662 introspection of `token` at the provider, as a resource server
/// (the `test-rs` client) would do it.
pub async fn introspect(issuer: &str, token: &str) -> serde_json::Value {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .post(format!("{issuer}/token/introspection"))
        .basic_auth("test-rs", Some("test-rs-secret"))
        .form(&[("token", token)])
        .send()
        .await
        .expect("introspection")
        .json()
        .await
        .expect("json")
}
