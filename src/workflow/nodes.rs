//! The node library: each node a small function over ndarray with typed
//! ports and parameters with defaults.

use std::collections::BTreeMap;
use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn};
use serde_json::{Value as J, json};
use tokio_util::sync::CancellationToken;

use super::{Node, PortType};

/// What flows between nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Array(ArrayD<f64>),
    /// Named columns of numbers (fit results, peak lists).
    Table(Table),
    /// Frames read a batch at a time (large datasets, many files).
    Stack(Arc<super::stream::Stack>),
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
    /// A stack is made whole by [`eval_with`] before any node sees it, so
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

/// A node kind of the library.
#[derive(Debug, Clone)]
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
}

use PortType::{Array as A, Scalar as S, Table as T};

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
            (Self::Any, _) => None,
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
            _ => None,
        }
    }
}

impl NodeSpec {
    /// What input `port` needs beyond its type.
    pub fn rank(&self, port: usize) -> Rank {
        self.ranks.get(port).copied().unwrap_or(Rank::Any)
    }
}

fn none() -> BTreeMap<String, J> {
    BTreeMap::new()
}

/// Every node kind, by category.
pub const LIBRARY: &[NodeSpec] = &[
    NodeSpec {
        kind: "constant",
        title: "Number",
        category: "Inputs",
        inputs: &[],
        outputs: &[S],
        ranks: &[],
        params: || BTreeMap::from([("value".into(), json!(1.0))]),
    },
    NodeSpec {
        kind: "linspace",
        title: "Evenly spaced values",
        category: "Inputs",
        inputs: &[],
        outputs: &[A],
        ranks: &[],
        params: || {
            BTreeMap::from([
                ("start".into(), json!(0.0)),
                ("stop".into(), json!(1.0)),
                ("count".into(), json!(11)),
            ])
        },
    },
    NodeSpec {
        kind: "read_hdf5",
        title: "HDF5 dataset",
        category: "Inputs",
        inputs: &[],
        outputs: &[A],
        ranks: &[],
        params: || {
            BTreeMap::from([
                ("file".into(), json!("")),
                ("path".into(), json!("/entry/data/data")),
            ])
        },
    },
    NodeSpec {
        kind: "read_frames",
        title: "Frames of many files",
        category: "Inputs",
        inputs: &[],
        outputs: &[A],
        ranks: &[],
        params: || {
            BTreeMap::from([
                ("file".into(), json!("scans/scan_*.h5")),
                ("path".into(), json!("/entry/data/data")),
            ])
        },
    },
    NodeSpec {
        kind: "dataset_frames",
        title: "Files of a catalogue dataset",
        category: "Inputs",
        inputs: &[],
        outputs: &[A],
        ranks: &[],
        params: || {
            BTreeMap::from([
                ("dataset".into(), json!("")),
                ("path".into(), json!("/entry/data/data")),
            ])
        },
    },
    NodeSpec {
        kind: "nexus_signal",
        title: "NeXus default signal",
        category: "Inputs",
        inputs: &[],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("file".into(), json!(""))]),
    },
    NodeSpec {
        kind: "expression",
        title: "Expression (a, b, c, d)",
        category: "Arithmetic",
        inputs: &[A, A, A, A],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("expression".into(), json!("a / b * 2"))]),
    },
    NodeSpec {
        kind: "flat_field",
        title: "Dark/flat-field correction",
        category: "Corrections",
        inputs: &[A, A, A],
        outputs: &[A],
        ranks: &[],
        params: none,
    },
    NodeSpec {
        kind: "slice",
        title: "Slice (NumPy selection)",
        category: "Selection",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("selection".into(), json!(":"))]),
    },
    NodeSpec {
        kind: "roi",
        title: "Region of interest (last two axes)",
        category: "Selection",
        inputs: &[A],
        outputs: &[A],
        ranks: &[Rank::AtLeastTwo],
        params: || {
            BTreeMap::from([
                ("row_start".into(), json!(0)),
                ("row_end".into(), json!(10)),
                ("col_start".into(), json!(0)),
                ("col_end".into(), json!(10)),
            ])
        },
    },
    NodeSpec {
        kind: "column",
        title: "Column of a table",
        category: "Selection",
        inputs: &[T],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("column".into(), json!("I"))]),
    },
    NodeSpec {
        kind: "peak_fit",
        title: "Peak fit (y, optional x)",
        category: "Analysis",
        inputs: &[A, A],
        outputs: &[T],
        ranks: &[Rank::Series, Rank::Series],
        params: || BTreeMap::from([("shape".into(), json!("gaussian"))]),
    },
    NodeSpec {
        kind: "azimuthal",
        title: "Azimuthal regrouping to I(q)",
        category: "Analysis",
        inputs: &[A],
        outputs: &[T],
        ranks: &[Rank::Image],
        params: || {
            BTreeMap::from([
                ("center_col".into(), json!(512.0)),
                ("center_row".into(), json!(512.0)),
                ("pixel_size_mm".into(), json!(0.075)),
                ("distance_mm".into(), json!(1000.0)),
                ("wavelength_angstrom".into(), json!(1.0)),
                ("bins".into(), json!(500)),
            ])
        },
    },
    NodeSpec {
        kind: "save_nexus",
        title: "Save as NeXus (with NXprocess)",
        category: "Outputs",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: || {
            BTreeMap::from([
                ("file".into(), json!("reduced.nxs")),
                ("name".into(), json!("data")),
            ])
        },
    },
    NodeSpec {
        kind: "view",
        title: "Show in the viewer",
        category: "Outputs",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: none,
    },
    NodeSpec {
        kind: "describe_derived",
        title: "Describe as derived dataset",
        category: "Outputs",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("title".into(), json!(""))]),
    },
    NodeSpec {
        kind: "export_csv",
        title: "Export CSV",
        category: "Outputs",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("file".into(), json!("result.csv"))]),
    },
    NodeSpec {
        kind: "add",
        title: "a + b",
        category: "Arithmetic",
        inputs: &[A, A],
        outputs: &[A],
        ranks: &[],
        params: none,
    },
    NodeSpec {
        kind: "subtract",
        title: "a − b (background subtraction)",
        category: "Arithmetic",
        inputs: &[A, A],
        outputs: &[A],
        ranks: &[],
        params: none,
    },
    NodeSpec {
        kind: "multiply",
        title: "a × b",
        category: "Arithmetic",
        inputs: &[A, A],
        outputs: &[A],
        ranks: &[],
        params: none,
    },
    NodeSpec {
        kind: "normalise",
        title: "Normalise by monitor (a / b)",
        category: "Arithmetic",
        inputs: &[A, A],
        outputs: &[A],
        ranks: &[],
        params: none,
    },
    NodeSpec {
        kind: "scale",
        title: "Scale and offset",
        category: "Arithmetic",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("factor".into(), json!(1.0)), ("offset".into(), json!(0.0))]),
    },
    NodeSpec {
        kind: "sum",
        title: "Sum (along an axis, or all)",
        category: "Reductions",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("axis".into(), J::Null)]),
    },
    NodeSpec {
        kind: "mean",
        title: "Mean (along an axis, or all)",
        category: "Reductions",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("axis".into(), J::Null)]),
    },
    NodeSpec {
        kind: "max",
        title: "Maximum (along an axis, or all)",
        category: "Reductions",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("axis".into(), J::Null)]),
    },
    NodeSpec {
        kind: "rebin",
        title: "Rebin a 1-D array (sum of n neighbours)",
        category: "Selection",
        inputs: &[A],
        outputs: &[A],
        ranks: &[Rank::One],
        params: || BTreeMap::from([("factor".into(), json!(2))]),
    },
    NodeSpec {
        kind: "histogram",
        title: "Histogram",
        category: "Reductions",
        inputs: &[A],
        outputs: &[A],
        ranks: &[],
        params: || BTreeMap::from([("bins".into(), json!(10))]),
    },
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

