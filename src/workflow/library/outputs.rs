//! Outputs: files written, the viewer and derived-dataset drafts. Each
//! passes its input on, so a graph may go on after it.

use std::collections::BTreeMap;

use serde_json::json;

use super::{AfterRun, Files, NodeSpec};
use crate::workflow::PortType::Array as A;
use crate::workflow::io_nodes;
use crate::workflow::value::{Args, NodeError, Value};

pub const SPECS: &[NodeSpec] = &[
    NodeSpec::new(
        "save_nexus",
        "Save as NeXus (with NXprocess)",
        "Outputs",
        save_nexus,
    )
    .ports(&[A], &[A])
    .params(|| {
        BTreeMap::from([
            ("file".into(), json!("reduced.nxs")),
            ("name".into(), json!("data")),
        ])
    })
    .files(Files::Writes),
    NodeSpec::new("view", "Show in the viewer", "Outputs", pass_on)
        .ports(&[A], &[A])
        .after_run(AfterRun::Show),
    NodeSpec::new(
        "describe_derived",
        "Describe as derived dataset",
        "Outputs",
        pass_on,
    )
    .ports(&[A], &[A])
    .params(|| BTreeMap::from([("title".into(), json!(""))]))
    .after_run(AfterRun::DescribeDerived),
    NodeSpec::new("export_csv", "Export CSV", "Outputs", export_csv)
        .ports(&[A], &[A])
        .params(|| BTreeMap::from([("file".into(), json!("result.csv"))]))
        .files(Files::Writes),
];

fn save_nexus(a: &Args<'_>) -> Result<Value, NodeError> {
    let v = a.input(0)?;
    let note = serde_json::to_string(a.params).unwrap_or_default();
    io_nodes::save_nexus(&a.text("file")?, &a.text("name")?, v, &note)?;
    Ok(v.clone())
}

/// The input unchanged: what the window does with it happens after the run.
fn pass_on(a: &Args<'_>) -> Result<Value, NodeError> {
    Ok(a.input(0)?.clone())
}

fn export_csv(a: &Args<'_>) -> Result<Value, NodeError> {
    let v = a.input(0)?;
    io_nodes::export_csv(&a.text("file")?, v)?;
    Ok(v.clone())
}
