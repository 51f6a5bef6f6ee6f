//! Colormaps, value scales and autoscaling for images.

use serde::{Deserialize, Serialize};

use super::colormap_data as lut;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Colormap {
    #[default]
    Viridis,
    Magma,
    Inferno,
    Cividis,
    Gray,
    /// Ends where it starts, for angles (the phase of complex values).
    Cyclic,
    /// Blue below the middle, grey at it, red above (Moreland's cool–warm):
    /// for signed values on a range symmetric about zero (a difference).
    Diverging,
}

/// The loop the cyclic map runs through (light, blue, dark, red, light),
/// far from the magenta of values that are not numbers.
const CYCLIC: [[f64; 3]; 5] = [
    [226.0, 217.0, 226.0],
    [83.0, 110.0, 190.0],
    [47.0, 20.0, 54.0],
    [170.0, 60.0, 50.0],
    [226.0, 217.0, 226.0],
];

/// The cool–warm diverging map (Kenneth Moreland, "Diverging Color Maps
/// for Scientific Visualization", 2009) at nine points, as matplotlib's
/// `coolwarm` gives them; linear between.
const DIVERGING: [[f64; 3]; 9] = [
    [59.0, 76.0, 192.0],
    [98.0, 130.0, 234.0],
    [141.0, 176.0, 254.0],
    [184.0, 208.0, 249.0],
    [221.0, 221.0, 221.0],
    [245.0, 196.0, 173.0],
    [244.0, 154.0, 123.0],
    [222.0, 96.0, 77.0],
    [180.0, 4.0, 38.0],
];

/// The colour at `t` (0..=1) of a map given by evenly spaced points,
/// linear between them.
fn between(points: &[[f64; 3]], t: f64) -> [u8; 3] {
    let at = t.clamp(0.0, 1.0) * (points.len() - 1) as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let k = (at.floor() as usize).min(points.len() - 2);
    let f = at - k as f64;
    let (a, b) = (points[k], points[k + 1]);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mix = |j: usize| (a[j] + (b[j] - a[j]) * f).round() as u8;
    [mix(0), mix(1), mix(2)]
}

impl Colormap {
    pub const ALL: [Self; 7] = [
        Self::Viridis,
        Self::Magma,
        Self::Inferno,
        Self::Cividis,
        Self::Gray,
        Self::Cyclic,
        Self::Diverging,
    ];

    /// The same colour at both ends (for angles).
    pub fn is_cyclic(self) -> bool {
        self == Self::Cyclic
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Viridis => "viridis",
            Self::Magma => "magma",
            Self::Inferno => "inferno",
            Self::Cividis => "cividis",
            Self::Gray => "gray",
            Self::Cyclic => "cyclic",
            Self::Diverging => "diverging",
        }
    }

    /// Colour for t in 0..=1 (clamped).
    pub fn rgb(self, t: f64) -> [u8; 3] {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let i = (t.clamp(0.0, 1.0) * 255.0).round() as usize;
        match self {
            Self::Viridis => lut::VIRIDIS[i],
            Self::Magma => lut::MAGMA[i],
            Self::Inferno => lut::INFERNO[i],
            Self::Cividis => lut::CIVIDIS[i],
            #[allow(clippy::cast_possible_truncation)]
            Self::Gray => [i as u8; 3],
            Self::Cyclic => between(&CYCLIC, t),
            Self::Diverging => between(&DIVERGING, t),
        }
    }
}

/// How values map onto the colormap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Scale {
    #[default]
    Linear,
    Log,
    Sqrt,
}

impl Scale {
    pub const ALL: [Self; 3] = [Self::Linear, Self::Log, Self::Sqrt];

    pub fn name(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Log => "log",
            Self::Sqrt => "sqrt",
        }
    }

    /// The value in scale space; `None` where the scale is undefined (log of ≤ 0).
    pub fn apply(self, v: f64) -> Option<f64> {
        match self {
            Self::Linear => Some(v),
            Self::Log => (v > 0.0).then(|| v.log10()),
            Self::Sqrt => (v >= 0.0).then(|| v.sqrt()),
        }
    }
}

