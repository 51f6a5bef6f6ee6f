//! Data preparation for plots (decimation, colormaps, scales); no drawing here.

pub mod colormap;
mod colormap_data;
pub mod export;
pub mod prepare;
pub mod pyramid;
pub mod rgb;
pub mod roi;

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
#[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
pub fn value_range(v: &Value) -> (f64, f64) {
    with_numbers!(v, d => {
        let step = (d.len() / 200_000).max(1);
        let sample: Vec<f64> = d.iter().step_by(step).map(|&x| x as f64).collect();
        colormap::percentile_range(&sample, 0.5, 99.5)
    }, _ => colormap::percentile_range(&v.to_f64().unwrap_or_default(), 0.5, 99.5))
    .unwrap_or((0.0, 1.0))
}

/// What of a line's values cannot be drawn as points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineGaps {
    /// NaN or ±∞: the line breaks there.
    pub not_numbers: usize,
    /// Finite values ≤ 0, which a log scale cannot show (left out there).
    pub not_positive: usize,
}

impl LineGaps {
    pub fn of(values: &[f64]) -> Self {
        values.iter().fold(Self::default(), |mut g, v| {
            if !v.is_finite() {
                g.not_numbers += 1;
            } else if *v <= 0.0 {
                g.not_positive += 1;
            }
            g
        })
    }

