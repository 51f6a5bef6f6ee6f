//! Nodes that bring values in: numbers, evenly spaced values, datasets of
//! files, frames of many files and the files of a catalogue dataset.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use super::{Files, NodeSpec};
use crate::workflow::PortType::{Array as A, Scalar as S};
use crate::workflow::io_nodes;
use crate::workflow::value::{Args, NodeError, Stack, Value};

pub const SPECS: &[NodeSpec] = &[
    NodeSpec::new("constant", "Number", "Inputs", constant)
        .ports(&[], &[S])
        .params(|| BTreeMap::from([("value".into(), json!(1.0))])),
    NodeSpec::new("linspace", "Evenly spaced values", "Inputs", linspace)
        .ports(&[], &[A])
        .params(|| {
            BTreeMap::from([
                ("start".into(), json!(0.0)),
                ("stop".into(), json!(1.0)),
                ("count".into(), json!(11)),
            ])
        }),
    NodeSpec::new("read_hdf5", "HDF5 dataset", "Inputs", read_hdf5)
        .ports(&[], &[A])
        .params(|| {
            BTreeMap::from([
                ("file".into(), json!("")),
                ("path".into(), json!("/entry/data/data")),
            ])
        })
        .files(Files::Reads),
    NodeSpec::new("read_frames", "Frames of many files", "Inputs", read_frames)
        .ports(&[], &[A])
        .params(|| {
            BTreeMap::from([
                ("file".into(), json!("scans/scan_*.h5")),
                ("path".into(), json!("/entry/data/data")),
            ])
        })
        .files(Files::Reads),
    NodeSpec::new(
        "dataset_frames",
        "Files of a catalogue dataset",
        "Inputs",
        dataset_frames,
    )
    .ports(&[], &[A])
    .params(|| {
        BTreeMap::from([
            ("dataset".into(), json!("")),
            ("path".into(), json!("/entry/data/data")),
        ])
    })
    .files(Files::ReadsDataset),
    NodeSpec::new(
        "nexus_signal",
        "NeXus default signal",
        "Inputs",
        nexus_signal,
    )
    .ports(&[], &[A])
    .params(|| BTreeMap::from([("file".into(), json!(""))]))
    .files(Files::Reads),
];

fn constant(a: &Args<'_>) -> Result<Value, NodeError> {
    Ok(Value::Scalar(a.num("value")?))
}

fn linspace(a: &Args<'_>) -> Result<Value, NodeError> {
    let (start, stop, n) = (a.num("start")?, a.num("stop")?, a.count("count")?);
    Ok(Value::Array(
        ndarray::Array1::linspace(start, stop, n).into_dyn(),
    ))
}

fn read_hdf5(a: &Args<'_>) -> Result<Value, NodeError> {
    io_nodes::read_dataset(&a.text("file")?, &a.text("path")?)
}

fn read_frames(a: &Args<'_>) -> Result<Value, NodeError> {
    Stack::of_files(&a.text("file")?, &a.text("path")?).map(|s| Value::Stack(Arc::new(s)))
}

fn dataset_frames(a: &Args<'_>) -> Result<Value, NodeError> {
    let files = io_nodes::dataset_files(&a.text("dataset")?)?;
    Stack::of_file_list(files, &a.text("path")?).map(|s| Value::Stack(Arc::new(s)))
}

fn nexus_signal(a: &Args<'_>) -> Result<Value, NodeError> {
    io_nodes::read_default_signal(&a.text("file")?)
}
