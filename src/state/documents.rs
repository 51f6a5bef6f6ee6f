//! The documents slice: the files and URLs open, what has been read of
//! each (objects, default plots, the object index), the values the views
//! show (cached, bounded in bytes), the object in the viewer, recent files
//! and data exports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Cx, Level, Requested, TabKind, UiEffect};
use crate::data::cache::Cache;
use crate::data::nexus::{self, DefaultPlot};
use crate::data::{DataError, DataSource, Entity, Selection, Value};
use crate::net::credentials::SharedTokens;
use crate::runtime::{TaskError, TaskRegistry, TaskSet};

/// Opening, reading and exporting files.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentsCommand {
    /// Ask for a file with the native dialog, then open it.
    OpenFileDialog,
    /// Open a local file (drag-and-drop, command line, recent files).
    OpenPath(PathBuf),
    /// Open a remote resource by URL (h5grove, catalogue record).
    OpenUrl(String),
    /// Open a remote file with an account's tokens; its server is remembered
    /// as using that account.
    OpenUrlAs {
        url: String,
        account: String,
    },
    /// Open the bundled demo content.
    OpenDemo,
    /// Close an open document by its id.
    Close(u64),
    /// Read a group's members (the tree expands lazily).
    ExpandGroup {
        doc: u64,
        path: String,
    },
    /// Show an object in the viewer.
    Select {
        doc: u64,
        path: String,
    },
    /// Show a document's NeXus default plot.
    OpenDefaultPlot(u64),
    /// Write a dataset (or the selection of it a view shows, transposed as
    /// shown) to a file whose extension names the format (`data::export`).
    ExportData {
        doc: u64,
        path: String,
        selection: Selection,
        transpose: bool,
        to: PathBuf,
    },
    /// Read netCDF variables through their CF attributes in views and
    /// exports (or show the raw stored values).
    SetCfConventions(bool),
    ClearRecentFiles,
    /// Read values for a view (a read held or running is not started again).
    Read(ValueKey),
    /// Go to the next (`step` 1) or previous (−1) file of the same kind in
    /// the folder of the file shown, in name order, showing the same object
    /// there; the file left is closed (a scan series, one file a point).
    Browse {
        step: i32,
    },
    /// List every object of a document once, for search-as-you-type.
    Index(u64),
    /// Show a result written to `file` as the file `at` (a workflow's
    /// "Show in the viewer" node): a copy of `at` still open from an
    /// earlier run is closed first, then `file` takes its place and opens
    /// with its default plot in the viewer.
    ShowResult {
        file: PathBuf,
        at: PathBuf,
    },
    /// Change the lines drawn over the line plot from other datasets.
    Overlay(OverlayCommand),
    /// Change the images shown beside the image view's, to compare.
    Compare(CompareCommand),
}

/// The images (of any open file) shown in a grid beside the one the image
/// view shows, with zoom, pan, slice and colours linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareCommand {
    /// Show an image beside the one shown (once; at most [`MAX_COMPARED`]).
    Add(Target),
    Remove(usize),
    Clear,
}

/// The most images shown beside the image view's (a grid of four).
pub const MAX_COMPARED: usize = 3;

/// The lines from other datasets (of any open file) drawn over the line
/// plot, each with its legend entry, colour and offset.
#[derive(Debug, Clone, PartialEq)]
pub enum OverlayCommand {
    /// Draw a 1-D dataset over the line plot (once; at most
    /// [`MAX_OVERLAYS`]).
    Add(Target),
    Remove(usize),
    /// Shift line `index` by `offset` in the plot's units (decades on a log
    /// scale), to set lines apart.
    Offset {
        index: usize,
        offset: f64,
    },
    Clear,
}

/// The most lines drawn over a plot.
pub const MAX_OVERLAYS: usize = 16;

/// A line from another dataset drawn over the line plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub target: Target,
    /// Added to its values in the plot's units (decades on a log scale).
    pub offset: f64,
}

