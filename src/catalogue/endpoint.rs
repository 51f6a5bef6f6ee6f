//! What every HTTP catalogue client shares: [`Endpoint`] (id, name, base
//! URL, client and the account's tokens) and [`get_json`], which turns each
//! failure into a [`CatalogueError`] that names the source.

use super::CatalogueError;
use crate::net::credentials::SharedTokens;

/// What every HTTP catalogue client holds: its id and name, the base URL and
/// the shared HTTP client.
pub(crate) struct Endpoint {
    pub id: String,
    pub name: String,
    pub base: String,
    pub client: reqwest::Client,
    /// Tokens of the account bound to this source, if any.
    pub auth: Option<SharedTokens>,
}

impl Endpoint {
    pub fn new(
        id: &str,
        name: &str,
        base: &str,
        timeout: std::time::Duration,
    ) -> Result<Self, CatalogueError> {
        let client =
            crate::net::shared_async_client(timeout).map_err(|e| CatalogueError::Malformed {
                source_name: name.to_owned(),
                detail: e.to_string(),
            })?;
        Ok(Self {
            id: id.to_owned(),
            name: name.to_owned(),
            base: base.trim_end_matches('/').to_owned(),
            client,
            auth: None,
        })
    }

    /// Send a request (with the bound account's bearer token, refreshed and
    /// retried once on 401) and read its JSON answer.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, CatalogueError> {
        let Some(auth) = &self.auth else {
            // Without an account, 403 also means "sign in to see this".
            return get_json(req, &self.name).await.map_err(|e| match e {
                CatalogueError::Forbidden { source_name, .. } => {
                    CatalogueError::SignInRequired { source_name }
                }
                other => other,
            });
        };
        let account_error = |e: crate::net::credentials::TokenError| CatalogueError::Account {
            source_name: self.name.clone(),
            detail: e.to_string(),
        };
        let forbidden = |e: CatalogueError| match e {
            CatalogueError::Forbidden { source_name, .. } => CatalogueError::Forbidden {
                source_name,
                account: auth.label(),
                entitlements: match auth.entitlements() {
                    e if e.is_empty() => "none".into(),
                    e => e.join(", "),
                },
            },
            other => other,
        };
        let token = auth.access_token().await.map_err(account_error)?;
        let retry = req.try_clone();
        match (
            get_json(req.bearer_auth(token.expose()), &self.name).await,
            retry,
        ) {
            (Err(CatalogueError::SignInRequired { .. }), Some(retry)) => {
                // 401: the token was refused; refresh once and try again.
                let fresh = auth
                    .after_unauthorized(&token)
                    .await
                    .map_err(account_error)?;
                get_json(retry.bearer_auth(fresh.expose()), &self.name)
                    .await
                    .map_err(forbidden)
            }
            (other, _) => other.map_err(forbidden),
        }
    }
}

/// Send a catalogue request and read its JSON answer, turning every failure
/// into a [`CatalogueError`] that names the source: time-outs, refused
/// connections, 401/403 (sign in), other HTTP errors, malformed JSON.
pub(crate) async fn get_json<T: serde::de::DeserializeOwned>(
    req: reqwest::RequestBuilder,
    source_name: &str,
) -> Result<T, CatalogueError> {
    let name = || source_name.to_owned();
    let resp = req
        .send()
        .await
        .map_err(|e| CatalogueError::sending(&e, source_name))?;
    let status = resp.status().as_u16();
    if status == 401 {
        return Err(CatalogueError::SignInRequired {
            source_name: name(),
        });
    }
    if status == 403 {
        return Err(CatalogueError::Forbidden {
            source_name: name(),
            account: String::new(),
            entitlements: String::new(),
        });
    }
    let body = crate::net::text_limited(resp, crate::net::limits::CATALOGUE, "a catalogue answer")
        .await
        .map_err(|e| CatalogueError::Malformed {
            source_name: name(),
            detail: e.to_string(),
        })?;
    if !(200..300).contains(&status) {
        return Err(CatalogueError::Http {
            source_name: name(),
            status,
            detail: body.chars().take(200).collect(),
        });
    }
    serde_json::from_str(&body).map_err(|e| CatalogueError::Malformed {
        source_name: name(),
        detail: e.to_string(),
    })
}
