//! Credentials as every layer passes them: [`Secret`], whose `Debug` and
//! `Display` never show the value, so a token cannot end up in a log line,
//! a settings file or a screenshot by accident; and [`TokenSource`], where
//! a client gets its bearer token. Sign-in itself, and the signed-in
//! sessions that are token sources, are `auth`'s.

use std::fmt;
use std::sync::Arc;

use crate::runtime::BoxFuture;

/// A token or password. Printing it shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for an `Authorization` header or the keyring.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Why no token could be had, in words for people (the account to sign in
/// again as, the provider that could not be reached).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TokenError(pub String);

/// Where an authenticated request gets its bearer token: a signed-in
/// account (`auth::Session`) or a fixed token.
pub trait TokenSource: Send + Sync {
    /// Who the token speaks for, e.g. `alice@login.example.org`.
    fn label(&self) -> String;
    /// The entitlements/groups of the account, to explain a 403.
    fn entitlements(&self) -> Vec<String>;
    /// A valid access token, refreshed first when it is about to expire.
    fn access_token(&self) -> BoxFuture<'_, Result<Secret, TokenError>>;
    /// The server refused `rejected` with 401: refresh once and hand out
    /// the new token (or the current one when another request already did).
    fn after_unauthorized<'a>(
        &'a self,
        rejected: &'a Secret,
    ) -> BoxFuture<'a, Result<Secret, TokenError>>;
}

/// A token source shared by clients.
pub type SharedTokens = Arc<dyn TokenSource>;

/// A fixed token (`PANORAMA_TOKEN`, scripts). It cannot be refreshed.
pub struct StaticToken(pub Secret);

impl TokenSource for StaticToken {
    fn label(&self) -> String {
        "the given token".into()
    }
    fn entitlements(&self) -> Vec<String> {
        Vec::new()
    }
    fn access_token(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
    fn after_unauthorized<'a>(
        &'a self,
        _rejected: &'a Secret,
    ) -> BoxFuture<'a, Result<Secret, TokenError>> {
        Box::pin(async move {
            Err(TokenError(
                "The server refused the token; sign in again (Accounts) to see this".into(),
            ))
        })
    }
}

/// Run a token request from blocking code (readers on the blocking pool, the
/// CLI): on a private current-thread runtime in a scoped thread, so it works
/// inside and outside a tokio runtime alike.
pub fn block_on_token<T: Send>(
    fut: impl std::future::Future<Output = Result<T, TokenError>> + Send,
) -> Result<T, TokenError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| TokenError(e.to_string()))?
                    .block_on(fut)
            })
            .join()
            .unwrap_or_else(|_| Err(TokenError("the token request failed".into())))
    })
}
