//! Sign-in and secrets: OpenID Connect discovery, authorization code + PKCE
//! with a loopback redirect, the device flow, refresh with rotation,
//! revocation, several accounts, and refresh tokens kept in the OS keyring.
//!
//! Tokens only ever pass through [`Secret`], whose `Debug` and `Display`
//! never show the value, so a token cannot end up in a log line, a settings
//! file or a screenshot by accident.

pub mod accounts;
pub mod flow;
pub mod http;
pub mod keystore;
pub mod provider;

pub use crate::net::credentials::{
    Secret, SharedTokens, StaticToken, TokenError, TokenSource, block_on_token,
};
pub use accounts::{Account, AccountBook, LoginRequest, Session};

/// The tokens of one sign-in.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access: Secret,
    pub refresh: Option<Secret>,
    pub id_token: Option<Secret>,
    /// When the access token expires (unix seconds), when the provider says.
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
}

/// Errors of signing in and of authenticated requests, worded for the person.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Could not read the sign-in settings of {issuer}: {detail}. Check the issuer URL")]
    Discovery { issuer: String, detail: String },
    #[error(
        "The redirect address {0} is not on this computer. Panorama only receives sign-ins on a loopback address (http://127.0.0.1, http://[::1] or http://localhost)"
    )]
    NotLoopback(String),
    #[error(
        "The answer that reached Panorama does not belong to this sign-in (the state differs), so it was refused. Start the sign-in again"
    )]
    StateMismatch,
    #[error(
        "The answer came from {got}, not from {expected} where the sign-in started, so it was refused"
    )]
    IssuerMismatch { expected: String, got: String },
    #[error("The identity token was refused: {0}. Start the sign-in again")]
    IdToken(String),
    #[error("The provider sent no identity token; ask for the `openid` scope")]
    NoIdToken,
    #[error("Sign-in was cancelled or refused at the provider: {0}")]
    Denied(String),
    #[error("The provider refused to issue tokens: {0}")]
    Token(String),
    /// `invalid_grant`: the refresh token (or code) is revoked, expired or spent.
    #[error("The provider no longer accepts this grant: {0}")]
    GrantGone(String),
    #[error(
        "The identity provider at {issuer} could not give a token just now ({detail}). You are still signed in; try again in a moment"
    )]
    Unavailable { issuer: String, detail: String },
    #[error("Could not reach the identity provider: {0}")]
    Network(String),
    #[error("The code expired before it was approved. Start the sign-in again")]
    DeviceExpired,
    #[error("{0} does not offer sign-in with a code on another device; use the browser instead")]
    NoDeviceFlow(String),
    #[error("Could not open the browser ({0}). Open the sign-in address yourself")]
    Browser(String),
    #[error("Could not listen for the browser on this computer: {0}")]
    Loopback(String),
    #[error("Sign-in was cancelled")]
    Cancelled,
    #[error("No answer from the browser in time. Start the sign-in again")]
    TimedOut,
    #[error("Your sign-in at {issuer} is no longer valid ({detail}). Sign in again as {account}")]
    Expired {
        account: String,
        issuer: String,
        detail: String,
    },
    #[error(
        "Panorama does not know its client id at {0}. Give the one the identity provider registered for Panorama (--client-id, or the Client id field)"
    )]
    NoClientId(String),
    #[error("The server refused the token; sign in again (Accounts) to see this")]
    Refused,
    #[error("No account “{0}”. `panorama accounts` lists them")]
    NoAccount(String),
    #[error("The keyring could not be used: {0}")]
    Keyring(String),
    #[error("The account list could not be saved: {0}")]
    Store(String),
}

/// The whole chain of an error, on one line.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

/// Word a failed token-endpoint request.
pub(crate) fn describe_token_error<RE, T>(e: openidconnect::RequestTokenError<RE, T>) -> AuthError
where
    RE: std::error::Error + 'static,
    T: openidconnect::ErrorResponse + 'static,
{
    use openidconnect::RequestTokenError as R;
    match e {
        R::ServerResponse(r) => {
            let code = serde_json::to_value(&r)
                .ok()
                .and_then(|v| v.get("error").and_then(|c| c.as_str()).map(str::to_owned))
                .unwrap_or_default();
            match code.as_str() {
                "expired_token" => AuthError::DeviceExpired,
                "access_denied" => AuthError::Denied(r.to_string()),
                "invalid_grant" => AuthError::GrantGone(r.to_string()),
                _ => AuthError::Token(r.to_string()),
            }
        }
        R::Request(inner) => AuthError::Network(error_chain(&inner)),
        R::Parse(inner, _) => AuthError::Token(format!("unreadable answer: {inner}")),
        R::Other(s) => AuthError::Token(s),
    }
}

impl From<AuthError> for TokenError {
    fn from(e: AuthError) -> Self {
        Self(e.to_string())
    }
}

/// Open an http(s) address in the system browser; any other scheme is refused.
pub fn open_in_browser(url: &str) -> Result<(), String> {
    if !crate::net::is_web_url(url) {
        return Err(format!("{url} is not a web address"));
    }
    webbrowser::open(url).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("eyJhbGciOiJSUzI1NiJ9.secret");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        let wrapped = format!("{:?}", Some(&s));
        assert!(!wrapped.contains("eyJ"), "{wrapped}");
        assert_eq!(s.expose(), "eyJhbGciOiJSUzI1NiJ9.secret");
        let set = TokenSet {
            access: s.clone(),
            refresh: Some(Secret::new("refresh-value")),
            id_token: None,
            expires_at: None,
            scopes: vec![],
        };
        let shown = format!("{set:?}");
        assert!(
            !shown.contains("eyJ") && !shown.contains("refresh-value"),
            "{shown}"
        );
    }
}