/// The categories that have nodes, in [`CATEGORIES`] order.
pub fn categories() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for s in LIBRARY {
        if !v.contains(&s.category) {
            v.push(s.category);
        }
    }
    v.sort_by_key(|c| CATEGORIES.iter().position(|x| x == c).unwrap_or(usize::MAX));
    v
}

pub fn spec(kind: &str) -> Option<&'static NodeSpec> {
    LIBRARY.iter().find(|s| s.kind == kind)
}

/// Whether a node kind reads the files named in its `file` parameter (a
/// path, an h5grove URL or, for frames, a pattern).
pub fn reads_files(kind: &str) -> bool {
    matches!(kind, "read_hdf5" | "nexus_signal" | "read_frames")
}

/// Whether nodes of this kind write the file their `file` parameter names.
pub fn writes_files(kind: &str) -> bool {
    matches!(kind, "save_nexus" | "export_csv")
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

fn num(params: &BTreeMap<String, J>, name: &str) -> Result<f64, NodeError> {
    params
        .get(name)
        .and_then(J::as_f64)
        .ok_or_else(|| NodeError::BadParam {
            name: name.into(),
            detail: "must be a number".into(),
        })
}

fn count(params: &BTreeMap<String, J>, name: &str) -> Result<usize, NodeError> {
    params
        .get(name)
        .and_then(J::as_u64)
        .filter(|n| *n > 0 && *n < 100_000_000)
        .map(|n| n as usize)
        .ok_or_else(|| NodeError::BadParam {
            name: name.into(),
            detail: "must be a whole number above 0".into(),
        })
}

/// The `axis` parameter of a reduction over a value of `ndim` axes (`None`: all).
pub(super) fn axis(params: &BTreeMap<String, J>, ndim: usize) -> Result<Option<usize>, NodeError> {
    match params.get("axis") {
        None | Some(J::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if (n as usize) < ndim => Ok(Some(n as usize)),
            _ => Err(NodeError::BadParam {
                name: "axis".into(),
                detail: format!("must be empty or 0 … {}", ndim.saturating_sub(1)),
            }),
        },
    }
}

fn binary(a: &Value, b: &Value, f: impl Fn(f64, f64) -> f64) -> Result<Value, NodeError> {
    if let (Value::Scalar(x), Value::Scalar(y)) = (a, b) {
        return Ok(Value::Scalar(f(*x, *y)));
    }
    // Borrow arrays; only the result is a new array.
    fn as_array(v: &Value) -> std::borrow::Cow<'_, ArrayD<f64>> {
        match v {
            Value::Array(a) => std::borrow::Cow::Borrowed(a),
            other => std::borrow::Cow::Owned(other.to_array()),
        }
    }
    let (a, b) = (as_array(a), as_array(b));
    let shape = if a.ndim() >= b.ndim() {
        a.shape()
    } else {
        b.shape()
    }
    .to_vec();
    let (Some(x), Some(y)) = (a.broadcast(IxDyn(&shape)), b.broadcast(IxDyn(&shape))) else {
        return Err(NodeError::Compute(format!(
            "shapes {:?} and {:?} do not fit together",
            a.shape(),
            b.shape()
        )));
    };
    Ok(Value::Array(
        ndarray::Zip::from(&x).and(&y).map_collect(|p, q| f(*p, *q)),
    ))
}

