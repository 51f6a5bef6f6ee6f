//! The node library: every node kind a graph can hold, each one entry
//! ([`NodeSpec`]) in the file of its family, carrying everything the rest of
//! the program asks about it: ports and parameters for the editor, its
//! function, whether a stack of frames passes through it frame by frame,
//! which files it reads or writes, and what the window does with its result
//! after a run. Adding a node is one entry in one of these files; nothing
//! else matches on node kinds.

pub mod analysis;
pub mod arithmetic;
pub mod inputs;
pub mod outputs;
pub mod reductions;
pub mod selection;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value as J;
use tokio_util::sync::CancellationToken;

use super::value::{Args, Elementwise, EvalFn, FrameStep, NodeError, Reduction, Value};
use super::{Node, PortType};

/// The families, each a file of specs, in the order the palette lists them.
const FAMILIES: [&[NodeSpec]; 6] = [
    inputs::SPECS,
    arithmetic::SPECS,
    selection::SPECS,
    reductions::SPECS,
    analysis::SPECS,
    outputs::SPECS,
];

/// Categories in the order a pipeline uses them (palette, menus).
pub const CATEGORIES: [&str; 7] = [
    "Inputs",
    "Arithmetic",
    "Corrections",
    "Selection",
    "Reductions",
    "Analysis",
    "Outputs",
];

/// Which files a node reads or writes, named by its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    None,
    /// The `file` parameter: a path, an h5grove URL or a pattern of files.
    Reads,
    /// The files of the catalogue dataset in its `dataset` parameter.
    ReadsDataset,
    /// The file its `file` parameter names.
    Writes,
}

/// What the window does with a node's result after a run (headless runs
/// pass the value on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterRun {
    Nothing,
    /// Open it in the viewer.
    Show,
    /// Start a derived-dataset draft in the Metadata tab.
    DescribeDerived,
}

/// A node kind of the library.
#[derive(Debug, Clone, Copy)]
pub struct NodeSpec {
    pub kind: &'static str,
    pub title: &'static str,
    pub category: &'static str,
    pub inputs: &'static [PortType],
    pub outputs: &'static [PortType],
    /// What each input needs beyond its port type, in input order; inputs
    /// past the end take any rank.
    pub ranks: &'static [Rank],
    /// Parameters and their defaults.
    pub params: fn() -> BTreeMap<String, J>,
    /// The output from the inputs (whole values; stacks are handled by
    /// [`eval_with`] before it).
    pub eval: EvalFn,
    /// Whether it acts on each frame on its own, so a stack passes through
    /// it frame by frame (the first axis of its input is the frame axis).
    pub frame_wise: bool,
    /// The node as plain arithmetic on elements, for fused reads.
    pub elementwise: Option<Elementwise>,
    /// The reduction a stack streams into (its `axis` parameter says along
    /// which axis).
    pub reduction: Option<Reduction>,
    pub files: Files,
    pub after_run: AfterRun,
}

fn no_params() -> BTreeMap<String, J> {
    BTreeMap::new()
}

impl NodeSpec {
    /// A node of no inputs, outputs or parameters yet; the methods below
    /// add them, so each entry lists only what it has.
    pub const fn new(
        kind: &'static str,
        title: &'static str,
        category: &'static str,
        eval: EvalFn,
    ) -> Self {
        Self {
            kind,
            title,
            category,
            inputs: &[],
            outputs: &[],
            ranks: &[],
            params: no_params,
            eval,
            frame_wise: false,
            elementwise: None,
            reduction: None,
            files: Files::None,
            after_run: AfterRun::Nothing,
        }
    }

    pub const fn ports(
        mut self,
        inputs: &'static [PortType],
        outputs: &'static [PortType],
    ) -> Self {
        self.inputs = inputs;
        self.outputs = outputs;
        self
    }

    pub const fn ranks(mut self, ranks: &'static [Rank]) -> Self {
        self.ranks = ranks;
        self
    }

    pub const fn params(mut self, params: fn() -> BTreeMap<String, J>) -> Self {
        self.params = params;
        self
    }

    pub const fn frame_wise(mut self) -> Self {
        self.frame_wise = true;
        self
    }

    pub const fn elementwise(mut self, e: Elementwise) -> Self {
        self.elementwise = Some(e);
        self.frame_wise = true;
        self
    }

    pub const fn reduction(mut self, r: Reduction) -> Self {
        self.reduction = Some(r);
        self
    }

    pub const fn files(mut self, files: Files) -> Self {
        self.files = files;
        self
    }

    pub const fn after_run(mut self, after: AfterRun) -> Self {
        self.after_run = after;
        self
    }

    /// What input `port` needs beyond its type.
    pub fn rank(&self, port: usize) -> Rank {
        self.ranks.get(port).copied().unwrap_or(Rank::Any)
    }
}

/// The shape an array input needs, checked when a wire is made: a scalar
/// is 0-d and a table 2-D (rows × columns), so a wire from either can be
/// refused before anything runs. Arrays' ranks are only known at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    Any,
    /// A 1-D array.
    One,
    /// A 1-D array, or a table (its first column).
    Series,
    /// Two axes or more (the last two are rows and columns).
    AtLeastTwo,
    /// A 2-D image; a table has two axes but is not one.
    Image,
}

impl Rank {
    /// Why an output of type `from` cannot feed an input needing `self`;
    /// `None` if it can (or only a run can tell).
    pub fn refuses(self, from: PortType) -> Option<&'static str> {
        match (self, from) {
            (Self::One | Self::Series, PortType::Scalar) => {
                Some("a 1-D array, not a single number")
            }
            (Self::One, PortType::Table) => {
                Some("a 1-D array, not a table; take one column with “Column of a table” first")
            }
            (Self::AtLeastTwo, PortType::Scalar) => {
                Some("an array of 2 or more axes, not a single number")
            }
            (Self::Image, PortType::Scalar) => Some("a 2-D image, not a single number"),
            (Self::Image, PortType::Table) => Some("a 2-D image, not a table"),
            // Any rank, or arrays (whose rank only a run can tell).
            _ => None,
        }
    }
}

