//! The Accounts tab's state: the account book, a sign-in in progress (the
//! browser URL or the device code to show, cancellable), sign-outs.

use std::sync::{Arc, Mutex};
use std::time::Instant;

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

/// What finished since the last poll, for notifications.
pub enum AccountEvent {
    SignedIn(Account),
    SignInFailed(String),
    SignedOut(SignedOut),
    SignOutFailed(String),
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
}

impl AccountsState {
    pub fn open(dirs: &crate::paths::AppDirs) -> Self {
        match AccountBook::system(dirs) {
            Ok(book) => Self {
                list: book.accounts(),
                keyring: book.vault().describe(),
                book: Some(Arc::new(book)),
                book_error: None,
                signing_in: None,
                last_error: None,
                signing_out: crate::runtime::TaskSet::default(),
            },
            Err(e) => Self {
                book: None,
                book_error: Some(e.to_string()),
                list: Vec::new(),
                keyring: String::new(),
                signing_in: None,
                last_error: None,
                signing_out: crate::runtime::TaskSet::default(),
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

    /// Start signing in; a sign-in already running is cancelled first.
    pub fn sign_in(&mut self, tasks: &TaskRegistry, request: LoginRequest) {
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

    pub fn cancel_sign_in(&mut self) {
        if let Some(p) = self.signing_in.take() {
            p.handle.cancel();
        }
    }

    pub fn sign_out(&mut self, tasks: &TaskRegistry, id: String) {
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

    /// Collect finished work.
    pub fn poll(&mut self) -> Vec<AccountEvent> {
        let mut events = Vec::new();
        if let Some(p) = crate::runtime::take_finished(&mut self.signing_in, |p| &p.handle) {
            match p.handle.block() {
                Ok(account) => {
                    self.reload();
                    events.push(AccountEvent::SignedIn(account));
                }
                Err(TaskError::Cancelled) => {}
                Err(e) => {
                    let msg = e.to_string();
                    self.last_error = Some(msg.clone());
                    events.push(AccountEvent::SignInFailed(msg));
                }
            }
        }
        for (_, result) in self.signing_out.drain_ready() {
            match result {
                Ok(out) => {
                    self.reload();
                    events.push(AccountEvent::SignedOut(out));
                }
                Err(e) => {
                    self.reload();
                    events.push(AccountEvent::SignOutFailed(e.to_string()));
                }
            }
        }
        events
    }

    /// True while a sign-in or sign-out runs.
    pub fn busy(&self) -> bool {
        self.signing_in.is_some() || !self.signing_out.is_empty()
    }
}
