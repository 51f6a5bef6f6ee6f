//! The application's state without any GUI, in slices: each slice (its
//! file here) holds its part of the state, its commands (`XCommand`), an
//! `apply` that carries them out and a `poll` that collects finished
//! background work. [`AppState::apply`] is the one way to change the state;
//! the GUI, the CLI and the tests all call it. The slices share the task
//! registry, the store, the folders, the notifications and token lookup
//! through a [`Cx`]; one slice asks another for something with
//! [`Cx::send`], carried out right after.

pub mod accounts;
mod cx;
pub mod documents;
pub mod downloads;
mod export;
pub mod help;
pub mod metadata;
pub mod search;
pub mod settings;
pub mod shell;
pub mod tour;
pub mod workflow;

use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub use accounts::{AccountsCommand, AccountsState};
pub use cx::{Cx, NoTokens, Peers, Tokens};
pub use documents::{DocStatus, Document, DocumentsCommand, DocumentsState, Target, ValueKey};
pub use downloads::{DownloadsCommand, DownloadsState};
pub use metadata::{MetadataCommand, MetadataState};
pub use search::{LineageAsk, SLOW_AFTER, SearchCommand, SearchState, SourceRun};
pub use shell::{
    Level, Notification, Notifications, ShellCommand, ShellState, TabKind, ThemeChoice, UiEffect,
};
pub use tour::{TourCommand, TourState};
pub use workflow::{DiscardAnswer, WorkflowCommand, WorkflowState};

use crate::data::nexus::DefaultPlot;
use crate::data::{Entity, Value};
use crate::paths::AppDirs;
pub use crate::runtime::Requested;
use crate::runtime::TaskRegistry;
use crate::store::Store;

pub use documents::VALUE_CACHE_BYTES;

/// One thing the user can ask for, addressed to the slice that does it.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Documents(DocumentsCommand),
    Search(SearchCommand),
    Downloads(DownloadsCommand),
    Metadata(MetadataCommand),
    Workflow(WorkflowCommand),
    Accounts(AccountsCommand),
    Shell(ShellCommand),
    Tour(TourCommand),
}

macro_rules! into_command {
    ($($slice:ident => $variant:ident),* $(,)?) => {
        $(impl From<$slice> for Command {
            fn from(c: $slice) -> Self {
                Self::$variant(c)
            }
        })*
    };
}

into_command! {
    DocumentsCommand => Documents,
    SearchCommand => Search,
    DownloadsCommand => Downloads,
    MetadataCommand => Metadata,
    WorkflowCommand => Workflow,
    AccountsCommand => Accounts,
    ShellCommand => Shell,
    TourCommand => Tour,
}

/// Everything Panorama knows, minus pixels.
pub struct AppState {
    pub dirs: AppDirs,
    pub shell: ShellState,
    pub notifications: Notifications,
    /// Open files, what was read of them, the viewer's object, recent files.
    pub documents: DocumentsState,
    /// Catalogue search and its sources.
    pub search: SearchState,
    /// Signed-in accounts, sign-ins in progress, accounts bound to servers.
    pub accounts: AccountsState,
    /// Downloads: queued, running, paused and finished files.
    pub downloads: DownloadsState,
    /// Metadata schemas, drafts and the draft being edited.
    pub metadata: MetadataState,
    /// The open workflow and its last run.
    pub workflow: WorkflowState,
    /// The guided tour: open or not, the steps done.
    pub tour: TourState,
    store: Option<Store>,
    tasks: TaskRegistry,
}

const STORE_FILE: &str = "panorama.sqlite";

