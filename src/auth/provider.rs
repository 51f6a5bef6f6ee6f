//! One OpenID Provider: its discovered settings, its signing keys (re-fetched
//! when the provider rotates them), ID token checks, refresh and revocation.

use std::sync::RwLock;

use base64::Engine as _;
use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType,
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKey, CoreJsonWebKeySet,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode,
    CoreResponseType, CoreSubjectIdentifierType, CoreTokenResponse,
};
use openidconnect::{
    AdditionalProviderMetadata, ClaimsVerificationError, ClientId, DeviceAuthorizationUrl,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IntrospectionUrl, IssuerUrl, Nonce,
    NonceVerifier, OAuth2TokenResponse, ProviderMetadata, RefreshToken, RevocationUrl,
    SignatureVerificationError, TokenResponse,
};
use serde::{Deserialize, Serialize};

use super::http::OidcHttp;
use super::{AuthError, Secret, TokenSet};

/// Endpoints beyond the core discovery document that Panorama uses.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<RevocationUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<IntrospectionUrl>,
}
impl AdditionalProviderMetadata for ExtraMetadata {}

pub type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// A client built from discovery: authorization endpoint set, token and
/// user-info endpoints as discovered.
pub type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What the verified ID token says about the person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    /// `entitlements`, `eduperson_entitlement` and `groups`, merged.
    pub entitlements: Vec<String>,
    /// `exp` of the ID token (unix seconds).
    pub expires_at: i64,
}

/// A discovered OpenID Provider.
pub struct Provider {
    pub issuer: String,
    metadata: Metadata,
    jwks: RwLock<CoreJsonWebKeySet>,
    pub http: OidcHttp,
}

// Only the issuer: the rest holds keys and the HTTP client.
#[allow(clippy::missing_fields_in_debug)]
impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.issuer)
            .finish()
    }
}

fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Provider {
    /// Read `ISSUER/.well-known/openid-configuration` and the provider's keys.
    pub async fn discover(issuer: &str, http: OidcHttp) -> Result<Self, AuthError> {
        let issuer = issuer.trim().trim_end_matches('/').to_owned();
        if !crate::net::is_web_url(&issuer) {
            return Err(AuthError::Discovery {
                issuer,
                detail: "the issuer must be an http(s) URL".into(),
            });
        }
        // Tokens go to the issuer's endpoints: https, or plain http only to
        // a provider on this computer (as revocation already insists).
        let parsed = url::Url::parse(&issuer).ok();
        let loopback = parsed.as_ref().is_some_and(|u| match u.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        });
        if parsed.as_ref().is_some_and(|u| u.scheme() != "https") && !loopback {
            return Err(AuthError::Discovery {
                issuer,
                detail: "the issuer is not https; tokens are only sent over plain http to a provider on this computer".into(),
            });
        }
        let url = IssuerUrl::new(issuer.clone()).map_err(|e| AuthError::Discovery {
            issuer: issuer.clone(),
            detail: e.to_string(),
        })?;
        let metadata =
            Metadata::discover_async(url, &http)
                .await
                .map_err(|e| AuthError::Discovery {
                    issuer: issuer.clone(),
                    detail: super::error_chain(&e),
                })?;
        let jwks = metadata.jwks().clone();
        Ok(Self {
            issuer,
            metadata,
            jwks: RwLock::new(jwks),
            http,
        })
    }

    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    pub fn supports_device_flow(&self) -> bool {
        self.metadata
            .additional_metadata()
            .device_authorization_endpoint
            .is_some()
    }

    /// A public (native) client of this provider.
    pub fn client(&self, client_id: &str) -> DiscoveredClient {
        CoreClient::from_provider_metadata(
            self.metadata.clone().set_jwks(self.keys()),
            ClientId::new(client_id.to_owned()),
            None,
        )
    }

    fn keys(&self) -> CoreJsonWebKeySet {
        match self.jwks.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Fetch the signing keys again (the provider rotated them).
    pub async fn refresh_keys(&self) -> Result<(), AuthError> {
        let fresh = CoreJsonWebKeySet::fetch_async(self.metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| AuthError::Discovery {
                issuer: self.issuer.clone(),
                detail: format!("reading its signing keys: {}", super::error_chain(&e)),
            })?;
        match self.jwks.write() {
            Ok(mut k) => *k = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// Check an ID token: signature (keys re-fetched once when the key id is
    /// unknown), `iss`, `aud`, `exp` and `nonce`, at time `now`.
    pub async fn verify_id_token_at(
        &self,
        token: &str,
        client_id: &str,
        nonce: Option<&Nonce>,
        now: i64,
    ) -> Result<Identity, AuthError> {
        let parsed: CoreIdToken = token
            .parse()
            .map_err(|e| AuthError::IdToken(format!("it is not a valid JWT ({e})")))?;
        match self.check(&parsed, client_id, nonce, now) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                tracing::info!(issuer = %self.issuer, "unknown signing key; fetching the provider's keys again");
                self.refresh_keys().await?;
                self.check(&parsed, client_id, nonce, now)
                    .map_err(describe_claims_error)?;
            }
            other => {
                other.map_err(describe_claims_error)?;
            }
        }
        Ok(identity_from_payload(token))
    }

    /// [`Self::verify_id_token_at`] now.
    pub async fn verify_id_token(
        &self,
        token: &str,
        client_id: &str,
        nonce: Option<&Nonce>,
    ) -> Result<Identity, AuthError> {
        self.verify_id_token_at(token, client_id, nonce, now_unix())
            .await
    }

    fn check(
        &self,
        token: &CoreIdToken,
        client_id: &str,
        nonce: Option<&Nonce>,
        now: i64,
    ) -> Result<(), ClaimsVerificationError> {
        let issuer = self.metadata.issuer().clone();
        let verifier = CoreIdTokenVerifier::new_public_client(
            ClientId::new(client_id.to_owned()),
            issuer,
            self.keys(),
        )
        .set_time_fn(move || {
            chrono::DateTime::<chrono::Utc>::from_timestamp(now, 0).unwrap_or_default()
        });
        let nonce_check = NonceCheck(nonce.cloned());
        token.claims(&verifier, nonce_check).map(|_| ())
    }

    /// Turn a token response into a [`TokenSet`] and the verified identity.
    /// `nonce` is the one sent with the authorization request (none for the
    /// device flow and refreshes).
    pub async fn accept(
        &self,
        resp: &CoreTokenResponse,
        client_id: &str,
        nonce: Option<&Nonce>,
    ) -> Result<(TokenSet, Option<Identity>), AuthError> {
        let identity = match resp.id_token() {
            Some(idt) => Some(
                self.verify_id_token(&idt.to_string(), client_id, nonce)
                    .await?,
            ),
            None => None,
        };
        Ok((token_set(resp), identity))
    }

    /// Exchange a refresh token. Providers that rotate refresh tokens send a
    /// new one, which replaces the old in the returned set.
    pub async fn refresh(
        &self,
        client_id: &str,
        refresh: &Secret,
    ) -> Result<(TokenSet, Option<Identity>), AuthError> {
        self.refresh_for(client_id, refresh, None).await
    }

    /// [`Self::refresh`], asking for an access token for one resource server
    /// (RFC 8707 `resource`), such as a cluster that accepts the provider's
    /// JWTs.
    pub async fn refresh_for(
        &self,
        client_id: &str,
        refresh: &Secret,
        resource: Option<&str>,
    ) -> Result<(TokenSet, Option<Identity>), AuthError> {
        let client = self.client(client_id);
        let token = RefreshToken::new(refresh.expose().to_owned());
        let mut req = client
            .exchange_refresh_token(&token)
            .map_err(|e| AuthError::Token(e.to_string()))?;
        if let Some(r) = resource {
            req = req.add_extra_param("resource", r.to_owned());
        }
        let resp = req
            .request_async(&self.http)
            .await
            .map_err(super::describe_token_error)?;
        let (mut set, identity) = self.accept(&resp, client_id, None).await?;
        if set.refresh.is_none() {
            set.refresh = Some(refresh.clone());
        }
        Ok((set, identity))
    }

    /// Revoke a token at the provider's revocation endpoint. Returns false when
    /// the provider offers none (the token then simply expires).
    pub async fn revoke(
        &self,
        client_id: &str,
        token: &Secret,
        is_refresh: bool,
    ) -> Result<bool, AuthError> {
        let Some(url) = self
            .metadata
            .additional_metadata()
            .revocation_endpoint
            .clone()
        else {
            return Ok(false);
        };
        // RFC 7009 by hand: the oauth2 crate insists on https, which a
        // provider on this computer (loopback) does not need.
        let u = url.url();
        let loopback = matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if u.scheme() != "https" && !loopback {
            return Err(AuthError::Token(format!(
                "the revocation address {u} is not https; the token was not sent"
            )));
        }
        let hint = if is_refresh {
            "refresh_token"
        } else {
            "access_token"
        };
        let (status, body) = self
            .http
            .post_form(
                u.as_str(),
                &[
                    ("token", token.expose()),
                    ("token_type_hint", hint),
                    ("client_id", client_id),
                ],
            )
            .await
            .map_err(|e| AuthError::Network(e.to_string()))?;
        if !(200..300).contains(&status) {
            return Err(AuthError::Token(format!(
                "revocation refused ({status}): {}",
                body.chars().take(200).collect::<String>()
            )));
        }
        Ok(true)
    }
}

