//! The application's state without any GUI: open documents, notifications,
//! settings and recent files. [`AppState::apply`] is the one way to change it;
//! the GUI, the CLI and the tests all call it.
//!
//! Over 800 lines until the state is split into slices (documents, search,
//! downloads, shell), each with its own commands and poll, as `accounts`,
//! `metadata` and `workflow` already have files of their own.

pub mod accounts;
mod export;
pub mod metadata;
pub mod settings;
pub mod workflow;

use crate::catalogue::offline::RecordIndex as _;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::command::{Command, TabKind, ThemeChoice};
use crate::data::local_hdf5::LocalHdf5;
use crate::data::nexus::{self, DefaultPlot};
use crate::data::{DataError, DataSource, Entity, Selection, Value};
use crate::paths::AppDirs;
use crate::runtime::{TaskError, TaskRegistry, TaskSet};
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
    ShowTabNumber(u8),
    CloseFocusedTab,
    ResetLayout,
    ApplyTheme(ThemeChoice),
    TogglePalette,
    /// Show the native open-file dialog.
    PickFile,
    /// Show a folder picker for the downloads folder.
    PickDownloadFolder,
    ShowAbout,
    Quit,
}

/// Where a document is in being opened.
#[derive(Debug, Clone, PartialEq)]
pub enum DocStatus {
    Loading,
    /// Open; the root group is in [`Document::entities`] under `/`.
    Ready,
    Failed(String),
}

/// Something loaded in the background.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

impl<T> Load<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Self::Ready(v) => Some(v),
            _ => None,
        }
    }
}

/// An opened file or URL.
#[derive(Clone)]
pub struct Document {
    pub id: u64,
    pub location: String,
    pub label: String,
    pub status: DocStatus,
    /// The data source, once opened.
    pub source: Option<Arc<dyn DataSource>>,
    /// Objects read so far (with attributes and direct children), by path.
    pub entities: BTreeMap<String, Load<Entity>>,
    /// The NeXus default plot, or why there is none.
    pub default_plot: Option<Result<DefaultPlot, String>>,
    /// The plot each selected object stands for (an NXdata group's, for its
    /// signal; a group's default plot), by the object's path.
    pub plots: BTreeMap<String, Load<Option<DefaultPlot>>>,
    /// Every object of the file, for search-as-you-type (read on first search).
    pub index: Option<Load<Arc<Vec<Entity>>>>,
}

/// The object shown in the viewer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub doc: u64,
    pub path: String,
}

/// Values are cached by document, path and selection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValueKey {
    pub doc: u64,
    pub path: String,
    pub selection: Selection,
}

/// One source's part of a search.
#[derive(Debug, Clone)]
pub struct SourceRun {
    pub id: String,
    pub name: String,
    /// Number of results when done, or why it failed.
    pub status: Load<usize>,
    /// How many match in all, when the source says (more than it sent).
    pub total: Option<u64>,
    pub started: std::time::Instant,
    /// Not asked at all: an online source in offline mode. Shown as
    /// skipped, not as a failure.
    pub skipped: bool,
    /// Facet counts over every match, when the source counts them itself.
    pub facets: Option<crate::catalogue::FacetCounts>,
}

/// A source still answering after this long is shown as slow.
pub const SLOW_AFTER: std::time::Duration = std::time::Duration::from_secs(3);

impl SourceRun {
    pub fn is_slow(&self) -> bool {
        matches!(self.status, Load::Loading) && self.started.elapsed() > SLOW_AFTER
    }
}

/// The catalogue search as the Search tab shows it.
#[derive(Default)]
pub struct SearchState {
    /// The query of the results shown (or being fetched); `None` before the first search.
    pub query: Option<String>,
    /// Each source's progress, in the order of the settings.
    pub runs: Vec<SourceRun>,
    /// Results of every source that answered, duplicates merged.
    pub results: Vec<crate::catalogue::Dataset>,
    /// Active facet filters, applied instantly to the results.
    pub facets: Vec<(String, String)>,
    /// Key of the dataset whose page is shown.
    pub shown: Option<String>,
    /// The file list being asked of a catalogue (dataset key), or why it failed.
    pub files: Option<(String, Load<usize>)>,
    /// Which sources sent each result (by key), so a source that filters
    /// and counts by itself can be asked again without losing the others'.
    origins: HashMap<String, std::collections::BTreeSet<String>>,
    generation: u64,
}

impl SearchState {
    /// The results that pass the facet filters.
    pub fn visible(&self) -> Vec<&crate::catalogue::Dataset> {
        crate::catalogue::apply_facets(&self.results, &self.facets)
    }

    /// Facet counts of the whole search: a source that counts every match
    /// itself (the offline index) gives its counts, and the results of the
    /// other sources are counted here, each result once.
    pub fn facet_counts(&self) -> Vec<(&'static str, Vec<(String, usize)>)> {
        let counting: Vec<&SourceRun> = self.runs.iter().filter(|r| r.facets.is_some()).collect();
        let counted_elsewhere = |d: &crate::catalogue::Dataset| {
            self.origins
                .get(&d.key())
                .is_some_and(|o| counting.iter().any(|r| o.contains(&r.id)))
        };
        let rest = self.results.iter().filter(|d| !counted_elsewhere(d));
        let mut counts = crate::catalogue::facet_counts(rest);
        for run in &counting {
            for (facet, values) in run.facets.iter().flatten() {
                let Some((_, mine)) = counts.iter_mut().find(|(f, _)| *f == facet.as_str()) else {
                    continue;
                };
                for (value, n) in values {
                    match mine.iter_mut().find(|(v, _)| v == value) {
                        Some((_, m)) => *m += n,
                        None => mine.push((value.clone(), *n)),
                    }
                }
                mine.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            }
        }
        counts
    }

    /// The dataset whose page is shown, while the filters let it through.
    pub fn shown_dataset(&self) -> Option<&crate::catalogue::Dataset> {
        let key = self.shown.as_ref()?;
        self.visible().into_iter().find(|d| &d.key() == key)
    }

    /// True while any source has not answered.
    pub fn running(&self) -> bool {
        self.runs.iter().any(|r| matches!(r.status, Load::Loading))
    }
}