/// Why settings and recent files cannot be kept.
#[derive(Debug, thiserror::Error)]
enum NoStore {
    #[error(transparent)]
    Folders(#[from] crate::paths::PathsError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `scheme://host:port` of a web address.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization()).filter(|o| o != "null")
}

/// Borrow the shared services of an `AppState` as a [`Cx`], with `$tokens`
/// for token lookup, beside `&mut` borrows of its slices.
macro_rules! cx {
    ($self:ident, $then:expr, $tokens:expr) => {
        Cx::new(
            &$self.tasks,
            $self.store.as_mut(),
            &$self.dirs,
            &mut $self.notifications,
            $tokens,
            $then,
        )
    };
}

/// The slices metadata and workflow read, beside a `&mut` borrow of theirs.
macro_rules! peers {
    ($self:ident) => {
        Peers {
            documents: &$self.documents,
            search: &$self.search,
            downloads: &$self.downloads,
        }
    };
}

impl AppState {
    /// Load settings and recent files from the store in `dirs`. A store that
    /// cannot be opened becomes a notification; Panorama still starts.
    pub fn new(dirs: AppDirs, tasks: TaskRegistry) -> Self {
        let mut notifications = Notifications::default();
        let store = match dirs
            .ensure()
            .map_err(NoStore::from)
            .and_then(|()| Ok(Store::open(&dirs.data.join(STORE_FILE))?))
        {
            Ok(store) => Some(store),
            Err(e) => {
                notifications.push(
                    Level::Warning,
                    "Settings cannot be saved",
                    format!(
                        "{e}\nPanorama works, but will forget settings and recent files when closed."
                    ),
                );
                None
            }
        };
        let accounts = AccountsState::open(&dirs, store.as_ref());
        let mut then = Vec::new();
        let shell = ShellState::open(store.as_ref());
        let mut store = store;
        let mut cx = Cx::new(
            &tasks,
            store.as_mut(),
            &dirs,
            &mut notifications,
            &accounts,
            &mut then,
        );
        let search = SearchState::open(&mut cx, &dirs.data.join(STORE_FILE));
        let documents = DocumentsState::open(&cx);
        let downloads = DownloadsState::open(&cx);
        let mut metadata = MetadataState::default();
        metadata.load(&mut cx);
        let mut workflow = WorkflowState::new();
        if let Some(cluster) = cx.load(&settings::CLUSTER) {
            workflow.cluster = cluster;
        }
        workflow.restore_workflow(&mut cx);
        let mut state = Self {
            dirs,
            shell,
            notifications,
            documents,
            search,
            accounts,
            downloads,
            metadata,
            workflow,
            tour: TourState::default(),
            store,
            tasks,
        };
        for command in then {
            state.apply(command);
        }
        state
    }

    /// The task registry, for modules and views that start background work.
    pub fn tasks(&self) -> &TaskRegistry {
        &self.tasks
    }

    /// True on a first start: nothing opened before, nothing open now.
    pub fn is_first_start(&self) -> bool {
        self.documents.recent.is_empty() && self.documents.open.is_empty()
    }

    /// Add a notification and log it.
    pub fn notify(&mut self, level: Level, title: impl Into<String>, detail: impl Into<String>) {
        self.notifications.push(level, title, detail);
    }

    /// A stored setting ([`settings`] lists them); `None` without a store.
    pub fn load<T>(&self, setting: &settings::Setting<T>) -> Option<T> {
        setting.load(self.store.as_ref()?)
    }

    /// Save a setting; failures become a notification.
    pub fn save<T>(&mut self, setting: &settings::Setting<T>, value: &T) {
        if let Some(Err(e)) = self.store.as_ref().map(|s| setting.save(s, value)) {
            self.notify(Level::Warning, "A setting was not saved", e.to_string());
        }
    }

    /// Carry out a command, and whatever it asks of other slices. Returns
    /// what the GUI has to do, if anything.
    pub fn apply(&mut self, command: impl Into<Command>) -> Vec<UiEffect> {
        let mut queue = std::collections::VecDeque::from([command.into()]);
        let mut effects = Vec::new();
        while let Some(command) = queue.pop_front() {
            tracing::debug!(?command, "apply");
            let mut then = Vec::new();
            effects.extend(self.apply_one(command, &mut then));
            queue.extend(then);
        }
        self.observe_tour();
        effects
    }

