//! The application's state without any GUI: open documents, notifications,
//! settings and recent files. [`AppState::apply`] is the one way to change it;
//! the GUI, the CLI and the tests all call it.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::command::{Command, TabKind, ThemeChoice};
use crate::data::local_hdf5::LocalHdf5;
use crate::data::{DataError, DataSource, Entity};
use crate::paths::AppDirs;
use crate::runtime::{TaskError, TaskHandle, TaskRegistry};
use crate::store::Store;

/// How serious a notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// A message for the user: a short title, and details shown on click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: u64,
    pub level: Level,
    pub title: String,
    pub detail: String,
}

/// What the GUI must do after a command; the state cannot do it itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiEffect {
    ShowTab(TabKind),
    CloseFocusedTab,
    ResetLayout,
    ApplyTheme(ThemeChoice),
    TogglePalette,
    /// Show the native open-file dialog.
    PickFile,
    ShowAbout,
    Quit,
}

/// Where a document is in being opened.
#[derive(Debug, Clone, PartialEq)]
pub enum DocStatus {
    Loading,
    /// The root group with its direct children.
    Ready(Entity),
    Failed(String),
}

/// An opened file or URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: u64,
    pub location: String,
    pub label: String,
    pub status: DocStatus,
}

/// Everything Panorama knows, minus pixels.
pub struct AppState {
    pub dirs: AppDirs,
    pub theme: ThemeChoice,
    pub recent: Vec<String>,
    pub documents: Vec<Document>,
    pub notifications: Vec<Notification>,
    store: Option<Store>,
    tasks: TaskRegistry,
    pending: Vec<(u64, TaskHandle<Entity>)>,
    next_id: u64,
}

const STORE_FILE: &str = "panorama.sqlite";

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn theme_key(t: ThemeChoice) -> &'static str {
    match t {
        ThemeChoice::System => "system",
        ThemeChoice::Dark => "dark",
        ThemeChoice::Light => "light",
    }
}

impl AppState {
    /// Load settings and recent files from the store in `dirs`. A store that
    /// cannot be opened becomes a notification; Panorama still starts.
    pub fn new(dirs: AppDirs, tasks: TaskRegistry) -> Self {
        let mut state = Self {
            dirs,
            theme: ThemeChoice::System,
            recent: Vec::new(),
            documents: Vec::new(),
            notifications: Vec::new(),
            store: None,
            tasks,
            pending: Vec::new(),
            next_id: 0,
        };
        let opened = state
            .dirs
            .ensure()
            .map_err(|e| e.to_string())
            .and_then(|()| {
                Store::open(&state.dirs.data.join(STORE_FILE)).map_err(|e| e.to_string())
            });
        match opened {
            Ok(store) => {
                state.theme = match store.get("theme").ok().flatten().as_deref() {
                    Some("dark") => ThemeChoice::Dark,
                    Some("light") => ThemeChoice::Light,
                    _ => ThemeChoice::System,
                };
                state.recent = store.recent().unwrap_or_default();
                state.store = Some(store);
            }
            Err(e) => state.notify(
                Level::Warning,
                "Settings cannot be saved",
                format!(
                    "{e}\nPanorama works, but will forget settings and recent files when closed."
                ),
            ),
        }
        state
    }

    /// The task registry, for modules and views that start background work.
    pub fn tasks(&self) -> &TaskRegistry {
        &self.tasks
    }