/// How a value read applies the CF conventions.
enum Rule {
    Raw,
    Apply(crate::data::cf::CfRule),
    /// The entity is not read yet: read it with the values.
    Find,
}

/// Most values kept in memory at once.
const VALUE_CACHE: usize = 96;
/// Most bytes of values kept at once (the newest few stay whatever their size),
/// so scrubbing a large stack keeps memory bounded.
pub const VALUE_CACHE_BYTES: usize = 96 << 20;
/// The newest values kept whatever their size: the frame shown and the ones
/// prefetched after it.
const VALUE_CACHE_KEEP: usize = 4;

type Opened = (Arc<dyn DataSource>, Entity, Result<DefaultPlot, String>);

/// Background reads in progress, by what each was started for.
#[derive(Default)]
struct Pending {
    opens: TaskSet<(u64, bool), Opened>,
    entities: TaskSet<(u64, String), Entity>,
    values: TaskSet<ValueKey, Value>,
    indexes: TaskSet<u64, Vec<Entity>>,
    plots: TaskSet<(u64, String), Option<DefaultPlot>>,
    files: TaskSet<String, Vec<crate::catalogue::DataFile>>,
    /// By search generation and source id.
    searches: TaskSet<(u64, String), crate::catalogue::SearchPage>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.opens.is_empty()
            && self.entities.is_empty()
            && self.values.is_empty()
            && self.indexes.is_empty()
            && self.plots.is_empty()
            && self.files.is_empty()
            && self.searches.is_empty()
    }

    /// Stop every read of a document.
    fn cancel_document(&mut self, id: u64) {
        self.opens.cancel_where(|(doc, _)| *doc == id);
        self.entities.cancel_where(|(doc, _)| *doc == id);
        self.values.cancel_where(|key| key.doc == id);
        self.indexes.cancel_where(|doc| *doc == id);
        self.plots.cancel_where(|(doc, _)| *doc == id);
    }
}

/// Everything Panorama knows, minus pixels.
pub struct AppState {
    pub dirs: AppDirs,
    pub theme: ThemeChoice,
    pub recent: Vec<String>,
    /// Views and exports read netCDF variables through their CF attributes.
    pub cf_conventions: bool,
    /// Changes whenever cached values are dropped (so views drop theirs).
    pub value_generation: u64,
    pub documents: Vec<Document>,
    pub notifications: Vec<Notification>,
    /// The object the viewer shows.
    pub selected: Option<Target>,
    /// Catalogue search.
    pub search: SearchState,
    /// The catalogue sources searched (settings key `catalogue.sources`).
    pub sources: Vec<crate::catalogue::SourceConfig>,
    /// Signed-in accounts and sign-ins in progress.
    pub accounts: accounts::AccountsState,
    /// The open workflow and its last run.
    pub workflow: workflow::WorkflowState,
    /// Downloads: queued, running, paused and finished files.
    pub downloads: Option<crate::transfer::queue::Queue>,
    /// The catalogue record of each queued download, by queue item.
    download_origins: HashMap<u64, crate::store::FileOrigin>,
    /// Download items whose end was already announced.
    announced: std::collections::HashSet<u64>,
    /// Metadata schemas, drafts and the draft being edited.
    pub metadata: metadata::MetadataState,
    /// Which account's tokens go to which data server (origin → account id;
    /// settings key `data.server_accounts`). Tokens go nowhere else.
    pub server_accounts: Vec<(String, String)>,
    values: HashMap<ValueKey, Load<Arc<Value>>>,
    value_order: Vec<ValueKey>,
    store: Option<Store>,
    tasks: TaskRegistry,
    pending: Pending,
    /// Data exports in progress (`Command::ExportData`).
    exports: TaskSet<std::path::PathBuf, crate::data::export::Exported>,
    next_id: u64,
}

const STORE_FILE: &str = "panorama.sqlite";

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