    /// Tick the guided tour's steps that the state shows done.
    fn observe_tour(&mut self) {
        if self.tour.open {
            let witnesses = tour::STEPS.iter().map(|s| (s.witness)(self)).collect();
            self.tour.observe(witnesses);
        }
    }

    fn apply_one(&mut self, command: Command, then: &mut Vec<Command>) -> Vec<UiEffect> {
        match command {
            Command::Metadata(c) => {
                let peers = peers!(self);
                let mut cx = cx!(self, &mut *then, &self.accounts);
                self.metadata.apply(c, &mut cx, &peers)
            }
            Command::Workflow(c) => {
                let peers = peers!(self);
                let mut cx = cx!(self, &mut *then, &self.accounts);
                self.workflow.apply(c, &mut cx, &peers)
            }
            Command::Accounts(c) => {
                let mut cx = cx!(self, &mut *then, &NoTokens);
                self.accounts.apply(c, &mut cx)
            }
            Command::Documents(c) => {
                let mut cx = cx!(self, &mut *then, &self.accounts);
                self.documents.apply(c, &mut cx)
            }
            Command::Search(c) => {
                let mut cx = cx!(self, &mut *then, &self.accounts);
                self.search.apply(c, &mut cx)
            }
            Command::Downloads(c) => {
                let mut cx = cx!(self, &mut *then, &self.accounts);
                self.downloads.apply(c, &mut cx)
            }
            Command::Shell(c) => {
                let mut cx = cx!(self, &mut *then, &self.accounts);
                self.shell.apply(c, &mut cx)
            }
            Command::Tour(c) => {
                let mut cx = cx!(self, &mut *then, &self.accounts);
                self.tour.apply(c, &mut cx)
            }
        }
    }

    /// Collect finished background work. Returns what the GUI has to do
    /// (e.g. show the viewer once a file's default plot is known).
    pub fn poll(&mut self) -> Vec<UiEffect> {
        let mut then = Vec::new();
        self.accounts.poll(&mut cx!(self, &mut then, &NoTokens));
        self.downloads
            .poll(&mut cx!(self, &mut then, &self.accounts));
        self.metadata
            .poll(&mut cx!(self, &mut then, &self.accounts));
        self.workflow
            .poll(&mut cx!(self, &mut then, &self.accounts));
        let mut effects = self
            .documents
            .poll(&mut cx!(self, &mut then, &self.accounts));
        self.search.poll(&mut cx!(self, &mut then, &self.accounts));
        for command in then {
            effects.extend(self.apply(command));
        }
        self.observe_tour();
        effects
    }

    /// True while background work started by the state is running.
    pub fn busy(&self) -> bool {
        self.documents.busy()
            || self.search.busy()
            || self.downloads.busy()
            || self.accounts.busy()
            || self.metadata.is_extracting()
            || self.metadata.is_publishing()
            || self.metadata.is_checking()
            || self.workflow.is_running()
            || self.workflow.remote_running()
            || self.workflow.autosave_waits()
    }

    /// The document with this id.
    pub fn document(&self, id: u64) -> Option<&Document> {
        self.documents.document(id)
    }

    /// A loaded object, if any.
    pub fn entity(&self, doc: u64, path: &str) -> Option<&Requested<Entity>> {
        self.documents.entity(doc, path)
    }

    /// Read an object (attributes and children) unless it is loaded or loading.
    pub fn load_entity(&mut self, doc: u64, path: &str) {
        self.documents.load_entity(doc, path, &self.tasks);
    }

    /// The value for a key: cached, loading, or started now.
    pub fn value(&mut self, key: &ValueKey) -> Requested<Arc<Value>> {
        self.documents.value(key, &self.tasks)
    }