/// Where a document is in being opened.
#[derive(Debug, Clone, PartialEq)]
pub enum DocStatus {
    Loading,
    /// Open; the root group is in [`Document::entities`] under `/`.
    Ready,
    Failed(String),
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
    pub entities: BTreeMap<String, Requested<Entity>>,
    /// The NeXus default plot, or why there is none.
    pub default_plot: Option<Result<DefaultPlot, nexus::NexusProblem>>,
    /// The plot each selected object stands for (an NXdata group's, for its
    /// signal; a group's default plot), by the object's path.
    pub plots: BTreeMap<String, Requested<Option<DefaultPlot>>>,
    /// Every object of the file, for search-as-you-type (read on first search).
    pub index: Option<Requested<Arc<Vec<Entity>>>>,
}

/// The object shown in the viewer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub doc: u64,
    pub path: String,
}

/// Values are cached by document, path, selection and, for complex
/// numbers, the part shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValueKey {
    pub doc: u64,
    pub path: String,
    pub selection: Selection,
    /// Complex values as this real part of them; `None`: as stored.
    pub part: Option<crate::data::ComplexPart>,
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

type Opened = (
    Arc<dyn DataSource>,
    Entity,
    Result<DefaultPlot, nexus::NexusProblem>,
);

/// A document's background reads in progress, by what each was started for.
#[derive(Default)]
struct Pending {
    opens: TaskSet<(u64, bool), Opened>,
    /// The next file looked for, by what was shown when Page Down was pressed.
    neighbours: TaskSet<Target, Option<PathBuf>>,
    entities: TaskSet<(u64, String), Entity>,
    values: TaskSet<ValueKey, Value>,
    indexes: TaskSet<u64, Vec<Entity>>,
    plots: TaskSet<(u64, String), Option<DefaultPlot>>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.opens.is_empty()
            && self.neighbours.is_empty()
            && self.entities.is_empty()
            && self.values.is_empty()
            && self.indexes.is_empty()
            && self.plots.is_empty()
    }

    /// Stop every read of a document.
    fn cancel_document(&mut self, id: u64) {
        self.opens.cancel_where(|(doc, _)| *doc == id);
        self.entities.cancel_where(|(doc, _)| *doc == id);
        self.values.cancel_where(|key| key.doc == id);
        self.indexes.cancel_where(|doc| *doc == id);
        self.plots.cancel_where(|(doc, _)| *doc == id);
        self.neighbours.cancel_where(|t| t.doc == id);
    }
}

/// Every open document and what was read of it.
pub struct DocumentsState {
    pub open: Vec<Document>,
    /// The object the viewer shows.
    pub selected: Option<Target>,
    /// Files and URLs opened before, newest first.
    pub recent: Vec<String>,
    /// Views and exports read netCDF variables through their CF attributes.
    pub cf_conventions: bool,
    /// Changes whenever cached values are dropped (so views drop theirs).
    pub value_generation: u64,
    values: Cache<ValueKey, Arc<Value>>,
    pending: Pending,
    /// Documents being opened in place of another (by `Browse`): the new
    /// document's id → the one it replaces and the object to show.
    replacing: BTreeMap<u64, (u64, String)>,
    /// Data exports in progress.
    pub(super) exports: TaskSet<PathBuf, crate::data::export::Exported>,
    /// Lines of other datasets drawn over the line plot.
    pub overlays: Vec<Overlay>,
    /// Images shown beside the image view's, to compare.
    pub compared: Vec<Target>,
    next_id: u64,
}

impl DocumentsState {
    pub fn open(cx: &Cx<'_>) -> Self {
        Self {
            open: Vec::new(),
            selected: None,
            recent: cx.store().and_then(|s| s.recent().ok()).unwrap_or_default(),
            cf_conventions: true,
            value_generation: 0,
            values: Cache::new(VALUE_CACHE, VALUE_CACHE_BYTES, VALUE_CACHE_KEEP, |v| {
                v.nbytes()
            }),
            pending: Pending::default(),
            replacing: BTreeMap::new(),
            exports: TaskSet::default(),
            overlays: Vec::new(),
            compared: Vec::new(),
            next_id: 0,
        }
    }