/// Checks the `nonce` claim against the one sent, or accepts any when none
/// was sent (device flow, refresh).
struct NonceCheck(Option<Nonce>);

impl NonceVerifier for NonceCheck {
    fn verify(self, nonce: Option<&Nonce>) -> Result<(), String> {
        match (&self.0, nonce) {
            (None, _) => Ok(()),
            (Some(expected), Some(got)) if expected.secret() == got.secret() => Ok(()),
            (Some(_), Some(_)) => Err("the nonce does not match the one Panorama sent".into()),
            (Some(_), None) => Err("the nonce is missing".into()),
        }
    }
}

fn describe_claims_error(e: ClaimsVerificationError) -> AuthError {
    let what = match &e {
        ClaimsVerificationError::Expired(_) => "it has expired".to_owned(),
        ClaimsVerificationError::InvalidIssuer(_) => "it was issued by another issuer".to_owned(),
        ClaimsVerificationError::InvalidAudience(_) => "it was issued for another app".to_owned(),
        ClaimsVerificationError::InvalidNonce(n) => n.clone(),
        ClaimsVerificationError::SignatureVerification(s) => {
            format!("its signature is not the provider's ({s})")
        }
        other => other.to_string(),
    };
    AuthError::IdToken(what)
}

fn token_set(resp: &CoreTokenResponse) -> TokenSet {
    TokenSet {
        access: Secret::new(resp.access_token().secret().clone()),
        refresh: resp
            .refresh_token()
            .map(|r| Secret::new(r.secret().clone())),
        id_token: resp.id_token().map(|t| Secret::new(t.to_string())),
        expires_at: resp
            .expires_in()
            .map(|d| now_unix() + i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)),
        scopes: resp
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    }
}

/// Read the (already verified) claims Panorama shows: names, e-mail and
/// entitlements, which the core claim types do not carry.
/// The claims of a JWT, unverified (for display and routing only; the
/// server that accepts the token checks it).
pub fn jwt_payload(token: &str) -> serde_json::Value {
    token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .unwrap_or_default()
}

pub fn identity_from_payload(token: &str) -> Identity {
    let payload = jwt_payload(token);
    let text = |k: &str| payload.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let mut entitlements: Vec<String> = Vec::new();
    for key in ["entitlements", "eduperson_entitlement", "groups"] {
        match payload.get(key) {
            Some(serde_json::Value::Array(items)) => {
                for v in items.iter().filter_map(|v| v.as_str()) {
                    if !entitlements.iter().any(|e| e == v) {
                        entitlements.push(v.to_owned());
                    }
                }
            }
            Some(serde_json::Value::String(v)) if !entitlements.contains(v) => {
                entitlements.push(v.clone());
            }
            _ => {}
        }
    }
    Identity {
        subject: text("sub").unwrap_or_default(),
        name: text("name"),
        username: text("preferred_username"),
        email: text("email"),
        entitlements,
        expires_at: payload
            .get("exp")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0),
    }
}