    /// A cached value without starting a read.
    pub fn cached_value(&self, key: &ValueKey) -> Option<&Requested<Arc<Value>>> {
        self.documents.cached_value(key)
    }

    /// List every object of a document once, for search-as-you-type.
    pub fn request_index(&mut self, doc: u64) {
        self.documents.request_index(doc, &self.tasks);
    }

    /// The plot whose signal is `target`.
    pub fn plot_for(&self, target: &Target) -> Option<&DefaultPlot> {
        self.documents.plot_for(target)
    }

    /// Replace the catalogue sources and remember them.
    pub fn set_sources(&mut self, sources: Vec<crate::catalogue::SourceConfig>) {
        self.apply(SearchCommand::SetSources(sources));
    }

    /// Open a local file (as [`DocumentsCommand::OpenPath`], or without
    /// showing its default plot).
    pub fn open_path(&mut self, path: &Path, show_default: bool) {
        let mut then = Vec::new();
        self.documents.open_path(
            path,
            show_default,
            &mut cx!(self, &mut then, &self.accounts),
        );
        for command in then {
            self.apply(command);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::offline::RecordIndex as _;
    use crate::data::Selection;
    use crate::runtime::Runtime;
    use std::path::Path;

    fn state(rt: &Runtime, root: &Path) -> AppState {
        AppState::new(AppDirs::under(root), rt.tasks().clone())
    }

    #[test]
    fn the_download_queue_is_driven_by_commands() {
        use crate::transfer::queue::QueueAction;
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        let queue = s.downloads.queue.clone().expect("queue");
        assert_ne!(queue.limit(), 5);
        s.apply(DownloadsCommand::Queue(QueueAction::SetLimit(5)));
        assert_eq!(queue.limit(), 5);
    }

    fn settle(s: &mut AppState) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while s.busy() {
            s.poll();
            assert!(std::time::Instant::now() < deadline, "task never finished");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// With more matches in the offline index than it sends (500), the
    /// facet counts cover every match and a ticked facet brings the
    /// matches of that value that ranked below the first 500.
    #[test]
    fn offline_facets_count_and_filter_every_match() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        s.store
            .as_mut()
            .expect("store")
            .index_datasets(&crate::catalogue::synthetic::synthetic_records(3000))
            .expect("index");
        let offline: Vec<_> = s
            .search
            .sources
            .iter()
            .filter(|c| c.id == "offline")
            .cloned()
            .collect();
        s.apply(SearchCommand::SetSources(offline));
        s.apply(SearchCommand::Run("beamtime".into()));
        settle(&mut s);
        assert_eq!(s.search.results.len(), 500, "the best 500 are sent");
        let counts = s.search.facet_counts();
        let facilities = &counts
            .iter()
            .find(|(f, _)| *f == "facility")
            .expect("facility")
            .1;
        assert_eq!(
            facilities.iter().map(|(_, n)| n).sum::<usize>(),
            3000,
            "every match counted"
        );
        let (facility, n) = facilities.last().cloned().expect("a facility");
        s.apply(SearchCommand::ToggleFacet {
            facet: "facility".into(),
            value: facility.clone(),
        });
        settle(&mut s);
        let visible = s.search.visible();
        assert_eq!(visible.len(), n.min(500), "all {n} matches of {facility}");
        assert!(visible.len() > 100, "more than the top 500 held");
        // Clearing the filter brings the best 500 back.
        s.apply(SearchCommand::ClearFacets);
        settle(&mut s);
        assert_eq!(s.search.visible().len(), 500);
    }

    #[test]
    fn theme_and_recent_files_persist() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        assert!(s.is_first_start());
        s.apply(ShellCommand::SetTheme(ThemeChoice::Light));
        s.apply(DocumentsCommand::OpenPath(tmp.path().join("missing.h5")));
        settle(&mut s);
        drop(s);
        let s = state(&rt, tmp.path());
        assert_eq!(s.shell.theme, ThemeChoice::Light);
        assert_eq!(s.documents.recent.len(), 1);
        assert!(!s.is_first_start());
    }

    #[test]
    fn a_bad_file_becomes_a_notification_not_a_panic() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let bad = tmp.path().join("bad.nxs");
        std::fs::write(&bad, b"garbage").expect("write");
        let mut s = state(&rt, tmp.path());
        let fx = s.apply(DocumentsCommand::OpenPath(bad));
        assert_eq!(fx, vec![UiEffect::ShowTab(TabKind::Files)]);
        settle(&mut s);
        assert!(
            matches!(&s.documents.open[0].status, DocStatus::Failed(m) if m.contains("not an HDF5"))
        );
        assert_eq!(s.notifications.len(), 1);
        assert_eq!(s.notifications[0].level, Level::Error);
        assert_eq!(s.notifications[0].title, "Could not open bad.nxs");
    }

