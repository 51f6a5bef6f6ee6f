//! The Workflows tab's state: the open workflow, its engine (whose cache
//! survives between runs) and the last run's results.
//!
//! Over 800 lines: runs over files and cluster runs are the parts to move
//! out into files of their own.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::{Cx, Level, Peers, TabKind, UiEffect};
use crate::runtime::TaskHandle;
use crate::workflow::NodeId;
use crate::workflow::edit::{Edit, Editor};
use crate::workflow::engine::{Engine, Outcome};
use crate::workflow::file::WorkflowFile;
use crate::workflow::library::{self, AfterRun};

pub use crate::workflow::slurm::ClusterSettings;

/// The cluster run in progress or last finished.
#[derive(Debug, Clone, Default)]
pub struct ClusterRun {
    pub job: Option<u64>,
    /// `queued`, `running`, `completed`, or what went wrong.
    pub status: String,
    pub failed: bool,
}

/// A file the workflow runs over, with the dataset it was downloaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapInput {
    pub path: String,
    /// The catalogue record's title (or PID), when the file was downloaded.
    pub dataset: Option<String>,
}

/// How one run of a map ended.
#[derive(Debug, Clone)]
pub struct MapResult {
    pub input: String,
    /// The folder with its results and RO-Crate.
    pub dir: Option<PathBuf>,
    /// Failed nodes (or why the folder could not be written); empty if all ran.
    pub problems: Vec<String>,
}

/// "Run over files": the inputs chosen, the run in progress, the results.
#[derive(Default)]
pub struct MapState {
    pub inputs: Vec<MapInput>,
    /// (runs done, runs, the input running) while it runs.
    pub progress: Arc<Mutex<(usize, usize, String)>>,
    running: Option<TaskHandle<Vec<crate::workflow::batch::MapRun>>>,
    /// Patterns being expanded into files, in the background.
    expanding: crate::runtime::TaskSet<String, Vec<String>>,
    pub results: Vec<MapResult>,
    /// The folder the last map wrote into.
    pub out_dir: Option<PathBuf>,
}

impl MapState {
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }
}

/// What would replace the open workflow, waiting for the user to say what
/// becomes of its unsaved changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discard {
    New,
    Open(PathBuf),
    /// A workflow started from what the viewer shows.
    Seed(crate::workflow::seed::Seed),
}

/// The answer to "save the open workflow's changes first?", asked before
/// New or Open would replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscardAnswer {
    /// Save to the workflow's file, then go on.
    Save,
    /// Go on without saving.
    Discard,
    /// Keep the open workflow.
    Cancel,
}

/// Why a workflow file or a result file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowFileError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Workflow(#[from] crate::workflow::WorkflowError),
    #[error(transparent)]
    Node(#[from] crate::workflow::value::NodeError),
}

/// Building, running and saving workflows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowCommand {
    /// Open a workflow file in the Workflows tab.
    OpenWorkflow(PathBuf),
    /// Set a parameter of a node of the open workflow.
    SetNodeParam {
        node: u64,
        name: String,
        value: serde_json::Value,
    },
    /// Run the open workflow (only what changed recomputes).
    RunWorkflow,
    /// Start an empty workflow in the Workflows tab (asks first when the
    /// open one has unsaved changes).
    NewWorkflow,
    /// What becomes of the open workflow's unsaved changes.
    AnswerDiscard(DiscardAnswer),
    /// Change the open workflow (add, connect, move, undo…).
    EditWorkflow(Edit),
    /// Save the open workflow to a file.
    SaveWorkflow(PathBuf),
    /// Run the open workflow on a Slurm cluster (settings are remembered,
    /// the token is not).
    RunWorkflowOnCluster {
        cluster: ClusterSettings,
        token: crate::net::credentials::Secret,
    },
    /// Stop the cluster run (the job is cancelled on the cluster).
    CancelClusterRun,
    /// Add files matching a pattern (or one file) to those the workflow runs over.
    AddMapInputs(String),
    /// Add the finished downloads to the files the workflow runs over.
    AddDownloadedMapInputs,
    /// Add the local files open in the viewer to those the workflow runs over.
    AddOpenMapInputs,
    /// Take a file off the list the workflow runs over.
    RemoveMapInput(usize),
    /// Run the open workflow once per listed file.
    RunWorkflowMap,
    /// Stop running over files (after the file in progress).
    CancelWorkflowMap,
    /// Write the autosave copy now if node moves wait for it (on quit).
    FlushAutosave,
    /// Start a new workflow from what the viewer shows: its dataset, slice
    /// and region as the first nodes (asks first when the open one has
    /// unsaved changes).
    StartFrom(crate::workflow::seed::Seed),
}

/// The open workflow's copy: written on every change, so a crash or a kill
/// loses nothing, and read back at the next start.
const AUTOSAVE: super::settings::Setting<Autosave> =
    super::settings::Setting::json("workflow.autosave");

/// How long moved nodes wait before the autosave copy is written.
const MOVE_AUTOSAVE: std::time::Duration = std::time::Duration::from_millis(500);

/// What the autosave keeps.
#[derive(serde::Serialize, serde::Deserialize)]
struct Autosave {
    /// The workflow file's text (as Save would write it).
    text: String,
    /// The file it belongs to, if any.
    path: Option<PathBuf>,
    /// Changed since it was opened or saved.
    dirty: bool,
}

/// A finished run of the open workflow: the outcome, the folder its
/// outputs and crate went to, and why that folder could not be written.
type SingleRun = (Outcome, Option<PathBuf>, Option<String>);

#[derive(Default)]
pub struct WorkflowState {
    /// Files to run the workflow over, and the last such run.
    pub map: MapState,
    /// Cluster settings for "Run on cluster".
    pub cluster: ClusterSettings,
    /// The cluster run shown in the tab.
    pub cluster_run: Option<ClusterRun>,
    remote: Option<TaskHandle<crate::workflow::slurm::RemoteResults>>,
    remote_status: Arc<Mutex<ClusterRun>>,
    /// Example workflows shipped in `assets/workflows/`.
    pub examples: Vec<PathBuf>,
    /// The open workflow, with its undo history.
    pub open: Option<Editor>,
    /// The file it was opened from or saved to.
    pub path: Option<PathBuf>,
    /// Why the last edit was refused (shown over the canvas until the next edit).
    pub refusal: Option<String>,
    /// The editor revision last opened from or saved to `path`; `None` for
    /// a workflow never saved.
    saved: Option<u64>,
    /// Waiting for an answer: what would discard unsaved changes.
    pub confirm: Option<Discard>,
    engine: Arc<Mutex<Engine>>,
    running: Option<TaskHandle<SingleRun>>,
    /// When the last node move that waits to be written to the autosave
    /// copy was made.
    moved: Option<std::time::Instant>,
    /// The last run.
    pub last: Option<Outcome>,
    /// The folder the last run wrote its output files and RO-Crate into.
    pub last_dir: Option<PathBuf>,
}

