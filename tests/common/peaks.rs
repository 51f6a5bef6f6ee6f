//! A small NeXus line with error bars and two auxiliary signals (a fit and
//! its background): 40 points of a peak on a background.

use std::path::Path;

/// Write the file at `file`.
pub fn write(file: &Path) {
    let f = hdf5::File::create(file).expect("create");
    let text = |loc: &hdf5::Location, name: &str, value: &str| {
        loc.new_attr::<hdf5::types::VarLenUnicode>()
            .create(name)
            .expect("attr")
            .write_scalar(&value.parse::<hdf5::types::VarLenUnicode>().expect("str"))
            .expect("write");
    };
    text(&f, "default", "entry");
    let entry = f.create_group("entry").expect("entry");
    text(&entry, "NX_class", "NXentry");
    text(&entry, "default", "data");
    let data = entry.create_group("data").expect("data");
    text(&data, "NX_class", "NXdata");
    text(&data, "signal", "counts");
    text(&data, "axes", "x");
    data.new_attr::<hdf5::types::VarLenUnicode>()
        .shape(2)
        .create("auxiliary_signals")
        .expect("attr")
        .write(&[
            "fit".parse::<hdf5::types::VarLenUnicode>().expect("str"),
            "background".parse().expect("str"),
        ])
        .expect("write");
    let x: Vec<f64> = (0..40).map(|i| f64::from(i) * 0.25).collect();
    let peak = |x: f64| 200.0 * (-(x - 5.0).powi(2) / 2.0).exp() + 20.0;
    let counts: Vec<f64> = x
        .iter()
        .map(|&x| (peak(x) + 15.0 * (x * 7.0).sin()).round())
        .collect();
    let errors: Vec<f64> = counts.iter().map(|c| c.sqrt()).collect();
    let fit: Vec<f64> = x.iter().map(|&x| peak(x)).collect();
    let background = vec![20.0; 40];
    for (name, v) in [
        ("x", &x),
        ("counts", &counts),
        ("counts_errors", &errors),
        ("fit", &fit),
        ("background", &background),
    ] {
        data.new_dataset_builder()
            .with_data(v)
            .create(name)
            .expect("dataset");
    }
}
