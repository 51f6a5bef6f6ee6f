//! Workflow graphs: typed nodes and connections, independent of the editor
//! that draws them. The engine and the node library build on these types.

pub mod batch;
pub mod crate_meta;
pub mod edit;
pub mod engine;
pub mod expr;
pub mod file;
pub mod io_nodes;
pub mod library;
pub mod science;
pub mod seed;
pub mod slurm;
pub mod stream;
pub mod value;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// What flows along a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortType {
    /// An n-dimensional array with dtype, shape and units.
    Array,
    Scalar,
    Table,
    DatasetRef,
    File,
}

impl PortType {
    /// Whether an output of type `self` may feed an input of type `input`.
    /// A scalar is a 0-d array and a table a 2-D one (rows × columns), so
    /// both may feed array inputs; nothing else converts.
    pub fn feeds(self, input: Self) -> bool {
        self == input || (matches!(self, Self::Scalar | Self::Table) && input == Self::Array)
    }
}

/// Stable node id, kept in workflow files so diffs stay small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId(pub u64);

/// A node in a graph: its kind from the node library, its ports and parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub kind: String,
    pub inputs: Vec<PortType>,
    pub outputs: Vec<PortType>,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    /// Where the editor draws it (canvas coordinates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pos: Option<[f32; 2]>,
}

/// A connection from an output port to an input port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edge {
    pub from: (NodeId, usize),
    pub to: (NodeId, usize),
}

/// Why a change to a graph was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkflowError {
    #[error("there is no node {0:?}")]
    NoSuchNode(NodeId),
    #[error("node {node:?} has no port {port}")]
    NoSuchPort { node: NodeId, port: usize },
    #[error("an output of type {from:?} cannot feed an input of type {to:?}")]
    TypeMismatch { from: PortType, to: PortType },
    /// The types fit but the input needs another shape (a table into a
    /// node that takes a 1-D array).
    #[error("“{node}” needs {needs} at input {port}")]
    ShapeMismatch {
        node: String,
        port: usize,
        needs: &'static str,
    },
    #[error("this connection would make a loop; a workflow must flow one way")]
    Cycle,
    #[error("the run was cancelled")]
    Cancelled,
    #[error("the workflow file cannot be read: {0}")]
    File(String),
    /// An edit that does not fit the node library (unknown kind, wrong parameter).
    #[error("{0}")]
    Invalid(String),
}

/// A workflow graph.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    nodes: BTreeMap<NodeId, Node>,
    edges: BTreeSet<Edge>,
    next_id: u64,
}