    pub fn apply(&mut self, command: DocumentsCommand, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        match command {
            DocumentsCommand::OpenFileDialog => return vec![UiEffect::PickFile],
            DocumentsCommand::OpenPath(path) => {
                self.open_path(&path, true, cx);
                return vec![UiEffect::ShowTab(TabKind::Files)];
            }
            DocumentsCommand::ExpandGroup { doc, path } => self.load_entity(doc, &path, cx.tasks),
            DocumentsCommand::Select { doc, path } => {
                self.load_entity(doc, &path, cx.tasks);
                self.resolve_plot(doc, &path, cx.tasks);
                self.selected = Some(Target { doc, path });
                return vec![UiEffect::ShowTab(TabKind::Viewer)];
            }
            DocumentsCommand::OpenDefaultPlot(doc) => return self.show_default_plot(doc, cx),
            DocumentsCommand::ExportData {
                doc,
                path,
                selection,
                transpose,
                to,
            } => self.export_data(doc, &path, selection, transpose, to, cx),
            DocumentsCommand::OpenUrl(url) => {
                // Only a server bound to an account gets that account's tokens.
                let auth = cx.tokens.for_url(&url);
                self.open_url(&url, auth, cx);
                return vec![UiEffect::ShowTab(TabKind::Files)];
            }
            DocumentsCommand::OpenUrlAs { url, account } => {
                if let Some(origin) = super::origin_of(&url) {
                    cx.send(super::AccountsCommand::BindServer {
                        origin,
                        account: account.clone(),
                    });
                }
                let failed: Vec<u64> = self
                    .open
                    .iter()
                    .filter(|d| d.location == url && matches!(d.status, DocStatus::Failed(_)))
                    .map(|d| d.id)
                    .collect();
                for id in failed {
                    self.close_document(id);
                }
                let auth = cx.tokens.account(&account);
                self.open_url(&url, auth, cx);
                return vec![UiEffect::ShowTab(TabKind::Files)];
            }
            DocumentsCommand::OpenDemo => match crate::paths::demo_dir() {
                Some(dir) => {
                    // The image opens in the viewer; the other samples wait in Files.
                    for file in crate::paths::demo_files(&dir) {
                        let show = file.file_name().is_some_and(|n| n == "demo_image2d.nxs");
                        self.open_path(&file, show, cx);
                    }
                    return vec![UiEffect::ShowTab(TabKind::Files)];
                }
                None => cx.notify(
                    Level::Warning,
                    "Demo data not found",
                    "The demo files were not installed with Panorama. Set PANORAMA_ASSETS to the assets folder of a Panorama checkout.",
                ),
            },
            DocumentsCommand::Close(id) => self.close_document(id),
            DocumentsCommand::Overlay(c) => self.overlay(c, cx),
            DocumentsCommand::Compare(c) => self.compare(c, cx),
            DocumentsCommand::SetCfConventions(on) => {
                if self.cf_conventions != on {
                    self.cf_conventions = on;
                    self.values.clear();
                    self.value_generation += 1;
                }
            }
            DocumentsCommand::Browse { step } => self.browse(step, cx),
            DocumentsCommand::Read(key) => {
                let _ = self.value(&key, cx.tasks);
            }
            DocumentsCommand::Index(doc) => self.request_index(doc, cx.tasks),
            DocumentsCommand::ShowResult { file, at } => {
                let old: Vec<u64> = self
                    .open
                    .iter()
                    .filter(|d| Path::new(&d.location) == at)
                    .map(|d| d.id)
                    .collect();
                for doc in old {
                    self.close_document(doc);
                }
                match std::fs::rename(&file, &at) {
                    Ok(()) => self.open_path(&at, true, cx),
                    // Not put in place (the old copy still held): shown from
                    // where it was written.
                    Err(e) => {
                        tracing::warn!("{} → {}: {e}", file.display(), at.display());
                        self.open_path(&file, true, cx);
                    }
                }
            }
            DocumentsCommand::ClearRecentFiles => {
                self.recent.clear();
                if let Some(Err(e)) = cx.store().map(crate::store::Store::clear_recent) {
                    cx.notify(Level::Warning, "Recent files not cleared", e.to_string());
                }
            }
        }
        Vec::new()
    }

