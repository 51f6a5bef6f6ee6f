//! The two ways to sign in: authorization code + PKCE with a loopback
//! redirect (RFC 8252, the system browser does the talking), and the device
//! authorization grant (RFC 8628) for machines without a browser.

use std::sync::Arc;
use std::time::Duration;

use openidconnect::core::{CoreAuthenticationFlow, CoreDeviceAuthorizationResponse};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::provider::{Identity, Provider};
use super::{AuthError, TokenSet};

/// Scopes asked for when the user names none: identity, e-mail, profile,
/// entitlements, and a refresh token.
pub const DEFAULT_SCOPES: [&str; 5] = [
    "openid",
    "offline_access",
    "email",
    "profile",
    "entitlements",
];

/// How long Panorama waits for the browser before giving up.
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(600);

/// The outcome of a completed sign-in.
#[derive(Debug)]
pub struct SignedIn {
    pub tokens: TokenSet,
    pub identity: Identity,
}

/// True for `http://127.0.0.1…`, `http://[::1]…` and `http://localhost…`
/// (RFC 8252 §7.3): the only redirects a native app may receive.
pub fn is_loopback_redirect(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http"
            && match u.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            }
    })
}

fn scopes_or_default(scopes: &[String]) -> Vec<String> {
    if scopes.is_empty() {
        DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect()
    } else {
        scopes.to_vec()
    }
}

/// An authorization request on its way through the browser.
pub struct PendingLogin {
    /// The URL to open in the browser.
    pub url: String,
    pub redirect_uri: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    client_id: String,
    provider: Arc<Provider>,
}

impl PendingLogin {
    /// Build the authorization URL with PKCE (S256), `state` and `nonce`.
    /// A redirect that is not on this computer is refused.
    pub fn new(
        provider: Arc<Provider>,
        client_id: &str,
        scopes: &[String],
        redirect_uri: &str,
    ) -> Result<Self, AuthError> {
        if !is_loopback_redirect(redirect_uri) {
            return Err(AuthError::NotLoopback(redirect_uri.to_owned()));
        }
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|_| AuthError::NotLoopback(redirect_uri.to_owned()))?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = provider.client(client_id).set_redirect_uri(redirect);
        let mut req = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        let scopes = scopes_or_default(scopes);
        for s in scopes.iter().filter(|s| s.as_str() != "openid") {
            req = req.add_scope(Scope::new(s.clone()));
        }
        if scopes.iter().any(|s| s == "offline_access") {
            // Providers only grant offline access (a refresh token) with consent.
            req = req.add_prompt(openidconnect::core::CoreAuthPrompt::Consent);
        }
        let (url, state, nonce) = req.url();
        Ok(Self {
            url: url.to_string(),
            redirect_uri: redirect_uri.to_owned(),
            state,
            nonce,
            verifier,
            client_id: client_id.to_owned(),
            provider,
        })
    }

    /// Check what came back to the redirect, exchange the code (with the PKCE
    /// verifier) and verify the ID token, including its nonce.
    pub async fn finish(self, back: &Callback) -> Result<SignedIn, AuthError> {
        // The state first: an answer (even an error) that does not belong to
        // this sign-in is refused, and says nothing about it.
        if back.state.as_deref() != Some(self.state.secret().as_str()) {
            return Err(AuthError::StateMismatch);
        }
        if let Some(err) = &back.error {
            return Err(AuthError::Denied(
                back.error_description
                    .clone()
                    .unwrap_or_else(|| err.clone()),
            ));
        }
        // RFC 9207: when the provider names itself, it must be the one asked.
        if let Some(iss) = &back.iss
            && iss.trim_end_matches('/') != self.provider.issuer
        {
            return Err(AuthError::IssuerMismatch {
                expected: self.provider.issuer.clone(),
                got: iss.clone(),
            });
        }
        let code = back
            .code
            .clone()
            .ok_or_else(|| AuthError::Denied("the provider sent no authorization code".into()))?;
        let redirect = RedirectUrl::new(self.redirect_uri.clone())
            .map_err(|_| AuthError::NotLoopback(self.redirect_uri.clone()))?;
        let client = self
            .provider
            .client(&self.client_id)
            .set_redirect_uri(redirect);
        let resp = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| AuthError::Token(e.to_string()))?
            .set_pkce_verifier(self.verifier)
            .request_async(&self.provider.http)
            .await
            .map_err(super::describe_token_error)?;
        let (tokens, identity) = self
            .provider
            .accept(&resp, &self.client_id, Some(&self.nonce))
            .await?;
        let identity = identity.ok_or(AuthError::NoIdToken)?;
        Ok(SignedIn { tokens, identity })
    }
}

