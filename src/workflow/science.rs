//! Nodes for detector data: selections (slice, region of interest),
//! dark/flat-field correction, 1-D peak fits with uncertainties, and
//! azimuthal regrouping of a 2-D detector image into I(q).

// The 5×5 least-squares algebra of the peak fit reads best with indices.
#![allow(clippy::needless_range_loop)]

use ndarray::{ArrayD, Axis, IxDyn, SliceInfoElem};

use super::value::{NodeError, Table, Value};

fn compute(msg: impl Into<String>) -> NodeError {
    NodeError::Compute(msg.into())
}

/// Parse a NumPy-style selection such as `3, 10:20, :` or `::2`.
pub fn parse_selection(text: &str, ndim: usize) -> Result<Vec<SliceInfoElem>, NodeError> {
    let bad = |d: String| NodeError::BadParam {
        name: "selection".into(),
        detail: d,
    };
    let parts: Vec<&str> = if text.trim().is_empty() {
        Vec::new()
    } else {
        text.split(',').map(str::trim).collect()
    };
    if parts.len() > ndim {
        return Err(bad(format!(
            "{} parts for an array of {ndim} dimensions",
            parts.len()
        )));
    }
    let int = |s: &str| -> Result<Option<isize>, NodeError> {
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse::<isize>()
                .map(Some)
                .map_err(|_| bad(format!("“{s}” is not a whole number")))
        }
    };
    let mut out = Vec::with_capacity(ndim);
    for p in &parts {
        if p.contains(':') {
            let f: Vec<&str> = p.split(':').map(str::trim).collect();
            if f.len() > 3 {
                return Err(bad(format!("“{p}” has too many colons")));
            }
            let step = match f.get(2) {
                Some(s) => int(s)?.unwrap_or(1),
                None => 1,
            };
            if step == 0 {
                return Err(bad("a step cannot be 0".into()));
            }
            out.push(SliceInfoElem::Slice {
                start: int(f[0])?.unwrap_or(0),
                end: int(f.get(1).copied().unwrap_or(""))?,
                step,
            });
        } else {
            out.push(SliceInfoElem::Index(
                int(p)?.ok_or_else(|| bad("an empty index".into()))?,
            ));
        }
    }
    while out.len() < ndim {
        out.push(SliceInfoElem::Slice {
            start: 0,
            end: None,
            step: 1,
        });
    }
    Ok(out)
}

/// Apply a selection, checking every index against the shape first.
pub fn select(a: &ArrayD<f64>, text: &str) -> Result<ArrayD<f64>, NodeError> {
    let elems = parse_selection(text, a.ndim())?;
    for (axis, (e, &len)) in elems.iter().zip(a.shape()).enumerate() {
        #[allow(clippy::cast_possible_wrap)]
        let len = len as isize;
        let inside = |i: isize| (-len..len).contains(&i);
        let ok = match *e {
            SliceInfoElem::Index(i) => inside(i),
            SliceInfoElem::Slice { start, end, .. } => {
                (inside(start) || start == len || len == 0)
                    && end.is_none_or(|e| (-len..=len).contains(&e))
            }
            SliceInfoElem::NewAxis => true,
        };
        if !ok {
            return Err(compute(format!(
                "the selection reaches outside axis {axis} (length {len})"
            )));
        }
    }
    let info = ndarray::SliceInfo::<_, IxDyn, IxDyn>::try_from(elems)
        .map_err(|e| compute(e.to_string()))?;
    Ok(a.slice(info).to_owned())
}

/// `(image − dark) / (flat − dark)`; pixels where the flat is not above the
/// dark become NaN rather than infinities.
pub fn flat_field(img: &Value, dark: &Value, flat: &Value) -> Result<Value, NodeError> {
    let (i, d, f) = (img.to_array(), dark.to_array(), flat.to_array());
    let shape = i.shape().to_vec();
    let (Some(d), Some(f)) = (d.broadcast(IxDyn(&shape)), f.broadcast(IxDyn(&shape))) else {
        return Err(compute(format!(
            "dark {:?} and flat {:?} do not fit the image {:?}",
            dark.to_array().shape(),
            flat.to_array().shape(),
            shape
        )));
    };
    let mut out = i.clone();
    ndarray::Zip::from(&mut out)
        .and(&d)
        .and(&f)
        .for_each(|o, &dk, &fl| {
            let span = fl - dk;
            *o = if span > 0.0 {
                (*o - dk) / span
            } else {
                f64::NAN
            };
        });
    Ok(Value::Array(out))
}