    /// Collect finished reads. Returns what the GUI has to do (show the
    /// viewer once a file's default plot is known).
    pub fn poll(&mut self, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        self.poll_exports(cx);
        let mut shown = Vec::new();
        let mut shown_objects = Vec::new();
        for (from, next) in self.pending.neighbours.drain_ready() {
            self.browse_to(from, next, cx);
        }
        for ((doc, show_default), result) in self.pending.opens.drain_ready() {
            self.finish_open(doc, result, cx);
            // Only while the user still looks at what was browsed from: a
            // selection changed in the meantime is theirs and stays.
            if let Some((old, path)) = self.replacing.remove(&doc)
                && self
                    .document(doc)
                    .is_some_and(|d| d.status == DocStatus::Ready)
                && self
                    .selected
                    .as_ref()
                    .is_some_and(|t| t.doc == old && t.path == path)
            {
                // The same object in the new file, in the viewer; the old file goes.
                self.close_document(old);
                self.load_entity(doc, &path, cx.tasks);
                self.resolve_plot(doc, &path, cx.tasks);
                self.selected = Some(Target { doc, path });
                shown_objects.push(doc);
            }
            if show_default
                && self
                    .document(doc)
                    .is_some_and(|d| matches!(d.default_plot, Some(Ok(_))))
            {
                shown.push(doc);
            }
        }
        for ((doc, path), result) in self.pending.entities.drain_ready() {
            let load = match result {
                Ok(e) => Requested::Ready(e),
                Err(e) => Requested::failed(e.to_string()),
            };
            if let Some(d) = self.open.iter_mut().find(|d| d.id == doc) {
                d.entities.insert(path, load);
            }
        }
        for ((doc, path), result) in self.pending.plots.drain_ready() {
            let plot = result.ok().flatten();
            if let Some(d) = self.open.iter_mut().find(|d| d.id == doc) {
                if let Some(p) = &plot
                    && p.signal != path
                {
                    // The signal stands for the same plot.
                    d.plots
                        .insert(p.signal.clone(), Requested::Ready(Some(p.clone())));
                }
                d.plots.insert(path, Requested::Ready(plot));
            }
        }
        for (key, result) in self.pending.values.drain_ready() {
            self.values.answer(&key, result.map(Arc::new));
        }
        for (doc, result) in self.pending.indexes.drain_ready() {
            let load = match result {
                Ok(v) => Requested::Ready(Arc::new(v)),
                Err(e) => Requested::failed(e.to_string()),
            };
            if let Some(d) = self.open.iter_mut().find(|d| d.id == doc) {
                d.index = Some(load);
            }
        }
        let mut effects: Vec<UiEffect> = shown
            .into_iter()
            .flat_map(|doc| self.show_default_plot(doc, cx))
            .collect();
        if !shown_objects.is_empty() {
            effects.push(UiEffect::ShowTab(TabKind::Viewer));
        }
        effects
    }

    /// Look for the file beside the one shown, in the background (a
    /// network folder may be slow to list).
    fn browse(&mut self, step: i32, cx: &mut Cx<'_>) {
        let Some(target) = self.selected.clone() else {
            return;
        };
        let Some(d) = self.document(target.doc) else {
            return;
        };
        if crate::net::is_web_url(&d.location) {
            cx.notify(
                Level::Info,
                "Only local files are browsed",
                "Page Down and Page Up go through the files of a folder on this computer.",
            );
            return;
        }
        let here = PathBuf::from(&d.location);
        self.pending.neighbours.cancel_where(|_| true);
        let handle = cx
            .tasks
            .spawn_blocking("Looking for the next file", move |_| {
                crate::paths::neighbour(&here, step)
            });
        self.pending.neighbours.push(target, handle);
    }

