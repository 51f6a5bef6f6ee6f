//! Analysis: peak fits and azimuthal regrouping of detector images.

use std::collections::BTreeMap;

use serde_json::json;

use super::{NodeSpec, Rank};
use crate::workflow::PortType::{Array as A, Table as T};
use crate::workflow::science;
use crate::workflow::value::{Args, NodeError, Value};

pub const SPECS: &[NodeSpec] = &[
    NodeSpec::new("peak_fit", "Peak fit (y, optional x)", "Analysis", peak_fit)
        .ports(&[A, A], &[T])
        .ranks(&[Rank::Series, Rank::Series])
        .params(|| BTreeMap::from([("shape".into(), json!("gaussian"))])),
    NodeSpec::new(
        "azimuthal",
        "Azimuthal regrouping to I(q)",
        "Analysis",
        azimuthal,
    )
    .ports(&[A], &[T])
    .ranks(&[Rank::Image])
    .params(|| {
        BTreeMap::from([
            ("center_col".into(), json!(512.0)),
            ("center_row".into(), json!(512.0)),
            ("pixel_size_mm".into(), json!(0.075)),
            ("distance_mm".into(), json!(1000.0)),
            ("wavelength_angstrom".into(), json!(1.0)),
            ("bins".into(), json!(500)),
        ])
    }),
];

fn peak_fit(a: &Args<'_>) -> Result<Value, NodeError> {
    let y = science::series(a.input(0)?)?;
    let x = match a.optional(1) {
        Some(v) => science::series(v)?,
        None => (0..y.len()).map(|i| i as f64).collect(),
    };
    if x.len() != y.len() {
        return Err(NodeError::Compute(format!(
            "x has {} values and y {}",
            x.len(),
            y.len()
        )));
    }
    let text = a.text("shape")?;
    let shape = science::Shape::named(&text).ok_or_else(|| NodeError::BadParam {
        name: "shape".into(),
        detail: format!(
            "“{text}” is not one of {}",
            science::Shape::ALL.map(science::Shape::name).join(", ")
        ),
    })?;
    science::fit_peak(&x, &y, shape).map(Value::Table)
}

fn azimuthal(a: &Args<'_>) -> Result<Value, NodeError> {
    let g = science::Geometry {
        center: (a.num("center_col")?, a.num("center_row")?),
        pixel_size: a.num("pixel_size_mm")?,
        distance: a.num("distance_mm")?,
        wavelength: a.num("wavelength_angstrom")?,
    };
    science::azimuthal(&a.input(0)?.to_array(), g, a.count("bins")?).map(Value::Table)
}