/// The query of the request the browser made to the loopback redirect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Parse the first line of an HTTP request to the redirect
/// (`GET /callback?code=…&state=… HTTP/1.1`). Anything else is `None`.
pub fn parse_callback(request_line: &str, path: &str) -> Option<Callback> {
    let mut parts = request_line.split_ascii_whitespace();
    if parts.next()? != "GET" {
        return None;
    }
    let target = parts.next()?;
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let url = url::Url::parse(&format!("http://loopback{target}")).ok()?;
    if url.path() != path {
        return None;
    }
    let mut back = Callback::default();
    for (k, v) in url.query_pairs() {
        let slot = match k.as_ref() {
            "code" => &mut back.code,
            "state" => &mut back.state,
            "iss" => &mut back.iss,
            "error" => &mut back.error,
            "error_description" => &mut back.error_description,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(v.into_owned());
        }
    }
    Some(back)
}

/// Read one request head (up to 16 KiB) from the browser.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while buf.len() < 16 * 1024 {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8(buf).ok()
}

async fn respond(stream: &mut TcpStream, status: &str, title: &str, text: &str) {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Panorama</title>\
         <style>body{{font-family:sans-serif;max-width:34em;margin:4em auto;color:#222}}</style></head>\
         <body><h1>{}</h1><p>{}</p></body></html>",
        esc(title),
        esc(text)
    );
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Sign in through the browser: listen on an ephemeral loopback port, let
/// `open` show the authorization URL (the system browser), wait for the
/// redirect (until `cancel` or [`BROWSER_TIMEOUT`]), finish the exchange and
/// show a small result page in the browser.
pub async fn login_with_browser(
    provider: Arc<Provider>,
    client_id: &str,
    scopes: &[String],
    open: impl FnOnce(&str) -> Result<(), String>,
    cancel: CancellationToken,
) -> Result<SignedIn, AuthError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| AuthError::Loopback(e.to_string()))?;
    let port = listener
        .local_addr()
        .map_err(|e| AuthError::Loopback(e.to_string()))?
        .port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let pending = PendingLogin::new(provider, client_id, scopes, &redirect)?;
    tracing::info!(issuer = %pending.provider.issuer, "waiting for the browser to finish signing in");
    open(&pending.url).map_err(AuthError::Browser)?;
    let deadline = tokio::time::sleep(BROWSER_TIMEOUT);
    tokio::pin!(deadline);
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return Err(AuthError::Cancelled),
            () = &mut deadline => return Err(AuthError::TimedOut),
            a = listener.accept() => a,
        };
        let Ok((mut stream, _)) = accepted else {
            continue;
        };
        let Some(head) = read_head(&mut stream).await else {
            continue;
        };
        let first = head.lines().next().unwrap_or("");
        let Some(back) = parse_callback(first, "/callback") else {
            // A favicon request or a stray connection: not ours.
            respond(&mut stream, "404 Not Found", "Not found", "").await;
            continue;
        };
        let outcome = pending.finish(&back).await;
        match &outcome {
            Ok(_) => {
                respond(
                    &mut stream,
                    "200 OK",
                    "Signed in to Panorama",
                    "You can close this tab and go back to Panorama.",
                )
                .await;
            }
            Err(e) => {
                respond(
                    &mut stream,
                    "400 Bad Request",
                    "Sign-in failed",
                    &e.to_string(),
                )
                .await;
            }
        }
        return outcome;
    }
}

/// A device sign-in waiting for the person to approve it elsewhere.
pub struct DeviceLogin {
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
    details: CoreDeviceAuthorizationResponse,
    client_id: String,
    provider: Arc<Provider>,
}

impl std::fmt::Debug for DeviceLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceLogin")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .finish_non_exhaustive()
    }
}