    /// Open the file found beside document `from`, to show the same object.
    fn browse_to(
        &mut self,
        from: Target,
        next: Result<Option<PathBuf>, TaskError>,
        cx: &mut Cx<'_>,
    ) {
        // The user chose something else meanwhile: theirs stands.
        if self.selected.as_ref() != Some(&from) {
            return;
        }
        let Target { doc: from, path } = from;
        match next {
            Ok(Some(file)) => {
                let location = std::path::absolute(&file)
                    .unwrap_or_else(|_| file.clone())
                    .display()
                    .to_string();
                // Already open and read: go there; still opening: wait for
                // it. One that failed to open is opened afresh (it may have
                // been fixed since).
                if let Some(d) = self.open.iter().find(|d| d.location == location) {
                    let doc = d.id;
                    match d.status {
                        DocStatus::Ready => {
                            self.load_entity(doc, &path, cx.tasks);
                            self.resolve_plot(doc, &path, cx.tasks);
                            self.selected = Some(Target { doc, path });
                            return;
                        }
                        DocStatus::Loading => {
                            self.replacing.insert(doc, (from, path));
                            return;
                        }
                        DocStatus::Failed(_) => self.close_document(doc),
                    }
                }
                self.open_path(&file, false, cx);
                let new = self.next_id;
                self.replacing.insert(new, (from, path));
            }
            Ok(None) => cx.notify(
                Level::Info,
                "No more files that way",
                "This is the first or last file of its kind in the folder.",
            ),
            Err(e) => cx.notify(
                Level::Warning,
                "The folder could not be listed",
                e.to_string(),
            ),
        }
    }