impl AppState {
    /// Load settings and recent files from the store in `dirs`. A store that
    /// cannot be opened becomes a notification; Panorama still starts.
    pub fn new(dirs: AppDirs, tasks: TaskRegistry) -> Self {
        let accounts = accounts::AccountsState::open(&dirs);
        let downloads = crate::transfer::queue::Queue::new(tasks.handle().clone(), 3);
        let mut state = Self {
            dirs,
            theme: ThemeChoice::System,
            recent: Vec::new(),
            cf_conventions: true,
            value_generation: 0,
            documents: Vec::new(),
            notifications: Vec::new(),
            selected: None,
            search: SearchState::default(),
            sources: crate::catalogue::default_sources(),
            accounts,
            server_accounts: Vec::new(),
            metadata: metadata::MetadataState::default(),
            workflow: workflow::WorkflowState::new(),
            downloads: downloads.ok(),
            download_origins: HashMap::new(),
            announced: std::collections::HashSet::new(),
            values: HashMap::new(),
            value_order: Vec::new(),
            store: None,
            tasks,
            pending: Pending::default(),
            exports: TaskSet::default(),
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
                state.theme = settings::THEME.load(&store).unwrap_or_default();
                state.recent = store.recent().unwrap_or_default();
                state.sources.insert(
                    1,
                    crate::catalogue::SourceConfig {
                        id: "offline".into(),
                        name: "Offline index".into(),
                        kind: crate::catalogue::offline::KIND.kind(),
                        url: state.dirs.data.join(STORE_FILE).display().to_string(),
                        enabled: true,
                        account: None,
                        h5grove: None,
                    },
                );
                if let Some(sources) = settings::SOURCES.load(&store) {
                    state.sources = sources;
                }
                // The sources file, when there is one, is what the user edited last.
                match crate::catalogue::read_sources_file(&state.dirs.config) {
                    Ok(Some(sources)) => state.sources = sources,
                    Ok(None) => {}
                    Err(e) => state.notify(
                        Level::Warning,
                        "The sources file was not read",
                        format!("{e}. Panorama uses the sources it knew before; fix the file or save the sources again from Search › Sources."),
                    ),
                }
                if let Some(dir) = settings::DOWNLOADS_FOLDER.load(&store) {
                    state.dirs.downloads = dir;
                }
                if let Some(cluster) = settings::CLUSTER.load(&store) {
                    state.workflow.cluster = cluster;
                }
                if let Some(bound) = settings::SERVER_ACCOUNTS.load(&store) {
                    state.server_accounts = bound;
                }
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
        state.load_metadata();
        state.restore_workflow();
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

    /// Carry out a command. Returns what the GUI has to do, if anything.
    pub fn apply(&mut self, command: Command) -> Vec<UiEffect> {
        tracing::debug!(?command, "apply");
        match command {
            Command::OpenFileDialog => vec![UiEffect::PickFile],
            Command::OpenPath(path) => {
                self.open_path(&path, true);
                vec![UiEffect::ShowTab(TabKind::Files)]
            }
            Command::ExpandGroup { doc, path } => {
                self.load_entity(doc, &path);
                Vec::new()
            }
            Command::Select { doc, path } => {
                self.load_entity(doc, &path);
                self.resolve_plot(doc, &path);
                self.selected = Some(Target { doc, path });
                vec![UiEffect::ShowTab(TabKind::Viewer)]
            }
            Command::OpenDefaultPlot(doc) => self.show_default_plot(doc),
            Command::ExportData {
                doc,
                path,
                selection,
                transpose,
                to,
            } => {
                self.export_data(doc, &path, selection, transpose, to);
                Vec::new()
            }
            Command::Search(text) => {
                self.start_search(text);
                vec![UiEffect::ShowTab(TabKind::Search)]
            }
            Command::ClearFacets => {
                self.search.facets.clear();
                self.refilter_sources();
                Vec::new()
            }
            Command::ToggleFacet { facet, value } => {
                let f = (facet, value);
                if let Some(i) = self.search.facets.iter().position(|x| *x == f) {
                    self.search.facets.remove(i);
                } else {
                    self.search.facets.push(f);
                }
                self.refilter_sources();
                Vec::new()
            }
            Command::Download {
                url,
                name,
                checksum,
            } => {
                self.start_download(url, name, checksum);
                Vec::new()
            }
            Command::SetSources(sources) => {
                self.set_sources(sources);
                Vec::new()
            }
            Command::ShowDataset(key) => {
                self.search.shown = Some(key.clone());
                self.load_files(&key);
                vec![UiEffect::ShowTab(TabKind::Search)]
            }
            Command::OpenUrl(url) => {
                self.open_url(&url);
                vec![UiEffect::ShowTab(TabKind::Files)]
            }
            Command::OpenUrlAs { url, account } => {
                if let Some(origin) = origin_of(&url) {
                    self.server_accounts.retain(|(o, _)| *o != origin);
                    self.server_accounts.push((origin, account));
                    let bound = self.server_accounts.clone();
                    self.save(&settings::SERVER_ACCOUNTS, &bound);
                }
                let failed: Vec<u64> = self
                    .documents
                    .iter()
                    .filter(|d| d.location == url && matches!(d.status, DocStatus::Failed(_)))
                    .map(|d| d.id)
                    .collect();
                for id in failed {
                    self.close_document(id);
                }
                self.open_url(&url);
                vec![UiEffect::ShowTab(TabKind::Files)]
            }
            Command::OpenDemo => match crate::paths::demo_dir() {
                Some(dir) => {
                    // The image opens in the viewer; the other samples wait in Files.
                    for file in crate::paths::demo_files(&dir) {
                        let show = file.file_name().is_some_and(|n| n == "demo_image2d.nxs");
                        self.open_path(&file, show);
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
            Command::SignIn(request) => {
                self.accounts.sign_in(&self.tasks, request);
                vec![UiEffect::ShowTab(TabKind::Accounts)]
            }
            Command::CancelSignIn => {
                self.accounts.cancel_sign_in();
                Vec::new()
            }
            Command::SignOut(id) => {
                self.accounts.sign_out(&self.tasks, id);
                Vec::new()
            }
            Command::BindAccount { source, account } => {
                let mut sources = self.sources.clone();
                if let Some(s) = sources.iter_mut().find(|s| s.id == source) {
                    s.account = account;
                }
                self.set_sources(sources);
                Vec::new()
            }
            Command::NewDraft { schema, from_doc } => {
                self.new_draft(&schema, from_doc);
                vec![UiEffect::ShowTab(TabKind::Metadata)]
            }
            Command::OpenDraft(id) => {
                self.open_draft(id);
                vec![UiEffect::ShowTab(TabKind::Metadata)]
            }
            Command::EditDraft { pointer, value } => {
                self.edit_draft(&pointer, value);
                Vec::new()
            }
            Command::RemoveDraftItem { pointer, index } => {
                self.remove_draft_item(&pointer, index);
                Vec::new()
            }
            Command::UndoDraft => {
                self.undo_draft(false);
                Vec::new()
            }
            Command::RedoDraft => {
                self.undo_draft(true);
                Vec::new()
            }
            Command::DraftFromRecord(key) => {
                self.draft_from_record(&key);
                vec![UiEffect::ShowTab(TabKind::Metadata)]
            }
            Command::DraftFromDataCiteXml(path) => {
                self.draft_from_datacite_xml(&path);
                vec![UiEffect::ShowTab(TabKind::Metadata)]
            }
            Command::SetEmbargoYears(years) => {
                self.save(&settings::EMBARGO_YEARS, &years);
                Vec::new()
            }
            Command::CheckNexus { doc, definition } => {
                self.check_nexus(doc, &definition);
                vec![UiEffect::ShowTab(TabKind::Metadata)]
            }
            Command::PublishDraft { source, files } => {
                self.publish_draft(&source, files);
                Vec::new()
            }
            Command::OpenWorkflow(path) => {
                self.open_workflow(&path);
                vec![UiEffect::ShowTab(TabKind::Workflows)]
            }
            Command::SetNodeParam { node, name, value } => {
                self.set_node_param(node, &name, value);
                Vec::new()
            }
            Command::RunWorkflow => {
                self.run_workflow();
                Vec::new()
            }
            Command::NewWorkflow => {
                self.new_workflow();
                vec![UiEffect::ShowTab(TabKind::Workflows)]
            }
            Command::AnswerDiscard(answer) => {
                self.answer_discard(answer);
                Vec::new()
            }
            Command::EditWorkflow(edit) => {
                self.edit_workflow(edit);
                Vec::new()
            }
            Command::RunWorkflowOnCluster { cluster, token } => {
                self.run_workflow_on_cluster(cluster, token);
                Vec::new()
            }
            Command::CancelClusterRun => {
                self.cancel_cluster_run();
                Vec::new()
            }
            Command::AddMapInputs(pattern) => {
                self.add_map_inputs(&pattern);
                Vec::new()
            }
            Command::AddDownloadedMapInputs => {
                self.add_downloaded_map_inputs();
                Vec::new()
            }
            Command::AddOpenMapInputs => {
                self.add_open_map_inputs();
                Vec::new()
            }
            Command::RemoveMapInput(i) => {
                self.remove_map_input(i);
                Vec::new()
            }
            Command::RunWorkflowMap => {
                self.run_workflow_map();
                Vec::new()
            }
            Command::CancelWorkflowMap => {
                self.cancel_workflow_map();
                Vec::new()
            }
            Command::Queue(action) => {
                if let Some(q) = &self.downloads {
                    q.apply(action);
                }
                Vec::new()
            }
            Command::ChooseDownloadFolder => vec![UiEffect::PickDownloadFolder],
            Command::SetDownloadFolder(dir) => {
                match std::fs::create_dir_all(&dir) {
                    Ok(()) => {
                        self.save(&settings::DOWNLOADS_FOLDER, &dir);
                        self.dirs.downloads = dir;
                    }
                    Err(e) => self.notify(
                        Level::Error,
                        "That folder cannot take downloads",
                        format!("{}: {e}. Choose another folder.", dir.display()),
                    ),
                }
                Vec::new()
            }
            Command::SaveWorkflow(path) => {
                self.save_workflow(&path);
                Vec::new()
            }
            Command::SaveTemplate(name) => {
                self.save_template(&name);
                Vec::new()
            }
            Command::ApplyTemplate(name) => {
                self.apply_template(&name);
                Vec::new()
            }
            Command::BulkSet {
                ids,
                pointer,
                value,
            } => {
                self.bulk_set(&ids, &pointer, value.as_ref());
                Vec::new()
            }
            Command::DeleteDraft(id) => {
                self.delete_draft(id);
                Vec::new()
            }
            Command::ShowTab(tab) => vec![UiEffect::ShowTab(tab)],
            Command::ShowTabNumber(n) => vec![UiEffect::ShowTabNumber(n)],
            Command::SetCfConventions(on) => {
                if self.cf_conventions != on {
                    self.cf_conventions = on;
                    self.values.clear();
                    self.value_order.clear();
                    self.value_generation += 1;
                }
                Vec::new()
            }
            Command::CloseFocusedTab => vec![UiEffect::CloseFocusedTab],
            Command::ResetLayout => vec![UiEffect::ResetLayout],
            Command::SetTheme(theme) => {
                self.theme = theme;
                self.save(&settings::THEME, &theme);
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

    /// Open a local file: read its top level and find its NeXus default plot on
    /// a background task; with `show_default`, the viewer then shows that plot.
    pub fn open_path(&mut self, path: &Path, show_default: bool) {
        let path: PathBuf = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let location = path.display().to_string();
        let label = path
            .file_name()
            .map_or_else(|| location.clone(), |n| n.to_string_lossy().into_owned());
        self.remember(&location);
        self.open_with(location, label, show_default, move || {
            Ok(Arc::new(LocalHdf5::open(&path)?) as Arc<dyn DataSource>)
        });
    }

    /// Open a document from a source built on a background thread, then read
    /// its top level and look for its NeXus default plot.
    fn open_with<F>(&mut self, location: String, label: String, show_default: bool, open: F)
    where
        F: FnOnce() -> Result<Arc<dyn DataSource>, DataError> + Send + 'static,
    {
        let id = self.next_id();
        self.documents.push(Document {
            id,
            location,
            label: label.clone(),
            status: DocStatus::Loading,
            source: None,
            entities: BTreeMap::new(),
            default_plot: None,
            plots: BTreeMap::new(),
            index: None,
        });
        let handle = self
            .tasks
            .spawn_blocking(&format!("Opening {label}"), move |ctx| {
                ctx.progress(0.0, "reading file structure");
                let source = open()?;
                let root = source.entity("/")?;
                ctx.progress(0.5, "looking for the NeXus default plot");
                let plot = nexus::default_plot(source.as_ref(), "/").map_err(|p| p.0);
                Ok::<_, DataError>((source, root, plot))
            });
        self.pending.opens.push((id, show_default), handle);
    }

    /// The document with this id.
    pub fn document(&self, id: u64) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }

    /// Read an object (attributes and children) unless it is loaded or loading.
    pub fn load_entity(&mut self, doc: u64, path: &str) {
        let Some(d) = self.documents.iter_mut().find(|d| d.id == doc) else {
            return;
        };
        if matches!(d.entities.get(path), Some(Load::Ready(_) | Load::Loading)) {
            return;
        }
        let Some(source) = d.source.clone() else {
            return;
        };
        d.entities.insert(path.to_owned(), Load::Loading);
        let p = path.to_owned();
        let handle = self
            .tasks
            .spawn_blocking(&format!("Reading {path}"), move |_| source.entity(&p));
        self.pending.entities.push((doc, path.to_owned()), handle);
    }

    /// A loaded object, if any.
    pub fn entity(&self, doc: u64, path: &str) -> Option<&Load<Entity>> {
        self.document(doc)?.entities.get(path)
    }

    /// Drop the oldest values while those in memory take more than
    /// [`VALUE_CACHE_BYTES`].
    fn trim_values(&mut self) {
        let size = |l: &Load<Arc<Value>>| l.ready().map_or(0, |v| v.nbytes());
        let mut total: usize = self.values.values().map(size).sum();
        while total > VALUE_CACHE_BYTES && self.value_order.len() > VALUE_CACHE_KEEP {
            let old = self.value_order.remove(0);
            total -= self.values.remove(&old).as_ref().map_or(0, size);
        }
    }

    /// Bytes of values held in memory.
    pub fn cached_value_bytes(&self) -> usize {
        self.values
            .values()
            .map(|l| l.ready().map_or(0, |v| v.nbytes()))
            .sum()
    }

    /// The value for a key: cached, loading, or started now.
    pub fn value(&mut self, key: &ValueKey) -> Load<Arc<Value>> {
        if let Some(v) = self.values.get(key) {
            return v.clone();
        }
        let Some(source) = self.document(key.doc).and_then(|d| d.source.clone()) else {
            return Load::Failed("the file is closed".into());
        };
        self.values.insert(key.clone(), Load::Loading);
        self.value_order.push(key.clone());
        if self.value_order.len() > VALUE_CACHE {
            let old = self.value_order.remove(0);
            self.values.remove(&old);
        }
        let (path, sel) = (key.path.clone(), key.selection.clone());
        // Packed or masked netCDF variables: the values they mean. The rule
        // comes from the entity already read (no second request to a remote
        // source per slice), or is read with the values when it is not.
        let rule = match self.entity(key.doc, &key.path) {
            _ if !self.cf_conventions => Rule::Raw,
            Some(Load::Ready(e)) => crate::data::cf::CfRule::of(e).map_or(Rule::Raw, Rule::Apply),
            _ => Rule::Find,
        };
        let handle = self
            .tasks
            .spawn_blocking(&format!("Loading {}", key.path), move |ctx| {
                let v = source.value(&path, &sel, &ctx)?;
                let rule = match rule {
                    Rule::Raw => None,
                    Rule::Apply(r) => Some(r),
                    Rule::Find => source
                        .entity(&path)
                        .ok()
                        .and_then(|e| crate::data::cf::CfRule::of(&e)),
                };
                Ok::<_, crate::data::DataError>(match rule {
                    Some(r) => r.apply(&v),
                    None => v,
                })
            });
        self.pending.values.push(key.clone(), handle);
        Load::Loading
    }

    /// Queue a file for download into the Downloads folder; a `.part` left
    /// by an earlier try is resumed. The Downloads tab shows the queue.
    pub fn start_download(&mut self, url: String, name: String, checksum: Option<String>) {
        let bearer = origin_of(&url)
            .and_then(|o| {
                self.server_accounts
                    .iter()
                    .find(|(origin, _)| *origin == o)
                    .map(|(_, a)| a.clone())
            })
            .and_then(|account| self.accounts.tokens(&account));
        let req = crate::transfer::download::Request {
            url,
            dir: self.dirs.downloads.clone(),
            name,
            checksum,
            bearer,
            overwrite: false,
        };
        // The dataset whose page asked for it, remembered once it is downloaded.
        let origin = self.search.shown_dataset().map(|d| d.file_origin(&req.url));
        match &self.downloads {
            Some(q) => {
                let id = q.add(req);
                if let Some(o) = origin {
                    self.download_origins.insert(id, o);
                }
            }
            None => self.notify(
                Level::Error,
                "Downloads are not available",
                "Panorama could not set up its HTTP client; see the log for details.",
            ),
        }
    }

    /// Ask the dataset's catalogue for its file list when the search answer
    /// had none (SciCat keeps files in origdatablocks).
    fn load_files(&mut self, key: &str) {
        let Some(d) = self.search.results.iter().find(|d| d.key() == key).cloned() else {
            return;
        };
        let Some(cfg) = d
            .sources
            .iter()
            .find_map(|id| self.sources.iter().find(|s| &s.id == id))
            .cloned()
        else {
            return;
        };
        if !d.files.is_empty() {
            if let Some(base) = &cfg.h5grove
                && let Some(shown) = self.search.results.iter_mut().find(|x| x.key() == key)
            {
                crate::catalogue::link_h5grove(base, shown);
            }
            return;
        }
        let cat = match self.source_client(&cfg) {
            Ok(c) => c,
            Err(e) => {
                self.search.files = Some((key.to_owned(), Load::Failed(e)));
                return;
            }
        };
        self.search.files = Some((key.to_owned(), Load::Loading));
        let handle = self.tasks.spawn(
            &format!("Listing files at {}", cfg.name),
            move |_| async move { cat.files(&d).await },
        );
        self.pending.files.push(key.to_owned(), handle);
    }

    /// The client for a source, with the tokens of its bound account.
    fn source_client(
        &self,
        cfg: &crate::catalogue::SourceConfig,
    ) -> Result<Arc<dyn crate::catalogue::Catalogue>, String> {
        let auth = match cfg.account.as_deref() {
            Some(id) => Some(self.accounts.tokens(id).ok_or_else(|| {
                format!("uses the account {id}, which is not signed in: sign in under Accounts")
            })?),
            None => None,
        };
        crate::catalogue::connect_with(cfg, auth).map_err(|e| e.to_string())
    }

    /// Keep records seen in a search in the offline index (on a background
    /// task, with a connection of its own).
    fn remember_records(&self, records: Vec<crate::catalogue::Dataset>) {
        let path = self.dirs.data.join(STORE_FILE);
        // Fire and forget: a failure only means the records are not kept offline.
        drop(
            self.tasks
                .spawn_blocking("Keeping records offline", move |_| {
                    let mut store = Store::open(&path)?;
                    store.index_datasets(&records)
                }),
        );
    }

    /// Replace the catalogue sources and remember them.
    pub fn set_sources(&mut self, sources: Vec<crate::catalogue::SourceConfig>) {
        self.sources = sources;
        let sources = self.sources.clone();
        self.save(&settings::SOURCES, &sources);
        if let Err(e) = crate::catalogue::write_sources_file(&self.dirs.config, &self.sources) {
            self.notify(Level::Warning, "The sources file was not written", e);
        }
    }

    /// Search every enabled source at once; results arrive as each answers.
    /// A search still running is cancelled.
    pub fn start_search(&mut self, text: String) {
        self.pending.searches.cancel_where(|_| true);
        self.search.generation += 1;
        let generation = self.search.generation;
        self.search.query = Some(text.clone());
        self.search.results.clear();
        self.search.origins.clear();
        self.search.runs.clear();
        self.search.shown = None;
        let query = crate::catalogue::SearchQuery {
            text,
            facets: Vec::new(),
            limit: 0,
        };
        for cfg in self.sources.clone().into_iter().filter(|s| s.enabled) {
            let mut run = SourceRun {
                id: cfg.id.clone(),
                name: cfg.name.clone(),
                status: Load::Loading,
                total: None,
                started: std::time::Instant::now(),
                skipped: false,
                facets: None,
            };
            if crate::catalogue::offline_blocks(&cfg) {
                run.status = Load::Failed("skipped: offline mode (PANORAMA_OFFLINE=1)".into());
                run.skipped = true;
                self.search.runs.push(run);
                continue;
            }
            match self.source_client(&cfg) {
                Ok(cat) => {
                    let mut q = query.clone();
                    // The offline index filters every match by itself.
                    if cfg.kind.is(&crate::catalogue::offline::KIND) {
                        q.facets.clone_from(&self.search.facets);
                    }
                    self.spawn_search(cat, &cfg, q, generation);
                }
                Err(e) => run.status = Load::Failed(e),
            }
            self.search.runs.push(run);
        }
    }

    /// Search one source in the background; its answer counts for search
    /// `generation` only.
    fn spawn_search(
        &mut self,
        cat: std::sync::Arc<dyn crate::catalogue::Catalogue>,
        cfg: &crate::catalogue::SourceConfig,
        q: crate::catalogue::SearchQuery,
        generation: u64,
    ) {
        let handle = self
            .tasks
            .spawn(&format!("Searching {}", cfg.name), move |_| async move {
                cat.search(&q).await
            });
        self.pending
            .searches
            .push((generation, cfg.id.clone()), handle);
    }

    /// Ask the sources that filter every match by themselves (the offline
    /// index) again with the filters now in force; their results so far
    /// give way to the new ones, the other sources' stay.
    fn refilter_sources(&mut self) {
        let Some(text) = self.search.query.clone() else {
            return;
        };
        let generation = self.search.generation;
        let counting: Vec<String> = self
            .search
            .runs
            .iter()
            .filter(|r| r.facets.is_some())
            .map(|r| r.id.clone())
            .collect();
        for id in counting {
            let Some(cfg) = self.sources.iter().find(|s| s.id == id).cloned() else {
                continue;
            };
            let Ok(cat) = self.source_client(&cfg) else {
                continue;
            };
            // Results only this source sent go; the others forget it sent them.
            let origins = &mut self.search.origins;
            self.search.results.retain(|d| {
                let key = d.key();
                let Some(o) = origins.get_mut(&key) else {
                    return true;
                };
                o.remove(&id);
                if o.is_empty() {
                    origins.remove(&key);
                    false
                } else {
                    true
                }
            });
            self.pending
                .searches
                .cancel_where(|(_, source)| *source == id);
            if let Some(run) = self.search.runs.iter_mut().find(|r| r.id == id) {
                run.status = Load::Loading;
                run.started = std::time::Instant::now();
            }
            let q = crate::catalogue::SearchQuery {
                text: text.clone(),
                facets: self.search.facets.clone(),
                limit: 0,
            };
            self.spawn_search(cat, &cfg, q, generation);
        }
    }

    /// List every object of a document once, for search-as-you-type.
    pub fn request_index(&mut self, doc: u64) {
        let Some(d) = self.documents.iter_mut().find(|d| d.id == doc) else {
            return;
        };
        if d.index.is_some() {
            return;
        }
        let Some(source) = d.source.clone() else {
            return;
        };
        d.index = Some(Load::Loading);
        let label = d.label.clone();
        let handle = self
            .tasks
            .spawn_blocking(&format!("Indexing {label}"), move |ctx| {
                crate::data::list_all(source.as_ref(), &ctx)
            });
        self.pending.indexes.push(doc, handle);
    }

    /// A cached value without starting a read.
    pub fn cached_value(&self, key: &ValueKey) -> Option<&Load<Arc<Value>>> {
        self.values.get(key)
    }

    fn show_default_plot(&mut self, doc: u64) -> Vec<UiEffect> {
        let Some(d) = self.document(doc) else {
            return Vec::new();
        };
        match d.default_plot.clone() {
            Some(Ok(plot)) => {
                let signal = plot.signal.clone();
                self.load_entity(doc, &plot.nxdata);
                self.load_entity(doc, &signal);
                self.selected = Some(Target { doc, path: signal });
                vec![UiEffect::ShowTab(TabKind::Viewer)]
            }
            Some(Err(problem)) => {
                let label = d.label.clone();
                self.notify(Level::Info, format!("{label} has no default plot"), problem);
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    /// The plot whose signal is `target`: the file's default plot, or the
    /// plot of the NXdata group the target is the signal of.
    pub fn plot_for(&self, target: &Target) -> Option<&DefaultPlot> {
        let d = self.document(target.doc)?;
        if let Some(Ok(p)) = d.default_plot.as_ref()
            && p.signal == target.path
        {
            return Some(p);
        }
        match d.plots.get(&target.path)? {
            Load::Ready(Some(p)) if p.signal == target.path => Some(p),
            _ => None,
        }
    }

    /// Work out, in the background, which plot the object at `path` stands for.
    fn resolve_plot(&mut self, doc: u64, path: &str) {
        let Some(d) = self.documents.iter_mut().find(|d| d.id == doc) else {
            return;
        };
        if d.plots.contains_key(path) {
            return;
        }
        let Some(source) = d.source.clone() else {
            return;
        };
        d.plots.insert(path.to_owned(), Load::Loading);
        let p = path.to_owned();
        let handle = self
            .tasks
            .spawn_blocking(&format!("Finding the plot of {path}"), move |_| {
                nexus::plot_of(source.as_ref(), &p).map_err(|e| e.0)
            });
        self.pending.plots.push((doc, path.to_owned()), handle);
    }

    /// Open a remote file on an h5grove server (`http://host:port/?file=NAME`).
    fn open_url(&mut self, url: &str) {
        if !crate::net::is_web_url(url) {
            self.notify(
                Level::Error,
                "Only http and https links can be opened",
                format!("“{url}” is not a web address Panorama opens."),
            );
            return;
        }
        self.remember(url);
        let label = url::Url::parse(url)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "file")
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_else(|| url.to_owned());
        let u = url.to_owned();
        // Only a server bound to an account gets that account's tokens.
        let auth = origin_of(url)
            .and_then(|o| self.server_accounts.iter().find(|(s, _)| *s == o))
            .and_then(|(_, account)| self.accounts.tokens(account));
        self.open_with(url.to_owned(), label, true, move || {
            Ok(
                Arc::new(crate::data::h5grove::H5Grove::from_url(&u, None)?.with_auth(auth))
                    as Arc<dyn DataSource>,
            )
        });
    }

    /// Collect finished background work. Returns what the GUI has to do
    /// (e.g. show the viewer once a file's default plot is known).
    pub fn poll(&mut self) -> Vec<UiEffect> {
        self.poll_accounts();
        self.poll_downloads();
        self.poll_metadata();
        self.poll_workflow();
        self.poll_exports();
        let mut effects = Vec::new();
        for ((doc, show_default), result) in self.pending.opens.drain_ready() {
            self.finish_open(doc, result);
            if show_default
                && self
                    .document(doc)
                    .is_some_and(|d| matches!(d.default_plot, Some(Ok(_))))
            {
                effects.push(doc);
            }
        }
        for ((doc, path), result) in self.pending.entities.drain_ready() {
            let load = match result {
                Ok(e) => Load::Ready(e),
                Err(e) => Load::Failed(e.to_string()),
            };
            if let Some(d) = self.documents.iter_mut().find(|d| d.id == doc) {
                d.entities.insert(path, load);
            }
        }
        for ((doc, path), result) in self.pending.plots.drain_ready() {
            let plot = result.ok().flatten();
            if let Some(d) = self.documents.iter_mut().find(|d| d.id == doc) {
                if let Some(p) = &plot
                    && p.signal != path
                {
                    // The signal stands for the same plot.
                    d.plots
                        .insert(p.signal.clone(), Load::Ready(Some(p.clone())));
                }
                d.plots.insert(path, Load::Ready(plot));
            }
        }
        for (key, result) in self.pending.values.drain_ready() {
            let load = match result {
                Ok(v) => Load::Ready(Arc::new(v)),
                Err(e) => Load::Failed(e.to_string()),
            };
            if let Some(slot) = self.values.get_mut(&key) {
                *slot = load;
                self.trim_values();
            }
        }
        for ((generation, source), result) in self.pending.searches.drain_ready() {
            // An older search: its results are dropped.
            if generation == self.search.generation {
                self.finish_search(&source, result);
            }
        }
        for (key, result) in self.pending.files.drain_ready() {
            let status = match result {
                Ok(files) => {
                    let n = files.len();
                    let sources = self.sources.clone();
                    if let Some(d) = self.search.results.iter_mut().find(|d| d.key() == key) {
                        d.files = files;
                        let h5grove = d.sources.iter().find_map(|id| {
                            sources
                                .iter()
                                .find(|s| &s.id == id)
                                .and_then(|s| s.h5grove.clone())
                        });
                        if let Some(base) = h5grove {
                            crate::catalogue::link_h5grove(&base, d);
                        }
                    }
                    Load::Ready(n)
                }
                Err(e) => Load::Failed(e.to_string()),
            };
            self.search.files = Some((key, status));
        }
        for (doc, result) in self.pending.indexes.drain_ready() {
            let load = match result {
                Ok(v) => Load::Ready(Arc::new(v)),
                Err(e) => Load::Failed(e.to_string()),
            };
            if let Some(d) = self.documents.iter_mut().find(|d| d.id == doc) {
                d.index = Some(load);
            }
        }
        effects
            .into_iter()
            .flat_map(|doc| self.show_default_plot(doc))
            .collect()
    }

    /// One source's page of the current search: its results merged in,
    /// its status, total and facet counts (an error leaves the last counts).
    fn finish_search(
        &mut self,
        source: &str,
        result: Result<crate::catalogue::SearchPage, TaskError>,
    ) {
        let mut total = None;
        let mut facets = None;
        let status = match result {
            Ok(page) => {
                let v = page.datasets;
                let n = v.len();
                total = page.total.filter(|t| *t > n as u64);
                facets = Some(page.facet_counts);
                for d in &v {
                    self.search
                        .origins
                        .entry(d.key())
                        .or_default()
                        .insert(source.to_owned());
                }
                // Records from the network are kept for offline search.
                let local = self
                    .sources
                    .iter()
                    .find(|s| s.id == source)
                    .is_some_and(|s| s.kind.is_local());
                if !local {
                    self.remember_records(v.clone());
                }
                crate::catalogue::merge(&mut self.search.results, v);
                Load::Ready(n)
            }
            Err(e) => Load::Failed(e.to_string()),
        };
        if let Some(run) = self.search.runs.iter_mut().find(|r| r.id == source) {
            run.status = status;
            run.total = total;
            if let Some(f) = facets {
                run.facets = f;
            }
        }
    }

    fn finish_open(&mut self, doc: u64, result: Result<Opened, TaskError>) {
        let label = self
            .document(doc)
            .map(|d| d.label.clone())
            .unwrap_or_default();
        let Some(d) = self.documents.iter_mut().find(|d| d.id == doc) else {
            return;
        };
        match result {
            Ok((source, root, plot)) => {
                d.entities.insert("/".into(), Load::Ready(root));
                d.status = DocStatus::Ready;
                d.source = Some(source);
                d.default_plot = Some(plot);
            }
            Err(e) => {
                let msg = match e {
                    TaskError::Cancelled => "Opening was cancelled.".to_owned(),
                    e => e.to_string(),
                };
                d.status = DocStatus::Failed(msg.clone());
                self.notify(Level::Error, format!("Could not open {label}"), msg);
            }
        }
    }

    /// Announce downloads that ended since the last poll.
    fn poll_downloads(&mut self) {
        let Some(q) = &self.downloads else {
            return;
        };
        for item in q.items() {
            if !item.state.is_final() || !self.announced.insert(item.id) {
                continue;
            }
            if let (crate::transfer::queue::ItemState::Done(path), Some(origin), Some(store)) = (
                &item.state,
                self.download_origins.remove(&item.id),
                &self.store,
            ) && let Err(e) = store.record_origin(path, &origin)
            {
                tracing::warn!("where {} came from was not remembered: {e}", path.display());
            }
            match item.state {
                crate::transfer::queue::ItemState::Done(path) => self.notify(
                    Level::Info,
                    format!("Downloaded {}", item.name),
                    path.display().to_string(),
                ),
                crate::transfer::queue::ItemState::Exists(path) => self.notify(
                    Level::Warning,
                    format!("{} is already in the folder", item.name),
                    format!(
                        "{} was not replaced. Replace it from the Downloads tab, or choose another folder.",
                        path.display()
                    ),
                ),
                crate::transfer::queue::ItemState::Failed(e) => {
                    self.notify(Level::Error, format!("Could not download {}", item.name), e);
                }
                _ => {}
            }
        }
    }

    /// True while background reads started by the state are running.
    pub fn busy(&self) -> bool {
        !self.pending.is_empty()
            || self.downloads.as_ref().is_some_and(|q| {
                q.busy()
                    || q.items()
                        .iter()
                        .any(|i| i.state.is_final() && !self.announced.contains(&i.id))
            })
            || self.accounts.busy()
            || self.metadata.is_extracting()
            || self.metadata.is_publishing()
            || self.metadata.is_checking()
            || self.workflow.is_running()
            || self.workflow.remote_running()
    }

    fn poll_accounts(&mut self) {
        for event in self.accounts.poll() {
            match event {
                accounts::AccountEvent::SignedIn(a) => self.notify(
                    Level::Info,
                    format!("Signed in as {}", a.display_name),
                    format!("{} at {}", a.id, a.issuer),
                ),
                accounts::AccountEvent::SignInFailed(e) => {
                    self.notify(Level::Error, "Sign-in failed", e);
                }
                accounts::AccountEvent::SignedOut(out) => self.notify(
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
                accounts::AccountEvent::SignOutFailed(e) => {
                    self.notify(Level::Error, "Sign-out failed", e);
                }
            }
        }
    }

    /// Close a document.
    pub fn close_document(&mut self, id: u64) {
        self.documents.retain(|d| d.id != id);
        if self.selected.as_ref().is_some_and(|t| t.doc == id) {
            self.selected = None;
        }
        self.values.retain(|k, _| k.doc != id);
        self.value_order.retain(|k| k.doc != id);
        self.pending.cancel_document(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Runtime;

    fn state(rt: &Runtime, root: &Path) -> AppState {
        AppState::new(AppDirs::under(root), rt.tasks().clone())
    }

    #[test]
    fn the_download_queue_is_driven_by_commands() {
        use crate::transfer::queue::QueueAction;
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        let queue = s.downloads.clone().expect("queue");
        assert_ne!(queue.limit(), 5);
        s.apply(Command::Queue(QueueAction::SetLimit(5)));
        assert_eq!(queue.limit(), 5);
        // The palette offers pausing and resuming them all.
        let titles: Vec<&str> = crate::command::catalogue_of_commands()
            .iter()
            .map(|c| c.title)
            .collect();
        assert!(titles.contains(&"Pause all downloads"), "{titles:?}");
        assert!(titles.contains(&"Resume all downloads"));
    }

    fn settle(s: &mut AppState) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !s.pending.is_empty() {
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
            .sources
            .iter()
            .filter(|c| c.id == "offline")
            .cloned()
            .collect();
        s.set_sources(offline);
        s.apply(Command::Search("beamtime".into()));
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
        s.apply(Command::ToggleFacet {
            facet: "facility".into(),
            value: facility.clone(),
        });
        settle(&mut s);
        let visible = s.search.visible();
        assert_eq!(visible.len(), n.min(500), "all {n} matches of {facility}");
        assert!(visible.len() > 100, "more than the top 500 held");
        // Clearing the filter brings the best 500 back.
        s.apply(Command::ClearFacets);
        settle(&mut s);
        assert_eq!(s.search.visible().len(), 500);
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
    fn opening_a_nexus_file_shows_its_default_plot_and_loads_values() {
        let rt = Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = state(&rt, tmp.path());
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo_image2d.nxs");
        s.apply(Command::OpenPath(demo));
        settle(&mut s);
        let t = s.selected.clone().expect("the default plot is selected");
        assert_eq!(t.path, "/entry/image/intensity");
        let key = ValueKey {
            doc: t.doc,
            path: t.path.clone(),
            selection: Selection::all(),
        };
        assert!(matches!(s.value(&key), Load::Loading));
        settle(&mut s);
        let Some(Load::Ready(v)) = s.cached_value(&key) else {
            panic!("value not loaded");
        };
        assert_eq!(v.shape, vec![400, 512]);
        // Expanding a group reads its members once.
        s.apply(Command::ExpandGroup {
            doc: t.doc,
            path: "/entry".into(),
        });
        settle(&mut s);
        let Some(Load::Ready(e)) = s.entity(t.doc, "/entry") else {
            panic!("entry not loaded");
        };
        assert!(e.children.iter().any(|c| c.name == "image"));
        s.apply(Command::CloseDocument(t.doc));
        assert!(s.selected.is_none());
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
        s.apply(Command::OpenPath(file));
        settle(&mut s);
        let doc = s.documents[0].id;
        let key = ValueKey {
            doc,
            path: "/soil_moisture".into(),
            selection: Selection::parse("0, 0:5").expect("sel"),
        };
        let read = |s: &mut AppState, select_first: bool| {
            if select_first {
                s.apply(Command::Select {
                    doc,
                    path: "/soil_moisture".into(),
                });
                settle(s);
            }
            let _ = s.value(&key);
            settle(s);
            match s.cached_value(&key) {
                Some(Load::Ready(v)) => v.clone(),
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
        s.apply(Command::SetCfConventions(false));
        let raw = read(&mut s, true);
        assert!(
            matches!(raw.data, crate::data::Data::I16(_)),
            "{:?}",
            raw.data
        );
        s.apply(Command::SetCfConventions(true));
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
        s.apply(Command::OpenUrl("file:///etc/passwd".into()));
        assert!(s.documents.is_empty());
        assert_eq!(
            s.notifications[0].title,
            "Only http and https links can be opened"
        );
    }
}