impl Graph {
    pub fn add(&mut self, node: Node) -> NodeId {
        self.next_id += 1;
        let id = NodeId(self.next_id);
        self.nodes.insert(id, node);
        id
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id)
    }

    /// Add a node under a given id (files keep their ids stable).
    pub fn insert(&mut self, id: NodeId, node: Node) {
        self.next_id = self.next_id.max(id.0);
        self.nodes.insert(id, node);
    }

    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes.iter().map(|(id, n)| (*id, n))
    }

    /// Set a parameter of a node.
    pub fn set_param(
        &mut self,
        id: NodeId,
        name: &str,
        value: serde_json::Value,
    ) -> Result<(), WorkflowError> {
        let node = self
            .nodes
            .get_mut(&id)
            .ok_or(WorkflowError::NoSuchNode(id))?;
        node.params.insert(name.to_owned(), value);
        Ok(())
    }

    /// Remove a node and its connections.
    pub fn remove(&mut self, id: NodeId) -> Option<Node> {
        self.edges.retain(|e| e.from.0 != id && e.to.0 != id);
        self.nodes.remove(&id)
    }

    /// The graph cut down to what the nodes `keep` need: them and every node
    /// they draw on, upstream.
    pub fn needed_by(&self, keep: &[NodeId]) -> Self {
        let mut need: BTreeSet<NodeId> = BTreeSet::new();
        let mut stack: Vec<NodeId> = keep.to_vec();
        while let Some(n) = stack.pop() {
            if need.insert(n) {
                stack.extend(self.edges.iter().filter(|e| e.to.0 == n).map(|e| e.from.0));
            }
        }
        let mut g = self.clone();
        for id in self
            .nodes()
            .map(|(id, _)| id)
            .filter(|id| !need.contains(id))
        {
            g.remove(id);
        }
        g
    }

    /// Remove whatever feeds input `port` of `id`.
    pub fn disconnect(&mut self, to: (NodeId, usize)) -> bool {
        let before = self.edges.len();
        self.edges.retain(|e| e.to != to);
        self.edges.len() != before
    }

    /// Move a node on the canvas.
    pub fn set_pos(&mut self, id: NodeId, pos: [f32; 2]) {
        if let Some(n) = self.nodes.get_mut(&id) {
            n.pos = Some(pos);
        }
    }

    /// What feeds input `port` of `id`.
    pub fn source_of(&self, id: NodeId, port: usize) -> Option<(NodeId, usize)> {
        self.edges
            .iter()
            .find(|e| e.to == (id, port))
            .map(|e| e.from)
    }

    pub fn edges(&self) -> impl Iterator<Item = &Edge> {
        self.edges.iter()
    }

    /// Connect an output to an input, replacing whatever fed that input.
    pub fn connect(
        &mut self,
        from: (NodeId, usize),
        to: (NodeId, usize),
    ) -> Result<(), WorkflowError> {
        let out = self.port(from, false)?;
        let inp = self.port(to, true)?;
        if !out.feeds(inp) {
            return Err(WorkflowError::TypeMismatch { from: out, to: inp });
        }
        if from.0 == to.0 || self.reaches(to.0, from.0) {
            return Err(WorkflowError::Cycle);
        }
        self.edges.retain(|e| e.to != to);
        self.edges.insert(Edge { from, to });
        Ok(())
    }

    fn port(&self, (id, port): (NodeId, usize), input: bool) -> Result<PortType, WorkflowError> {
        let node = self.nodes.get(&id).ok_or(WorkflowError::NoSuchNode(id))?;
        let ports = if input { &node.inputs } else { &node.outputs };
        ports
            .get(port)
            .copied()
            .ok_or(WorkflowError::NoSuchPort { node: id, port })
    }

    /// True if `target` can be reached from `start` along edges.
    fn reaches(&self, start: NodeId, target: NodeId) -> bool {
        let mut stack = vec![start];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            if seen.insert(n) {
                stack.extend(self.edges.iter().filter(|e| e.from.0 == n).map(|e| e.to.0));
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(inputs: &[PortType], outputs: &[PortType]) -> Node {
        Node {
            kind: "test".into(),
            inputs: inputs.to_vec(),
            outputs: outputs.to_vec(),
            params: BTreeMap::new(),
            pos: None,
        }
    }

    #[test]
    fn connections_are_typed_and_acyclic() {
        use PortType::*;
        let mut g = Graph::default();
        let a = g.add(node(&[Array], &[Array]));
        let b = g.add(node(&[Array], &[Array]));
        let t = g.add(node(&[Table], &[]));
        g.connect((a, 0), (b, 0)).expect("a→b");
        assert_eq!(
            g.connect((b, 0), (a, 0)),
            Err(WorkflowError::Cycle),
            "b→a closes a loop"
        );
        assert_eq!(
            g.connect((a, 0), (t, 0)),
            Err(WorkflowError::TypeMismatch {
                from: Array,
                to: Table
            })
        );
        assert_eq!(
            g.connect((a, 3), (b, 0)),
            Err(WorkflowError::NoSuchPort { node: a, port: 3 })
        );
        let s = g.add(node(&[], &[Scalar]));
        g.connect((s, 0), (b, 0)).expect("scalar feeds array");
        // The new edge replaced the old one into b's input 0.
        assert_eq!(g.edges().count(), 1);
    }
}
