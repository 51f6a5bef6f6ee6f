//! Sign-in and secrets. Tokens live in the OS keyring and only ever pass
//! through [`Secret`], whose `Debug` and `Display` never show the value, so a
//! token cannot end up in a log line, a settings file or a screenshot by accident.

pub mod keystore;

use std::fmt;

use serde::{Deserialize, Serialize};

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

/// A signed-in identity at one issuer. Holds no secret: tokens are in the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Issuer URL, e.g. `https://login.helmholtz.de/oauth2`.
    pub issuer: String,
    /// The `sub` claim: stable id of the person at the issuer.
    pub subject: String,
    /// Name to show, from `name` or `preferred_username`.
    pub display_name: String,
    #[serde(default)]
    pub entitlements: Vec<String>,
}

impl Account {
    /// The keyring user name under which this account's refresh token is kept.
    pub fn keyring_user(&self) -> String {
        format!("{}#{}", self.issuer, self.subject)
    }
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
    }
}
