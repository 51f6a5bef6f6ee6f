//! The HTTP client every module uses: rustls (ring), a clear user agent,
//! time-outs, and bearer tokens that never reach a log line.

use std::sync::Once;
use std::time::Duration;

pub mod credentials;

use credentials::Secret;

/// Errors building the client.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("could not set up the network client: {0}")]
    Client(#[from] reqwest::Error),
}

/// How much of an answer is read, by kind of answer: a server that sends
/// more is refused with the limit named, rather than filling memory.
pub mod limits {
    /// A catalogue's JSON answer (one page of search results, one record).
    pub const CATALOGUE: u64 = 64 << 20;
    /// One OAI-PMH page of records.
    pub const OAI_PMH: u64 = 64 << 20;
    /// A WebDAV folder listing (PROPFIND).
    pub const WEBDAV_LISTING: u64 = 32 << 20;
    /// An identity provider's answer (discovery, keys, tokens).
    pub const AUTH: u64 = 1 << 20;
    /// A catalogue's answer to a publish or upload.
    pub const PUBLISH: u64 = 4 << 20;
    /// A Slurm REST answer.
    pub const SLURM: u64 = 8 << 20;
}

/// Why an answer's body was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error(
        "the answer from {host} is larger than {}, the most Panorama reads for {what}; \
         check the address, or ask the service's operators",
        size_words(*limit)
    )]
    TooLarge {
        host: String,
        what: String,
        limit: u64,
    },
    #[error("the answer from {host} broke off: {detail}")]
    Broken { host: String, detail: String },
}

/// A size limit in words: whole MiB from 1 MiB up, else bytes.
fn size_words(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    } else {
        format!("{bytes} bytes")
    }
}

fn too_large(url: &url::Url, what: &str, limit: u64) -> BodyError {
    BodyError::TooLarge {
        host: url.host_str().unwrap_or("the server").to_owned(),
        what: what.to_owned(),
        limit,
    }
}

/// Read a body, at most `limit` bytes: an announced or actual longer body
/// is refused as soon as it is known to be, so memory stays bounded.
pub async fn read_limited(
    mut resp: reqwest::Response,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, BodyError> {
    let url = resp.url().clone();
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large(&url, what, limit));
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if (body.len() + chunk.len()) as u64 > limit {
                    return Err(too_large(&url, what, limit));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => {
                return Err(BodyError::Broken {
                    host: url.host_str().unwrap_or("the server").to_owned(),
                    detail: e.to_string(),
                });
            }
        }
    }
}

/// [`read_limited`] for a blocking client's answer.
pub fn read_limited_blocking(
    resp: reqwest::blocking::Response,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, BodyError> {
    use std::io::Read;
    let url = resp.url().clone();
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large(&url, what, limit));
    }
    let mut body = Vec::new();
    resp.take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| BodyError::Broken {
            host: url.host_str().unwrap_or("the server").to_owned(),
            detail: e.to_string(),
        })?;
    if body.len() as u64 > limit {
        return Err(too_large(&url, what, limit));
    }
    Ok(body)
}

/// [`read_limited`] as text (invalid UTF-8 replaced).
pub async fn text_limited(
    resp: reqwest::Response,
    limit: u64,
    what: &str,
) -> Result<String, BodyError> {
    let bytes = read_limited(resp, limit, what).await?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
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

/// What a URI path segment keeps as it is (RFC 3986 unreserved characters);
/// everything else, `/` included, is percent-encoded.
pub const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

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
