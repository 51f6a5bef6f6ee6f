//! Checking a picture of an image against the values h5py reads.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "screen positions and sizes rounded to whole pixels"
)]

/// Run `script` (Python with h5py and numpy) with `file` as `sys.argv[1]`:
/// a file written by h5py, for tests that compare with it.
pub fn h5py_write(script: &str, file: &std::path::Path) {
    super::python(&format!("import sys, h5py, numpy as np\n{script}"), &[file]);
}

/// The datasets at `paths` of `file`, as h5py reads them (nested lists).
pub fn h5py_datasets(file: &std::path::Path, paths: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec![file.as_os_str()];
    args.extend(paths.iter().map(std::ffi::OsStr::new));
    serde_json::from_value(super::python_json(
        "import sys, json, h5py\n\
         f = h5py.File(sys.argv[1], 'r')\n\
         print(json.dumps([f[p][()].tolist() for p in sys.argv[2:]]))",
        &args,
    ))
    .expect("a list")
}

/// The 0.5 and 99.5 % percentiles of the values (the viewer's default
/// colour range).
pub fn percentiles(z: &[Vec<f64>]) -> (f64, f64) {
    let mut all: Vec<f64> = z.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    let at = |q: f64| all[((all.len() - 1) as f64 * q).round() as usize];
    (at(0.005), at(0.995))
}

/// Whether the colour `got` is the viridis colour, over `lo`…`hi`, of the
/// value at (`row`, `col`) or of a neighbour (a screen pixel on a border
/// between two data pixels may show either).
pub fn shows_value_colour(
    got: [u8; 3],
    z: &[Vec<f64>],
    (row, col): (usize, usize),
    (lo, hi): (f64, f64),
) -> bool {
    (row.saturating_sub(1)..=(row + 1).min(z.len() - 1)).any(|rw| {
        (col.saturating_sub(1)..=(col + 1).min(z[0].len() - 1)).any(|c| {
            let t = ((z[rw][c] - lo) / (hi - lo)).clamp(0.0, 1.0);
            let want = panorama::plot::Colormap::Viridis.rgb(t);
            (0..3).all(|k| (i32::from(got[k]) - i32::from(want[k])).abs() <= 12)
        })
    })
}
