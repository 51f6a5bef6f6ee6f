//! The bridge that lets the `openidconnect`/`oauth2` crates talk through our
//! own reqwest client (one rustls stack, our user agent, no second reqwest).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// A failed request to the identity provider, in words.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(pub String);

/// The HTTP client for every request to an identity provider.
#[derive(Clone)]
pub struct OidcHttp {
    client: reqwest::Client,
}

impl OidcHttp {
    pub fn new() -> Result<Self, crate::net::NetError> {
        Self::with_timeout(Duration::from_secs(30))
    }

    pub fn with_timeout(timeout: Duration) -> Result<Self, crate::net::NetError> {
        let client = crate::net::async_client_builder(timeout)
            // Following redirects from token endpoints would open the door to
            // request forgery; identity providers never need it.
            .redirect(reqwest::redirect::Policy::none())
            // No pooled connections: a client may be used from a short-lived
            // runtime (the CLI, a blocking reader) and must not keep sockets
            // bound to one that is gone.
            .pool_max_idle_per_host(0)
            .build()
            .map_err(crate::net::NetError::Client)?;
        Ok(Self { client })
    }

    /// POST a form and read the status and body (revocation).
    pub async fn post_form(
        &self,
        url: &str,
        fields: &[(&str, &str)],
    ) -> Result<(u16, String), HttpError> {
        let resp = self
            .client
            .post(url)
            .form(fields)
            .send()
            .await
            .map_err(|e| HttpError(format!("request failed: {e}")))?;
        let status = resp.status().as_u16();
        let body = crate::net::text_limited(
            resp,
            crate::net::limits::AUTH,
            "an identity provider's answer",
        )
        .await
        .map_err(|e| HttpError(e.to_string()))?;
        Ok((status, body))
    }

    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let request = reqwest::Request::try_from(request)
            .map_err(|e| HttpError(format!("could not build the request: {e}")))?;
        let host = request.url().host_str().unwrap_or("?").to_owned();
        let resp = self.client.execute(request).await.map_err(|e| {
            HttpError(if e.is_timeout() {
                format!("{host} did not answer in time")
            } else if e.is_connect() {
                format!("cannot connect to {host}: the service is down or unreachable")
            } else {
                format!("request to {host} failed: {e}")
            })
        })?;
        let mut builder = openidconnect::http::Response::builder().status(resp.status());
        for (name, value) in resp.headers() {
            builder = builder.header(name, value);
        }
        let body = crate::net::read_limited(
            resp,
            crate::net::limits::AUTH,
            "an identity provider's answer",
        )
        .await
        .map_err(|e| HttpError(e.to_string()))?;
        builder
            .body(body)
            .map_err(|e| HttpError(format!("malformed answer from {host}: {e}")))
    }
}

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.execute(request))
    }
}