/// The shapes a fit can use: a peak on a linear background, or the line alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    #[default]
    Gaussian,
    Lorentzian,
    /// η·Lorentzian + (1 − η)·Gaussian of one width, η fitted in [0, 1].
    PseudoVoigt,
    /// A straight line (slope, offset) and nothing else.
    Linear,
}

impl Shape {
    pub const ALL: [Self; 4] = [
        Self::Gaussian,
        Self::Lorentzian,
        Self::PseudoVoigt,
        Self::Linear,
    ];

    /// The name the workflow's `shape` parameter and the viewer use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gaussian => "gaussian",
            Self::Lorentzian => "lorentzian",
            Self::PseudoVoigt => "pseudo-voigt",
            Self::Linear => "linear",
        }
    }

    pub fn named(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The fitted parameters, in the order of [`Self::value`]'s `p`.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            Self::Gaussian | Self::Lorentzian => {
                &["amplitude", "center", "fwhm", "slope", "offset"]
            }
            Self::PseudoVoigt => &["amplitude", "center", "fwhm", "slope", "offset", "eta"],
            Self::Linear => &["slope", "offset"],
        }
    }

    /// The model at `x` with parameters `p`.
    pub fn value(self, p: &[f64], x: f64) -> f64 {
        if self == Self::Linear {
            return p[0] * x + p[1];
        }
        let (amp, x0, fwhm, slope, offset) = (p[0], p[1], p[2], p[3], p[4]);
        let u = (x - x0) / fwhm;
        let gauss = || (-4.0 * std::f64::consts::LN_2 * u * u).exp();
        let lorentz = || 1.0 / (1.0 + 4.0 * u * u);
        let peak = match self {
            Self::Gaussian => gauss(),
            Self::Lorentzian => lorentz(),
            _ => {
                let eta = p[5].clamp(0.0, 1.0);
                eta * lorentz() + (1.0 - eta) * gauss()
            }
        };
        amp * peak + slope * x + offset
    }
}

fn model(shape: Shape, p: &[f64], x: f64) -> f64 {
    shape.value(p, x)
}

