//! The Accounts tab's state: the account book, a sign-in in progress (the
//! browser URL or the device code to show, cancellable), sign-outs.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{Cx, Level, TabKind, Tokens, UiEffect};
use crate::auth::accounts::SignedOut;
use crate::auth::{Account, AccountBook, LoginRequest, SharedTokens};
use crate::runtime::{TaskError, TaskHandle, TaskRegistry};

/// The device code shown while a device sign-in waits for approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    pub user_code: String,
    pub verification_uri: String,
    /// The page with the code filled in, when the provider offers one (for the QR code).
    pub page: String,
    pub expires_at: Instant,
}

/// A sign-in on its way.
pub struct SignInProgress {
    pub request: LoginRequest,
    /// The authorization URL the browser was sent to.
    pub browser_url: Arc<Mutex<Option<String>>>,
    /// The device code, once the provider gave one.
    pub device: Arc<Mutex<Option<DeviceCode>>>,
    handle: TaskHandle<Account>,
}

impl SignInProgress {
    pub fn browser_url(&self) -> Option<String> {
        self.browser_url.lock().ok()?.clone()
    }
    pub fn device_code(&self) -> Option<DeviceCode> {
        self.device.lock().ok()?.clone()
    }
}

/// Signing in and out, and which account each data server gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountsCommand {
    /// Sign in at an OpenID Connect issuer (browser or device code).
    SignIn(LoginRequest),
    /// Stop the sign-in in progress.
    CancelSignIn,
    /// Sign out of an account (revoke and forget its tokens).
    SignOut(String),
    /// Requests to a data server (`scheme://host:port`) carry this
    /// account's tokens from now on (remembered).
    BindServer { origin: String, account: String },
}

pub struct AccountsState {
    book: Option<Arc<AccountBook>>,
    /// Why accounts cannot be used (the store could not be opened).
    pub book_error: Option<String>,
    pub list: Vec<Account>,
    /// Where refresh tokens are kept, in words.
    pub keyring: String,
    pub signing_in: Option<SignInProgress>,
    /// Failure of the last sign-in, shown in the form.
    pub last_error: Option<String>,
    signing_out: crate::runtime::TaskSet<String, SignedOut>,
    /// Which account's tokens go to which data server (origin → account
    /// id). Tokens go nowhere else.
    pub server_accounts: Vec<(String, String)>,
}

impl AccountsState {
    pub fn open(dirs: &crate::paths::AppDirs, store: Option<&crate::store::Store>) -> Self {
        let server_accounts = store
            .and_then(|s| super::settings::SERVER_ACCOUNTS.load(s))
            .unwrap_or_default();
        match AccountBook::system(dirs) {
            Ok(book) => Self {
                list: book.accounts(),
                keyring: book.vault().describe(),
                book: Some(Arc::new(book)),
                book_error: None,
                signing_in: None,
                last_error: None,
                signing_out: crate::runtime::TaskSet::default(),
                server_accounts,
            },
            Err(e) => Self {
                book: None,
                book_error: Some(e.to_string()),
                list: Vec::new(),
                keyring: String::new(),
                signing_in: None,
                last_error: None,
                signing_out: crate::runtime::TaskSet::default(),
                server_accounts,
            },
        }
    }

    /// Where refresh tokens are kept, in words (the keyring probe may still
    /// be running at start-up; then it says so).
    pub fn keyring(&self) -> String {
        self.book
            .as_ref()
            .map_or_else(|| self.keyring.clone(), |b| b.vault().describe())
    }

    /// The tokens of account `id` for a source bound to it.
    /// The signed-in session of an account.
    pub fn session(&self, id: &str) -> Option<Arc<crate::auth::Session>> {
        self.book.as_ref()?.session(id).ok()
    }

    pub fn tokens(&self, id: &str) -> Option<SharedTokens> {
        let session = self.book.as_ref()?.session(id).ok()?;
        Some(session)
    }

    /// When the account's current access token expires (unix seconds), if one is held.
    pub fn expires_at(&self, id: &str) -> Option<i64> {
        self.book.as_ref()?.session(id).ok()?.expires_at()
    }

    pub fn apply(&mut self, command: AccountsCommand, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        match command {
            AccountsCommand::SignIn(request) => {
                self.sign_in(cx.tasks, request);
                return vec![UiEffect::ShowTab(TabKind::Accounts)];
            }
            AccountsCommand::CancelSignIn => self.cancel_sign_in(),
            AccountsCommand::SignOut(id) => self.sign_out(cx.tasks, id),
            AccountsCommand::BindServer { origin, account } => {
                self.server_accounts.retain(|(o, _)| *o != origin);
                self.server_accounts.push((origin, account));
                cx.save(&super::settings::SERVER_ACCOUNTS, &self.server_accounts);
            }
        }
        Vec::new()
    }

