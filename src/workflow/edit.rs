//! Editing a workflow as the node editor does it: add, remove, connect (a
//! refused connection says why), move, set parameters, copy and paste, and
//! undo/redo of every change. The GUI's canvas and the tests both drive it.

use std::collections::{BTreeMap, BTreeSet};

use super::file::WorkflowFile;
use super::{Graph, NodeId, WorkflowError, library};

/// How many changes undo remembers.
const UNDO_DEPTH: usize = 200;

/// One change to an open workflow, as the editor's canvas, menus and
/// shortcuts ask for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    Add {
        kind: String,
        pos: [f32; 2],
    },
    Remove(Vec<NodeId>),
    Connect {
        from: (NodeId, usize),
        to: (NodeId, usize),
    },
    Disconnect {
        to: (NodeId, usize),
    },
    Move {
        id: NodeId,
        pos: [f32; 2],
    },
    SetParam {
        id: NodeId,
        name: String,
        value: serde_json::Value,
    },
    Paste {
        text: String,
        offset: [f32; 2],
    },
    Undo,
    Redo,
}

// Positions are finite canvas coordinates, so equality is total in practice
// (commands compare edits only in tests).
impl Eq for Edit {}

/// An open, editable workflow.
#[derive(Debug, Clone, Default)]
pub struct Editor {
    pub name: String,
    pub graph: Graph,
    undo: Vec<Graph>,
    redo: Vec<Graph>,
    /// Bumped on every change, so views know to redraw from the graph.
    pub revision: u64,
}

impl Editor {
    /// Open a graph for editing; nodes without a position are laid out
    /// left to right by their depth in the graph.
    pub fn new(name: impl Into<String>, mut graph: Graph) -> Self {
        for (id, pos) in auto_layout(&graph) {
            if graph.node(id).is_some_and(|n| n.pos.is_none()) {
                graph.set_pos(id, pos);
            }
        }
        Self {
            name: name.into(),
            graph,
            ..Self::default()
        }
    }

