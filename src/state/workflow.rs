//! The Workflows tab's state: the open workflow, its engine (whose cache
//! survives between runs) and the last run's results.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::{AppState, Level};
use crate::runtime::TaskHandle;
use crate::workflow::engine::{Engine, Outcome};
use crate::workflow::file::WorkflowFile;
use crate::workflow::{Graph, NodeId};

#[derive(Default)]
pub struct WorkflowState {
    /// Example workflows shipped in `assets/workflows/`.
    pub examples: Vec<PathBuf>,
    /// The open workflow: its name and graph.
    pub open: Option<(String, Graph)>,
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
                self.workflow.open = Some((name, g));
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
        if let Some((_, g)) = self.workflow.open.as_mut()
            && let Err(e) = g.set_param(NodeId(node), name, value)
        {
            self.notify(Level::Error, "The parameter was not set", e.to_string());
        }
    }

    /// Run the open workflow in the background (only changed parts recompute).
    pub fn run_workflow(&mut self) {
        let Some((name, g)) = self.workflow.open.clone() else {
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
