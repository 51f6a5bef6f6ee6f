//! Reductions: sum, mean and maximum along an axis or over everything (a
//! stack of frames streams into them), and histograms.

use std::collections::BTreeMap;

use serde_json::{Value as J, json};

use super::NodeSpec;
use crate::workflow::PortType::Array as A;
use crate::workflow::value::{Args, NodeError, Reduction, Value};

fn along_an_axis() -> BTreeMap<String, J> {
    BTreeMap::from([("axis".into(), J::Null)])
}

pub const SPECS: &[NodeSpec] = &[
    NodeSpec::new("sum", "Sum (along an axis, or all)", "Reductions", sum)
        .ports(&[A], &[A])
        .params(along_an_axis)
        .reduction(Reduction::Sum),
    NodeSpec::new("mean", "Mean (along an axis, or all)", "Reductions", mean)
        .ports(&[A], &[A])
        .params(along_an_axis)
        .reduction(Reduction::Mean),
    NodeSpec::new("max", "Maximum (along an axis, or all)", "Reductions", max)
        .ports(&[A], &[A])
        .params(along_an_axis)
        .reduction(Reduction::Max),
    NodeSpec::new("histogram", "Histogram", "Reductions", histogram)
        .ports(&[A], &[A])
        .params(|| BTreeMap::from([("bins".into(), json!(10))])),
];

fn reduce(args: &Args<'_>, r: Reduction) -> Result<Value, NodeError> {
    let v = args.input(0)?;
    let axis = args.axis(v.ndim())?;
    Ok(r.apply(&v.to_array(), axis))
}

fn sum(a: &Args<'_>) -> Result<Value, NodeError> {
    reduce(a, Reduction::Sum)
}

fn mean(a: &Args<'_>) -> Result<Value, NodeError> {
    reduce(a, Reduction::Mean)
}

fn max(a: &Args<'_>) -> Result<Value, NodeError> {
    reduce(a, Reduction::Max)
}

fn histogram(args: &Args<'_>) -> Result<Value, NodeError> {
    let bins = args.count("bins")?;
    let a = args.input(0)?.to_array();
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
            // Finite and at least 0: `v` is finite and not below `lo`.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let i = (((v - lo) / width) as usize).min(bins - 1);
            h[i] += 1.0;
        }
    }
    Ok(Value::Array(ndarray::Array1::from(h).into_dyn()))
}