    /// The note under a line, if anything is left out: on a linear scale
    /// the values that are not numbers, on a log scale also those ≤ 0.
    pub fn note(&self, log: bool) -> Option<String> {
        let mut parts = Vec::new();
        if self.not_numbers > 0 {
            parts.push(format!(
                "{} (NaN/±∞): the line breaks there",
                counted(
                    self.not_numbers,
                    "value is not a number",
                    "values are not numbers"
                )
            ));
        }
        if log && self.not_positive > 0 {
            parts.push(format!(
                "{} ≤ 0, left out of the log scale",
                counted(self.not_positive, "value is", "values are")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A line's points in runs between the points that cannot be drawn (y not
/// finite: a NaN, or a value ≤ 0 on a log scale), so the line has gaps
/// there instead of joining across them.
pub fn finite_runs(points: &[[f64; 2]]) -> Vec<Vec<[f64; 2]>> {
    points
        .split(|p| !(p[0].is_finite() && p[1].is_finite()))
        .filter(|run| !run.is_empty())
        .map(<[[f64; 2]]>::to_vec)
        .collect()
}

/// How the colour range of an image was chosen, and what it leaves out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColorRange {
    /// The range the colours span (in data values).
    pub range: (f64, f64),
    /// Smallest and largest value the scale can show (finite, not gaps).
    pub min: f64,
    pub max: f64,
    /// Values the scale cannot show: ≤ 0 on a log scale, < 0 on a sqrt scale.
    pub not_on_scale: usize,
    /// Values that are not numbers (NaN, ±∞), drawn in `colormap::INVALID`.
    pub invalid: usize,
    /// Values at the integer type's largest value (detector gaps and dead
    /// pixels, as Eiger and Pilatus frames mark them), left out of the range.
    pub gaps: usize,
    /// Whether the range is the percentiles (`true`) or the whole extent.
    pub percentiles: bool,
}

impl ColorRange {
    /// Whether values beyond the range's ends are drawn in its end colours.
    pub fn clips(&self) -> bool {
        self.min < self.range.0 || self.max > self.range.1
    }
}

/// The colour range for an image on `scale`: the 0.5–99.5 % percentiles
/// (or, with `full`, the whole extent) of the values the scale can show —
/// on a log scale only values > 0, on a sqrt scale only values ≥ 0, as silx
/// does — leaving out the integer type's largest value, which detectors
/// write into gaps between modules and into dead pixels.
#[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
pub fn color_range(v: &Value, scale: Scale, full: bool) -> ColorRange {
    let gap: Option<f64> = match &v.data {
        Data::U8(_) => Some(f64::from(u8::MAX)),
        Data::U16(_) => Some(f64::from(u16::MAX)),
        Data::U32(_) => Some(f64::from(u32::MAX)),
        Data::I32(_) => Some(f64::from(i32::MAX)),
        _ => None,
    };
    // One pass over the values, without an f64 copy of the image.
    let scan = |n: usize, at: &dyn Fn(usize) -> f64| {
        let (mut not_on_scale, mut gaps, mut invalid) = (0usize, 0usize, 0usize);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        let step = (n / 200_000).max(1);
        let mut sample = Vec::with_capacity(n / step + 1);
        for i in 0..n {
            let x = at(i);
            if !x.is_finite() {
                invalid += 1;
                continue;
            }
            if gap == Some(x) {
                gaps += 1;
                continue;
            }
            if scale.apply(x).is_none() {
                not_on_scale += 1;
                continue;
            }
            min = min.min(x);
            max = max.max(x);
            if i % step == 0 {
                sample.push(x);
            }
        }
        (not_on_scale, gaps, invalid, min, max, sample)
    };
    let (not_on_scale, gaps, invalid, min, max, sample) = with_numbers!(v, d => scan(d.len(), &|i| d[i] as f64),
    _ => {
        let all = v.to_f64().unwrap_or_default();
        scan(all.len(), &|i| all[i])
    });
    let fallback = match scale {
        Scale::Log => (1.0, 10.0),
        _ => (0.0, 1.0),
    };
    let range = if min > max {
        fallback
    } else if full {
        (min, max)
    } else {
        colormap::percentile_range(&sample, 0.5, 99.5).unwrap_or((min, max))
    };
    ColorRange {
        range,
        min: if min > max { range.0 } else { min },
        max: if min > max { range.1 } else { max },
        not_on_scale,
        invalid,
        gaps,
        percentiles: !full,
    }
}

/// A numeric value coloured between `range`, without an f64 copy.
#[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
pub fn colorize_value(v: &Value, cmap: Colormap, scale: Scale, range: (f64, f64)) -> Vec<[u8; 4]> {
    with_numbers!(v, d => colormap::colorize_with(d, |&x| x as f64, cmap, scale, range),
        _ => colormap::colorize(&v.to_f64().unwrap_or_default(), cmap, scale, range))
}

/// The elements as f32 for a float texture: borrowed when they are f32
/// already, converted on all cores otherwise.
#[allow(
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
    #[test]
    fn a_line_breaks_at_values_it_cannot_draw() {
        let nan = f64::NAN;
        let pts = [
            [0.0, 1.0],
            [1.0, nan],
            [2.0, 3.0],
            [3.0, 4.0],
            [4.0, f64::INFINITY],
        ];
        assert_eq!(
            finite_runs(&pts),
            vec![vec![[0.0, 1.0]], vec![[2.0, 3.0], [3.0, 4.0]]]
        );
        assert!(finite_runs(&[[0.0, nan]]).is_empty());
        let gaps = LineGaps::of(&[1.0, nan, -2.0, 0.0, f64::NEG_INFINITY, 5.0]);
        assert_eq!(
            gaps,
            LineGaps {
                not_numbers: 2,
                not_positive: 2
            }
        );
        assert_eq!(
            gaps.note(false).as_deref(),
            Some("2 values are not numbers (NaN/±∞): the line breaks there")
        );
        assert!(
            gaps.note(true)
                .is_some_and(|n| n.ends_with("2 values are ≤ 0, left out of the log scale"))
        );
        assert_eq!(LineGaps::of(&[1.0, 2.0]).note(true), None);
    }

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

#[cfg(test)]
mod range_tests {
    use super::*;

    fn image(v: Vec<f64>) -> Value {
        Value::new(vec![1, v.len()], Data::F64(v)).expect("value")
    }

    #[test]
    fn log_and_sqrt_ranges_cover_only_what_they_can_show() {
        // −3.1 … 3915 with a few negatives: log over the positive values.
        let mut v: Vec<f64> = (0..1000).map(|i| f64::from(i) * 4.0 + 5.4).collect();
        v.extend([-3.1, -1.0, 0.0]);
        let r = color_range(&image(v.clone()), Scale::Log, true);
        assert_eq!(r.range, (5.4, 999.0 * 4.0 + 5.4));
        assert_eq!(r.not_on_scale, 3);
        // 5.4 is at the bottom of the bar on a log scale, not near its top.
        let (lo, hi) = (r.range.0.log10(), r.range.1.log10());
        assert!(((5.4f64.log10() - lo) / (hi - lo)).abs() < 1e-12);
        let r = color_range(&image(v.clone()), Scale::Sqrt, true);
        assert_eq!(r.range.0, 0.0);
        assert_eq!(r.not_on_scale, 2);
        let r = color_range(&image(v), Scale::Linear, true);
        assert_eq!(r.range.0, -3.1);
        assert_eq!(r.not_on_scale, 0);
    }

    #[test]
    fn detector_gaps_stay_out_of_the_range_and_clipping_is_known() {
        let mut v: Vec<u16> = (0..1000).map(|i| i % 100).collect();
        v.extend([u16::MAX; 50]);
        let img = Value::new(vec![1, v.len()], Data::U16(v)).expect("value");
        let r = color_range(&img, Scale::Linear, false);
        assert_eq!(r.gaps, 50);
        assert!(r.range.1 <= 99.0, "{:?}", r.range);
        let full = color_range(&img, Scale::Linear, true);
        assert_eq!(full.range, (0.0, 99.0));
        assert!(!full.clips());
        let mut w: Vec<f64> = (0..10_000).map(f64::from).collect();
        w.push(1e6);
        let p = color_range(&image(w), Scale::Linear, false);
        assert!(p.clips() && p.max == 1e6 && p.range.1 < 1e6);
    }
}