impl WorkflowState {
    pub fn new() -> Self {
        Self {
            examples: Self::load_examples(),
            ..Self::default()
        }
    }

    pub fn load_examples() -> Vec<PathBuf> {
        let Some(dir) = crate::paths::assets_dir().map(|d| d.join("workflows")) else {
            return Vec::new();
        };
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|r| {
                r.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    pub fn remote_running(&self) -> bool {
        self.remote.is_some()
    }

    /// Node moves wait to be written to the autosave copy.
    pub fn autosave_waits(&self) -> bool {
        self.moved.is_some()
    }

    /// The open workflow has changes that are not in its file (a new one
    /// once it has a node).
    pub fn is_dirty(&self) -> bool {
        self.open.as_ref().is_some_and(|e| match self.saved {
            Some(rev) => rev != e.revision,
            None => e.graph.nodes().next().is_some(),
        })
    }
}

impl WorkflowState {
    pub fn apply(
        &mut self,
        command: WorkflowCommand,
        cx: &mut Cx<'_>,
        peers: &Peers<'_>,
    ) -> Vec<UiEffect> {
        match command {
            WorkflowCommand::OpenWorkflow(path) => {
                self.open_workflow(&path, cx);
                return vec![UiEffect::ShowTab(TabKind::Workflows)];
            }
            WorkflowCommand::NewWorkflow => {
                self.new_workflow(cx);
                return vec![UiEffect::ShowTab(TabKind::Workflows)];
            }
            WorkflowCommand::StartFrom(seed) => {
                self.replace_workflow(Discard::Seed(seed), cx);
                return vec![UiEffect::ShowTab(TabKind::Workflows)];
            }
            WorkflowCommand::SetNodeParam { node, name, value } => {
                self.set_node_param(node, &name, value, cx);
            }
            WorkflowCommand::RunWorkflow => self.run_workflow(cx),
            WorkflowCommand::AnswerDiscard(answer) => self.answer_discard(answer, cx),
            WorkflowCommand::EditWorkflow(edit) => self.edit_workflow(edit, cx),
            WorkflowCommand::SaveWorkflow(path) => self.save_workflow(&path, cx),
            WorkflowCommand::RunWorkflowOnCluster { cluster, token } => {
                self.run_workflow_on_cluster(cluster, token, cx);
            }
            WorkflowCommand::CancelClusterRun => self.cancel_cluster_run(),
            WorkflowCommand::AddMapInputs(pattern) => self.add_map_inputs(&pattern, cx),
            WorkflowCommand::AddDownloadedMapInputs => self.add_downloaded_map_inputs(cx, peers),
            WorkflowCommand::AddOpenMapInputs => self.add_open_map_inputs(cx, peers),
            WorkflowCommand::RemoveMapInput(i) => self.remove_map_input(i),
            WorkflowCommand::RunWorkflowMap => self.run_workflow_map(cx),
            WorkflowCommand::CancelWorkflowMap => self.cancel_workflow_map(),
            WorkflowCommand::FlushAutosave => {
                if self.moved.is_some() {
                    self.autosave_workflow(cx);
                }
            }
        }
        Vec::new()
    }

    /// Open a workflow file, or ask first if the open one has unsaved
    /// changes ([`Self::answer_discard`]).
    pub fn open_workflow(&mut self, path: &std::path::Path, cx: &mut Cx<'_>) {
        self.replace_workflow(Discard::Open(path.to_path_buf()), cx);
    }

    /// Start an empty workflow, or ask first if the open one has unsaved
    /// changes.
    pub fn new_workflow(&mut self, cx: &mut Cx<'_>) {
        self.replace_workflow(Discard::New, cx);
    }

    fn replace_workflow(&mut self, with: Discard, cx: &mut Cx<'_>) {
        if self.is_dirty() {
            self.confirm = Some(with);
            return;
        }
        self.confirm = None;
        match with {
            Discard::New => self.start_new_workflow(cx),
            Discard::Open(path) => self.read_workflow(&path, cx),
            Discard::Seed(seed) => match seed.graph() {
                Ok(g) => self.start_workflow(seed.name(), g, cx),
                Err(e) => cx.notify(Level::Error, "Could not start the workflow", e.to_string()),
            },
        }
    }

    /// What becomes of the unsaved changes: saved first, dropped, or kept
    /// (and the New or Open that asked is not done).
    pub fn answer_discard(&mut self, answer: DiscardAnswer, cx: &mut Cx<'_>) {
        let Some(with) = self.confirm.take() else {
            return;
        };
        match answer {
            DiscardAnswer::Cancel => {}
            DiscardAnswer::Save => {
                if let Some(path) = self.path.clone() {
                    self.save_workflow(&path, cx);
                }
                // Saved: go on; not saved (no file, or it failed): ask again.
                self.replace_workflow(with, cx);
            }
            DiscardAnswer::Discard => {
                self.saved = self.open.as_ref().map(|e| e.revision);
                self.replace_workflow(with, cx);
            }
        }
    }

    /// Read a workflow file as it is: input files named relative to it stay
    /// relative (Save writes them back unchanged) and are found beside it
    /// when it runs.
    fn read_workflow(&mut self, path: &std::path::Path, cx: &mut Cx<'_>) {
        let loaded = std::fs::read_to_string(path)
            .map_err(WorkflowFileError::from)
            .and_then(|t| Ok(WorkflowFile::parse(&t)?))
            .and_then(|f| Ok((f.name.clone(), f.to_graph()?)));
        match loaded {
            Ok((name, g)) => {
                self.open = Some(Editor::new(name, g));
                self.path = Some(path.to_path_buf());
                self.saved = Some(0);
                self.refusal = None;
                self.engine = Arc::default();
                self.last = None;
                self.autosave_workflow(cx);
            }
            Err(e) => cx.notify(
                Level::Error,
                format!("Could not open {}", path.display()),
                e.to_string(),
            ),
        }
    }

    pub fn set_node_param(
        &mut self,
        node: u64,
        name: &str,
        value: serde_json::Value,
        cx: &mut Cx<'_>,
    ) {
        self.edit_workflow(
            Edit::SetParam {
                id: NodeId(node),
                name: name.to_owned(),
                value,
            },
            cx,
        );
    }

    /// The open workflow as it runs: its name, and its graph with input files
    /// named relative to the workflow file found beside it.
    fn runnable_workflow(&self) -> Option<(String, crate::workflow::Graph)> {
        let editor = self.open.as_ref()?;
        let mut g = editor.graph.clone();
        if let Some(dir) = self.path.as_deref().and_then(std::path::Path::parent) {
            crate::workflow::file::resolve_inputs(&mut g, dir);
        }
        Some((editor.name.clone(), g))
    }

    fn start_new_workflow(&mut self, cx: &mut Cx<'_>) {
        self.start_workflow(
            "Untitled workflow".into(),
            crate::workflow::Graph::default(),
            cx,
        );
    }

    /// A new, unsaved workflow of `graph`.
    fn start_workflow(&mut self, name: String, graph: crate::workflow::Graph, cx: &mut Cx<'_>) {
        self.open = Some(Editor::new(name, graph));
        self.path = None;
        self.saved = None;
        self.refusal = None;
        self.engine = Arc::default();
        self.last = None;
        self.autosave_workflow(cx);
    }

    /// Keep a copy of the open workflow in the store, as it is now.
    fn autosave_workflow(&mut self, cx: &mut Cx<'_>) {
        self.moved = None;
        let Some(editor) = &self.open else {
            return;
        };
        let copy = Autosave {
            text: editor.to_file().to_text(),
            path: self.path.clone(),
            dirty: self.is_dirty(),
        };
        cx.save(&AUTOSAVE, &copy);
    }

    /// At start: the workflow that was open when Panorama last stopped
    /// (quit, crash or kill), with its unsaved changes.
    pub(super) fn restore_workflow(&mut self, cx: &mut Cx<'_>) {
        let Some(copy) = cx.load(&AUTOSAVE) else {
            return;
        };
        let Ok(file) = WorkflowFile::parse(&copy.text) else {
            return;
        };
        let Ok(g) = file.to_graph() else {
            return;
        };
        let mut editor = Editor::new(file.name.clone(), g);
        // A change since the file was saved stays a change.
        if copy.dirty {
            editor.revision = 1;
        }
        self.open = Some(editor);
        self.path = copy.path;
        self.saved = Some(0).filter(|_| self.path.is_some());
        if copy.dirty {
            cx.notify(
                Level::Info,
                format!("Unsaved changes to “{}” were kept", file.name),
                "The workflow is open in the Workflows tab as you left it.",
            );
        }
    }

    /// Change the open workflow (an empty one is started for a first node).
    pub fn edit_workflow(&mut self, edit: Edit, cx: &mut Cx<'_>) {
        if self.open.is_none() {
            self.new_workflow(cx);
        }
        let Some(editor) = self.open.as_mut() else {
            return;
        };
        let moves_only = matches!(edit, Edit::Move { .. });
        let before = editor.revision;
        self.refusal = editor.apply(edit).err().map(|e| e.to_string());
        let changed = editor.revision != before;
        // The graph changed (an edit, an undo): the last run's errors no
        // longer describe it, so they are not shown on it any more.
        if !moves_only
            && changed
            && let Some(last) = self.last.as_mut()
        {
            last.errors.clear();
        }
        // A drag moves a node every frame: its copy is written once the
        // node has been still for a moment (`poll`), not each frame.
        if changed && moves_only {
            self.moved = Some(std::time::Instant::now());
        } else if changed {
            self.autosave_workflow(cx);
        }
    }

    /// How long until moved nodes are written to the autosave copy, while
    /// some wait (the window polls again then).
    pub fn autosave_wait(&self) -> Option<std::time::Duration> {
        self.moved
            .map(|t| MOVE_AUTOSAVE.saturating_sub(t.elapsed()))
    }

    /// Write the open workflow as a versioned JSON file.
    pub fn save_workflow(&mut self, path: &std::path::Path, cx: &mut Cx<'_>) {
        // Saved into another folder: input files named relative to the old
        // one are named in full, so they are still found.
        let old_dir = self.path.as_deref().and_then(std::path::Path::parent);
        if old_dir.is_some()
            && old_dir != path.parent()
            && let Some((_, resolved)) = self.runnable_workflow()
            && let Some(editor) = self.open.as_mut()
        {
            editor.graph = resolved;
        }
        let Some(editor) = &self.open else {
            return;
        };
        let text = editor.to_file().to_text();
        let revision = editor.revision;
        match crate::paths::write_atomic(path, text.as_bytes()) {
            Ok(()) => {
                self.path = Some(path.to_path_buf());
                self.saved = Some(revision);
                self.autosave_workflow(cx);
                cx.notify(Level::Info, "Workflow saved", path.display().to_string());
            }
            Err(e) => cx.notify(
                Level::Error,
                format!("Could not save {}", path.display()),
                format!("{e}. Choose another folder."),
            ),
        }
    }

    /// The folder a run of the open workflow writes its outputs into: beside
    /// the saved workflow (`NAME-runs/TIME`), or under the data folder's
    /// `runs/` for an unsaved one or an example.
    fn run_folder(&self, name: &str, cx: &Cx<'_>) -> PathBuf {
        let time = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f").to_string();
        let stem = crate::workflow::batch::folder_name(name, "workflow");
        // An example shipped with Panorama is not the user's folder to write in.
        let examples = crate::paths::assets_dir().and_then(|d| std::fs::canonicalize(d).ok());
        let saved = self.path.as_deref().filter(|p| {
            let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            !examples.as_ref().is_some_and(|e| p.starts_with(e))
        });
        match saved {
            Some(saved) => {
                let file_stem = saved.file_stem().map_or_else(
                    || stem.clone(),
                    |s| crate::workflow::batch::folder_name(&s.to_string_lossy(), "workflow"),
                );
                saved
                    .parent()
                    .unwrap_or(std::path::Path::new("."))
                    .join(format!("{file_stem}-runs"))
                    .join(time)
            }
            None => cx.dirs.data.join("runs").join(format!("{stem}-{time}")),
        }
    }

    /// Run the open workflow in the background (only changed parts
    /// recompute). A workflow with output nodes writes them, with the run's
    /// RO-Crate, into a run folder of its own ([`Self::run_folder`]).
    pub fn run_workflow(&mut self, cx: &mut Cx<'_>) {
        let Some((name, mut g)) = self.runnable_workflow() else {
            return;
        };
        let bytes = WorkflowFile::from_graph(&name, &g).to_text().into_bytes();
        if let Some(h) = self.running.take() {
            h.cancel();
        }
        let writes = g.nodes().any(|(_, n)| library::writes_files(&n.kind));
        let dir = writes.then(|| self.run_folder(&name, cx));
        let outputs = match dir
            .as_ref()
            .map(|d| crate::workflow::file::resolve_outputs(&mut g, d))
            .transpose()
        {
            Ok(o) => o.unwrap_or_default(),
            Err(e) => {
                cx.notify(Level::Error, "The workflow did not run", e.to_string());
                return;
            }
        };
        let origin = |path: &str| file_origin(cx, path);
        let inputs = crate::workflow::crate_meta::inputs_with_origins(&g, &origin);
        let engine = self.engine.clone();
        let handle = cx
            .tasks
            .spawn_blocking(&format!("Running {name}"), move |ctx| {
                let started = chrono::Utc::now();
                let mut engine = engine
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let cancel = ctx.cancel_token();
                let outcome = engine.run(&g, &cancel, &|done, total| {
                    ctx.progress(
                        done as f32 / total.max(1) as f32,
                        format!("{done}/{total} nodes"),
                    );
                })?;
                let mut write_error = None;
                if let Some(dir) = &dir {
                    let written = crate::workflow::batch::write_crate(
                        dir,
                        &crate::workflow::batch::RunInfo {
                            workflow: &bytes,
                            settings: &[],
                            started,
                            license: crate::workflow::crate_meta::DEFAULT_LICENSE,
                        },
                        &outcome,
                        &inputs,
                        &outputs,
                    );
                    write_error = written.err().map(|e| {
                        format!("{}: {e}. Choose a folder you can write to", dir.display())
                    });
                }
                Ok::<_, crate::workflow::WorkflowError>((outcome, dir, write_error))
            });
        self.running = Some(handle);
    }

    /// Add the files that match `pattern` (or the one file it names) to the
    /// files the workflow runs over.
    ///
    /// A pattern (`**` over a large tree, a slow network folder) is expanded
    /// in the background; the files are added when it ends.
    pub fn add_map_inputs(&mut self, pattern: &str, cx: &mut Cx<'_>) {
        let pattern = pattern.trim().to_owned();
        let key = pattern.clone();
        let handle =
            cx.tasks
                .spawn_blocking(&format!("Finding files matching {pattern}"), move |ctx| {
                    ctx.progress(0.0, "listing folders…");
                    crate::workflow::stream::expand(&pattern)
                });
        self.map.expanding.push(key, handle);
    }

    fn poll_map_inputs(&mut self, cx: &mut Cx<'_>) {
        for (_, result) in self.map.expanding.drain_ready() {
            match result {
                Ok(files) => {
                    for f in files {
                        self.add_map_input(f, cx);
                    }
                }
                Err(e) => cx.notify(Level::Warning, "No files added", e.to_string()),
            }
        }
    }

    fn add_map_input(&mut self, path: String, cx: &mut Cx<'_>) {
        if self.map.inputs.iter().any(|i| i.path == path) {
            return;
        }
        let dataset = file_origin(cx, &path).map(|o| {
            if o.title.is_empty() {
                o.dataset
            } else {
                o.title
            }
        });
        self.map.inputs.push(MapInput { path, dataset });
    }

    /// Add every file downloaded in this session (the Downloads tab's
    /// finished files) to the files the workflow runs over.
    pub fn add_downloaded_map_inputs(&mut self, cx: &mut Cx<'_>, peers: &Peers<'_>) {
        let done: Vec<String> = peers
            .downloads
            .queue
            .as_ref()
            .map(|q| {
                q.items()
                    .into_iter()
                    .filter_map(|i| match i.state {
                        crate::transfer::queue::ItemState::Done(p)
                        | crate::transfer::queue::ItemState::Exists(p) => {
                            Some(p.display().to_string())
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        if done.is_empty() {
            cx.notify(
                Level::Info,
                "No downloaded files yet",
                "Download a dataset's files from its page first, or add files by name.",
            );
        }
        for p in done {
            self.add_map_input(p, cx);
        }
    }

    /// Add the local files open in the viewer.
    pub fn add_open_map_inputs(&mut self, cx: &mut Cx<'_>, peers: &Peers<'_>) {
        let open: Vec<String> = peers
            .documents
            .open
            .iter()
            .filter(|d| !crate::net::is_web_url(&d.location))
            .map(|d| d.location.clone())
            .collect();
        for p in open {
            self.add_map_input(p, cx);
        }
    }

    pub fn remove_map_input(&mut self, index: usize) {
        if index < self.map.inputs.len() {
            self.map.inputs.remove(index);
        }
    }

    /// Run the open workflow once for each chosen file, in the background,
    /// each into its own folder (results and RO-Crate) under the data
    /// folder's `runs/`.
    pub fn run_workflow_map(&mut self, cx: &mut Cx<'_>) {
        if self.map.is_running() || self.map.inputs.is_empty() {
            return;
        }
        let Some((name, g)) = self.runnable_workflow() else {
            return;
        };
        if crate::workflow::batch::input_node(&g).is_none() {
            cx.notify(
                Level::Warning,
                "This workflow reads no file",
                "Add an input node (HDF5 dataset, NeXus default signal or frames); each run sets its file.",
            );
            return;
        }
        let bytes = WorkflowFile::from_graph(&name, &g).to_text().into_bytes();
        let inputs: Vec<String> = self.map.inputs.iter().map(|i| i.path.clone()).collect();
        let stem = crate::workflow::batch::folder_name(&name, "workflow");
        let out = cx.dirs.data.join("runs").join(format!(
            "{stem}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S")
        ));
        self.map.out_dir = Some(out.clone());
        self.map.results.clear();
        let progress = self.map.progress.clone();
        let dirs = cx.dirs.clone();
        let handle = cx.tasks.spawn_blocking(
            &format!("Running {name} over {} files", inputs.len()),
            move |ctx| {
                let origins = crate::workflow::crate_meta::store_origins(&dirs);
                let cancel = ctx.cancel_token();
                crate::workflow::batch::map(
                    &mut Engine::default(),
                    &g,
                    &inputs,
                    Some(&out),
                    &crate::workflow::batch::RunInfo {
                        workflow: &bytes,
                        settings: &[],
                        started: chrono::Utc::now(),
                        license: crate::workflow::crate_meta::DEFAULT_LICENSE,
                    },
                    &origins,
                    &cancel,
                    &|done, total, input| {
                        *progress
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) =
                            (done, total, input.to_owned());
                        ctx.progress(
                            done as f32 / total.max(1) as f32,
                            format!("{done} of {total} files"),
                        );
                    },
                )
            },
        );
        self.map.running = Some(handle);
    }

    pub fn cancel_workflow_map(&mut self) {
        if let Some(h) = &self.map.running {
            h.cancel();
        }
    }

    fn poll_workflow_map(&mut self, cx: &mut Cx<'_>) {
        let Some(result) = TaskHandle::take_ready(&mut self.map.running) else {
            return;
        };
        match result {
            Ok(runs) => {
                let failed = runs.iter().filter(|r| r.failed()).count();
                self.map.results = runs
                    .iter()
                    .map(|r| MapResult {
                        input: r.input.clone().unwrap_or_default(),
                        dir: r.dir.clone(),
                        problems: r
                            .outcome
                            .errors
                            .iter()
                            .map(|(id, e)| format!("node {}: {e}", id.0))
                            .chain(r.write_error.clone())
                            .collect(),
                    })
                    .collect();
                let folder = self
                    .map
                    .out_dir
                    .as_ref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                if failed == 0 {
                    cx.notify(
                        Level::Info,
                        format!("The workflow ran over {} files", runs.len()),
                        format!("Results and RO-Crates are in {folder}"),
                    );
                } else {
                    cx.notify(
                        Level::Warning,
                        format!("{failed} of {} runs had problems", runs.len()),
                        format!(
                            "See the list in the Run over files window. Results are in {folder}"
                        ),
                    );
                }
                // The nodes show the last file's results.
                if let Some(last) = runs.into_iter().last() {
                    self.last = Some(last.outcome);
                }
            }
            Err(e) => cx.notify(Level::Error, "The runs over files stopped", e.to_string()),
        }
    }

    /// Submit the open workflow to a Slurm cluster and follow the job in the
    /// background (status bar: state, Cancel cancels the job).
    pub fn run_workflow_on_cluster(
        &mut self,
        settings: ClusterSettings,
        token: crate::auth::Secret,
        cx: &mut Cx<'_>,
    ) {
        use crate::workflow::slurm::{Cluster, RemoteTarget, follow, submit_workflow};
        let Some((name, g)) = self.runnable_workflow() else {
            return;
        };
        let text = WorkflowFile::from_graph(&name, &g).to_text();
        cx.save(&super::settings::CLUSTER, &settings);
        self.cluster = settings.clone();
        // With an account, its provider token for the cluster's audience is
        // fetched in the background; otherwise the typed token is used.
        let session = if settings.account.trim().is_empty() {
            None
        } else {
            match cx.tokens.session(settings.account.trim()) {
                Some(s) => Some(s),
                None => {
                    self.cluster_run = Some(ClusterRun {
                        job: None,
                        status: format!(
                            "the account {} is not signed in; sign in from the Accounts tab",
                            settings.account
                        ),
                        failed: true,
                    });
                    return;
                }
            }
        };
        if session.is_none()
            && let Err(e) = Cluster::new(&settings.address, &settings.user, token.clone())
        {
            self.cluster_run = Some(ClusterRun {
                job: None,
                status: e.to_string(),
                failed: true,
            });
            return;
        }
        let panorama = if settings.panorama.trim().is_empty() {
            "panorama".to_owned()
        } else {
            settings.panorama.clone()
        };
        let status = Arc::new(Mutex::new(ClusterRun {
            job: None,
            status: "submitting".into(),
            failed: false,
        }));
        self.remote_status = status.clone();
        self.cluster_run = Some(ClusterRun {
            job: None,
            status: "submitting".into(),
            failed: false,
        });
        let handle = cx.tasks.spawn(
            &format!("Running {name} on the cluster"),
            move |ctx| async move {
                let (token, user) = match &session {
                    Some(session) => {
                        let audience = if settings.audience.trim().is_empty() {
                            "slurm"
                        } else {
                            settings.audience.trim()
                        };
                        let (t, u) =
                            crate::workflow::slurm::token_from_account(session, audience).await?;
                        (t, u.unwrap_or_else(|| settings.user.clone()))
                    }
                    None => (token, settings.user.clone()),
                };
                let cluster = Cluster::new(&settings.address, &user, token)?;
                let target = RemoteTarget {
                    cluster: cluster.clone(),
                    shared_dir: PathBuf::from(&settings.shared_dir),
                    panorama,
                };
                cluster.ping().await?;
                let run = submit_workflow(&target, &text, &name, &[]).await?;
                let set = |s: String| {
                    let mut st = status
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    st.job = Some(run.job);
                    st.status = s;
                };
                set("queued".into());
                let results = follow(
                    &cluster,
                    &run,
                    &|s| {
                        set(s.describe());
                        ctx.progress(0.0, format!("job {}: {}", run.job, s.describe()));
                    },
                    &ctx.cancel_token(),
                )
                .await?;
                Ok::<_, crate::workflow::slurm::SlurmError>(results)
            },
        );
        self.remote = Some(handle);
    }

    /// Cancel the cluster run; the job is cancelled on the cluster.
    pub fn cancel_cluster_run(&mut self) {
        if let Some(h) = &self.remote {
            h.cancel();
        }
    }

    fn poll_cluster_run(&mut self, cx: &mut Cx<'_>) {
        if self.remote.is_none() {
            return;
        }
        let now = self
            .remote_status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let Some(result) = TaskHandle::take_ready(&mut self.remote) else {
            self.cluster_run = Some(now);
            return;
        };
        match result {
            Ok(results) => {
                let mut out = outcome_from_results(&results.summary);
                // The values in full (the summary shortens long arrays).
                for (id, v) in results.values {
                    out.values.insert(id, Arc::new(v));
                }
                self.show_view_nodes(&out, cx);
                self.last = Some(out);
                self.cluster_run = Some(ClusterRun {
                    status: "completed; results below".into(),
                    ..now
                });
            }
            Err(e) => {
                let status = match e {
                    crate::runtime::TaskError::Cancelled => match now.job {
                        Some(j) => format!("cancelled; job {j} was cancelled on the cluster"),
                        None => "cancelled".into(),
                    },
                    e => e.to_string(),
                };
                self.cluster_run = Some(ClusterRun {
                    status,
                    failed: true,
                    ..now
                });
            }
        }
    }

    pub fn poll(&mut self, cx: &mut Cx<'_>) {
        if self.moved.is_some_and(|t| t.elapsed() >= MOVE_AUTOSAVE) {
            self.autosave_workflow(cx);
        }
        self.poll_map_inputs(cx);
        self.poll_cluster_run(cx);
        self.poll_workflow_map(cx);
        let Some(result) = TaskHandle::take_ready(&mut self.running) else {
            return;
        };
        match result {
            Ok((out, dir, write_error)) => {
                if let Some(e) = write_error {
                    cx.notify(Level::Error, "The run's RO-Crate was not written", e);
                }
                self.show_view_nodes(&out, cx);
                self.describe_derived(&out, cx);
                self.last = Some(out);
                self.last_dir = dir;
            }
            Err(e) => cx.notify(Level::Error, "The workflow did not finish", e.to_string()),
        }
    }

    /// For a "Describe as derived dataset" node that ran: a SciCat draft of
    /// the derived dataset, linked to the run's inputs, the software and the
    /// parameters, opened in the Metadata tab to complete and publish.
    fn describe_derived(&mut self, out: &Outcome, cx: &mut Cx<'_>) {
        let Some(editor) = &self.open else {
            return;
        };
        let nodes: Vec<(NodeId, String)> = editor
            .graph
            .nodes()
            .filter(|(id, n)| {
                library::after_run(&n.kind) == AfterRun::DescribeDerived
                    && out.values.contains_key(id)
            })
            .map(|(id, n)| {
                (
                    id,
                    n.params
                        .get("title")
                        .and_then(|t| t.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect();
        if nodes.is_empty() {
            return;
        }
        let name = editor.name.clone();
        // Inputs by the PID of the dataset they were downloaded from, else by path.
        let origin = |path: &str| file_origin(cx, path);
        let mut inputs: Vec<String> = Vec::new();
        for f in crate::workflow::crate_meta::inputs_with_origins(&editor.graph, &origin) {
            let id = f.origin.map_or(f.location, |o| o.dataset);
            if !inputs.contains(&id) {
                inputs.push(id);
            }
        }
        let parameters: serde_json::Map<String, serde_json::Value> = editor
            .graph
            .nodes()
            .filter(|(_, n)| !n.params.is_empty())
            .map(|(id, n)| {
                (
                    format!("{} {}", id.0, n.kind),
                    serde_json::to_value(&n.params).unwrap_or_default(),
                )
            })
            .collect();
        let saved_to = editor
            .graph
            .nodes()
            .find(|(_, n)| library::writes_files(&n.kind))
            .and_then(|(_, n)| n.params.get("file").and_then(|f| f.as_str()))
            .and_then(|f| std::path::Path::new(f).parent())
            .map(|p| p.display().to_string())
            .filter(|p| !p.is_empty());
        let origin = crate::metadata::Origin::Workflow { name: name.clone() };
        for (_, title) in nodes {
            let title = if title.trim().is_empty() {
                format!("{name}: result")
            } else {
                title
            };
            let mut values = vec![
                (
                    "/type".to_owned(),
                    serde_json::json!("derived"),
                    origin.clone(),
                ),
                (
                    "/datasetName".to_owned(),
                    serde_json::json!(title),
                    origin.clone(),
                ),
                (
                    "/inputDatasets".to_owned(),
                    serde_json::json!(inputs),
                    origin.clone(),
                ),
                (
                    "/usedSoftware".to_owned(),
                    serde_json::json!([format!("Panorama {}", crate::VERSION)]),
                    origin.clone(),
                ),
                (
                    "/jobParameters".to_owned(),
                    serde_json::Value::Object(parameters.clone()),
                    origin.clone(),
                ),
                (
                    "/creationTime".to_owned(),
                    serde_json::json!(chrono::Utc::now().to_rfc3339()),
                    origin.clone(),
                ),
            ];
            if let Some(dir) = &saved_to {
                values.push((
                    "/sourceFolder".to_owned(),
                    serde_json::json!(dir),
                    origin.clone(),
                ));
            }
            cx.send(super::MetadataCommand::CreateDraft {
                schema: "scicat".into(),
                title,
                values,
            });
        }
    }

    /// Open the results of "Show in the viewer" nodes in the viewer, as NeXus
    /// files in the cache folder (replacing the previous run's).
    fn show_view_nodes(&mut self, out: &Outcome, cx: &mut Cx<'_>) {
        let Some(editor) = &self.open else {
            return;
        };
        let views: Vec<NodeId> = editor
            .graph
            .nodes()
            .filter(|(_, n)| library::after_run(&n.kind) == AfterRun::Show)
            .map(|(id, _)| id)
            .collect();
        for id in views {
            let Some(v) = out.values.get(&id) else {
                continue;
            };
            let file = cx.dirs.cache.join(format!("workflow-node-{}.nxs", id.0));
            // Written beside it, then put in its place by the documents
            // slice once it has closed the last run's copy.
            let written_to = file.with_extension("nxs.new");
            let written = std::fs::create_dir_all(&cx.dirs.cache)
                .map_err(WorkflowFileError::from)
                .and_then(|()| {
                    Ok(crate::workflow::io_nodes::save_nexus(
                        &written_to.display().to_string(),
                        &format!("node_{}", id.0),
                        v,
                        "shown from a workflow",
                    )?)
                });
            match written {
                Ok(()) => cx.send(super::DocumentsCommand::ShowResult {
                    file: written_to,
                    at: file,
                }),
                Err(e) => {
                    let _ = std::fs::remove_file(&written_to);
                    cx.notify(Level::Error, "The result could not be shown", e.to_string());
                }
            }
        }
    }
}

/// The results a cluster job wrote (`results.json` of `panorama run`) as an
/// outcome the editor shows like a local run's.
pub fn outcome_from_results(results: &serde_json::Value) -> Outcome {
    use crate::workflow::value::Value;
    let mut out = Outcome::default();
    for (id, v) in results
        .get("values")
        .and_then(|v| v.as_object())
        .into_iter()
        .flatten()
    {
        let Ok(id) = id.parse::<u64>() else {
            continue;
        };
        let value = match v {
            serde_json::Value::Number(n) => n.as_f64().map(Value::Scalar),
            serde_json::Value::Object(o) if o.contains_key("columns") => {
                Some(Value::Table(crate::workflow::value::Table {
                    columns: o
                        .get("columns")
                        .and_then(|c| c.as_array())
                        .map(|c| {
                            c.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    rows: o
                        .get("rows")
                        .and_then(|r| r.as_array())
                        .map(|r| {
                            r.iter()
                                .map(|row| {
                                    row.as_array()
                                        .map(|x| {
                                            x.iter().filter_map(serde_json::Value::as_f64).collect()
                                        })
                                        .unwrap_or_default()
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }))
            }
            serde_json::Value::Object(o) => {
                let shape: Vec<usize> = o
                    .get("shape")
                    .and_then(|s| s.as_array())
                    .map(|s| {
                        s.iter()
                            .filter_map(serde_json::Value::as_u64)
                            .filter_map(|x| usize::try_from(x).ok())
                            .collect()
                    })
                    .unwrap_or_default();
                let values: Vec<f64> = o
                    .get("values")
                    .and_then(|s| s.as_array())
                    .map(|s| s.iter().filter_map(serde_json::Value::as_f64).collect())
                    .unwrap_or_default();
                ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), values.clone())
                    .or_else(|_| {
                        // Long arrays come back shortened: show what arrived.
                        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[values.len()]), values)
                    })
                    .ok()
                    .map(Value::Array)
            }
            _ => None,
        };
        if let Some(v) = value {
            out.values.insert(NodeId(id), Arc::new(v));
            out.computed += 1;
        }
    }
    for (id, e) in results
        .get("errors")
        .and_then(|v| v.as_object())
        .into_iter()
        .flatten()
    {
        if let Ok(id) = id.parse::<u64>() {
            out.errors
                .insert(NodeId(id), e.as_str().unwrap_or_default().to_owned());
        }
    }
    out
}

/// The catalogue record a downloaded file came from, as the store knows it.
fn file_origin(cx: &Cx<'_>, path: &str) -> Option<crate::store::FileOrigin> {
    cx.store()
        .and_then(|s| s.origin(std::path::Path::new(path)).ok().flatten())
}

#[cfg(test)]
mod tests {
    use super::{AUTOSAVE, MOVE_AUTOSAVE};
    use crate::state::AppState;
    use crate::state::WorkflowCommand;
    use crate::workflow::edit::Edit;
    use crate::workflow::file::WorkflowFile;

    /// A new workflow in `s` with nodes of `kinds` wired in a chain (output 0
    /// to input 0); their ids in order.
    fn chain(s: &mut AppState, kinds: &[&str]) -> Vec<crate::workflow::NodeId> {
        s.apply(WorkflowCommand::NewWorkflow);
        for kind in kinds {
            s.apply(WorkflowCommand::EditWorkflow(Edit::Add {
                kind: (*kind).into(),
                pos: [0.0, 0.0],
            }));
        }
        let ids: Vec<_> = s
            .workflow
            .open
            .as_ref()
            .expect("open")
            .graph
            .nodes()
            .map(|(id, _)| id)
            .collect();
        for pair in ids.windows(2) {
            s.apply(WorkflowCommand::EditWorkflow(Edit::Connect {
                from: (pair[0], 0),
                to: (pair[1], 0),
            }));
        }
        ids
    }

    #[test]
    fn a_derived_dataset_draft_links_the_run_to_its_inputs() {
        let rt = crate::runtime::Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = AppState::new(crate::paths::AppDirs::under(tmp.path()), rt.tasks().clone());
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/demo/demo_image2d.nxs")
            .display()
            .to_string();
        let ids = chain(&mut s, &["nexus_signal", "sum", "describe_derived"]);
        s.apply(WorkflowCommand::EditWorkflow(Edit::SetParam {
            id: ids[0],
            name: "file".into(),
            value: serde_json::json!(demo),
        }));
        s.apply(WorkflowCommand::RunWorkflow);
        settle(&mut s);
        let open = s.metadata.open.as_ref().expect("a draft opened");
        let doc = open.doc.draft.to_json();
        assert_eq!(doc["type"], "derived");
        assert!(
            doc["inputDatasets"][0]
                .as_str()
                .is_some_and(|p| p.ends_with("demo_image2d.nxs")),
            "{doc}"
        );
        assert!(
            doc["usedSoftware"][0]
                .as_str()
                .is_some_and(|s| s.starts_with("Panorama"))
        );
        assert!(
            doc["jobParameters"]
                .as_object()
                .is_some_and(|p| !p.is_empty())
        );
    }

    #[test]
    fn a_view_node_opens_its_result_in_the_viewer_and_replaces_the_last_one() {
        let rt = crate::runtime::Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = AppState::new(crate::paths::AppDirs::under(tmp.path()), rt.tasks().clone());
        chain(&mut s, &["linspace", "view"]);
        for _ in 0..2 {
            s.apply(WorkflowCommand::RunWorkflow);
            settle(&mut s);
        }
        let shown: Vec<_> = s
            .documents
            .open
            .iter()
            .filter(|d| d.location.contains("workflow-node-"))
            .collect();
        assert_eq!(shown.len(), 1, "the second run replaced the first");
        assert!(
            matches!(shown[0].status, crate::state::DocStatus::Ready),
            "{:?}",
            shown[0].status
        );
    }

    /// A node that failed shows its error until the graph changes (an edit
    /// or an undo), not after.
    #[test]
    fn errors_of_the_last_run_go_when_the_graph_changes() {
        let rt = crate::runtime::Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = AppState::new(crate::paths::AppDirs::under(tmp.path()), rt.tasks().clone());
        // A dataset node reading a file that does not exist fails.
        let ids = chain(&mut s, &["nexus_signal", "sum"]);
        s.apply(WorkflowCommand::EditWorkflow(Edit::SetParam {
            id: ids[0],
            name: "file".into(),
            value: serde_json::json!(tmp.path().join("missing.nxs").display().to_string()),
        }));
        s.apply(WorkflowCommand::RunWorkflow);
        settle(&mut s);
        let errors = |s: &AppState| s.workflow.last.as_ref().map_or(0, |l| l.errors.len());
        assert!(errors(&s) > 0, "the run failed");
        // Moving a node changes nothing the run depends on.
        s.apply(WorkflowCommand::EditWorkflow(Edit::Move {
            id: ids[1],
            pos: [300.0, 0.0],
        }));
        assert!(errors(&s) > 0);
        s.apply(WorkflowCommand::EditWorkflow(Edit::Undo));
        assert_eq!(errors(&s), 0, "no stale error after the undo");
    }

    fn settle(s: &mut AppState) {
        let t0 = std::time::Instant::now();
        while s.busy() {
            s.poll();
            assert!(t0.elapsed() < std::time::Duration::from_secs(30));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// A workflow being edited when Panorama stops without a word (a crash,
    /// `kill -9`: nothing runs on the way out) is there at the next start,
    /// with its unsaved change and marked unsaved.
    #[test]
    fn an_unsaved_workflow_comes_back_after_a_crash() {
        let rt = crate::runtime::Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let dirs = crate::paths::AppDirs::under(tmp.path());
        let mut s = AppState::new(dirs.clone(), rt.tasks().clone());
        let ids = chain(&mut s, &["linspace", "sum"]);
        s.apply(WorkflowCommand::EditWorkflow(Edit::SetParam {
            id: ids[0],
            name: "count".into(),
            value: serde_json::json!(7),
        }));
        let before = s.workflow.open.as_ref().expect("open").graph.clone();
        // Nothing of the state's own is run at the end.
        std::mem::forget(s);
        let again = AppState::new(dirs, rt.tasks().clone());
        let after = &again.workflow.open.as_ref().expect("restored").graph;
        assert_eq!(after, &before);
        assert!(again.workflow.is_dirty(), "still unsaved");
    }

    /// Dragging a node moves it every frame; its copy in the store is
    /// written once it has been still for a moment, not once per frame.
    #[test]
    fn a_dragged_node_is_written_to_the_autosave_copy_once_still() {
        let rt = crate::runtime::Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = AppState::new(crate::paths::AppDirs::under(tmp.path()), rt.tasks().clone());
        let ids = chain(&mut s, &["linspace", "sum"]);
        let saved = |s: &AppState| s.load(&AUTOSAVE).map(|a| a.text).unwrap_or_default();
        let before = saved(&s);
        for x in 0..30 {
            s.apply(WorkflowCommand::EditWorkflow(Edit::Move {
                id: ids[1],
                pos: [f32::from(u8::try_from(x).expect("x")) * 10.0, 5.0],
            }));
            s.poll();
        }
        assert_eq!(saved(&s), before, "not written while the drag goes on");
        assert!(s.workflow.autosave_wait().is_some());
        std::thread::sleep(MOVE_AUTOSAVE);
        s.poll();
        assert!(s.workflow.autosave_wait().is_none());
        let file = WorkflowFile::parse(&saved(&s)).expect("copy");
        let g = file.to_graph().expect("graph");
        assert_eq!(g.node(ids[1]).and_then(|n| n.pos), Some([290.0, 5.0]));
    }

    /// New or Open over unsaved changes asks first; Cancel keeps the work,
    /// Save writes it (atomically) and goes on, Discard goes on.
    #[test]
    fn replacing_an_unsaved_workflow_asks_first() {
        let rt = crate::runtime::Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut s = AppState::new(crate::paths::AppDirs::under(tmp.path()), rt.tasks().clone());
        chain(&mut s, &["linspace", "sum"]);
        let nodes = |s: &AppState| {
            s.workflow
                .open
                .as_ref()
                .map_or(0, |e| e.graph.nodes().count())
        };
        s.apply(WorkflowCommand::NewWorkflow);
        assert_eq!(s.workflow.confirm, Some(super::Discard::New));
        assert_eq!(nodes(&s), 2, "nothing replaced while asking");
        s.apply(WorkflowCommand::AnswerDiscard(super::DiscardAnswer::Cancel));
        assert_eq!((s.workflow.confirm.clone(), nodes(&s)), (None, 2));
        // Saved to a file, it is no longer unsaved: New does not ask.
        let file = tmp.path().join("mine.json");
        s.apply(WorkflowCommand::SaveWorkflow(file.clone()));
        assert!(!s.workflow.is_dirty());
        assert!(file.exists());
        s.apply(WorkflowCommand::EditWorkflow(Edit::Add {
            kind: "constant".into(),
            pos: [0.0, 300.0],
        }));
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/workflows/normalise_and_sum.json");
        s.apply(WorkflowCommand::OpenWorkflow(example.clone()));
        assert_eq!(
            s.workflow.confirm,
            Some(super::Discard::Open(example.clone()))
        );
        s.apply(WorkflowCommand::AnswerDiscard(super::DiscardAnswer::Save));
        assert_eq!(
            s.workflow.path.as_deref(),
            Some(example.as_path()),
            "opened after saving"
        );
        let saved = crate::workflow::file::WorkflowFile::parse(
            &std::fs::read_to_string(&file).expect("read"),
        )
        .expect("parse");
        assert_eq!(
            saved.to_graph().expect("graph").nodes().count(),
            3,
            "the change was saved"
        );
        // Not dirty now: a new workflow needs no question.
        s.apply(WorkflowCommand::NewWorkflow);
        assert_eq!((s.workflow.confirm.clone(), nodes(&s)), (None, 0));
        chain(&mut s, &["linspace"]);
        s.apply(WorkflowCommand::NewWorkflow);
        assert_eq!(s.workflow.confirm, Some(super::Discard::New));
        s.apply(WorkflowCommand::AnswerDiscard(
            super::DiscardAnswer::Discard,
        ));
        assert_eq!(nodes(&s), 0, "discarded on request");
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains("partial"))
            .collect();
        assert!(left.is_empty(), "no temporary file left");
    }

    /// An input named relative to the workflow file stays relative when the
    /// file is opened and saved, and is read from beside it when it runs.
    #[test]
    fn relative_inputs_stay_relative_and_are_found_beside_the_file() {
        let rt = crate::runtime::Runtime::new().expect("rt");
        let tmp = tempfile::tempdir().expect("tmp");
        let project = tmp.path().join("project");
        std::fs::create_dir_all(&project).expect("dir");
        std::fs::copy(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/demo/demo_spectrum1d.nxs"),
            project.join("spectrum.nxs"),
        )
        .expect("copy");
        let mut s = AppState::new(crate::paths::AppDirs::under(tmp.path()), rt.tasks().clone());
        let ids = chain(&mut s, &["read_hdf5", "sum"]);
        for (name, value) in [("file", "spectrum.nxs"), ("path", "/entry/spectrum/counts")] {
            s.apply(WorkflowCommand::EditWorkflow(Edit::SetParam {
                id: ids[0],
                name: name.into(),
                value: serde_json::json!(value),
            }));
        }
        let file = project.join("w.json");
        s.apply(WorkflowCommand::SaveWorkflow(file.clone()));
        s.apply(WorkflowCommand::NewWorkflow);
        s.apply(WorkflowCommand::OpenWorkflow(file.clone()));
        let param = |s: &AppState| {
            s.workflow
                .open
                .as_ref()
                .expect("open")
                .graph
                .node(ids[0])
                .expect("node")
                .params["file"]
                .clone()
        };
        assert_eq!(
            param(&s),
            serde_json::json!("spectrum.nxs"),
            "not made absolute on open"
        );
        s.apply(WorkflowCommand::SaveWorkflow(file.clone()));
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(text.contains("\"spectrum.nxs\""), "{text}");
        // Run from another working folder: the file beside the workflow is read.
        s.apply(WorkflowCommand::RunWorkflow);
        settle(&mut s);
        let last = s.workflow.last.as_ref().expect("ran");
        assert!(last.errors.is_empty(), "{:?}", last.errors);
        // Saved into another folder, the input is named in full and still found.
        let elsewhere = tmp.path().join("elsewhere.json");
        s.apply(WorkflowCommand::SaveWorkflow(elsewhere.clone()));
        let moved = param(&s);
        assert!(
            moved
                .as_str()
                .is_some_and(|p| std::path::Path::new(p).is_absolute()),
            "{moved}"
        );
    }
}
