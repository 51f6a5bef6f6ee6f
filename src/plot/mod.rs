//! Data preparation for plots (decimation, colormaps, scales); no drawing here.

pub mod colormap;
mod colormap_data;
pub mod export;
pub mod pyramid;

pub use colormap::{Colormap, Scale};
pub use pyramid::MinMaxPyramid;

use crate::data::{Data, Value};

/// Run `$body` with `$d` bound to the elements of a numeric value (any
/// integer or float type), or `$other` for anything else.
macro_rules! with_numbers {
    ($v:expr, $d:ident => $body:expr, _ => $other:expr) => {
        match &$v.data {
            Data::F32($d) => $body,
            Data::F64($d) => $body,
            Data::U8($d) => $body,
            Data::U16($d) => $body,
            Data::U32($d) => $body,
            Data::U64($d) => $body,
            Data::I8($d) => $body,
            Data::I16($d) => $body,
            Data::I32($d) => $body,
            Data::I64($d) => $body,
            _ => $other,
        }
    };
}

/// The 0.5–99.5 % percentile range of a numeric value (sampled), for autoscale.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_lossless,
    clippy::unnecessary_cast
)]
pub fn value_range(v: &Value) -> (f64, f64) {
    with_numbers!(v, d => {
        let step = (d.len() / 200_000).max(1);
        let sample: Vec<f64> = d.iter().step_by(step).map(|&x| x as f64).collect();
        colormap::percentile_range(&sample, 0.5, 99.5)
    }, _ => colormap::percentile_range(&v.to_f64().unwrap_or_default(), 0.5, 99.5))
    .unwrap_or((0.0, 1.0))
}

/// A numeric value coloured between `range`, without an f64 copy.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_lossless,
    clippy::unnecessary_cast
)]
pub fn colorize_value(v: &Value, cmap: Colormap, scale: Scale, range: (f64, f64)) -> Vec<[u8; 4]> {
    with_numbers!(v, d => colormap::colorize_with(d, |&x| x as f64, cmap, scale, range),
        _ => colormap::colorize(&v.to_f64().unwrap_or_default(), cmap, scale, range))
}

/// The elements as f32 for a float texture: borrowed when they are f32
/// already, converted on all cores otherwise.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_lossless,
    clippy::unnecessary_cast
)]
pub fn f32_pixels(v: &Value) -> std::borrow::Cow<'_, [f32]> {
    use rayon::prelude::*;
    use std::borrow::Cow;
    if let Data::F32(d) = &v.data {
        return Cow::Borrowed(d.as_slice());
    }
    with_numbers!(v, d => Cow::Owned(d.par_iter().map(|&x| x as f32).collect()),
        _ => Cow::Owned(v.to_f64().unwrap_or_default().into_iter().map(|x| x as f32).collect()))
}

/// An image value coloured for display: percentile autoscale (0.5–99.5 %),
/// then the colormap, without an intermediate f64 copy. Returns the RGBA
/// pixels and the value range used.
pub fn image_rgba(v: &Value, cmap: Colormap, scale: Scale) -> (Vec<[u8; 4]>, (f64, f64)) {
    let range = value_range(v);
    (colorize_value(v, cmap, scale, range), range)
}

/// Min/max per column: reduce `y` to `columns` (min, max) pairs, so a line of
/// millions of points draws as exactly what a screen of `columns` pixels can show.
/// NaNs are skipped; a column with only NaNs yields `(NaN, NaN)`. Columns are
/// computed in parallel.
pub fn decimate_minmax(y: &[f64], columns: usize) -> Vec<(f64, f64)> {
    use rayon::prelude::*;
    if y.is_empty() || columns == 0 {
        return Vec::new();
    }
    let columns = columns.min(y.len());
    (0..columns)
        .into_par_iter()
        .with_min_len(64)
        .map(|c| {
            let start = c * y.len() / columns;
            let end = ((c + 1) * y.len() / columns).max(start + 1);
            // f64::min/max return the other operand for NaN, so NaNs drop out.
            let (lo, hi) = y[start..end]
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            if lo > hi {
                (f64::NAN, f64::NAN)
            } else {
                (lo, hi)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_spike() {
        let mut y = vec![0.0; 10_000];
        y[1234] = 20.0;
        y[8765] = -20.0;
        let d = decimate_minmax(&y, 100);
        assert_eq!(d.len(), 100);
        assert_eq!(d[12], (0.0, 20.0));
        assert_eq!(d[87], (-20.0, 0.0));
        assert!(
            d.iter()
                .enumerate()
                .all(|(i, p)| i == 12 || i == 87 || *p == (0.0, 0.0))
        );
    }

    #[test]
    fn short_input_and_nans() {
        assert_eq!(
            decimate_minmax(&[1.0, 2.0], 10),
            vec![(1.0, 1.0), (2.0, 2.0)]
        );
        let d = decimate_minmax(&[f64::NAN, 3.0, f64::NAN, f64::NAN], 2);
        assert_eq!(d[0], (3.0, 3.0));
        assert!(d[1].0.is_nan() && d[1].1.is_nan());
        assert!(decimate_minmax(&[], 5).is_empty());
    }
}