/// The `lo` and `hi` percentiles of the finite values (e.g. 0.5 and 99.5),
/// computed on a sample of at most 200,000 values so it stays fast on 4k images.
pub fn percentile_range(values: &[f64], lo: f64, hi: f64) -> Option<(f64, f64)> {
    let step = (values.len() / 200_000).max(1);
    let mut sample: Vec<f64> = values
        .iter()
        .step_by(step)
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if sample.is_empty() {
        return None;
    }
    let n = sample.len();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let at = |p: f64| ((p / 100.0) * (n - 1) as f64).round() as usize;
    let (i_lo, i_hi) = (at(lo).min(n - 1), at(hi).min(n - 1));
    let (_, &mut a, _) = sample.select_nth_unstable_by(i_lo, f64::total_cmp);
    let (_, &mut b, _) = sample.select_nth_unstable_by(i_hi, f64::total_cmp);
    Some((a, b))
}

/// The colour of values that are not numbers (NaN, ±∞), in every colormap:
/// pure magenta, far from each map's colours and the same in linear and
/// sRGB terms (so the GPU path draws it alike).
pub const INVALID: [u8; 4] = [255, 0, 255, 255];

/// RGBA pixels for `values` mapped through `cmap` between `range` on `scale`.
/// NaN and infinities take [`INVALID`]; values the scale cannot show (log
/// of ≤ 0) are left transparent. Runs on all cores.
pub fn colorize(values: &[f64], cmap: Colormap, scale: Scale, range: (f64, f64)) -> Vec<[u8; 4]> {
    colorize_with(values, |&v| v, cmap, scale, range)
}