fn reduce(a: &Value, ax: Option<usize>, f: impl Fn(ndarray::ArrayViewD<'_, f64>) -> f64) -> Value {
    let arr = a.to_array();
    match ax {
        None => Value::Scalar(f(arr.view())),
        Some(ax) => Value::Array(arr.map_axis(Axis(ax), |lane| f(lane.into_dyn()))),
    }
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
    if !inputs
        .iter()
        .any(|v| matches!(v.as_deref(), Some(Value::Stack(_))))
    {
        return eval_whole(kind, params, inputs);
    }
    if let Some(v) = super::stream::eval(kind, params, inputs, cancel)? {
        return Ok(v);
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
    eval_whole(kind, params, &whole)
}

fn eval_whole(
    kind: &str,
    params: &BTreeMap<String, J>,
    inputs: &[Option<Arc<Value>>],
) -> Result<Value, NodeError> {
    let input = |i: usize| -> Result<&Value, NodeError> {
        inputs
            .get(i)
            .and_then(|v| v.as_deref())
            .ok_or(NodeError::MissingInput(i))
    };
    match kind {
        "constant" => Ok(Value::Scalar(num(params, "value")?)),
        "linspace" => {
            let (start, stop, n) = (
                num(params, "start")?,
                num(params, "stop")?,
                count(params, "count")?,
            );
            Ok(Value::Array(
                ndarray::Array1::linspace(start, stop, n).into_dyn(),
            ))
        }
        "add" => binary(input(0)?, input(1)?, |a, b| a + b),
        "subtract" => binary(input(0)?, input(1)?, |a, b| a - b),
        "multiply" => binary(input(0)?, input(1)?, |a, b| a * b),
        "normalise" => binary(input(0)?, input(1)?, |a, b| a / b),
        "scale" => {
            let (k, c) = (num(params, "factor")?, num(params, "offset")?);
            Ok(match input(0)? {
                Value::Scalar(s) => Value::Scalar(s * k + c),
                other => Value::Array(other.to_array().mapv(|v| v * k + c)),
            })
        }
        "sum" | "mean" | "max" => {
            let v = input(0)?;
            let ax = axis(params, v.ndim())?;
            Ok(match kind {
                "sum" => reduce(v, ax, |l| l.sum()),
                "mean" => reduce(v, ax, |l| l.mean().unwrap_or(f64::NAN)),
                _ => reduce(v, ax, |l| {
                    l.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                }),
            })
        }
        "rebin" => {
            let f = count(params, "factor")?;
            let a = input(0)?.to_array();
            if a.ndim() != 1 {
                return Err(NodeError::Compute(format!(
                    "rebin takes a 1-D array, not {:?}",
                    a.shape()
                )));
            }
            let v: Vec<f64> = a
                .iter()
                .copied()
                .collect::<Vec<_>>()
                .chunks(f)
                .filter(|c| c.len() == f)
                .map(|c| c.iter().sum())
                .collect();
            Ok(Value::Array(ndarray::Array1::from(v).into_dyn()))
        }
        "histogram" => {
            let bins = count(params, "bins")?;
            let a = input(0)?.to_array();
            let (lo, hi) = a
                .iter()
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(*v), h.max(*v))
                });
            let mut h = vec![0.0; bins];
            if lo.is_finite() {
                let width = if hi > lo {
                    (hi - lo) / bins as f64
                } else {
                    1.0
                };
                for v in a.iter().filter(|v| v.is_finite()) {
                    let i = (((v - lo) / width) as usize).min(bins - 1);
                    h[i] += 1.0;
                }
            }
            Ok(Value::Array(ndarray::Array1::from(h).into_dyn()))
        }
        "read_hdf5" => {
            super::io_nodes::read_dataset(&text(params, "file")?, &text(params, "path")?)
        }
        "read_frames" => {
            super::stream::Stack::of_files(&text(params, "file")?, &text(params, "path")?)
                .map(|s| Value::Stack(Arc::new(s)))
        }
        "dataset_frames" => {
            let files = super::io_nodes::dataset_files(&text(params, "dataset")?)?;
            super::stream::Stack::of_file_list(files, &text(params, "path")?)
                .map(|s| Value::Stack(Arc::new(s)))
        }
        "nexus_signal" => super::io_nodes::read_default_signal(&text(params, "file")?),
        "expression" => {
            let e = super::expr::parse(&text(params, "expression")?)?;
            super::expr::eval(&e, inputs)
        }
        "flat_field" => super::science::flat_field(input(0)?, input(1)?, input(2)?),
        "slice" => Ok(Value::Array(super::science::select(
            &input(0)?.to_array(),
            &text(params, "selection")?,
        )?)),
        "roi" => {
            let a = input(0)?.to_array();
            if a.ndim() < 2 {
                return Err(NodeError::Compute(format!(
                    "a region of interest needs 2 or more axes, not {:?}",
                    a.shape()
                )));
            }
            let whole = vec![":"; a.ndim() - 2].join(",");
            let sel = format!(
                "{whole}{}{}:{}, {}:{}",
                if whole.is_empty() { "" } else { "," },
                int(params, "row_start")?,
                int(params, "row_end")?,
                int(params, "col_start")?,
                int(params, "col_end")?
            );
            Ok(Value::Array(super::science::select(&a, &sel)?))
        }
        "column" => {
            let name = text(params, "column")?;
            let Value::Table(t) = input(0)? else {
                return Err(NodeError::Compute("the input is not a table".into()));
            };
            let i =
                t.columns
                    .iter()
                    .position(|c| *c == name)
                    .ok_or_else(|| NodeError::BadParam {
                        name: "column".into(),
                        detail: format!("the table has {}, not “{name}”", t.columns.join(", ")),
                    })?;
            Ok(Value::Array(
                ndarray::Array1::from(
                    t.rows
                        .iter()
                        .map(|r| r.get(i).copied().unwrap_or(f64::NAN))
                        .collect::<Vec<_>>(),
                )
                .into_dyn(),
            ))
        }
        "peak_fit" => {
            let y = super::science::series(input(0)?)?;
            let x = match inputs.get(1).and_then(|v| v.as_deref()) {
                Some(v) => super::science::series(v)?,
                None => (0..y.len()).map(|i| i as f64).collect(),
            };
            if x.len() != y.len() {
                return Err(NodeError::Compute(format!(
                    "x has {} values and y {}",
                    x.len(),
                    y.len()
                )));
            }
            let shape = match text(params, "shape")?.to_ascii_lowercase().as_str() {
                "gaussian" => super::science::Shape::Gaussian,
                "lorentzian" => super::science::Shape::Lorentzian,
                other => {
                    return Err(NodeError::BadParam {
                        name: "shape".into(),
                        detail: format!("“{other}” is not gaussian or lorentzian"),
                    });
                }
            };
            super::science::fit_peak(&x, &y, shape).map(Value::Table)
        }
        "azimuthal" => {
            let g = super::science::Geometry {
                center: (num(params, "center_col")?, num(params, "center_row")?),
                pixel_size: num(params, "pixel_size_mm")?,
                distance: num(params, "distance_mm")?,
                wavelength: num(params, "wavelength_angstrom")?,
            };
            super::science::azimuthal(&input(0)?.to_array(), g, count(params, "bins")?)
                .map(Value::Table)
        }
        "save_nexus" => {
            let v = input(0)?;
            let note = serde_json::to_string(params).unwrap_or_default();
            super::io_nodes::save_nexus(&text(params, "file")?, &text(params, "name")?, v, &note)?;
            Ok(v.clone())
        }
        // The window opens the value in the viewer after a run (headless: passes it on).
        "view" => Ok(input(0)?.clone()),
        // The window starts a derived-dataset draft after a run (headless: passes it on).
        "describe_derived" => Ok(input(0)?.clone()),
        "export_csv" => {
            let v = input(0)?;
            super::io_nodes::export_csv(&text(params, "file")?, v)?;
            Ok(v.clone())
        }
        other => Err(NodeError::UnknownKind(other.to_owned())),
    }
}

