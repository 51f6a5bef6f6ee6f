//! Data preparation for plots (decimation, colormaps, scales); no drawing here.

pub mod colormap;
mod colormap_data;
pub mod export;
pub mod pyramid;

pub use colormap::{Colormap, Scale};
pub use pyramid::MinMaxPyramid;

/// Min/max per column: reduce `y` to `columns` (min, max) pairs, so a line of
/// millions of points draws as exactly what a screen of `columns` pixels can show.
/// NaNs are skipped; a column with only NaNs yields `(NaN, NaN)`.
pub fn decimate_minmax(y: &[f64], columns: usize) -> Vec<(f64, f64)> {
    if y.is_empty() || columns == 0 {
        return Vec::new();
    }
    let columns = columns.min(y.len());
    (0..columns)
        .map(|c| {
            let start = c * y.len() / columns;
            let end = ((c + 1) * y.len() / columns).max(start + 1);
            y[start..end].iter().filter(|v| !v.is_nan()).fold(
                (f64::NAN, f64::NAN),
                |(lo, hi), &v| {
                    (
                        if lo.is_nan() { v } else { lo.min(v) },
                        if hi.is_nan() { v } else { hi.max(v) },
                    )
                },
            )
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