    /// Record the graph before a change.
    fn checkpoint(&mut self) {
        self.undo.push(self.graph.clone());
        if self.undo.len() > UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.redo.clear();
        self.revision += 1;
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(g) => {
                self.redo.push(std::mem::replace(&mut self.graph, g));
                self.revision += 1;
                true
            }
            None => false,
        }
    }

    pub fn redo(&mut self) -> bool {
        match self.redo.pop() {
            Some(g) => {
                self.undo.push(std::mem::replace(&mut self.graph, g));
                self.revision += 1;
                true
            }
            None => false,
        }
    }

    /// Apply one edit; a refused edit changes nothing and says why.
    pub fn apply(&mut self, edit: Edit) -> Result<(), WorkflowError> {
        match edit {
            Edit::Add { kind, pos } => self.add(&kind, pos).map(|_| ()),
            Edit::Remove(ids) => {
                self.remove(&ids);
                Ok(())
            }
            Edit::Connect { from, to } => self.connect(from, to),
            Edit::Disconnect { to } => {
                self.disconnect(to);
                Ok(())
            }
            Edit::Move { id, pos } => {
                self.move_node(id, pos);
                Ok(())
            }
            Edit::SetParam { id, name, value } => self.set_param(id, &name, value),
            Edit::Paste { text, offset } => self.paste(&text, offset).map(|_| ()),
            Edit::Undo => {
                self.undo();
                Ok(())
            }
            Edit::Redo => {
                self.redo();
                Ok(())
            }
        }
    }

    /// Add a node of a library kind at a canvas position.
    pub fn add(&mut self, kind: &str, pos: [f32; 2]) -> Result<NodeId, WorkflowError> {
        let mut node = library::make(kind)
            .ok_or_else(|| WorkflowError::Invalid(format!("there is no node kind “{kind}”")))?;
        node.pos = Some(pos);
        self.checkpoint();
        Ok(self.graph.add(node))
    }

    /// Remove nodes (and their connections).
    pub fn remove(&mut self, ids: &[NodeId]) {
        if ids.iter().all(|id| self.graph.node(*id).is_none()) {
            return;
        }
        self.checkpoint();
        for id in ids {
            self.graph.remove(*id);
        }
    }

    /// Connect an output to an input. A refused connection leaves the graph
    /// and the undo history untouched and says why.
    pub fn connect(
        &mut self,
        from: (NodeId, usize),
        to: (NodeId, usize),
    ) -> Result<(), WorkflowError> {
        let mut trial = self.graph.clone();
        trial.connect(from, to)?;
        let out = self.graph.node(from.0).and_then(|n| n.outputs.get(from.1));
        let spec = self
            .graph
            .node(to.0)
            .and_then(|n| super::library::spec(&n.kind));
        if let (Some(out), Some(spec)) = (out, spec)
            && let Some(needs) = spec.rank(to.1).refuses(*out)
        {
            return Err(WorkflowError::ShapeMismatch {
                node: spec.title.to_string(),
                port: to.1 + 1,
                needs,
            });
        }
        self.checkpoint();
        self.graph = trial;
        Ok(())
    }

    /// Remove what feeds an input.
    pub fn disconnect(&mut self, to: (NodeId, usize)) {
        if self.graph.source_of(to.0, to.1).is_some() {
            self.checkpoint();
            self.graph.disconnect(to);
        }
    }

    /// Move a node. Moves of the same node in a row (one drag) are one undo step.
    pub fn move_node(&mut self, id: NodeId, pos: [f32; 2]) {
        let Some(node) = self.graph.node(id) else {
            return;
        };
        if node.pos == Some(pos) {
            return;
        }
        let same_drag = self
            .undo
            .last()
            .is_some_and(|prev| only_moved(prev, &self.graph, id));
        if same_drag {
            self.revision += 1;
            self.redo.clear();
        } else {
            self.checkpoint();
        }
        self.graph.set_pos(id, pos);
    }

    /// Set a parameter after checking it against the node's default type.
    pub fn set_param(
        &mut self,
        id: NodeId,
        name: &str,
        value: serde_json::Value,
    ) -> Result<(), WorkflowError> {
        let node = self.graph.node(id).ok_or(WorkflowError::NoSuchNode(id))?;
        check_param(&node.kind, name, &value)?;
        if node.params.get(name) == Some(&value) {
            return Ok(());
        }
        self.checkpoint();
        self.graph.set_param(id, name, value)
    }

    /// The selected nodes and the connections between them, as workflow-file
    /// JSON (what goes to the clipboard).
    pub fn copy(&self, ids: &BTreeSet<NodeId>) -> String {
        let mut sub = Graph::default();
        for id in ids {
            if let Some(n) = self.graph.node(*id) {
                sub.insert(*id, n.clone());
            }
        }
        for e in self.graph.edges() {
            if ids.contains(&e.from.0) && ids.contains(&e.to.0) {
                let _ = sub.connect(e.from, e.to);
            }
        }
        WorkflowFile::from_graph("clipboard", &sub).to_text()
    }

    /// Paste copied nodes as new nodes, shifted by `offset`; returns their ids.
    pub fn paste(&mut self, text: &str, offset: [f32; 2]) -> Result<Vec<NodeId>, WorkflowError> {
        let copied = WorkflowFile::parse(text)?.to_graph()?;
        if copied.nodes().next().is_none() {
            return Ok(Vec::new());
        }
        self.checkpoint();
        let mut map: BTreeMap<NodeId, NodeId> = BTreeMap::new();
        for (old, n) in copied.nodes() {
            let mut n = n.clone();
            let [x, y] = n.pos.unwrap_or([0.0, 0.0]);
            n.pos = Some([x + offset[0], y + offset[1]]);
            map.insert(old, self.graph.add(n));
        }
        for e in copied.edges() {
            if let (Some(a), Some(b)) = (map.get(&e.from.0), map.get(&e.to.0)) {
                self.graph.connect((*a, e.from.1), (*b, e.to.1))?;
            }
        }
        Ok(map.into_values().collect())
    }

    /// The workflow as a file.
    pub fn to_file(&self) -> WorkflowFile {
        WorkflowFile::from_graph(&self.name, &self.graph)
    }
}

/// Column spacing and row spacing of [`auto_layout`], in canvas units.
const COLUMN: f32 = 270.0;
const ROW: f32 = 230.0;