    /// Start signing in; a sign-in already running is cancelled first.
    fn sign_in(&mut self, tasks: &TaskRegistry, request: LoginRequest) {
        let Some(book) = self.book.clone() else {
            self.last_error = self.book_error.clone();
            return;
        };
        self.cancel_sign_in();
        self.last_error = None;
        let browser_url: Arc<Mutex<Option<String>>> = Arc::default();
        let device: Arc<Mutex<Option<DeviceCode>>> = Arc::default();
        let (url_slot, code_slot) = (browser_url.clone(), device.clone());
        let req = request.clone();
        let handle = tasks.spawn(
            &format!("Signing in at {}", request.issuer),
            move |ctx| async move {
                let cancel = ctx.cancel_token();
                book.sign_in(
                    &req,
                    move |url| {
                        if let Ok(mut s) = url_slot.lock() {
                            *s = Some(url.to_owned());
                        }
                        crate::auth::open_in_browser(url)
                    },
                    move |code| {
                        if let Ok(mut s) = code_slot.lock() {
                            *s = Some(DeviceCode {
                                user_code: code.user_code.clone(),
                                verification_uri: code.verification_uri.clone(),
                                page: code.page().to_owned(),
                                expires_at: Instant::now() + code.expires_in,
                            });
                        }
                    },
                    cancel,
                )
                .await
            },
        );
        self.signing_in = Some(SignInProgress {
            request,
            browser_url,
            device,
            handle,
        });
    }

    fn cancel_sign_in(&mut self) {
        if let Some(p) = self.signing_in.take() {
            p.handle.cancel();
        }
    }

    fn sign_out(&mut self, tasks: &TaskRegistry, id: String) {
        let Some(book) = self.book.clone() else {
            return;
        };
        let who = id.clone();
        let handle = tasks.spawn(&format!("Signing out {id}"), move |_| async move {
            book.sign_out(&who).await
        });
        self.signing_out.push(id, handle);
    }

    pub fn is_signing_out(&self, id: &str) -> bool {
        self.signing_out.any(|i| i == id)
    }

    fn reload(&mut self) {
        if let Some(b) = &self.book {
            self.list = b.accounts();
        }
    }

    /// Collect finished sign-ins and sign-outs; each becomes a notification.
    pub fn poll(&mut self, cx: &mut Cx<'_>) {
        if let Some(p) = crate::runtime::take_finished(&mut self.signing_in, |p| &p.handle) {
            match p.handle.block() {
                Ok(a) => {
                    self.reload();
                    cx.notify(
                        Level::Info,
                        format!("Signed in as {}", a.display_name),
                        format!("{} at {}", a.id, a.issuer),
                    );
                }
                Err(TaskError::Cancelled) => {}
                Err(e) => {
                    let msg = e.to_string();
                    self.last_error = Some(msg.clone());
                    cx.notify(Level::Error, "Sign-in failed", msg);
                }
            }
        }
        for (_, result) in self.signing_out.drain_ready() {
            self.reload();
            match result {
                Ok(out) => cx.notify(
                    Level::Info,
                    format!("Signed out of {}", out.account),
                    match (out.revoked, out.revocation_error) {
                        (true, _) => "Its tokens are revoked and forgotten.".to_owned(),
                        (false, Some(e)) => format!(
                            "Its tokens are forgotten; the provider could not revoke them ({e})."
                        ),
                        (false, None) => "Its tokens are forgotten.".to_owned(),
                    },
                ),
                Err(e) => cx.notify(Level::Error, "Sign-out failed", e.to_string()),
            }
        }
    }

    /// True while a sign-in or sign-out runs.
    pub fn busy(&self) -> bool {
        self.signing_in.is_some() || !self.signing_out.is_empty()
    }
}

impl Tokens for AccountsState {
    fn account(&self, id: &str) -> Option<SharedTokens> {
        self.tokens(id)
    }

    fn session(&self, id: &str) -> Option<Arc<crate::auth::Session>> {
        AccountsState::session(self, id)
    }

    fn for_url(&self, url: &str) -> Option<SharedTokens> {
        let origin = super::origin_of(url)?;
        let (_, account) = self.server_accounts.iter().find(|(o, _)| *o == origin)?;
        self.tokens(account)
    }
}