/// Solve a small linear system (Gaussian elimination with pivoting).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-300 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..n {
            let f = a[r][c] / a[c][c];
            for k in c..n {
                a[r][k] -= f * a[c][k];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

/// Fit `shape` to the finite points by Levenberg–Marquardt; the
/// uncertainties come from the covariance scaled by the reduced χ². One
/// row: the parameters, their errors (`NAME_error`) and `reduced_chi2`.
pub fn fit_peak(x: &[f64], y: &[f64], shape: Shape) -> Result<Table, NodeError> {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .map(|(a, b)| (*a, *b))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .collect();
    let n_params = shape.parameters().len();
    let needed = n_params + 1;
    if pts.len() < needed {
        return Err(compute(format!(
            "a {} fit needs at least {needed} finite points, not {}",
            shape.name(),
            pts.len()
        )));
    }
    let (imax, &(xmax, ymax)) = pts
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
        .ok_or_else(|| compute("no points"))?;
    let ymin = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let half = ymin + (ymax - ymin) / 2.0;
    let left = pts[..imax]
        .iter()
        .rev()
        .find(|p| p.1 < half)
        .map_or(pts[0].0, |p| p.0);
    let right = pts[imax..]
        .iter()
        .find(|p| p.1 < half)
        .map_or(pts[pts.len() - 1].0, |p| p.0);
    let span = (pts[pts.len() - 1].0 - pts[0].0)
        .abs()
        .max(f64::MIN_POSITIVE);
    let mut p: Vec<f64> = match shape {
        Shape::Linear => {
            let (x0, y0) = pts[0];
            let (x1, y1) = pts[pts.len() - 1];
            let slope = if x1 == x0 { 0.0 } else { (y1 - y0) / (x1 - x0) };
            vec![slope, y0 - slope * x0]
        }
        _ => {
            let mut p = vec![
                ymax - ymin,
                xmax,
                (right - left).abs().max(span / pts.len() as f64),
                0.0,
                ymin,
            ];
            if shape == Shape::PseudoVoigt {
                p.push(0.5);
            }
            p
        }
    };
    let residuals =
        |p: &[f64]| -> Vec<f64> { pts.iter().map(|(x, y)| y - model(shape, p, *x)).collect() };
    let chi2 = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>();
    let jacobian = |p: &[f64]| -> Vec<Vec<f64>> {
        pts.iter()
            .map(|(x, _)| {
                (0..n_params)
                    .map(|k| {
                        let h = 1e-7 * p[k].abs().max(1e-7 * span.max(1.0));
                        let mut q = p.to_vec();
                        q[k] += h;
                        (model(shape, &q, *x) - model(shape, p, *x)) / h
                    })
                    .collect()
            })
            .collect()
    };
    let normal = |j: &[Vec<f64>]| {
        let mut a = vec![vec![0.0; n_params]; n_params];
        for row in j {
            for r in 0..n_params {
                for c in 0..n_params {
                    a[r][c] += row[r] * row[c];
                }
            }
        }
        a
    };
    let mut lambda = 1e-3;
    let mut r = residuals(&p);
    let mut cost = chi2(&r);
    for _ in 0..200 {
        let j = jacobian(&p);
        let a = normal(&j);
        let mut g = vec![0.0; n_params];
        for (row, res) in j.iter().zip(&r) {
            for k in 0..n_params {
                g[k] += row[k] * res;
            }
        }
        let mut damped = a.clone();
        for k in 0..n_params {
            damped[k][k] += lambda * a[k][k].max(1e-12);
        }
        let Some(step) = solve(damped, g) else {
            break;
        };
        let trial: Vec<f64> = p.iter().zip(&step).map(|(a, b)| a + b).collect();
        let rt = residuals(&trial);
        let ct = chi2(&rt);
        if ct.is_finite() && ct < cost {
            let done = (cost - ct) <= 1e-12 * cost.max(1e-300);
            p = trial;
            r = rt;
            cost = ct;
            lambda = (lambda / 10.0).max(1e-12);
            if done {
                break;
            }
        } else {
            lambda *= 10.0;
            if lambda > 1e12 {
                break;
            }
        }
    }
    let dof = (pts.len() - n_params) as f64;
    let red = cost / dof;
    let a = normal(&jacobian(&p));
    let mut sigma = vec![f64::NAN; n_params];
    for (k, s) in sigma.iter_mut().enumerate() {
        let mut e = vec![0.0; n_params];
        e[k] = 1.0;
        if let Some(col) = solve(a.clone(), e) {
            *s = (col[k] * red).abs().sqrt();
        }
    }
    if shape != Shape::Linear {
        p[2] = p[2].abs();
    }
    if shape == Shape::PseudoVoigt {
        p[5] = p[5].clamp(0.0, 1.0);
    }
    let names = shape.parameters();
    let mut columns: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    columns.extend(names.iter().map(|n| format!("{n}_error")));
    columns.push("reduced_chi2".into());
    let mut row: Vec<f64> = p;
    row.extend(sigma);
    row.push(red);
    Ok(Table {
        columns,
        rows: vec![row],
    })
}

/// The geometry of a 2-D detector for azimuthal regrouping.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// Beam centre in pixels (column, row).
    pub center: (f64, f64),
    /// Pixel size and sample-detector distance, in the same unit (mm).
    pub pixel_size: f64,
    pub distance: f64,
    /// Wavelength in ångström; q comes out in Å⁻¹.
    pub wavelength: f64,
}