/// Positions for every node: a column per depth (longest path from an
/// input), rows in id order.
pub fn auto_layout(g: &Graph) -> BTreeMap<NodeId, [f32; 2]> {
    let mut depth: BTreeMap<NodeId, usize> = g.nodes().map(|(id, _)| (id, 0)).collect();
    // Longest path by relaxation; the graph is acyclic, so n rounds suffice.
    for _ in 0..depth.len() {
        let mut changed = false;
        for e in g.edges() {
            let d = depth.get(&e.from.0).copied().unwrap_or(0) + 1;
            if let Some(t) = depth.get_mut(&e.to.0)
                && *t < d
            {
                *t = d;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
    depth
        .into_iter()
        .map(|(id, d)| {
            let row = rows.entry(d).or_default();
            let pos = [40.0 + COLUMN * d as f32, 40.0 + ROW * *row as f32];
            *row += 1;
            (id, pos)
        })
        .collect()
}

/// True when `after` differs from `before` only in the position of `id`.
fn only_moved(before: &Graph, after: &Graph, id: NodeId) -> bool {
    let mut b = before.clone();
    if let Some(n) = after.node(id) {
        b.set_pos(id, n.pos.unwrap_or([0.0, 0.0]));
    }
    let mut a = after.clone();
    if let Some(n) = after.node(id) {
        a.set_pos(id, n.pos.unwrap_or([0.0, 0.0]));
    }
    a == b && before.node(id).map(|n| n.pos) != after.node(id).map(|n| n.pos)
}

/// A parameter value must have the type of its default (a number for a
/// number, a whole number for a count, text for text); `null` is allowed
/// where the default is `null` or a number (an optional axis).
pub fn check_param(kind: &str, name: &str, value: &serde_json::Value) -> Result<(), WorkflowError> {
    use serde_json::Value as J;
    let Some(default) = library::spec(kind).and_then(|s| (s.params)().get(name).cloned()) else {
        return Err(WorkflowError::Invalid(format!(
            "a {kind} node has no parameter “{name}”"
        )));
    };
    let ok = match (&default, value) {
        (J::Null, J::Null | J::Number(_))
        | (J::String(_), J::String(_))
        | (J::Bool(_), J::Bool(_))
        | (J::Array(_), J::Array(_))
        | (J::Object(_), J::Object(_)) => true,
        (J::Number(d), J::Number(v)) => !(d.is_u64() || d.is_i64()) || v.is_i64() || v.is_u64(),
        (J::Number(_), J::Null) => name == "axis",
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(WorkflowError::Invalid(format!(
            "{name} must be {}",
            match default {
                J::Number(d) if d.is_u64() || d.is_i64() => "a whole number",
                J::Number(_) => "a number",
                J::String(_) => "text",
                J::Bool(_) => "yes or no",
                J::Null => "a number or empty",
                _ => "a list",
            }
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn edits_undo_and_redo() {
        let mut e = Editor::new("t", Graph::default());
        let a = e.add("linspace", [0.0, 0.0]).expect("add");
        let b = e.add("sum", [200.0, 0.0]).expect("add");
        e.connect((a, 0), (b, 0)).expect("connect");
        e.set_param(a, "count", json!(5)).expect("param");
        assert_eq!(e.graph.edges().count(), 1);
        assert!(e.undo());
        assert_eq!(e.graph.node(a).expect("a").params["count"], json!(11));
        assert!(e.undo());
        assert_eq!(e.graph.edges().count(), 0);
        assert!(e.redo());
        assert_eq!(e.graph.edges().count(), 1);
        // A new change after undo drops the redo history.
        e.remove(&[b]);
        assert!(!e.can_redo());
        assert!(e.graph.node(b).is_none());
        assert_eq!(e.graph.edges().count(), 0);
        assert!(e.undo());
        assert!(e.graph.node(b).is_some());
        assert_eq!(e.graph.edges().count(), 1);
    }

    #[test]
    fn refused_connections_say_why_and_change_nothing() {
        let mut e = Editor::new("t", Graph::default());
        let a = e.add("linspace", [0.0, 0.0]).expect("add");
        let b = e.add("scale", [0.0, 0.0]).expect("add");
        e.connect((a, 0), (b, 0)).expect("a→b");
        let steps = e.undo.len();
        let err = e.connect((b, 0), (b, 0)).expect_err("loop");
        assert!(err.to_string().contains("loop"), "{err}");
        let c = e.add("constant", [0.0, 0.0]).expect("add");
        let err = e.connect((c, 0), (a, 0)).expect_err("no input");
        assert!(err.to_string().contains("no port"), "{err}");
        // A table is refused by a node that takes a 1-D array when the wire
        // is made, not at Run, and the message says what to do instead.
        let fit = e.add("peak_fit", [0.0, 0.0]).expect("add");
        let rebin = e.add("rebin", [0.0, 0.0]).expect("add");
        let err = e.connect((fit, 0), (rebin, 0)).expect_err("table into 1-D");
        assert!(err.to_string().contains("Column of a table"), "{err}");
        assert!(e.graph.source_of(rebin, 0).is_none());
        let column = e.add("column", [0.0, 0.0]).expect("add");
        e.connect((fit, 0), (column, 0)).expect("table into column");
        e.connect((column, 0), (rebin, 0))
            .expect("column into rebin");
        assert_eq!(
            e.undo.len(),
            steps + 6,
            "the adds and the two accepted wires"
        );
    }

    #[test]
    fn a_drag_is_one_undo_step() {
        let mut e = Editor::new("t", Graph::default());
        let a = e.add("constant", [0.0, 0.0]).expect("add");
        for x in 1..20 {
            e.move_node(a, [x as f32, 0.0]);
        }
        assert_eq!(e.graph.node(a).expect("a").pos, Some([19.0, 0.0]));
        assert!(e.undo());
        assert_eq!(e.graph.node(a).expect("a").pos, Some([0.0, 0.0]));
    }

    #[test]
    fn copy_and_paste_keeps_inner_connections() {
        let mut e = Editor::new("t", Graph::default());
        let a = e.add("linspace", [0.0, 0.0]).expect("add");
        let b = e.add("scale", [100.0, 0.0]).expect("add");
        let c = e.add("sum", [200.0, 0.0]).expect("add");
        e.connect((a, 0), (b, 0)).expect("a→b");
        e.connect((b, 0), (c, 0)).expect("b→c");
        e.set_param(b, "factor", json!(3.0)).expect("param");
        let text = e.copy(&BTreeSet::from([a, b]));
        let new = e.paste(&text, [0.0, 150.0]).expect("paste");
        assert_eq!(new.len(), 2);
        assert_eq!(e.graph.nodes().count(), 5);
        assert_eq!(e.graph.edges().count(), 3, "a'→b' came along, b→c did not");
        let b2 = new[1];
        assert_eq!(e.graph.node(b2).expect("b'").params["factor"], json!(3.0));
        assert_eq!(e.graph.node(b2).expect("b'").pos, Some([100.0, 150.0]));
        assert!(e.paste("not json", [0.0, 0.0]).is_err());
    }

    #[test]
    fn nodes_without_positions_are_laid_out_by_depth() {
        let mut g = Graph::default();
        let a = g.add(library::make("linspace").expect("node"));
        let b = g.add(library::make("constant").expect("node"));
        let c = g.add(library::make("normalise").expect("node"));
        let d = g.add(library::make("sum").expect("node"));
        g.connect((a, 0), (c, 0)).expect("a→c");
        g.connect((b, 0), (c, 1)).expect("b→c");
        g.connect((c, 0), (d, 0)).expect("c→d");
        let e = Editor::new("t", g);
        let pos = |id| e.graph.node(id).and_then(|n| n.pos).expect("pos");
        assert_eq!(pos(a)[0], pos(b)[0]);
        assert!(pos(a)[1] < pos(b)[1]);
        assert!(pos(c)[0] > pos(a)[0] && pos(d)[0] > pos(c)[0]);
        assert!(!e.can_undo(), "laying out is not an edit");
    }

    #[test]
    fn parameters_are_checked() {
        let mut e = Editor::new("t", Graph::default());
        let h = e.add("histogram", [0.0, 0.0]).expect("add");
        let err = e.set_param(h, "bins", json!(2.5)).expect_err("whole");
        assert_eq!(err.to_string(), "bins must be a whole number");
        assert!(e.set_param(h, "bins", json!("ten")).is_err());
        assert!(e.set_param(h, "nonsense", json!(1)).is_err());
        let s = e.add("sum", [0.0, 0.0]).expect("add");
        e.set_param(s, "axis", json!(0)).expect("axis");
        e.set_param(s, "axis", json!(null)).expect("no axis");
    }
}
