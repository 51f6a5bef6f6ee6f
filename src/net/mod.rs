//! The HTTP client every module uses: rustls (ring), a clear user agent,
//! time-outs, and bearer tokens that never reach a log line.

use std::sync::Once;
use std::time::Duration;

use crate::auth::Secret;

/// Errors building the client.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("could not set up the network client: {0}")]
    Client(#[from] reqwest::Error),
}

fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one already; that is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// User agent sent with every request.
pub fn user_agent() -> String {
    format!("Panorama/{} (+research data browser)", crate::VERSION)
}

/// A blocking client for work already on a background thread.
pub fn blocking_client(timeout: Duration) -> Result<reqwest::blocking::Client, NetError> {
    install_crypto();
    Ok(reqwest::blocking::Client::builder()
        .user_agent(user_agent())
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .build()?)
}

/// An async client for tokio tasks.
pub fn async_client(timeout: Duration) -> Result<reqwest::Client, NetError> {
    Ok(async_client_builder(timeout).build()?)
}

/// A shared async client for a time-out: built once per process (building
/// one loads the TLS roots, which costs milliseconds), with its connection
/// pool shared by every catalogue request.
pub fn shared_async_client(timeout: Duration) -> Result<reqwest::Client, NetError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CLIENTS: OnceLock<Mutex<HashMap<Duration, reqwest::Client>>> = OnceLock::new();
    let mut map = CLIENTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(c) = map.get(&timeout) {
        return Ok(c.clone());
    }
    let c = async_client(timeout)?;
    map.insert(timeout, c.clone());
    Ok(c)
}

/// The settings of [`async_client`], for clients that need one more (no redirects…).
pub fn async_client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    install_crypto();
    reqwest::Client::builder()
        .user_agent(user_agent())
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
}

/// A client for long transfers (downloads of large files): no limit on the
/// whole transfer, but one on silence, so a stalled server is given up on
/// after `idle` without cutting a slow, steady download short.
pub fn transfer_client(idle: Duration) -> Result<reqwest::Client, NetError> {
    install_crypto();
    Ok(reqwest::Client::builder()
        .user_agent(user_agent())
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(idle)
        .build()?)
}

/// Add `Authorization: Bearer …` when a token is given.
pub fn with_bearer(
    req: reqwest::blocking::RequestBuilder,
    token: Option<&Secret>,
) -> reqwest::blocking::RequestBuilder {
    match token {
        Some(t) => req.bearer_auth(t.expose()),
        None => req,
    }
}

/// True for http and https URLs, the only ones Panorama opens.
pub fn is_web_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_urls_count() {
        assert!(is_web_url("https://data.panosc.eu/api/Datasets"));
        assert!(is_web_url("http://127.0.0.1:9020/?file=a.h5"));
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "ftp://x/y",
            "data.h5",
            "http://",
        ] {
            assert!(!is_web_url(bad), "{bad}");
        }
    }
}