    #[test]
    fn opening_a_nexus_file_shows_its_default_plot_and_loads_values() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo_image2d.nxs");
        s.apply(DocumentsCommand::OpenPath(demo));
        settle(&mut s);
        let t = s
            .documents
            .selected
            .clone()
            .expect("the default plot is selected");
        assert_eq!(t.path, "/entry/image/intensity");
        let key = ValueKey {
            doc: t.doc,
            path: t.path.clone(),
            selection: Selection::all(),
            part: None,
        };
        assert!(matches!(s.value(&key), Requested::Pending { .. }));
        settle(&mut s);
        let Some(Requested::Ready(v)) = s.cached_value(&key) else {
            panic!("value not loaded");
        };
        assert_eq!(v.shape, vec![400, 512]);
        // Expanding a group reads its members once.
        s.apply(DocumentsCommand::ExpandGroup {
            doc: t.doc,
            path: "/entry".into(),
        });
        settle(&mut s);
        let Some(Requested::Ready(e)) = s.entity(t.doc, "/entry") else {
            panic!("entry not loaded");
        };
        assert!(e.children.iter().any(|c| c.name == "image"));
        s.apply(DocumentsCommand::Close(t.doc));
        assert!(s.documents.selected.is_none());
        assert!(s.cached_value(&key).is_none());
    }