impl DeviceLogin {
    /// Ask the provider for a device code and a user code.
    pub async fn start(
        provider: Arc<Provider>,
        client_id: &str,
        scopes: &[String],
    ) -> Result<Self, AuthError> {
        let Some(url) = provider
            .metadata()
            .additional_metadata()
            .device_authorization_endpoint
            .clone()
        else {
            return Err(AuthError::NoDeviceFlow(provider.issuer.clone()));
        };
        let client = provider.client(client_id).set_device_authorization_url(url);
        let mut req = client.exchange_device_code();
        for s in scopes_or_default(scopes) {
            req = req.add_scope(Scope::new(s));
        }
        let details: CoreDeviceAuthorizationResponse = req
            .request_async(&provider.http)
            .await
            .map_err(super::describe_token_error)?;
        Ok(Self {
            user_code: details.user_code().secret().clone(),
            verification_uri: details.verification_uri().to_string(),
            verification_uri_complete: details
                .verification_uri_complete()
                .map(|u| u.secret().clone()),
            expires_in: details.expires_in(),
            details,
            client_id: client_id.to_owned(),
            provider,
        })
    }

    /// The page to show (with the code filled in when the provider allows).
    pub fn page(&self) -> &str {
        self.verification_uri_complete
            .as_deref()
            .unwrap_or(&self.verification_uri)
    }

    /// Poll the token endpoint at the provider's interval (slowing down when
    /// asked) until the code is approved, denied or expired, or `cancel` fires.
    pub async fn finish(self, cancel: CancellationToken) -> Result<SignedIn, AuthError> {
        let client = self.provider.client(&self.client_id);
        let poll = async {
            client
                .exchange_device_access_token(&self.details)
                .map_err(|e| AuthError::Token(e.to_string()))?
                .request_async(&self.provider.http, tokio::time::sleep, None)
                .await
                .map_err(super::describe_token_error)
        };
        let resp = tokio::select! {
            () = cancel.cancelled() => return Err(AuthError::Cancelled),
            r = poll => r?,
        };
        let (tokens, identity) = self.provider.accept(&resp, &self.client_id, None).await?;
        let identity = identity.ok_or(AuthError::NoIdToken)?;
        Ok(SignedIn { tokens, identity })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_redirects() {
        for ok in [
            "http://127.0.0.1:4711/callback",
            "http://localhost:1/callback",
            "http://[::1]:8080/callback",
        ] {
            assert!(is_loopback_redirect(ok), "{ok}");
        }
        for bad in [
            "https://127.0.0.1/callback",
            "http://evil.example/callback",
            "http://127.0.0.1.evil.example/callback",
            "http://10.0.0.1/callback",
            "org.example.app:/callback",
            "",
        ] {
            assert!(!is_loopback_redirect(bad), "{bad}");
        }
    }

    #[test]
    fn callback_lines() {
        let back = parse_callback(
            "GET /callback?code=abc&state=xyz&iss=http%3A%2F%2F127.0.0.1%3A9010 HTTP/1.1",
            "/callback",
        )
        .expect("parsed");
        assert_eq!(back.code.as_deref(), Some("abc"));
        assert_eq!(back.state.as_deref(), Some("xyz"));
        assert_eq!(back.iss.as_deref(), Some("http://127.0.0.1:9010"));
        let denied = parse_callback(
            "GET /callback?error=access_denied&error_description=End-User+aborted&state=s HTTP/1.1",
            "/callback",
        )
        .expect("parsed");
        assert_eq!(denied.error.as_deref(), Some("access_denied"));
        assert_eq!(
            denied.error_description.as_deref(),
            Some("End-User aborted")
        );
        // A repeated parameter keeps its first value.
        let twice =
            parse_callback("GET /callback?state=a&state=b HTTP/1.1", "/callback").expect("parsed");
        assert_eq!(twice.state.as_deref(), Some("a"));
        for junk in [
            "",
            "GET",
            "POST /callback?code=a HTTP/1.1",
            "GET /favicon.ico HTTP/1.1",
            "GET /callback?code=a",
            "GET http://x/callback HTTP/1.1 extra",
            "\u{0}\u{ff}",
        ] {
            assert!(parse_callback(junk, "/callback").is_none(), "{junk:?}");
        }
    }

    /// Arbitrary bytes never panic the parser.
    #[test]
    fn callback_parser_survives_noise() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let alphabet = b"GET /callback?=&%HTP1.\r\n xyz\x00\xff";
        for _ in 0..20_000 {
            let len = (seed % 64) as usize;
            let mut s = Vec::with_capacity(len);
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[usize::try_from(seed % alphabet.len() as u64).unwrap_or(0)]);
            }
            let line = String::from_utf8_lossy(&s);
            let _ = parse_callback(&line, "/callback");
        }
    }
}