fn text(params: &BTreeMap<String, J>, name: &str) -> Result<String, NodeError> {
    params
        .get(name)
        .and_then(J::as_str)
        .map(str::to_owned)
        .ok_or_else(|| NodeError::BadParam {
            name: name.into(),
            detail: "must be text".into(),
        })
}

fn int(params: &BTreeMap<String, J>, name: &str) -> Result<i64, NodeError> {
    params
        .get(name)
        .and_then(J::as_i64)
        .ok_or_else(|| NodeError::BadParam {
            name: name.into(),
            detail: "must be a whole number".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn run(kind: &str, params: &[(&str, J)], inputs: &[Value]) -> Result<Value, NodeError> {
        let mut p = spec(kind).map(|s| (s.params)()).unwrap_or_default();
        for (k, v) in params {
            p.insert((*k).to_owned(), v.clone());
        }
        let inputs: Vec<Option<Arc<Value>>> =
            inputs.iter().cloned().map(|v| Some(Arc::new(v))).collect();
        eval(kind, &p, &inputs)
    }

    fn arr(v: ndarray::ArrayD<f64>) -> Value {
        Value::Array(v)
    }

    #[test]
    fn every_library_node_has_a_maker() {
        for s in LIBRARY {
            let n = make(s.kind).expect("make");
            assert_eq!(n.inputs.len(), s.inputs.len());
        }
    }

    #[test]
    fn arithmetic_broadcasts_scalars() {
        let a = arr(array![1.0, 2.0, 3.0].into_dyn());
        assert_eq!(
            run("add", &[], &[a.clone(), Value::Scalar(1.0)]).expect("add"),
            arr(array![2.0, 3.0, 4.0].into_dyn())
        );
        assert_eq!(
            run("normalise", &[], &[a.clone(), Value::Scalar(2.0)]).expect("norm"),
            arr(array![0.5, 1.0, 1.5].into_dyn())
        );
        let img = arr(array![[1.0, 2.0], [3.0, 4.0]].into_dyn());
        let dark = arr(array![[1.0, 1.0], [1.0, 1.0]].into_dyn());
        assert_eq!(
            run("subtract", &[], &[img.clone(), dark]).expect("sub"),
            arr(array![[0.0, 1.0], [2.0, 3.0]].into_dyn())
        );
        let bad = run("add", &[], &[img, a]);
        assert!(matches!(bad, Err(NodeError::Compute(_))), "{bad:?}");
        assert_eq!(
            run("add", &[], &[Value::Scalar(1.0)]),
            Err(NodeError::MissingInput(1))
        );
    }

    #[test]
    fn reductions_along_axes_and_all() {
        let img = arr(array![[1.0, 2.0], [3.0, 4.0]].into_dyn());
        assert_eq!(
            run("sum", &[], std::slice::from_ref(&img)).expect("sum"),
            Value::Scalar(10.0)
        );
        assert_eq!(
            run("sum", &[("axis", json!(0))], std::slice::from_ref(&img)).expect("sum0"),
            arr(array![4.0, 6.0].into_dyn())
        );
        assert_eq!(
            run("mean", &[("axis", json!(1))], std::slice::from_ref(&img)).expect("mean1"),
            arr(array![1.5, 3.5].into_dyn())
        );
        assert_eq!(
            run("max", &[], std::slice::from_ref(&img)).expect("max"),
            Value::Scalar(4.0)
        );
        assert!(matches!(
            run("sum", &[("axis", json!(5))], &[img]),
            Err(NodeError::BadParam { .. })
        ));
    }

    #[test]
    fn rebin_histogram_linspace_scale() {
        let x = run(
            "linspace",
            &[
                ("start", json!(0.0)),
                ("stop", json!(4.0)),
                ("count", json!(5)),
            ],
            &[],
        )
        .expect("linspace");
        assert_eq!(x, arr(array![0.0, 1.0, 2.0, 3.0, 4.0].into_dyn()));
        assert_eq!(
            run("rebin", &[("factor", json!(2))], std::slice::from_ref(&x)).expect("rebin"),
            arr(array![1.0, 5.0].into_dyn()),
            "the incomplete last bin is dropped"
        );
        assert_eq!(
            run("histogram", &[("bins", json!(2))], std::slice::from_ref(&x)).expect("hist"),
            arr(array![2.0, 3.0].into_dyn())
        );
        assert_eq!(
            run(
                "scale",
                &[("factor", json!(2.0)), ("offset", json!(1.0))],
                &[Value::Scalar(3.0)]
            )
            .expect("scale"),
            Value::Scalar(7.0)
        );
        assert!(matches!(
            run("linspace", &[("count", json!(0))], &[]),
            Err(NodeError::BadParam { .. })
        ));
    }
}

#[cfg(test)]
mod shape_checks {
    use super::*;

    /// A table of 40 rows (a peak in the first column) and a number.
    fn samples() -> [(PortType, Value); 2] {
        let rows = (0..40)
            .map(|i| {
                let x = f64::from(i) - 20.0;
                vec![(-x * x / 20.0).exp() * 100.0 + 1.0, x]
            })
            .collect();
        let table = Table {
            columns: vec!["I".into(), "x".into()],
            rows,
        };
        [
            (PortType::Table, Value::Table(table)),
            (PortType::Scalar, Value::Scalar(2.0)),
        ]
    }

    /// The editor's check at wiring time agrees with what the node does at
    /// run time: every wire from a table or a number that the editor refuses
    /// for its shape also fails when run, and every one it lets through runs
    /// without a shape error. Nodes that write files are left out.
    #[test]
    fn wires_refused_when_made_are_the_ones_that_fail_at_run() {
        let mut refused = Vec::new();
        for s in LIBRARY {
            let params = (s.params)();
            if params.contains_key("file") || s.inputs.is_empty() {
                continue;
            }
            for (port, ty) in s.inputs.iter().enumerate() {
                for (from, value) in samples() {
                    if !from.feeds(*ty) {
                        continue;
                    }
                    let inputs: Vec<Option<Arc<Value>>> = (0..s.inputs.len())
                        .map(|_| Some(Arc::new(value.clone())))
                        .collect();
                    let ran = eval(s.kind, &params, &inputs);
                    let shape_error = matches!(&ran, Err(NodeError::Compute(m))
                        if m.contains("1-D") || m.contains("axes") || m.contains("2-D") || m.contains("shape"));
                    match s.rank(port).refuses(from) {
                        Some(_) if s.rank(port) == Rank::Image => {
                            refused.push(s.kind);
                        }
                        Some(why) => {
                            assert!(
                                ran.is_err(),
                                "{} input {port} refuses {from:?} ({why}) but runs",
                                s.kind
                            );
                            refused.push(s.kind);
                        }
                        None => assert!(
                            !shape_error,
                            "{} input {port} takes {from:?} when wired but fails at run: {ran:?}",
                            s.kind
                        ),
                    }
                }
            }
        }
        for kind in ["rebin", "roi", "azimuthal", "peak_fit"] {
            assert!(refused.contains(&kind), "{kind} refuses nothing");
        }
    }
}
