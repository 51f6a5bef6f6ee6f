//! The Workflows tab's state: the open workflow, its engine (whose cache
//! survives between runs) and the last run's results.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::{AppState, Level};
use crate::runtime::TaskHandle;
use crate::workflow::NodeId;
use crate::workflow::edit::{Edit, Editor};
use crate::workflow::engine::{Engine, Outcome};
use crate::workflow::file::WorkflowFile;

#[derive(Default)]
pub struct WorkflowState {
    /// Example workflows shipped in `assets/workflows/`.
    pub examples: Vec<PathBuf>,
    /// The open workflow, with its undo history.
    pub open: Option<Editor>,
    /// The file it was opened from or saved to.
    pub path: Option<PathBuf>,
    /// Why the last edit was refused (shown over the canvas until the next edit).
    pub refusal: Option<String>,
    engine: Arc<Mutex<Engine>>,
    running: Option<TaskHandle<Outcome>>,
    /// The last run.
    pub last: Option<Outcome>,
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
}

impl AppState {
    pub fn open_workflow(&mut self, path: &std::path::Path) {
        let loaded = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| WorkflowFile::parse(&t).map_err(|e| e.to_string()))
            .and_then(|f| {
                let g = f.to_graph().map_err(|e| e.to_string())?;
                Ok((f.name, g))
            });
        match loaded {
            Ok((name, g)) => {
                self.workflow.open = Some(Editor::new(name, g));
                self.workflow.path = Some(path.to_path_buf());
                self.workflow.refusal = None;
                self.workflow.engine = Arc::default();
                self.workflow.last = None;
            }
            Err(e) => self.notify(
                Level::Error,
                format!("Could not open {}", path.display()),
                e,
            ),
        }
    }

    pub fn set_node_param(&mut self, node: u64, name: &str, value: serde_json::Value) {
        self.edit_workflow(Edit::SetParam {
            id: NodeId(node),
            name: name.to_owned(),
            value,
        });
    }

    /// Start an empty workflow.
    pub fn new_workflow(&mut self) {
        self.workflow.open = Some(Editor::new("Untitled workflow", Default::default()));
        self.workflow.path = None;
        self.workflow.refusal = None;
        self.workflow.engine = Arc::default();
        self.workflow.last = None;
    }

    /// Change the open workflow (an empty one is started for a first node).
    pub fn edit_workflow(&mut self, edit: Edit) {
        if self.workflow.open.is_none() {
            self.new_workflow();
        }
        let Some(editor) = self.workflow.open.as_mut() else {
            return;
        };
        self.workflow.refusal = editor.apply(edit).err().map(|e| e.to_string());
    }

    /// Write the open workflow as a versioned JSON file.
    pub fn save_workflow(&mut self, path: &std::path::Path) {
        let Some(editor) = &self.workflow.open else {
            return;
        };
        let text = editor.to_file().to_text();
        match std::fs::write(path, text) {
            Ok(()) => {
                self.workflow.path = Some(path.to_path_buf());
                self.notify(Level::Info, "Workflow saved", path.display().to_string());
            }
            Err(e) => self.notify(
                Level::Error,
                format!("Could not save {}", path.display()),
                format!("{e}. Choose another folder."),
            ),
        }
    }

    /// Run the open workflow in the background (only changed parts recompute).
    pub fn run_workflow(&mut self) {
        let Some((name, g)) = self
            .workflow
            .open
            .as_ref()
            .map(|e| (e.name.clone(), e.graph.clone()))
        else {
            return;
        };
        if let Some(h) = self.workflow.running.take() {
            h.cancel();
        }
        let engine = self.workflow.engine.clone();
        let handle = self
            .tasks
            .spawn_blocking(&format!("Running {name}"), move |ctx| {
                let mut engine = engine
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let cancel = ctx.cancel_token();
                engine.run(&g, &cancel, &|done, total| {
                    ctx.progress(
                        done as f32 / total.max(1) as f32,
                        format!("{done}/{total} nodes"),
                    );
                })
            });
        self.workflow.running = Some(handle);
    }

    pub(super) fn poll_workflow(&mut self) {
        let Some(handle) = self.workflow.running.take() else {
            return;
        };
        match handle.try_take() {
            Err(h) => self.workflow.running = Some(h),
            Ok(Ok(out)) => self.workflow.last = Some(out),
            Ok(Err(e)) => self.notify(Level::Error, "The workflow did not finish", e.to_string()),
        }
    }
}
