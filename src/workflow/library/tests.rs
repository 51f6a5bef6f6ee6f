//! Checks over every spec of the library: each node computes what its
//! tests say, and what a spec claims (frame-wise, element-wise, a streamed
//! reduction, which inputs it refuses) is what it does.

use std::sync::Arc;

use ndarray::array;
use serde_json::{Value as J, json};
use tokio_util::sync::CancellationToken;

use super::*;
use crate::workflow::PortType;
use crate::workflow::value::{Stack, Table};

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
    for s in all() {
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
    for s in all() {
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

#[test]
fn kinds_are_unique_and_categories_known() {
    let mut seen = Vec::new();
    for s in all() {
        assert!(!seen.contains(&s.kind), "{} is listed twice", s.kind);
        seen.push(s.kind);
        assert!(
            CATEGORIES.contains(&s.category),
            "{}: category {} is not in CATEGORIES",
            s.kind,
            s.category
        );
        assert_eq!(
            s.files != Files::None,
            (s.params)().contains_key("file") || (s.params)().contains_key("dataset"),
            "{}: a node reads or writes files exactly when it has a file or dataset parameter",
            s.kind
        );
    }
    assert!(matches!(
        eval("no_such_node", &BTreeMap::new(), &[]),
        Err(NodeError::UnknownKind(_))
    ));
}

/// A stack of 5 frames of 12 × 11 in an HDF5 file (larger than a region of
/// interest's default), and the same numbers as one array.
fn stack_on_disk(dir: &std::path::Path) -> (Arc<Value>, ndarray::ArrayD<f64>) {
    let data = ndarray::Array3::from_shape_fn((5, 12, 11), |(k, i, j)| {
        (k * 100 + i * 10 + j) as f64 + 1.0
    });
    let path = dir.join("frames.h5");
    let f = hdf5::File::create(&path).expect("create");
    f.new_dataset_builder()
        .with_data(&data)
        .chunk([2, 12, 11])
        .create("frames")
        .expect("dataset");
    drop(f);
    let stack = Stack::of_dataset(&path.display().to_string(), "/frames").expect("stack");
    (Arc::new(Value::Stack(Arc::new(stack))), data.into_dyn())
}

/// Inputs for a node with the frames in input 0 and other inputs numbers
/// that differ (2, 3, …), so no division is by a zero difference.
fn with_frames(s: &NodeSpec, frames: Arc<Value>) -> Vec<Option<Arc<Value>>> {
    (0..s.inputs.len())
        .map(|i| {
            Some(if i == 0 {
                frames.clone()
            } else {
                Arc::new(Value::Scalar(i as f64 + 1.0))
            })
        })
        .collect()
}

/// What every frame-wise spec claims: a stack passes through it as a step
/// (still a stack), and the frames that come out are what the node gives
/// for the whole array at once. Element-wise specs are also checked through
/// the fused reading that sums frames without building them.
#[test]
fn frame_wise_specs_give_per_frame_what_they_give_whole() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (stack, whole) = stack_on_disk(tmp.path());
    let cancel = CancellationToken::new();
    let mut checked = Vec::new();
    for s in all().filter(|s| s.frame_wise) {
        let params = (s.params)();
        let streamed = eval_with(s.kind, &params, &with_frames(s, stack.clone()), &cancel)
            .unwrap_or_else(|e| panic!("{}: {e}", s.kind));
        let Value::Stack(out) = &streamed else {
            panic!("{} is frame-wise but did not keep the stack", s.kind);
        };
        let at_once = eval(
            s.kind,
            &params,
            &with_frames(s, Arc::new(Value::Array(whole.clone()))),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", s.kind));
        assert_eq!(
            Value::Array(out.materialize(&cancel).expect("frames")),
            at_once,
            "{}",
            s.kind
        );
        if s.elementwise.is_some() {
            let total = eval_with(
                "sum",
                &BTreeMap::new(),
                &[Some(Arc::new(streamed))],
                &cancel,
            )
            .expect("sum");
            assert_eq!(
                total,
                Value::Scalar(at_once.to_array().sum()),
                "{} fused into a sum",
                s.kind
            );
        }
        checked.push(s.kind);
    }
    for kind in ["subtract", "scale", "flat_field", "expression", "roi"] {
        assert!(checked.contains(&kind), "{kind} is not frame-wise");
    }
}

/// What every reduction spec claims: a stack streams into it, over
/// everything, over frames and within frames, with the numbers the node
/// gives for the whole array.
#[test]
fn reductions_streamed_from_a_stack_equal_the_whole_array() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (stack, whole) = stack_on_disk(tmp.path());
    let cancel = CancellationToken::new();
    let mut checked = Vec::new();
    for s in all().filter(|s| s.reduction.is_some()) {
        for axis in [J::Null, json!(0), json!(1), json!(2)] {
            let params = BTreeMap::from([("axis".to_owned(), axis.clone())]);
            let streamed = eval_with(s.kind, &params, &[Some(stack.clone())], &cancel)
                .unwrap_or_else(|e| panic!("{} axis {axis}: {e}", s.kind));
            let at_once = eval(
                s.kind,
                &params,
                &[Some(Arc::new(Value::Array(whole.clone())))],
            )
            .expect("whole");
            assert_eq!(streamed, at_once, "{} along axis {axis}", s.kind);
        }
        checked.push(s.kind);
    }
    assert_eq!(checked, ["sum", "mean", "max"]);
}