    /// The views read a netCDF `_Unsigned` short with its fill value and
    /// scale as the values they mean, whether the entity was read first or
    /// not; switching the conventions off gives the stored values again.
    #[test]
    fn views_read_cf_variables_as_they_mean_and_raw_on_request() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/netCDF4/issue671.nc");
        s.apply(DocumentsCommand::OpenPath(file));
        settle(&mut s);
        let doc = s.documents.open[0].id;
        let key = ValueKey {
            doc,
            path: "/soil_moisture".into(),
            selection: Selection::parse("0, 0:5").expect("sel"),
            part: None,
        };
        let read = |s: &mut AppState, select_first: bool| {
            if select_first {
                s.apply(DocumentsCommand::Select {
                    doc,
                    path: "/soil_moisture".into(),
                });
                settle(s);
            }
            let _ = s.value(&key);
            settle(s);
            match s.cached_value(&key) {
                Some(Requested::Ready(v)) => v.clone(),
                other => panic!("not loaded: {other:?}"),
            }
        };
        // Not selected yet (entity unread): the rule is read with the values.
        let meant = read(&mut s, false);
        assert!(
            matches!(meant.data, crate::data::Data::F64(_)),
            "{:?}",
            meant.data
        );
        s.apply(DocumentsCommand::SetCfConventions(false));
        let raw = read(&mut s, true);
        assert!(
            matches!(raw.data, crate::data::Data::I16(_)),
            "{:?}",
            raw.data
        );
        s.apply(DocumentsCommand::SetCfConventions(true));
        // Selected (entity cached): the same values as read with the rule.
        let again = read(&mut s, true);
        let (a, b) = (meant.to_f64().expect("f64"), again.to_f64().expect("f64"));
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        // Each stored value r is r × 0.01 (as unsigned), or missing.
        let r = raw.to_f64().expect("raw");
        for (stored, shown) in r.iter().zip(&a) {
            if *stored == -1.0 {
                assert!(shown.is_nan());
            } else {
                let u = if *stored < 0.0 {
                    stored + 65536.0
                } else {
                    *stored
                };
                assert!(
                    (shown - u * f64::from(0.01f32)).abs() < 1e-9,
                    "{stored} → {shown}"
                );
            }
        }
    }

    #[test]
    fn only_web_links_are_opened() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        s.apply(DocumentsCommand::OpenUrl("file:///etc/passwd".into()));
        assert!(s.documents.open.is_empty());
        assert_eq!(
            s.notifications[0].title,
            "Only http and https links can be opened"
        );
    }

    /// A scan file `scan_<n>.h5` in `dir` with `/entry/frame`.
    fn scan(dir: &Path, n: u32) -> std::path::PathBuf {
        let path = dir.join(format!("scan_{n}.h5"));
        let f = hdf5::File::create(&path).expect("create");
        f.create_group("entry")
            .expect("group")
            .new_dataset_builder()
            .with_data(&[f64::from(n); 4])
            .create("frame")
            .expect("frame");
        path
    }

    fn open_at(s: &mut AppState, file: &Path, path: &str) -> u64 {
        s.apply(DocumentsCommand::OpenPath(file.to_path_buf()));
        settle(s);
        let doc = s.documents.open.last().expect("open").id;
        s.apply(DocumentsCommand::Select {
            doc,
            path: path.into(),
        });
        settle(s);
        doc
    }

    /// Page Down that finds its file after the user chose something else
    /// leaves their choice alone: nothing is closed or reselected.
    #[test]
    fn browsing_does_not_override_a_selection_changed_meanwhile() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let files = tempfile::tempdir().expect("files");
        let first = scan(files.path(), 1);
        scan(files.path(), 2);
        let mut s = state(&rt, tmp.path());
        let doc = open_at(&mut s, &first, "/entry/frame");
        s.apply(DocumentsCommand::Browse { step: 1 });
        s.apply(DocumentsCommand::Select {
            doc,
            path: "/entry".into(),
        });
        settle(&mut s);
        let selected = s.documents.selected.clone().expect("selected");
        assert_eq!((selected.doc, selected.path.as_str()), (doc, "/entry"));
        assert!(s.documents.document(doc).is_some(), "the first file stays");
    }

    /// Page Down onto a file that failed to open earlier opens it afresh
    /// (it may have been fixed), rather than showing the failure.
    #[test]
    fn browsing_onto_a_file_that_failed_opens_it_again() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let files = tempfile::tempdir().expect("files");
        let first = scan(files.path(), 1);
        let second = files.path().join("scan_2.h5");
        std::fs::write(&second, b"not an HDF5 file").expect("write");
        let mut s = state(&rt, tmp.path());
        open_at(&mut s, &second, "/");
        assert!(matches!(
            s.documents.open.last().expect("doc").status,
            documents::DocStatus::Failed(_)
        ));
        std::fs::remove_file(&second).expect("rm");
        scan(files.path(), 2);
        let from = open_at(&mut s, &first, "/entry/frame");
        s.apply(DocumentsCommand::Browse { step: 1 });
        settle(&mut s);
        let selected = s.documents.selected.clone().expect("selected");
        let shown = s.documents.document(selected.doc).expect("shown");
        assert_eq!(shown.status, documents::DocStatus::Ready);
        assert!(shown.location.ends_with("scan_2.h5"), "{}", shown.location);
        assert_eq!(selected.path, "/entry/frame");
        assert!(s.documents.document(from).is_none(), "scan 1 closed");
    }
}
