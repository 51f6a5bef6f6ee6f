//! What flows between nodes, at the bottom of the workflow modules: values,
//! stacks of frames (their reading is in [`super::stream`]), why a node
//! fails, and what a node's function is handed ([`Args`]: its inputs and
//! parameters, with helpers that turn a wrong parameter into a
//! [`NodeError`] naming it).

use std::collections::BTreeMap;
use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn};
use serde_json::Value as J;

/// What flows between nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Array(ArrayD<f64>),
    /// Named columns of numbers (fit results, peak lists).
    Table(Table),
    /// Frames read a batch at a time (large datasets, many files).
    Stack(Arc<Stack>),
}

/// A small table: one row per item, one named column per quantity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<f64>>,
}

impl Table {
    /// Rows × columns as a 2-D array.
    pub fn to_array(&self) -> ArrayD<f64> {
        let n = self.columns.len();
        let flat: Vec<f64> = self
            .rows
            .iter()
            .flat_map(|r| (0..n).map(|i| r.get(i).copied().unwrap_or(f64::NAN)))
            .collect();
        ArrayD::from_shape_vec(IxDyn(&[self.rows.len(), n]), flat)
            .unwrap_or_else(|_| ArrayD::zeros(IxDyn(&[0, n])))
    }

    /// The value of a column in the first row.
    pub fn get(&self, column: &str) -> Option<f64> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.rows.first()?.get(i).copied()
    }
}

impl Value {
    /// The value as an n-d array (a scalar is 0-d, a table rows × columns).
    /// A stack is made whole by [`super::library::eval_with`] before any node
    /// sees it, so
    /// here it is empty.
    pub fn to_array(&self) -> ArrayD<f64> {
        match self {
            Self::Scalar(s) => ArrayD::from_elem(IxDyn(&[]), *s),
            Self::Array(a) => a.clone(),
            Self::Table(t) => t.to_array(),
            Self::Stack(s) => {
                let mut shape = vec![0];
                shape.extend_from_slice(&s.frame_shape);
                ArrayD::zeros(IxDyn(&shape))
            }
        }
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        match self {
            Self::Scalar(_) => 0,
            Self::Array(a) => a.ndim(),
            Self::Table(_) => 2,
            Self::Stack(s) => s.frame_shape.len() + 1,
        }
    }

    /// A short description for previews: the number, or the shape and range.
    pub fn summary(&self) -> String {
        match self {
            Self::Scalar(s) => format!("{s}"),
            Self::Array(a) => {
                let (lo, hi) = a
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                        (l.min(*v), h.max(*v))
                    });
                format!(
                    "{:?} array, {} … {}",
                    a.shape(),
                    crate::units::short(lo),
                    crate::units::short(hi)
                )
            }
            Self::Table(t) => {
                let first: Vec<String> = t
                    .columns
                    .iter()
                    .zip(t.rows.first().into_iter().flatten())
                    .take(4)
                    .map(|(c, v)| format!("{c} {v:.4}"))
                    .collect();
                format!(
                    "table {}×{}: {}",
                    t.rows.len(),
                    t.columns.len(),
                    first.join(", ")
                )
            }
            Self::Stack(s) => s.summary(),
        }
    }
}

/// Why a node could not compute its output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    #[error("unknown node kind “{0}”")]
    UnknownKind(String),
    #[error("input {0} is not connected")]
    MissingInput(usize),
    #[error("parameter {name}: {detail}")]
    BadParam { name: String, detail: String },
    #[error("{0}")]
    Compute(String),
}

/// One dataset that gives frames.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// A local file or an h5grove URL.
    pub location: String,
    pub path: String,
    pub frames: usize,
    /// Whether the dataset has a frame axis in front (else it is one frame).
    pub framed: bool,
}

/// A node's function: its output from its inputs and parameters.
pub type EvalFn = fn(&Args<'_>) -> Result<Value, NodeError>;

/// One step each frame goes through: a node with the frame in one input.
#[derive(Debug, Clone)]
pub struct FrameStep {
    pub kind: String,
    pub eval: EvalFn,
    /// The step as plain arithmetic on numbers, when it is (fused reads).
    pub elementwise: Option<Elementwise>,
    pub params: BTreeMap<String, J>,
    pub inputs: Vec<Option<Arc<Value>>>,
    pub slot: usize,
}

impl PartialEq for FrameStep {
    /// Steps are equal when they are the same node kind with the same
    /// parameters and inputs (the kind names the function).
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.params == other.params
            && self.inputs == other.inputs
            && self.slot == other.slot
    }
}