/// Regroup a detector image into I(q): the mean intensity in `bins` equal
/// bins of q from 0 to the largest q on the detector. NaN pixels (masked,
/// or from a flat-field) are left out. Rows: q (bin centre), I, pixels.
pub fn azimuthal(img: &ArrayD<f64>, g: Geometry, bins: usize) -> Result<Table, NodeError> {
    if img.ndim() != 2 {
        return Err(compute(format!(
            "azimuthal regrouping takes a 2-D image, not {:?}",
            img.shape()
        )));
    }
    if !(g.pixel_size > 0.0 && g.distance > 0.0 && g.wavelength > 0.0) {
        return Err(NodeError::BadParam {
            name: "geometry".into(),
            detail: "pixel size, distance and wavelength must be above 0".into(),
        });
    }
    let q_of = |row: usize, col: usize| {
        let dx = (col as f64 - g.center.0) * g.pixel_size;
        let dy = (row as f64 - g.center.1) * g.pixel_size;
        let two_theta = (dx.hypot(dy) / g.distance).atan();
        4.0 * std::f64::consts::PI * (two_theta / 2.0).sin() / g.wavelength
    };
    let (rows, cols) = (img.shape()[0], img.shape()[1]);
    let q_max = [
        (0, 0),
        (0, cols.saturating_sub(1)),
        (rows.saturating_sub(1), 0),
        (rows.saturating_sub(1), cols.saturating_sub(1)),
    ]
    .iter()
    .map(|&(r, c)| q_of(r, c))
    .fold(0.0, f64::max);
    if q_max <= 0.0 {
        return Err(compute("the image has no extent in q"));
    }
    let mut sum = vec![0.0; bins];
    let mut n = vec![0usize; bins];
    for ((r, c), v) in img
        .view()
        .into_dimensionality::<ndarray::Ix2>()
        .map_err(|e| compute(e.to_string()))?
        .indexed_iter()
    {
        if !v.is_finite() {
            continue;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let b = ((q_of(r, c) / q_max) * bins as f64) as usize;
        let b = b.min(bins - 1);
        sum[b] += v;
        n[b] += 1;
    }
    let width = q_max / bins as f64;
    Ok(Table {
        columns: vec!["q".into(), "I".into(), "pixels".into()],
        rows: (0..bins)
            .map(|b| {
                vec![
                    (b as f64 + 0.5) * width,
                    if n[b] > 0 {
                        sum[b] / n[b] as f64
                    } else {
                        f64::NAN
                    },
                    n[b] as f64,
                ]
            })
            .collect(),
    })
}

/// A 1-D array (or the first column of a table) as plain numbers.
pub fn series(v: &Value) -> Result<Vec<f64>, NodeError> {
    match v {
        Value::Table(t) => Ok(t.rows.iter().filter_map(|r| r.first().copied()).collect()),
        other => {
            let a = other.to_array();
            if a.ndim() != 1 {
                return Err(compute(format!(
                    "expected a 1-D array, not {:?}",
                    a.shape()
                )));
            }
            Ok(a.iter().copied().collect())
        }
    }
}

/// The sum of each frame of a stack along `axis` 0, frame by frame (the
/// memory a streamed stack needs is one frame).
pub fn frames_sum(a: &ArrayD<f64>) -> ArrayD<f64> {
    a.axis_iter(Axis(0))
        .fold(None::<ArrayD<f64>>, |acc, f| match acc {
            None => Some(f.to_owned()),
            Some(mut s) => {
                s += &f;
                Some(s)
            }
        })
        .unwrap_or_else(|| ArrayD::zeros(IxDyn(&[])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_follow_numpy() {
        let a = ArrayD::from_shape_vec(IxDyn(&[3, 4]), (0..12).map(f64::from).collect())
            .expect("shape");
        assert_eq!(
            select(&a, "1").expect("row").as_slice(),
            Some(&[4.0, 5.0, 6.0, 7.0][..])
        );
        assert_eq!(select(&a, ":, 1:3").expect("cols").shape(), &[3, 2]);
        assert_eq!(
            select(&a, "::2, -1")
                .expect("step")
                .into_raw_vec_and_offset()
                .0,
            [3.0, 11.0]
        );
        assert!(select(&a, "5").is_err(), "outside");
        assert!(select(&a, "1, 2, 3").is_err(), "too many parts");
        assert!(select(&a, "x").is_err());
        assert!(select(&a, "::0").is_err());
    }

    #[test]
    fn flat_field_correction() {
        let img = Value::Array(ndarray::arr2(&[[10.0, 20.0], [30.0, 5.0]]).into_dyn());
        let dark = Value::Scalar(2.0);
        let flat = Value::Array(ndarray::arr2(&[[6.0, 10.0], [2.0, 12.0]]).into_dyn());
        let Value::Array(out) = flat_field(&img, &dark, &flat).expect("ff") else {
            panic!("array")
        };
        assert_eq!(out[[0, 0]], 2.0);
        assert_eq!(out[[0, 1]], 2.25);
        assert!(out[[1, 0]].is_nan(), "a dead flat pixel");
        assert_eq!(out[[1, 1]], 0.3);
    }

    #[test]
    fn a_gaussian_peak_is_found_with_uncertainties() {
        let x: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.05).collect();
        // amplitude 7, centre 4.2, FWHM 0.9, background 0.3 x + 1, a little noise.
        let mut seed: u32 = 1;
        let y: Vec<f64> = x
            .iter()
            .map(|&v| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let noise = (f64::from(seed >> 16) / 65536.0 - 0.5) * 0.02;
                model(Shape::Gaussian, &[7.0, 4.2, 0.9, 0.3, 1.0], v) + noise
            })
            .collect();
        let t = fit_peak(&x, &y, Shape::Gaussian).expect("fit");
        let get = |c: &str| t.get(c).expect(c);
        assert!((get("amplitude") - 7.0).abs() < 0.02, "{t:?}");
        assert!((get("center") - 4.2).abs() < 0.002, "{t:?}");
        assert!((get("fwhm") - 0.9).abs() < 0.005, "{t:?}");
        assert!((get("slope") - 0.3).abs() < 0.005, "{t:?}");
        assert!(
            get("center_error") > 0.0 && get("center_error") < 0.002,
            "{t:?}"
        );
        // A Lorentzian of the same data fits worse.
        let l = fit_peak(&x, &y, Shape::Lorentzian).expect("fit");
        assert!(l.get("reduced_chi2").expect("chi2") > get("reduced_chi2"));
        assert!(fit_peak(&x[..3], &y[..3], Shape::Gaussian).is_err());
    }

    /// A pseudo-Voigt and a straight line recover the parameters they were
    /// made with (the data exact, so the errors are about zero).
    #[test]
    fn pseudo_voigt_and_line_fits_find_their_parameters() {
        let x: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.05).collect();
        let truth = [5.0, 4.5, 1.2, 0.2, 0.7, 0.35];
        let y: Vec<f64> = x
            .iter()
            .map(|&v| Shape::PseudoVoigt.value(&truth, v))
            .collect();
        let t = fit_peak(&x, &y, Shape::PseudoVoigt).expect("fit");
        assert_eq!(t.columns[5], "eta");
        for (k, want) in truth.iter().enumerate() {
            assert!(
                (t.rows[0][k] - want).abs() < 1e-5,
                "{}: {} vs {want}",
                t.columns[k],
                t.rows[0][k]
            );
        }
        let y: Vec<f64> = x.iter().map(|&v| -2.5 * v + 3.0).collect();
        let t = fit_peak(&x, &y, Shape::Linear).expect("fit");
        assert_eq!(t.columns[..2], ["slope", "offset"]);
        assert!((t.rows[0][0] + 2.5).abs() < 1e-9 && (t.rows[0][1] - 3.0).abs() < 1e-9);
        assert_eq!(Shape::named("Pseudo-Voigt"), Some(Shape::PseudoVoigt));
    }

    #[test]
    fn a_ring_lands_in_one_q_bin() {
        // A ring of radius 40 px around (50, 50): 0.1 mm pixels, 100 mm away, 1 Å.
        let mut img = ArrayD::<f64>::zeros(IxDyn(&[101, 101]));
        for ((r, c), v) in img
            .view_mut()
            .into_dimensionality::<ndarray::Ix2>()
            .expect("2d")
            .indexed_iter_mut()
        {
            let d = ((r as f64 - 50.0).powi(2) + (c as f64 - 50.0).powi(2)).sqrt();
            if (d - 40.0).abs() < 0.5 {
                *v = 100.0;
            }
        }
        let g = Geometry {
            center: (50.0, 50.0),
            pixel_size: 0.1,
            distance: 100.0,
            wavelength: 1.0,
        };
        let t = azimuthal(&img, g, 100).expect("regroup");
        let best = t
            .rows
            .iter()
            .max_by(|a, b| a[1].total_cmp(&b[1]))
            .expect("rows");
        let expected = 4.0 * std::f64::consts::PI * ((4.0f64 / 100.0).atan() / 2.0).sin();
        assert!(
            (best[0] - expected).abs() < 0.01,
            "peak at q={} expected {expected}",
            best[0]
        );
        assert!(azimuthal(&ArrayD::zeros(IxDyn(&[3])), g, 10).is_err());
    }
}
