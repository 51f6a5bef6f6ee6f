//! What the slices of the state share while they carry out a command or
//! collect finished work: the task registry, the store, the folders, the
//! notifications, token lookup, and a way to ask another slice for something.

use super::settings::Setting;
use super::shell::{Level, Notifications};
use super::{Command, DocumentsState, DownloadsState, SearchState};
use crate::net::credentials::SharedTokens;
use crate::paths::AppDirs;
use crate::runtime::TaskRegistry;
use crate::store::Store;

/// Where a slice finds the tokens of the accounts it may use.
pub trait Tokens {
    /// The tokens of a signed-in account.
    fn account(&self, id: &str) -> Option<SharedTokens>;
    /// The tokens of the account the server of `url` is bound to; tokens go
    /// to no other server.
    fn for_url(&self, url: &str) -> Option<SharedTokens>;
    /// The signed-in session of an account (for tokens of other audiences).
    fn session(&self, id: &str) -> Option<std::sync::Arc<crate::auth::Session>>;
}

/// No account at all (the accounts slice itself needs none).
pub struct NoTokens;

impl Tokens for NoTokens {
    fn account(&self, _: &str) -> Option<SharedTokens> {
        None
    }
    fn for_url(&self, _: &str) -> Option<SharedTokens> {
        None
    }
    fn session(&self, _: &str) -> Option<std::sync::Arc<crate::auth::Session>> {
        None
    }
}

/// What the slices above documents, search and downloads (metadata,
/// workflow) read of them. They change them only by sending commands.
#[derive(Clone, Copy)]
pub struct Peers<'a> {
    pub documents: &'a DocumentsState,
    pub search: &'a SearchState,
    pub downloads: &'a DownloadsState,
}

/// The shared services, borrowed for one command or one poll.
pub struct Cx<'a> {
    pub tasks: &'a TaskRegistry,
    store: Option<&'a mut Store>,
    pub dirs: &'a AppDirs,
    pub notes: &'a mut Notifications,
    pub tokens: &'a dyn Tokens,
    /// Commands for other slices, carried out after this one.
    pub(super) then: &'a mut Vec<Command>,
}

impl<'a> Cx<'a> {
    pub(super) fn new(
        tasks: &'a TaskRegistry,
        store: Option<&'a mut Store>,
        dirs: &'a AppDirs,
        notes: &'a mut Notifications,
        tokens: &'a dyn Tokens,
        then: &'a mut Vec<Command>,
    ) -> Self {
        Self {
            tasks,
            store,
            dirs,
            notes,
            tokens,
            then,
        }
    }

    /// The store, when it could be opened.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_deref()
    }

    /// The store for changes made in one transaction.
    pub fn store_mut(&mut self) -> Option<&mut Store> {
        self.store.as_deref_mut()
    }

    /// Tell the user something (and log it).
    pub fn notify(&mut self, level: Level, title: impl Into<String>, detail: impl Into<String>) {
        self.notes.push(level, title, detail);
    }

    /// A stored setting; `None` without a store or when never saved.
    pub fn load<T>(&self, setting: &Setting<T>) -> Option<T> {
        setting.load(self.store()?)
    }

    /// Save a setting; a failure becomes a notification.
    pub fn save<T>(&mut self, setting: &Setting<T>, value: &T) {
        if let Some(Err(e)) = self.store().map(|s| setting.save(s, value)) {
            self.notes
                .push(Level::Warning, "A setting was not saved", e.to_string());
        }
    }

    /// Ask another slice to do something once this command is done.
    pub fn send(&mut self, command: impl Into<Command>) {
        self.then.push(command.into());
    }
}