/// [`colorize`] for any element type convertible to f64 (no f64 copy needed).
pub fn colorize_with<T: Sync>(
    values: &[T],
    to_f64: impl Fn(&T) -> f64 + Sync,
    cmap: Colormap,
    scale: Scale,
    range: (f64, f64),
) -> Vec<[u8; 4]> {
    use rayon::prelude::*;
    let (lo, hi) = (
        scale.apply(range.0).unwrap_or(f64::MIN_POSITIVE.log10()),
        scale.apply(range.1).unwrap_or(0.0),
    );
    let span = if hi > lo { hi - lo } else { 1.0 };
    values
        .par_iter()
        .with_min_len(4096)
        .map(|v| {
            let x = to_f64(v);
            if !x.is_finite() {
                return INVALID;
            }
            match scale.apply(x).filter(|s| s.is_finite()) {
                Some(s) => {
                    let [r, g, b] = cmap.rgb((s - lo) / span);
                    [r, g, b, 255]
                }
                None => [0, 0, 0, 0],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Zero in the middle of a symmetric range is neutral grey; below is
    /// blue, above red, each end as dark as the other (matplotlib's
    /// `coolwarm` at 0, 0.5 and 1).
    #[test]
    fn the_diverging_map_is_grey_at_zero_blue_below_red_above() {
        let d = Colormap::Diverging;
        assert_eq!(d.rgb(0.0), [59, 76, 192]);
        assert_eq!(d.rgb(0.5), [221, 221, 221]);
        assert_eq!(d.rgb(1.0), [180, 4, 38]);
        let [r, _, b] = d.rgb(0.3);
        assert!(b > r, "blue below the middle");
        let [r, _, b] = d.rgb(0.7);
        assert!(r > b, "red above the middle");
        // Lightness falls away from the middle on both sides: the ends are
        // far darker than zero, the quarters between.
        let light = |c: [u8; 3]| {
            0.2126 * f64::from(c[0]) + 0.7152 * f64::from(c[1]) + 0.0722 * f64::from(c[2])
        };
        let mid = light(d.rgb(0.5));
        assert!(mid - light(d.rgb(0.0)) > 100.0 && mid - light(d.rgb(1.0)) > 100.0);
        assert!(light(d.rgb(0.25)) > light(d.rgb(0.0)) && light(d.rgb(0.25)) < mid);
        assert!(light(d.rgb(0.75)) > light(d.rgb(1.0)) && light(d.rgb(0.75)) < mid);
        assert!(!d.is_cyclic());
    }

    #[test]
    fn the_cyclic_map_ends_where_it_starts() {
        let c = Colormap::Cyclic;
        assert_eq!(c.rgb(0.0), c.rgb(1.0));
        assert_ne!(c.rgb(0.0), c.rgb(0.5));
        // Neighbouring steps stay close: no jump anywhere on the loop.
        for i in 0..255 {
            let (a, b) = (c.rgb(f64::from(i) / 255.0), c.rgb(f64::from(i + 1) / 255.0));
            let d: i32 = (0..3)
                .map(|k| (i32::from(a[k]) - i32::from(b[k])).abs())
                .sum();
            assert!(d < 24, "step {i}: {a:?} → {b:?}");
        }
    }

    #[test]
    fn colormaps_run_dark_to_light() {
        // The sequential ones (a cyclic map returns, a diverging one is
        // lightest in its middle).
        for c in Colormap::ALL
            .into_iter()
            .filter(|c| !c.is_cyclic() && *c != Colormap::Diverging)
        {
            let lum = |[r, g, b]: [u8; 3]| u32::from(r) * 3 + u32::from(g) * 6 + u32::from(b);
            assert!(lum(c.rgb(0.0)) < lum(c.rgb(1.0)), "{}", c.name());
        }
        assert_eq!(Colormap::Viridis.rgb(0.0), [68, 1, 84]);
        assert_eq!(Colormap::Gray.rgb(1.0), [255, 255, 255]);
    }

    #[test]
    fn percentiles_ignore_outliers_and_nans() {
        let mut v: Vec<f64> = (0..1000).map(f64::from).collect();
        v.push(f64::NAN);
        v.push(1e12);
        let (lo, hi) = percentile_range(&v, 1.0, 99.0).expect("range");
        assert!((9.0..=11.0).contains(&lo), "{lo}");
        assert!((988.0..=991.0).contains(&hi), "{hi}");
        assert!(percentile_range(&[f64::NAN], 1.0, 99.0).is_none());
    }

    #[test]
    fn log_scale_hides_non_positive_values() {
        let px = colorize(
            &[0.0, 1.0, 10.0, 100.0],
            Colormap::Gray,
            Scale::Log,
            (1.0, 100.0),
        );
        assert_eq!(px[0][3], 0);
        assert_eq!(px[1], [0, 0, 0, 255]);
        assert_eq!(px[2], [128, 128, 128, 255]);
        assert_eq!(px[3], [255, 255, 255, 255]);
    }

    /// NaN and infinities are drawn in the one colour no map has, on every
    /// scale, and counted; values a scale cannot show stay see-through.
    #[test]
    fn values_that_are_not_numbers_are_magenta() {
        for scale in Scale::ALL {
            let px = colorize(
                &[f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 5.0],
                Colormap::Magma,
                scale,
                (1.0, 10.0),
            );
            assert_eq!(&px[..3], [INVALID; 3], "{}", scale.name());
            assert_ne!(px[3], INVALID);
        }
        for c in Colormap::ALL {
            for i in 0..=255 {
                let [r, g, b] = c.rgb(f64::from(i) / 255.0);
                let far = (i32::from(r) - 255).abs() + i32::from(g) + (i32::from(b) - 255).abs();
                assert!(
                    far > 60,
                    "{} at {i} is {:?}, close to magenta",
                    c.name(),
                    (r, g, b)
                );
            }
        }
        let v = crate::data::Value {
            shape: vec![4],
            data: crate::data::Data::F32(vec![f32::NAN, f32::INFINITY, 1.0, 2.0]),
        };
        let info = super::super::color_range(&v, Scale::Linear, true);
        assert_eq!((info.invalid, info.range), (2, (1.0, 2.0)));
    }
}