    /// True on a first start: nothing opened before, nothing open now.
    pub fn is_first_start(&self) -> bool {
        self.recent.is_empty() && self.documents.is_empty()
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Add a notification and log it.
    pub fn notify(&mut self, level: Level, title: impl Into<String>, detail: impl Into<String>) {
        let (title, detail) = (title.into(), detail.into());
        match level {
            Level::Error => tracing::error!(%title, %detail),
            Level::Warning => tracing::warn!(%title, %detail),
            Level::Info => tracing::info!(%title, %detail),
        }
        let id = self.next_id();
        self.notifications.push(Notification {
            id,
            level,
            title,
            detail,
        });
    }

    pub fn dismiss(&mut self, id: u64) {
        self.notifications.retain(|n| n.id != id);
    }

    /// A stored setting (layout, window state) for the GUI.
    pub fn setting(&self, key: &str) -> Option<String> {
        self.store.as_ref()?.get(key).ok().flatten()
    }

    /// Save a setting; failures become a notification.
    pub fn save_setting(&mut self, key: &str, value: &str) {
        if let Some(Err(e)) = self.store.as_ref().map(|s| s.set(key, value)) {
            self.notify(Level::Warning, "A setting was not saved", e.to_string());
        }
    }

    /// Carry out a command. Returns what the GUI has to do, if anything.
    pub fn apply(&mut self, command: Command) -> Vec<UiEffect> {
        tracing::debug!(?command, "apply");
        match command {
            Command::OpenFileDialog => vec![UiEffect::PickFile],
            Command::OpenPath(path) => {
                self.open_path(&path);
                vec![UiEffect::ShowTab(TabKind::Files)]
            }
            Command::OpenUrl(url) => {
                self.open_url(&url);
                vec![UiEffect::ShowTab(TabKind::Files)]
            }
            Command::OpenDemo => match crate::paths::demo_dir() {
                Some(dir) => {
                    for file in crate::paths::demo_files(&dir) {
                        self.open_path(&file);
                    }
                    vec![UiEffect::ShowTab(TabKind::Files)]
                }
                None => {
                    self.notify(
                        Level::Warning,
                        "Demo data not found",
                        "The demo files were not installed with Panorama. Set PANORAMA_ASSETS to the assets folder of a Panorama checkout.",
                    );
                    Vec::new()
                }
            },
            Command::CloseDocument(id) => {
                self.close_document(id);
                Vec::new()
            }
            Command::ShowTab(tab) => vec![UiEffect::ShowTab(tab)],
            Command::CloseFocusedTab => vec![UiEffect::CloseFocusedTab],
            Command::ResetLayout => vec![UiEffect::ResetLayout],
            Command::SetTheme(theme) => {
                self.theme = theme;
                self.save_setting("theme", theme_key(theme));
                vec![UiEffect::ApplyTheme(theme)]
            }
            Command::ToggleCommandPalette => vec![UiEffect::TogglePalette],
            Command::ClearRecentFiles => {
                self.recent.clear();
                if let Some(Err(e)) = self.store.as_ref().map(Store::clear_recent) {
                    self.notify(Level::Warning, "Recent files not cleared", e.to_string());
                }
                Vec::new()
            }
            Command::About => vec![UiEffect::ShowAbout],
            Command::Quit => vec![UiEffect::Quit],
        }
    }

    fn remember(&mut self, location: &str) {
        self.recent.retain(|r| r != location);
        self.recent.insert(0, location.to_owned());
        self.recent.truncate(crate::store::RECENT_LIMIT);
        if let Some(Err(e)) = self
            .store
            .as_ref()
            .map(|s| s.touch_recent(location, now_unix()))
        {
            self.notify(Level::Warning, "Recent files not saved", e.to_string());
        }
    }

    /// Open a local file: read its top level on a background task.
    pub fn open_path(&mut self, path: &Path) {
        let path: PathBuf = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let location = path.display().to_string();
        let label = path
            .file_name()
            .map_or_else(|| location.clone(), |n| n.to_string_lossy().into_owned());
        self.remember(&location);
        let id = self.next_id();
        self.documents.push(Document {
            id,
            location,
            label: label.clone(),
            status: DocStatus::Loading,
        });
        let handle = self
            .tasks
            .spawn_blocking(&format!("Opening {label}"), move |ctx| {
                ctx.progress(0.0, "reading file structure");
                let source = LocalHdf5::open(&path)?;
                let root = source.entity("/")?;
                Ok::<_, DataError>(root)
            });
        self.pending.push((id, handle));
    }

    fn open_url(&mut self, url: &str) {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            self.notify(
                Level::Error,
                "Only http and https links can be opened",
                format!("“{url}” is not a web address Panorama opens."),
            );
            return;
        }
        self.remember(url);
        let id = self.next_id();
        self.documents.push(Document {
            id,
            location: url.to_owned(),
            label: url.to_owned(),
            status: DocStatus::Failed(
                "Remote files open through an h5grove source. Add one under Search → Sources, then open the file from there.".into(),
            ),
        });
    }

    /// Collect finished background work. Returns true if anything changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        let mut still = Vec::new();
        for (id, handle) in std::mem::take(&mut self.pending) {
            match handle.try_take() {
                Err(handle) => still.push((id, handle)),
                Ok(result) => {
                    changed = true;
                    let status = match result {
                        Ok(root) => DocStatus::Ready(root),
                        Err(TaskError::Cancelled) => {
                            DocStatus::Failed("Opening was cancelled.".into())
                        }
                        Err(e) => DocStatus::Failed(e.to_string()),
                    };
                    let label = self
                        .documents
                        .iter()
                        .find(|d| d.id == id)
                        .map(|d| d.label.clone())
                        .unwrap_or_default();
                    if let DocStatus::Failed(msg) = &status {
                        self.notify(Level::Error, format!("Could not open {label}"), msg.clone());
                    }
                    if let Some(doc) = self.documents.iter_mut().find(|d| d.id == id) {
                        doc.status = status;
                    }
                }
            }
        }
        self.pending = still;
        changed
    }

    /// Close a document.
    pub fn close_document(&mut self, id: u64) {
        self.documents.retain(|d| d.id != id);
        self.pending.retain(|(pid, h)| {
            if *pid == id {
                h.cancel();
            }
            *pid != id
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Runtime;

    fn state(rt: &Runtime, root: &Path) -> AppState {
        AppState::new(AppDirs::under(root), rt.tasks().clone())
    }

    fn settle(s: &mut AppState) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !s.pending.is_empty() {
            s.poll();
            assert!(std::time::Instant::now() < deadline, "task never finished");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn theme_and_recent_files_persist() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        assert!(s.is_first_start());
        s.apply(Command::SetTheme(ThemeChoice::Light));
        s.apply(Command::OpenPath(tmp.path().join("missing.h5")));
        settle(&mut s);
        drop(s);
        let s = state(&rt, tmp.path());
        assert_eq!(s.theme, ThemeChoice::Light);
        assert_eq!(s.recent.len(), 1);
        assert!(!s.is_first_start());
    }

    #[test]
    fn a_bad_file_becomes_a_notification_not_a_panic() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let bad = tmp.path().join("bad.nxs");
        std::fs::write(&bad, b"garbage").expect("write");
        let mut s = state(&rt, tmp.path());
        let fx = s.apply(Command::OpenPath(bad));
        assert_eq!(fx, vec![UiEffect::ShowTab(TabKind::Files)]);
        settle(&mut s);
        assert!(
            matches!(&s.documents[0].status, DocStatus::Failed(m) if m.contains("not an HDF5"))
        );
        assert_eq!(s.notifications.len(), 1);
        assert_eq!(s.notifications[0].level, Level::Error);
        assert_eq!(s.notifications[0].title, "Could not open bad.nxs");
    }

    #[test]
    fn only_web_links_are_opened() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        s.apply(Command::OpenUrl("file:///etc/passwd".into()));
        assert!(s.documents.is_empty());
        assert_eq!(
            s.notifications[0].title,
            "Only http and https links can be opened"
        );
    }
}