    /// True while a read or an export runs.
    pub fn busy(&self) -> bool {
        !self.pending.is_empty() || !self.exports.is_empty()
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn remember(&mut self, location: &str, cx: &mut Cx<'_>) {
        self.recent.retain(|r| r != location);
        self.recent.insert(0, location.to_owned());
        self.recent.truncate(crate::store::RECENT_LIMIT);
        if let Some(Err(e)) = cx
            .store()
            .map(|s| s.touch_recent(location, super::now_unix()))
        {
            cx.notify(Level::Warning, "Recent files not saved", e.to_string());
        }
    }

    /// Open a local file: read its top level and find its NeXus default plot on
    /// a background task; with `show_default`, the viewer then shows that plot.
    pub fn open_path(&mut self, path: &Path, show_default: bool, cx: &mut Cx<'_>) {
        let path: PathBuf = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let location = path.display().to_string();
        let label = path
            .file_name()
            .map_or_else(|| location.clone(), |n| n.to_string_lossy().into_owned());
        self.remember(&location, cx);
        self.open_with(cx.tasks, location, label, show_default, move || {
            Ok(Arc::from(crate::data::open_local(&path)?))
        });
    }

    /// Open a document from a source built on a background thread, then read
    /// its top level and look for its NeXus default plot.
    fn open_with<F>(
        &mut self,
        tasks: &TaskRegistry,
        location: String,
        label: String,
        show_default: bool,
        open: F,
    ) where
        F: FnOnce() -> Result<Arc<dyn DataSource>, DataError> + Send + 'static,
    {
        let id = self.next_id();
        self.open.push(Document {
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
        let handle = tasks.spawn_blocking(&format!("Opening {label}"), move |ctx| {
            ctx.progress(0.0, "reading file structure");
            let source = open()?;
            let root = source.entity("/")?;
            ctx.progress(0.5, "looking for the NeXus default plot");
            let plot = nexus::default_plot(source.as_ref(), "/");
            Ok::<_, DataError>((source, root, plot))
        });
        self.pending.opens.push((id, show_default), handle);
    }

    /// The document with this id.
    pub fn document(&self, id: u64) -> Option<&Document> {
        self.open.iter().find(|d| d.id == id)
    }

    /// Read an object (attributes and children) unless it is loaded or loading.
    pub fn load_entity(&mut self, doc: u64, path: &str, tasks: &TaskRegistry) {
        let Some(d) = self.open.iter_mut().find(|d| d.id == doc) else {
            return;
        };
        if matches!(
            d.entities.get(path),
            Some(Requested::Ready(_) | Requested::Pending { .. })
        ) {
            return;
        }
        let Some(source) = d.source.clone() else {
            return;
        };
        d.entities.insert(path.to_owned(), Requested::pending());
        let p = path.to_owned();
        let handle = tasks.spawn_blocking(&format!("Reading {path}"), move |_| source.entity(&p));
        self.pending.entities.push((doc, path.to_owned()), handle);
    }

    /// A loaded object, if any.
    pub fn entity(&self, doc: u64, path: &str) -> Option<&Requested<Entity>> {
        self.document(doc)?.entities.get(path)
    }

    /// Bytes of values held in memory.
    pub fn cached_value_bytes(&self) -> usize {
        self.values.bytes()
    }

    /// The value for a key: cached, loading, or started now.
    pub fn value(&mut self, key: &ValueKey, tasks: &TaskRegistry) -> Requested<Arc<Value>> {
        if let Some(v) = self.values.get(key) {
            return v.clone();
        }
        let Some(source) = self.document(key.doc).and_then(|d| d.source.clone()) else {
            return Requested::failed("the file is closed");
        };
        self.values.ask(key.clone());
        let (path, sel, part) = (key.path.clone(), key.selection.clone(), key.part);
        // Packed or masked netCDF variables: the values they mean. The rule
        // comes from the entity already read (no second request to a remote
        // source per slice), or is read with the values when it is not.
        let rule = match self.entity(key.doc, &key.path) {
            _ if !self.cf_conventions => Rule::Raw,
            Some(Requested::Ready(e)) => {
                crate::data::cf::CfRule::of(e).map_or(Rule::Raw, Rule::Apply)
            }
            _ => Rule::Find,
        };
        let handle = tasks.spawn_blocking(&format!("Loading {}", key.path), move |ctx| {
            let v = source.value(&path, &sel, &ctx)?;
            let rule = match rule {
                Rule::Raw => None,
                Rule::Apply(r) => Some(r),
                Rule::Find => source
                    .entity(&path)
                    .ok()
                    .and_then(|e| crate::data::cf::CfRule::of(&e)),
            };
            let v = match rule {
                Some(r) => r.apply(&v),
                None => v,
            };
            Ok::<_, crate::data::DataError>(match part {
                Some(p) => v.complex_part(p),
                None => v,
            })
        });
        self.pending.values.push(key.clone(), handle);
        Requested::pending()
    }

    /// List every object of a document once, for search-as-you-type.
    pub fn request_index(&mut self, doc: u64, tasks: &TaskRegistry) {
        let Some(d) = self.open.iter_mut().find(|d| d.id == doc) else {
            return;
        };
        if d.index.is_some() {
            return;
        }
        let Some(source) = d.source.clone() else {
            return;
        };
        d.index = Some(Requested::pending());
        let label = d.label.clone();
        let handle = tasks.spawn_blocking(&format!("Indexing {label}"), move |ctx| {
            crate::data::list_all(source.as_ref(), &ctx)
        });
        self.pending.indexes.push(doc, handle);
    }

    /// A cached value without starting a read.
    pub fn cached_value(&self, key: &ValueKey) -> Option<&Requested<Arc<Value>>> {
        self.values.get(key)
    }

    fn show_default_plot(&mut self, doc: u64, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        let Some(d) = self.document(doc) else {
            return Vec::new();
        };
        match d.default_plot.clone() {
            Some(Ok(plot)) => {
                let signal = plot.signal.clone();
                self.load_entity(doc, &plot.nxdata, cx.tasks);
                self.load_entity(doc, &signal, cx.tasks);
                self.selected = Some(Target { doc, path: signal });
                vec![UiEffect::ShowTab(TabKind::Viewer)]
            }
            Some(Err(problem)) => {
                let label = d.label.clone();
                cx.notify(
                    Level::Info,
                    format!("{label} has no default plot"),
                    problem.0,
                );
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
            Requested::Ready(Some(p)) if p.signal == target.path => Some(p),
            _ => None,
        }
    }

    /// Work out, in the background, which plot the object at `path` stands for.
    fn resolve_plot(&mut self, doc: u64, path: &str, tasks: &TaskRegistry) {
        let Some(d) = self.open.iter_mut().find(|d| d.id == doc) else {
            return;
        };
        if d.plots.contains_key(path) {
            return;
        }
        let Some(source) = d.source.clone() else {
            return;
        };
        d.plots.insert(path.to_owned(), Requested::pending());
        let p = path.to_owned();
        let handle = tasks.spawn_blocking(&format!("Finding the plot of {path}"), move |_| {
            nexus::plot_of(source.as_ref(), &p).map_err(|e| e.0)
        });
        self.pending.plots.push((doc, path.to_owned()), handle);
    }

    /// Open a remote file on an h5grove server (`http://host:port/?file=NAME`).
    fn open_url(&mut self, url: &str, auth: Option<SharedTokens>, cx: &mut Cx<'_>) {
        if !crate::net::is_web_url(url) {
            cx.notify(
                Level::Error,
                "Only http and https links can be opened",
                format!("“{url}” is not a web address Panorama opens."),
            );
            return;
        }
        self.remember(url, cx);
        let label = url::Url::parse(url)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "file")
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_else(|| url.to_owned());
        let u = url.to_owned();
        self.open_with(cx.tasks, url.to_owned(), label, true, move || {
            Ok(
                Arc::new(crate::data::h5grove::H5Grove::from_url(&u, None)?.with_auth(auth))
                    as Arc<dyn DataSource>,
            )
        });
    }

    fn finish_open(&mut self, doc: u64, result: Result<Opened, TaskError>, cx: &mut Cx<'_>) {
        let label = self
            .document(doc)
            .map(|d| d.label.clone())
            .unwrap_or_default();
        let Some(d) = self.open.iter_mut().find(|d| d.id == doc) else {
            return;
        };
        match result {
            Ok((source, root, plot)) => {
                d.entities.insert("/".into(), Requested::Ready(root));
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
                cx.notify(Level::Error, format!("Could not open {label}"), msg);
            }
        }
    }

    fn overlay(&mut self, command: OverlayCommand, cx: &mut Cx<'_>) {
        match command {
            OverlayCommand::Add(target) => {
                if self.overlays.iter().any(|o| o.target == target)
                    || self.document(target.doc).is_none()
                {
                    return;
                }
                if self.overlays.len() >= MAX_OVERLAYS {
                    cx.notify(
                        Level::Warning,
                        "Too many lines",
                        format!(
                            "At most {MAX_OVERLAYS} lines are drawn over a plot; remove one first."
                        ),
                    );
                    return;
                }
                self.load_entity(target.doc, &target.path, cx.tasks);
                self.resolve_plot(target.doc, &target.path, cx.tasks);
                self.overlays.push(Overlay {
                    target,
                    offset: 0.0,
                });
            }
            OverlayCommand::Remove(i) => {
                if i < self.overlays.len() {
                    self.overlays.remove(i);
                }
            }
            OverlayCommand::Offset { index, offset } => {
                if let Some(o) = self.overlays.get_mut(index)
                    && offset.is_finite()
                {
                    o.offset = offset;
                }
            }
            OverlayCommand::Clear => self.overlays.clear(),
        }
    }

    fn compare(&mut self, command: CompareCommand, cx: &mut Cx<'_>) {
        match command {
            CompareCommand::Add(target) => {
                if self.compared.contains(&target) || self.document(target.doc).is_none() {
                    return;
                }
                if self.compared.len() >= MAX_COMPARED {
                    cx.notify(
                        Level::Warning,
                        "The grid is full",
                        format!(
                            "At most {} images are compared at once; remove one first.",
                            MAX_COMPARED + 1
                        ),
                    );
                    return;
                }
                self.load_entity(target.doc, &target.path, cx.tasks);
                self.resolve_plot(target.doc, &target.path, cx.tasks);
                self.compared.push(target);
            }
            CompareCommand::Remove(i) => {
                if i < self.compared.len() {
                    self.compared.remove(i);
                }
            }
            CompareCommand::Clear => self.compared.clear(),
        }
    }

    /// Close a document (its overlaid lines and compared images go too).
    pub fn close_document(&mut self, id: u64) {
        self.compared.retain(|t| t.doc != id);
        self.overlays.retain(|o| o.target.doc != id);
        self.open.retain(|d| d.id != id);
        if self.selected.as_ref().is_some_and(|t| t.doc == id) {
            self.selected = None;
        }
        self.values.retain(|k| k.doc != id);
        self.pending.cancel_document(id);
        // No swap waits on a file closed, nor from one.
        self.replacing.remove(&id);
        self.replacing.retain(|_, (old, _)| *old != id);
    }
}