/// Every node kind, family by family.
pub fn all() -> impl Iterator<Item = &'static NodeSpec> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// The categories that have nodes, in [`CATEGORIES`] order.
pub fn categories() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for s in all() {
        if !v.contains(&s.category) {
            v.push(s.category);
        }
    }
    v.sort_by_key(|c| CATEGORIES.iter().position(|x| x == c).unwrap_or(usize::MAX));
    v
}

pub fn spec(kind: &str) -> Option<&'static NodeSpec> {
    all().find(|s| s.kind == kind)
}

/// Whether a node kind reads the files named in its `file` parameter (a
/// path, an h5grove URL or, for frames, a pattern).
pub fn reads_files(kind: &str) -> bool {
    spec(kind).is_some_and(|s| s.files == Files::Reads)
}

/// Whether nodes of this kind write the file their `file` parameter names.
pub fn writes_files(kind: &str) -> bool {
    spec(kind).is_some_and(|s| s.files == Files::Writes)
}

/// What the window does after a run with the results of this kind's nodes.
pub fn after_run(kind: &str) -> AfterRun {
    spec(kind).map_or(AfterRun::Nothing, |s| s.after_run)
}

/// The files a node reads, as they are now on disk or in the catalogue:
/// its `file` pattern expanded, or its catalogue dataset's files.
pub fn files_read(kind: &str, params: &BTreeMap<String, J>) -> Vec<String> {
    let Some(s) = spec(kind) else {
        return Vec::new();
    };
    match (s.files, params.get("file"), params.get("dataset")) {
        (Files::Reads, Some(J::String(pattern)), _) => {
            super::stream::expand(pattern).unwrap_or_default()
        }
        (Files::ReadsDataset, _, Some(J::String(dataset))) => {
            super::io_nodes::dataset_files(dataset).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// A new node of a kind, with its ports and default parameters.
pub fn make(kind: &str) -> Option<Node> {
    let s = spec(kind)?;
    Some(Node {
        kind: s.kind.to_owned(),
        inputs: s.inputs.to_vec(),
        outputs: s.outputs.to_vec(),
        params: (s.params)(),
        pos: None,
    })
}

/// Compute a node's output from its inputs.
pub fn eval(
    kind: &str,
    params: &BTreeMap<String, J>,
    inputs: &[Option<Arc<Value>>],
) -> Result<Value, NodeError> {
    eval_with(kind, params, inputs, &CancellationToken::new())
}

/// [`eval`] that stops reading a stack when `cancel` fires. Stacks pass
/// through frame-wise nodes and stream into reductions; other nodes get them
/// whole, within the memory budget.
pub fn eval_with(
    kind: &str,
    params: &BTreeMap<String, J>,
    inputs: &[Option<Arc<Value>>],
    cancel: &CancellationToken,
) -> Result<Value, NodeError> {
    let s = spec(kind).ok_or_else(|| NodeError::UnknownKind(kind.to_owned()))?;
    if let Some(v) = streamed(s, params, inputs, cancel)? {
        return Ok(v);
    }
    if !inputs
        .iter()
        .any(|v| matches!(v.as_deref(), Some(Value::Stack(_))))
    {
        return (s.eval)(&Args::new(params, inputs));
    }
    let whole: Vec<Option<Arc<Value>>> = inputs
        .iter()
        .map(|v| match v.as_deref() {
            Some(Value::Stack(s)) => s
                .materialize(cancel)
                .map(|a| Some(Arc::new(Value::Array(a)))),
            _ => Ok(v.clone()),
        })
        .collect::<Result<_, _>>()?;
    (s.eval)(&Args::new(params, &whole))
}

/// A node with one stack among its inputs: a step each frame goes through
/// (frame-wise nodes, when the other inputs fit one frame), a streamed
/// reduction, or `None` when the node needs its inputs whole.
fn streamed(
    s: &NodeSpec,
    params: &BTreeMap<String, J>,
    inputs: &[Option<Arc<Value>>],
    cancel: &CancellationToken,
) -> Result<Option<Value>, NodeError> {
    let stacks: Vec<(usize, &Arc<super::value::Stack>)> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v.as_deref() {
            Some(Value::Stack(s)) => Some((i, s)),
            _ => None,
        })
        .collect();
    let [(slot, stack)] = stacks.as_slice() else {
        return Ok(None);
    };
    if s.frame_wise {
        // Other inputs must fit one frame (a dark image, a number), not the stack.
        let frame_nd = stack.frame_shape.len();
        let fits = inputs.iter().enumerate().all(|(i, v)| {
            i == *slot
                || match v.as_deref() {
                    None | Some(Value::Scalar(_)) => true,
                    Some(other) => other.ndim() <= frame_nd,
                }
        });
        if !fits {
            return Ok(None);
        }
        let mut step_inputs = inputs.to_vec();
        step_inputs[*slot] = None;
        return Ok(Some(Value::Stack(Arc::new(stack.then(FrameStep {
            kind: s.kind.to_owned(),
            eval: s.eval,
            elementwise: s.elementwise,
            params: params.clone(),
            inputs: step_inputs,
            slot: *slot,
        })))));
    }
    if let Some(r) = s.reduction
        && *slot == 0
    {
        let axis = Args::new(params, inputs).axis(stack.frame_shape.len() + 1)?;
        return stack.reduce(r, axis, cancel).map(Some);
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