/// Frames from one or more datasets, with the steps they go through. Read
/// a batch at a time by the methods in [`super::stream`].
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub parts: Vec<Part>,
    /// The shape of a frame as read (steps such as a region of interest may
    /// make it smaller).
    pub frame_shape: Vec<usize>,
    pub steps: Vec<FrameStep>,
}

/// Arithmetic on two numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Self::Add => a + b,
            Self::Sub => a - b,
            Self::Mul => a * b,
            Self::Div => a / b,
        }
    }
}

/// A node that is plain arithmetic on each element, so a stack's reading
/// can apply it to a block of numbers without building frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elementwise {
    /// Its two inputs combined element by element.
    Binary(BinOp),
    /// `x × factor + offset`, from its `factor` and `offset` parameters.
    ScaleOffset,
}

/// A reduction a stack can stream into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    Sum,
    Mean,
    Max,
}

impl Reduction {
    /// Over all of `a` (`axis` None), or along one axis.
    pub fn apply(self, a: &ArrayD<f64>, axis: Option<usize>) -> Value {
        let f = |l: ndarray::ArrayViewD<'_, f64>| match self {
            Self::Sum => l.sum(),
            Self::Mean => l.mean().unwrap_or(f64::NAN),
            Self::Max => l.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        };
        match axis {
            None => Value::Scalar(f(a.view())),
            Some(ax) => Value::Array(a.map_axis(Axis(ax), |lane| f(lane.into_dyn()))),
        }
    }
}

/// What a node's function is handed: its inputs, in port order (`None`
/// where nothing is wired), and its parameters.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a> {
    pub params: &'a BTreeMap<String, J>,
    pub inputs: &'a [Option<Arc<Value>>],
}

impl<'a> Args<'a> {
    pub fn new(params: &'a BTreeMap<String, J>, inputs: &'a [Option<Arc<Value>>]) -> Self {
        Self { params, inputs }
    }

    /// Input `i`, which must be wired.
    pub fn input(&self, i: usize) -> Result<&'a Value, NodeError> {
        self.optional(i).ok_or(NodeError::MissingInput(i))
    }

    /// Input `i` if it is wired.
    pub fn optional(&self, i: usize) -> Option<&'a Value> {
        self.inputs.get(i).and_then(|v| v.as_deref())
    }

    fn bad(name: &str, detail: impl Into<String>) -> NodeError {
        NodeError::BadParam {
            name: name.into(),
            detail: detail.into(),
        }
    }

    /// A number parameter.
    pub fn num(&self, name: &str) -> Result<f64, NodeError> {
        self.params
            .get(name)
            .and_then(J::as_f64)
            .ok_or_else(|| Self::bad(name, "must be a number"))
    }

    /// A count parameter: a whole number above 0 (and below 10⁸).
    pub fn count(&self, name: &str) -> Result<usize, NodeError> {
        self.params
            .get(name)
            .and_then(J::as_u64)
            .filter(|n| *n > 0 && *n < 100_000_000)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| Self::bad(name, "must be a whole number above 0"))
    }

    /// A whole-number parameter, of any sign.
    pub fn int(&self, name: &str) -> Result<i64, NodeError> {
        self.params
            .get(name)
            .and_then(J::as_i64)
            .ok_or_else(|| Self::bad(name, "must be a whole number"))
    }

    /// A text parameter.
    pub fn text(&self, name: &str) -> Result<String, NodeError> {
        self.params
            .get(name)
            .and_then(J::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Self::bad(name, "must be text"))
    }

    /// The `axis` parameter of a reduction over a value of `ndim` axes
    /// (`None`: all of them).
    pub fn axis(&self, ndim: usize) -> Result<Option<usize>, NodeError> {
        match self.params.get("axis") {
            None | Some(J::Null) => Ok(None),
            Some(v) => match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(n) if n < ndim => Ok(Some(n)),
                _ => Err(Self::bad(
                    "axis",
                    format!("must be empty or 0 … {}", ndim.saturating_sub(1)),
                )),
            },
        }
    }
}
