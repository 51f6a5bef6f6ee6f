//! Arithmetic and corrections: element by element, with NumPy-style
//! broadcasting, so a stack of frames passes through each frame by frame.

use std::collections::BTreeMap;

use ndarray::{ArrayD, IxDyn};
use serde_json::json;

use super::NodeSpec;
use crate::workflow::PortType::Array as A;
use crate::workflow::value::{Args, BinOp, Elementwise, NodeError, Value};
use crate::workflow::{expr, science};

pub const SPECS: &[NodeSpec] = &[
    NodeSpec::new(
        "expression",
        "Expression (a, b, c, d)",
        "Arithmetic",
        expression,
    )
    .ports(&[A, A, A, A], &[A])
    .params(|| BTreeMap::from([("expression".into(), json!("a / b * 2"))]))
    .frame_wise(),
    NodeSpec::new(
        "flat_field",
        "Dark/flat-field correction",
        "Corrections",
        flat_field,
    )
    .ports(&[A, A, A], &[A])
    .frame_wise(),
    NodeSpec::new("add", "a + b", "Arithmetic", add)
        .ports(&[A, A], &[A])
        .elementwise(Elementwise::Binary(BinOp::Add)),
    NodeSpec::new(
        "subtract",
        "a − b (background subtraction)",
        "Arithmetic",
        subtract,
    )
    .ports(&[A, A], &[A])
    .elementwise(Elementwise::Binary(BinOp::Sub)),
    NodeSpec::new("multiply", "a × b", "Arithmetic", multiply)
        .ports(&[A, A], &[A])
        .elementwise(Elementwise::Binary(BinOp::Mul)),
    NodeSpec::new(
        "normalise",
        "Normalise by monitor (a / b)",
        "Arithmetic",
        normalise,
    )
    .ports(&[A, A], &[A])
    .elementwise(Elementwise::Binary(BinOp::Div)),
    NodeSpec::new("scale", "Scale and offset", "Arithmetic", scale)
        .ports(&[A], &[A])
        .params(|| BTreeMap::from([("factor".into(), json!(1.0)), ("offset".into(), json!(0.0))]))
        .elementwise(Elementwise::ScaleOffset),
];

fn expression(a: &Args<'_>) -> Result<Value, NodeError> {
    let e = expr::parse(&a.text("expression")?)?;
    expr::eval(&e, a.inputs)
}

fn flat_field(a: &Args<'_>) -> Result<Value, NodeError> {
    science::flat_field(a.input(0)?, a.input(1)?, a.input(2)?)
}

fn add(a: &Args<'_>) -> Result<Value, NodeError> {
    binary(a, BinOp::Add)
}

fn subtract(a: &Args<'_>) -> Result<Value, NodeError> {
    binary(a, BinOp::Sub)
}

fn multiply(a: &Args<'_>) -> Result<Value, NodeError> {
    binary(a, BinOp::Mul)
}

fn normalise(a: &Args<'_>) -> Result<Value, NodeError> {
    binary(a, BinOp::Div)
}

fn scale(a: &Args<'_>) -> Result<Value, NodeError> {
    let (k, c) = (a.num("factor")?, a.num("offset")?);
    Ok(match a.input(0)? {
        Value::Scalar(s) => Value::Scalar(s * k + c),
        other => Value::Array(other.to_array().mapv(|v| v * k + c)),
    })
}

/// Inputs 0 and 1 combined element by element, broadcast to one shape.
fn binary(args: &Args<'_>, op: BinOp) -> Result<Value, NodeError> {
    let (a, b) = (args.input(0)?, args.input(1)?);
    if let (Value::Scalar(x), Value::Scalar(y)) = (a, b) {
        return Ok(Value::Scalar(op.apply(*x, *y)));
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
        ndarray::Zip::from(&x)
            .and(&y)
            .map_collect(|p, q| op.apply(*p, *q)),
    ))
}
