//! Signed-in accounts: who they are (kept in the settings store, no secrets),
//! their refresh tokens (kept in the keyring), and a live [`Session`] per
//! account that hands out fresh access tokens.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::flow::SignedIn;
use super::http::OidcHttp;
use super::keystore::Vault;
use super::provider::Provider;
use super::{AuthError, Secret, TokenError, TokenSource};
use crate::runtime::BoxFuture;

/// Settings key of the account list.
const ACCOUNTS_KEY: &str = "auth.accounts";
/// Settings key of the client id and scopes last used per issuer.
const ISSUERS_KEY: &str = "auth.issuers";

/// Refresh an access token this many seconds before it expires.
pub const REFRESH_MARGIN_S: i64 = 60;

/// A signed-in identity at one issuer. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Short name used on the command line and in source settings,
    /// e.g. `alice@login.example.org`.
    pub id: String,
    pub issuer: String,
    pub client_id: String,
    /// The `sub` claim: stable id of the person at the issuer.
    pub subject: String,
    /// Name to show, from `name` or `preferred_username`.
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub entitlements: Vec<String>,
    /// Unix seconds.
    #[serde(default)]
    pub signed_in_at: i64,
    /// Whether a refresh token is kept in the keyring (sign-in survives a restart).
    #[serde(default)]
    pub remembered: bool,
}

impl Account {
    /// The keyring user name under which this account's refresh token is kept.
    pub fn keyring_user(&self) -> String {
        format!("{}#{}#{}", self.issuer, self.client_id, self.subject)
    }
}

/// The client id and scopes to use at an issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerSettings {
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// What to sign in with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginRequest {
    pub issuer: String,
    /// The app's client id at the issuer; `None` uses the last one used there.
    pub client_id: Option<String>,
    /// Scopes; empty uses the last ones, else [`super::flow::DEFAULT_SCOPES`].
    pub scopes: Vec<String>,
    /// Use the device flow (a code to enter on another device) instead of the browser.
    pub device: bool,
}

/// Live tokens of one account.
struct Live {
    access: Option<Secret>,
    expires_at: Option<i64>,
    refresh: Option<Secret>,
    /// Whether `refresh` has been read from the keyring yet. A session made
    /// after a restart reads it on first use, on a background task, never
    /// while the window draws.
    loaded: bool,
}

/// One account's tokens in use: refreshed before expiry and after a 401,
/// rotated refresh tokens written back to the keyring. Refreshes are
/// serialised, so two requests never spend the same refresh token.
pub struct Session {
    account: Mutex<Account>,
    /// Expiry of the access token in hand, for display without waiting on a refresh.
    shown_expiry: Mutex<Option<i64>>,
    live: tokio::sync::Mutex<Live>,
    provider: tokio::sync::OnceCell<Arc<Provider>>,
    http: OidcHttp,
    vault: Vault,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("account", &self.account().id)
            .finish_non_exhaustive()
    }
}

fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Session {
    pub fn account(&self) -> Account {
        match self.account.lock() {
            Ok(a) => a.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// When the access token last handed out expires (unix seconds), without waiting.
    pub fn expires_at(&self) -> Option<i64> {
        *lock(&self.shown_expiry)
    }

    /// When the access token in hand expires (unix seconds), if one is held.
    pub async fn access_expires_at(&self) -> Option<i64> {
        let live = self.live.lock().await;
        live.access.as_ref().and(live.expires_at)
    }

    async fn provider(&self) -> Result<Arc<Provider>, AuthError> {
        let issuer = self.account().issuer;
        self.provider
            .get_or_try_init(|| async {
                Provider::discover(&issuer, self.http.clone())
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
    }

    /// Exchange the refresh token for new tokens (caller holds the lock).
    /// Read the refresh token from the keyring, once.
    fn load_refresh(&self, live: &mut Live) -> Result<(), AuthError> {
        if !live.loaded {
            live.refresh = self.vault.load(&self.account().keyring_user())?;
            live.loaded = true;
        }
        Ok(())
    }

    async fn refresh_locked(&self, live: &mut Live) -> Result<Secret, AuthError> {
        self.refresh_locked_for(live, None).await
    }

    /// Refresh, for the account's own access token (`resource` None) or for
    /// a token meant for one resource server, which is returned but not kept.
    async fn refresh_locked_for(
        &self,
        live: &mut Live,
        resource: Option<&str>,
    ) -> Result<Secret, AuthError> {
        self.load_refresh(live)?;
        let account = self.account();
        let Some(refresh) = live.refresh.clone() else {
            return Err(AuthError::Expired {
                account: account.id.clone(),
                issuer: account.issuer.clone(),
                detail: "the provider gave no refresh token; ask for offline_access".into(),
            });
        };
        let provider = self.provider().await?;
        let (tokens, identity) = match provider
            .refresh_for(&account.client_id, &refresh, resource)
            .await
        {
            Ok(ok) => ok,
            Err(AuthError::GrantGone(detail)) => {
                // Only a grant the provider says is gone (revoked, expired or
                // spent: `invalid_grant`) is forgotten, so the next try asks
                // to sign in.
                live.refresh = None;
                live.access = None;
                let _ = self.vault.delete(&account.keyring_user());
                return Err(AuthError::Expired {
                    account: account.id.clone(),
                    issuer: account.issuer.clone(),
                    detail,
                });
            }
            // Anything else — an outage, an error page, `server_error`,
            // `temporarily_unavailable`, a refused audience (`invalid_target`)
            // — keeps the sign-in.
            Err(AuthError::Token(detail)) => {
                tracing::warn!(account = %account.id, "token refresh failed, sign-in kept: {detail}");
                return Err(AuthError::Unavailable {
                    issuer: account.issuer.clone(),
                    detail: match resource {
                        Some(r) => format!("a token for {r} was refused: {detail}"),
                        None => detail,
                    },
                });
            }
            Err(e) => return Err(e),
        };
        tracing::info!(account = %account.id, "access token refreshed");
        let rotated = tokens.refresh.as_ref() != Some(&refresh);
        if rotated && let Some(new) = &tokens.refresh {
            self.vault.store(&account.keyring_user(), new)?;
        }
        if let Some(id) = identity
            && !id.entitlements.is_empty()
            && let Ok(mut a) = self.account.lock()
        {
            a.entitlements = id.entitlements;
        }
        live.refresh = tokens.refresh;
        if resource.is_none() {
            live.expires_at = tokens.expires_at;
            *lock(&self.shown_expiry) = tokens.expires_at;
            live.access = Some(tokens.access.clone());
        }
        Ok(tokens.access)
    }

    /// A fresh access token for one resource server (RFC 8707), e.g. a
    /// Slurm cluster that accepts the provider's signed tokens. It is used
    /// for that call only; the account's own token is unchanged.
    pub async fn token_for(&self, resource: &str) -> Result<Secret, AuthError> {
        let mut live = self.live.lock().await;
        self.refresh_locked_for(&mut live, Some(resource)).await
    }

    /// A valid access token: the one in hand, or a fresh one when it expires
    /// within [`REFRESH_MARGIN_S`] seconds.
    pub async fn token(&self) -> Result<Secret, AuthError> {
        let mut live = self.live.lock().await;
        if let Some(access) = &live.access {
            let fresh = live
                .expires_at
                .is_none_or(|exp| exp - now_unix() > REFRESH_MARGIN_S);
            if fresh {
                return Ok(access.clone());
            }
        }
        self.refresh_locked(&mut live).await
    }

    /// Refresh now, whatever the expiry says.
    pub async fn force_refresh(&self) -> Result<Secret, AuthError> {
        let mut live = self.live.lock().await;
        self.refresh_locked(&mut live).await
    }

    /// Revoke the tokens at the provider (when it offers revocation).
    async fn revoke(&self) -> Result<bool, AuthError> {
        let mut live = self.live.lock().await;
        self.load_refresh(&mut live)?;
        let account = self.account();
        let provider = self.provider().await?;
        let mut revoked = false;
        if let Some(r) = &live.refresh {
            revoked |= provider.revoke(&account.client_id, r, true).await?;
        }
        if let Some(a) = &live.access {
            revoked |= provider.revoke(&account.client_id, a, false).await?;
        }
        Ok(revoked)
    }
}

impl TokenSource for Session {
    fn label(&self) -> String {
        self.account().id
    }

    fn entitlements(&self) -> Vec<String> {
        self.account().entitlements
    }

    fn access_token(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
        Box::pin(async move { Ok(self.token().await?) })
    }

    fn after_unauthorized<'a>(
        &'a self,
        rejected: &'a Secret,
    ) -> BoxFuture<'a, Result<Secret, TokenError>> {
        Box::pin(async move {
            let mut live = self.live.lock().await;
            if let Some(current) = &live.access
                && current != rejected
            {
                return Ok(current.clone());
            }
            tracing::info!(account = %self.account().id, "token refused; refreshing once");
            Ok(self.refresh_locked(&mut live).await?)
        })
    }
}

/// What signing out did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOut {
    pub account: String,
    /// False when the provider offers no revocation (tokens then expire on their own)
    /// or could not be reached.
    pub revoked: bool,
    /// Why revocation did not happen, when it failed.
    pub revocation_error: Option<String>,
}

/// All accounts of this installation.
pub struct AccountBook {
    db: Option<PathBuf>,
    vault: Vault,
    http: OidcHttp,
    accounts: Mutex<Vec<Account>>,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
}

impl std::fmt::Debug for AccountBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountBook")
            .field("db", &self.db)
            .field("vault", &self.vault.describe())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AccountBook {
    /// The accounts kept in the settings store at `db` (none: in memory only),
    /// with refresh tokens in `vault`.
    pub fn open(db: Option<PathBuf>, vault: Vault) -> Result<Self, AuthError> {
        let http = OidcHttp::new().map_err(|e| AuthError::Network(e.to_string()))?;
        let accounts = match &db {
            Some(path) => {
                let store =
                    crate::store::Store::open(path).map_err(|e| AuthError::Store(e.to_string()))?;
                store
                    .get(ACCOUNTS_KEY)
                    .ok()
                    .flatten()
                    .and_then(|j| serde_json::from_str(&j).ok())
                    .unwrap_or_default()
            }
            None => Vec::new(),
        };
        Ok(Self {
            db,
            vault,
            http,
            accounts: Mutex::new(accounts),
            sessions: Mutex::new(HashMap::new()),
        })
    }

    /// The book of this installation: the settings store in the data folder
    /// and the system keyring (or `PANORAMA_KEYRING`).
    pub fn system(dirs: &crate::paths::AppDirs) -> Result<Self, AuthError> {
        dirs.ensure().map_err(|e| AuthError::Store(e.to_string()))?;
        Self::open(Some(dirs.database()), Vault::system())
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    pub fn http(&self) -> OidcHttp {
        self.http.clone()
    }

    fn with_store<T>(
        &self,
        f: impl FnOnce(&crate::store::Store) -> Result<T, crate::store::StoreError>,
    ) -> Result<Option<T>, AuthError> {
        let Some(path) = &self.db else {
            return Ok(None);
        };
        let store = crate::store::Store::open(path).map_err(|e| AuthError::Store(e.to_string()))?;
        f(&store)
            .map(Some)
            .map_err(|e| AuthError::Store(e.to_string()))
    }

    fn save(&self) -> Result<(), AuthError> {
        let json = serde_json::to_string(&*lock(&self.accounts))
            .map_err(|e| AuthError::Store(e.to_string()))?;
        self.with_store(|s| s.set(ACCOUNTS_KEY, &json))?;
        Ok(())
    }

    pub fn accounts(&self) -> Vec<Account> {
        lock(&self.accounts).clone()
    }

    /// Find an account by id, e-mail, or a prefix of the id that names only one.
    pub fn find(&self, name: &str) -> Result<Account, AuthError> {
        let accounts = lock(&self.accounts);
        if let Some(a) = accounts
            .iter()
            .find(|a| a.id == name || a.email.as_deref() == Some(name))
        {
            return Ok(a.clone());
        }
        let mut prefixed = accounts.iter().filter(|a| a.id.starts_with(name));
        match (prefixed.next(), prefixed.next()) {
            (Some(a), None) if !name.is_empty() => Ok(a.clone()),
            _ => Err(AuthError::NoAccount(name.to_owned())),
        }
    }

    /// The client id and scopes last used at `issuer`.
    pub fn issuer_settings(&self, issuer: &str) -> Option<IssuerSettings> {
        let issuer = issuer.trim_end_matches('/');
        self.with_store(|s| s.get(ISSUERS_KEY))
            .ok()
            .flatten()
            .flatten()
            .and_then(|j| serde_json::from_str::<Vec<IssuerSettings>>(&j).ok())
            .and_then(|all| all.into_iter().find(|i| i.issuer == issuer))
    }

    fn remember_issuer(&self, settings: IssuerSettings) -> Result<(), AuthError> {
        self.with_store(|s| {
            let mut all: Vec<IssuerSettings> = s
                .get(ISSUERS_KEY)?
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default();
            all.retain(|i| i.issuer != settings.issuer);
            all.push(settings);
            s.set(
                ISSUERS_KEY,
                &serde_json::to_string(&all).unwrap_or_else(|_| "[]".into()),
            )
        })?;
        Ok(())
    }

    /// Keep a completed sign-in: the account in the settings, the refresh
    /// token in the keyring, a live session. Signing in again as the same
    /// person replaces the old account.
    pub fn add(
        &self,
        provider: Arc<Provider>,
        client_id: &str,
        signed: SignedIn,
    ) -> Result<Arc<Session>, AuthError> {
        let id = signed.identity;
        let host = url::Url::parse(&provider.issuer)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_owned(),
                })
            })
            .unwrap_or_else(|| provider.issuer.clone());
        let who = id
            .username
            .clone()
            .or_else(|| id.email.clone())
            .unwrap_or_else(|| id.subject.clone());
        let mut account = Account {
            id: format!("{who}@{host}"),
            issuer: provider.issuer.clone(),
            client_id: client_id.to_owned(),
            subject: id.subject.clone(),
            display_name: id.name.clone().unwrap_or_else(|| who.clone()),
            email: id.email.clone(),
            scopes: signed.tokens.scopes.clone(),
            entitlements: id.entitlements.clone(),
            signed_in_at: now_unix(),
            remembered: false,
        };
        if let Some(r) = &signed.tokens.refresh {
            match self.vault.store(&account.keyring_user(), r) {
                Ok(()) => account.remembered = self.vault.persistent(),
                Err(e) => tracing::warn!("{e}; the sign-in lasts until Panorama quits"),
            }
        }
        {
            let mut accounts = lock(&self.accounts);
            // Another person at the same issuer with the same short name gets the subject too.
            if accounts
                .iter()
                .any(|a| a.id == account.id && a.subject != account.subject)
            {
                account.id = format!("{}#{}", account.id, account.subject);
            }
            accounts.retain(|a| a.id != account.id);
            accounts.push(account.clone());
        }
        self.save()?;
        self.remember_issuer(IssuerSettings {
            issuer: provider.issuer.clone(),
            client_id: client_id.to_owned(),
            scopes: account.scopes.clone(),
        })?;
        let session = Arc::new(Session {
            account: Mutex::new(account.clone()),
            shown_expiry: Mutex::new(signed.tokens.expires_at),
            live: tokio::sync::Mutex::new(Live {
                access: Some(signed.tokens.access),
                expires_at: signed.tokens.expires_at,
                refresh: signed.tokens.refresh,
                loaded: true,
            }),
            provider: tokio::sync::OnceCell::new_with(Some(provider)),
            http: self.http.clone(),
            vault: self.vault.clone(),
        });
        lock(&self.sessions).insert(account.id.clone(), session.clone());
        tracing::info!(account = %account.id, "signed in");
        Ok(session)
    }

    /// Sign in and keep the account: discover the issuer, run the browser
    /// (code + PKCE) or device flow, verify, store. `open` shows the
    /// authorization URL (usually [`super::open_in_browser`]); `on_code`
    /// shows the device code to the person. The client id defaults to the one
    /// last used at this issuer.
    pub async fn sign_in(
        &self,
        request: &LoginRequest,
        open: impl FnOnce(&str) -> Result<(), String> + Send,
        on_code: impl FnOnce(&super::flow::DeviceLogin) + Send,
        cancel: tokio_util::sync::CancellationToken,
    ) -> Result<Account, AuthError> {
        let known = self.issuer_settings(&request.issuer);
        let client_id = request
            .client_id
            .clone()
            .filter(|c| !c.trim().is_empty())
            .or_else(|| known.as_ref().map(|k| k.client_id.clone()))
            .ok_or_else(|| AuthError::NoClientId(request.issuer.clone()))?;
        let scopes = if request.scopes.is_empty() {
            known.map(|k| k.scopes).unwrap_or_default()
        } else {
            request.scopes.clone()
        };
        let provider = tokio::select! {
            () = cancel.cancelled() => return Err(AuthError::Cancelled),
            p = Provider::discover(&request.issuer, self.http.clone()) => Arc::new(p?),
        };
        let signed = if request.device {
            let login =
                super::flow::DeviceLogin::start(provider.clone(), &client_id, &scopes).await?;
            on_code(&login);
            login.finish(cancel).await?
        } else {
            super::flow::login_with_browser(provider.clone(), &client_id, &scopes, open, cancel)
                .await?
        };
        Ok(self.add(provider, &client_id, signed)?.account())
    }

    /// The live session of an account; after a restart it starts from the
    /// refresh token in the keyring.
    pub fn session(&self, name: &str) -> Result<Arc<Session>, AuthError> {
        let account = self.find(name)?;
        if let Some(s) = lock(&self.sessions).get(&account.id) {
            return Ok(s.clone());
        }
        let session = Arc::new(Session {
            account: Mutex::new(account.clone()),
            shown_expiry: Mutex::new(None),
            live: tokio::sync::Mutex::new(Live {
                access: None,
                expires_at: None,
                refresh: None,
                loaded: false,
            }),
            provider: tokio::sync::OnceCell::new(),
            http: self.http.clone(),
            vault: self.vault.clone(),
        });
        lock(&self.sessions).insert(account.id.clone(), session.clone());
        Ok(session)
    }

    /// Sign out: revoke the tokens where the provider offers it, forget the
    /// refresh token and the account. The account is forgotten even when the
    /// provider cannot be reached.
    pub async fn sign_out(&self, name: &str) -> Result<SignedOut, AuthError> {
        let account = self.find(name)?;
        let session = self.session(&account.id)?;
        let (revoked, revocation_error) = match session.revoke().await {
            Ok(r) => (r, None),
            Err(e) => (false, Some(e.to_string())),
        };
        self.vault.delete(&account.keyring_user())?;
        lock(&self.sessions).remove(&account.id);
        lock(&self.accounts).retain(|a| a.id != account.id);
        self.save()?;
        tracing::info!(account = %account.id, revoked, "signed out");
        Ok(SignedOut {
            account: account.id,
            revoked,
            revocation_error,
        })
    }
}
