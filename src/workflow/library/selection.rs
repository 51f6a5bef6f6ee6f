//! Nodes that take part of a value: a NumPy selection, a region of
//! interest, a column of a table, neighbours binned together.

use std::collections::BTreeMap;

use serde_json::json;

use super::{NodeSpec, Rank};
use crate::workflow::PortType::{Array as A, Table as T};
use crate::workflow::science;
use crate::workflow::value::{Args, NodeError, Value};

pub const SPECS: &[NodeSpec] = &[
    NodeSpec::new("slice", "Slice (NumPy selection)", "Selection", slice)
        .ports(&[A], &[A])
        .params(|| BTreeMap::from([("selection".into(), json!(":"))])),
    NodeSpec::new(
        "roi",
        "Region of interest (last two axes)",
        "Selection",
        roi,
    )
    .ports(&[A], &[A])
    .ranks(&[Rank::AtLeastTwo])
    .params(|| {
        BTreeMap::from([
            ("row_start".into(), json!(0)),
            ("row_end".into(), json!(10)),
            ("col_start".into(), json!(0)),
            ("col_end".into(), json!(10)),
        ])
    })
    .frame_wise(),
    NodeSpec::new("column", "Column of a table", "Selection", column)
        .ports(&[T], &[A])
        .params(|| BTreeMap::from([("column".into(), json!("I"))])),
    NodeSpec::new(
        "rebin",
        "Rebin a 1-D array (sum of n neighbours)",
        "Selection",
        rebin,
    )
    .ports(&[A], &[A])
    .ranks(&[Rank::One])
    .params(|| BTreeMap::from([("factor".into(), json!(2))])),
];

fn slice(a: &Args<'_>) -> Result<Value, NodeError> {
    Ok(Value::Array(science::select(
        &a.input(0)?.to_array(),
        &a.text("selection")?,
    )?))
}

fn roi(args: &Args<'_>) -> Result<Value, NodeError> {
    let a = args.input(0)?.to_array();
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
        args.int("row_start")?,
        args.int("row_end")?,
        args.int("col_start")?,
        args.int("col_end")?
    );
    Ok(Value::Array(science::select(&a, &sel)?))
}

fn column(a: &Args<'_>) -> Result<Value, NodeError> {
    let name = a.text("column")?;
    let Value::Table(t) = a.input(0)? else {
        return Err(NodeError::Compute("the input is not a table".into()));
    };
    let i = t
        .columns
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

fn rebin(args: &Args<'_>) -> Result<Value, NodeError> {
    let f = args.count("factor")?;
    let a = args.input(0)?.to_array();
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
