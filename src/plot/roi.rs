//! Regions of interest on an image and what is measured in them: the pixels
//! inside a rectangle or polygon with their statistics (count, sum, mean,
//! standard deviation, min, max, centre of mass), profiles along a line of
//! some width (sampled as scikit-image's `profile_line` samples) or across
//! a point, and the same statistics frame by frame through a stack.
//!
//! Coordinates are the image's own pixel coordinates: `x` runs along the
//! columns and `y` along the rows, and the pixel at row `r`, column `c`
//! covers `x ∈ [c, c+1)`, `y ∈ [r, r+1)`, so its centre is at
//! `(c + 0.5, r + 0.5)`. A pixel belongs to an area when its centre does.
//! Values that are not numbers (NaN, infinite, masked) are counted apart
//! and left out of every statistic.

/// A point `(x, y)` in pixel coordinates.
pub type Point = (f64, f64);

/// The widest line profile, in pixels.
pub const MAX_LINE_WIDTH: usize = 512;

/// A region of interest.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// An axis-aligned rectangle between two corners.
    Rect { a: Point, b: Point },
    /// A closed polygon through its vertices (even–odd rule).
    Polygon(Vec<Point>),
    /// A profile from `a` to `b`, averaged over `width` pixels across it.
    Line { a: Point, b: Point, width: usize },
    /// The row and the column through a point.
    Cross(Point),
}

impl Shape {
    /// Its kind, in words.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Rect { .. } => "Rectangle",
            Self::Polygon(_) => "Polygon",
            Self::Line { .. } => "Line profile",
            Self::Cross(_) => "Cross profile",
        }
    }

    /// Whether it encloses pixels (a rectangle or polygon), as opposed to a
    /// profile.
    pub fn is_area(&self) -> bool {
        matches!(self, Self::Rect { .. } | Self::Polygon(_))
    }

    /// The same shape moved by `(dx, dy)`.
    #[must_use]
    pub fn translated(&self, dx: f64, dy: f64) -> Self {
        let m = |p: &Point| (p.0 + dx, p.1 + dy);
        match self {
            Self::Rect { a, b } => Self::Rect { a: m(a), b: m(b) },
            Self::Polygon(v) => Self::Polygon(v.iter().map(m).collect()),
            Self::Line { a, b, width } => Self::Line {
                a: m(a),
                b: m(b),
                width: *width,
            },
            Self::Cross(p) => Self::Cross(m(p)),
        }
    }

    /// A rectangle with its corners moved to the nearest pixel edges, so it
    /// holds whole pixels; other shapes as they are.
    #[must_use]
    pub fn snapped(&self) -> Self {
        let r = |p: &Point| (p.0.round(), p.1.round());
        match self {
            Self::Rect { a, b } => Self::Rect { a: r(a), b: r(b) },
            other => other.clone(),
        }
    }

    /// Whether `p` is on the shape (inside an area, within `slack` pixels of
    /// a line or of a cross's centre): where a drag moves it.
    pub fn hit(&self, p: Point, slack: f64) -> bool {
        match self {
            Self::Rect { a, b } => {
                let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
                let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
                (x0 - slack..=x1 + slack).contains(&p.0) && (y0 - slack..=y1 + slack).contains(&p.1)
            }
            Self::Polygon(v) => inside_polygon(v, p),
            #[allow(clippy::cast_precision_loss)]
            Self::Line { a, b, width } => {
                distance_to_segment(p, *a, *b) <= *width as f64 / 2.0 + slack
            }
            Self::Cross(c) => (p.0 - c.0).abs() <= slack && (p.1 - c.1).abs() <= slack,
        }
    }

    /// Row-major indices of the pixels of an `height` × `width` image whose
    /// centres lie inside the area (none for a profile).
    pub fn pixels(&self, height: usize, width: usize) -> Vec<usize> {
        let mut out = Vec::new();
        self.for_each_pixel(height, width, |r, c| out.push(r * width + c));
        out
    }

    /// Call `f(row, column)` for each pixel whose centre lies inside the
    /// area, row by row: a rectangle's rows and columns directly, a
    /// polygon's by scanline (the even–odd rule), so a large region costs
    /// no more than its pixels.
    pub fn for_each_pixel(&self, height: usize, width: usize, mut f: impl FnMut(usize, usize)) {
        let Some((x0, x1, y0, y1)) = self.bounds() else {
            return;
        };
        let (c0, c1) = (first_centre(x0, width), first_centre(x1, width));
        let (r0, r1) = (first_centre(y0, height), first_centre(y1, height));
        let mut crossings = Vec::new();
        for r in r0..r1 {
            #[allow(clippy::cast_precision_loss)]
            let y = r as f64 + 0.5;
            match self {
                Self::Rect { .. } => (c0..c1).for_each(|c| f(r, c)),
                Self::Polygon(v) => {
                    // Where the row's centre line crosses the edges; the
                    // centres in [x₀, x₁), [x₂, x₃), … are inside.
                    crossings.clear();
                    let mut j = v.len() - 1;
                    for i in 0..v.len() {
                        let ((xi, yi), (xj, yj)) = (v[i], v[j]);
                        if (yi > y) != (yj > y) {
                            crossings.push((xj - xi) * (y - yi) / (yj - yi) + xi);
                        }
                        j = i;
                    }
                    crossings.sort_by(f64::total_cmp);
                    for pair in crossings.chunks_exact(2) {
                        let (a, b) = (first_centre(pair[0], width), first_centre(pair[1], width));
                        (a.max(c0)..b.min(c1)).for_each(|c| f(r, c));
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether `p` is on the shape's outline (within `slack` pixels of an
    /// edge of an area, of a line, or of a cross's centre): where a drag
    /// moves the shape rather than draws a new one.
    pub fn near_outline(&self, p: Point, slack: f64) -> bool {
        let edges = |v: &[Point]| {
            (0..v.len()).any(|i| distance_to_segment(p, v[i], v[(i + 1) % v.len()]) <= slack)
        };
        match self {
            Self::Rect { a, b } => edges(&[*a, (b.0, a.1), *b, (a.0, b.1)]),
            Self::Polygon(v) => v.len() >= 2 && edges(v),
            Self::Line { .. } | Self::Cross(_) => self.hit(p, slack),
        }
    }

    /// The extent of an area: `(x0, x1, y0, y1)`; `None` for a profile.
    pub fn bounds(&self) -> Option<(f64, f64, f64, f64)> {
        let points: &[Point] = match self {
            Self::Rect { a, b } => &[*a, *b],
            Self::Polygon(v) if v.len() >= 3 => v,
            _ => return None,
        };
        let mut b = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in points {
            b = (b.0.min(p.0), b.1.max(p.0), b.2.min(p.1), b.3.max(p.1));
        }
        (b.0.is_finite() && b.1.is_finite() && b.2.is_finite() && b.3.is_finite()).then_some(b)
    }

    /// The whole pixels an area touches, as `(row0, row1, col0, col1)`
    /// (ends excluded) inside an `height` × `width` image: what to read of a
    /// stack to measure it through every frame.
    pub fn pixel_box(&self, height: usize, width: usize) -> Option<(usize, usize, usize, usize)> {
        let (x0, x1, y0, y1) = self.bounds()?;
        let (c0, c1) = (first_centre(x0, width), first_centre(x1, width));
        let (r0, r1) = (first_centre(y0, height), first_centre(y1, height));
        (r1 > r0 && c1 > c0).then_some((r0, r1, c0, c1))
    }
}

/// The first pixel index whose centre (`i + 0.5`) is at or beyond `x`,
/// kept inside `0..=n`.
fn first_centre(x: f64, n: usize) -> usize {
    let i = (x - 0.5).ceil();
    if i <= 0.0 || i.is_nan() {
        0
    } else {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let i = i as usize;
        i.min(n)
    }
}

/// Even–odd rule: whether `p` is inside the polygon through `v`.
fn inside_polygon(v: &[Point], p: Point) -> bool {
    if v.len() < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = v.len() - 1;
    for i in 0..v.len() {
        let (xi, yi) = v[i];
        let (xj, yj) = v[j];
        if (yi > p.1) != (yj > p.1) && p.0 < (xj - xi) * (p.1 - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

fn distance_to_segment(p: Point, a: Point, b: Point) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((p.0 - a.0 - t * dx).powi(2) + (p.1 - a.1 - t * dy).powi(2)).sqrt()
}

/// What is measured in an area.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stats {
    /// Pixels that are numbers.
    pub count: usize,
    /// Pixels that are not numbers (NaN, infinite or masked), left out.
    pub invalid: usize,
    pub sum: f64,
    pub mean: f64,
    /// Population standard deviation (numpy's default, `ddof = 0`).
    pub std: f64,
    pub min: f64,
    pub max: f64,
    /// Centre of mass `(row, column)` in pixel indices (as
    /// `scipy.ndimage.center_of_mass`), when the sum is not zero.
    pub centre: Option<(f64, f64)>,
}

/// Statistics of the pixels `indices` of a row-major image `width` wide.
pub fn stats(values: &[f64], width: usize, indices: &[usize]) -> Stats {
    stats_from(|f: &mut dyn FnMut(f64, usize, usize)| {
        for &i in indices {
            if let (Some(v), Some(r), Some(c)) =
                (values.get(i), i.checked_div(width), i.checked_rem(width))
            {
                f(*v, r, c);
            }
        }
    })
}

/// Statistics of the area `shape` of a row-major `height` × `width` image,
/// without listing its pixels.
pub fn stats_of(values: &[f64], height: usize, width: usize, shape: &Shape) -> Stats {
    stats_from(|f: &mut dyn FnMut(f64, usize, usize)| {
        shape.for_each_pixel(height, width, |r, c| {
            if let Some(v) = values.get(r * width + c) {
                f(*v, r, c);
            }
        });
    })
}

/// Statistics of the `(value, row, column)` a walk visits (walked twice:
/// the sum, then the deviations from the mean, so large offsets keep their
/// precision).
fn stats_from(walk: impl Fn(&mut dyn FnMut(f64, usize, usize))) -> Stats {
    let mut s = Stats {
        min: f64::NAN,
        max: f64::NAN,
        mean: f64::NAN,
        std: f64::NAN,
        ..Stats::default()
    };
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut sum, mut wr, mut wc) = (Kahan::default(), Kahan::default(), Kahan::default());
    walk(&mut |v, r, c| {
        if !v.is_finite() {
            s.invalid += 1;
            return;
        }
        s.count += 1;
        sum.add(v);
        #[allow(clippy::cast_precision_loss)]
        {
            wr.add(v * r as f64);
            wc.add(v * c as f64);
        }
        min = min.min(v);
        max = max.max(v);
    });
    if s.count == 0 {
        return s;
    }
    s.sum = sum.total();
    #[allow(clippy::cast_precision_loss)]
    let n = s.count as f64;
    s.mean = s.sum / n;
    let mut dev = Kahan::default();
    let mean = s.mean;
    walk(&mut |v, _, _| {
        if v.is_finite() {
            dev.add((v - mean).powi(2));
        }
    });
    s.std = (dev.total() / n).sqrt();
    s.min = min;
    s.max = max;
    if s.sum != 0.0 {
        s.centre = Some((wr.total() / s.sum, wc.total() / s.sum));
    }
    s
}

/// Compensated summation: the error of a long sum stays at the last digit.
#[derive(Default)]
struct Kahan {
    sum: f64,
    c: f64,
}

impl Kahan {
    fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() >= v.abs() {
            self.c += (self.sum - t) + v;
        } else {
            self.c += (v - t) + self.sum;
        }
        self.sum = t;
    }

    fn total(&self) -> f64 {
        self.sum + self.c
    }
}

/// Values along a path: the distance from its start (pixels) and the value
/// there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub distance: Vec<f64>,
    pub values: Vec<f64>,
}

/// The longest profile, in samples (a line across a 65536-pixel image).
const MAX_SAMPLES: usize = 1 << 17;

/// The profile from `a` to `b`, `width` pixels wide, sampled as
/// scikit-image's `profile_line(image, src, dst, linewidth=width, order=1)`:
/// `ceil(length + 1)` points evenly from one end to the other, each the
/// mean of `width` bilinear samples across the line. A sample beyond the
/// image's outer pixel centres takes the nearest edge value (scikit-image's
/// `mode='nearest'`); one more than half a pixel outside the image is not
/// a number (so is the mean it is part of).
pub fn line_profile(
    values: &[f64],
    height: usize,
    width: usize,
    a: Point,
    b: Point,
    line_width: usize,
) -> Profile {
    let line_width = line_width.clamp(1, MAX_LINE_WIDTH);
    // Index coordinates: pixel centres at whole numbers.
    let (r0, c0) = (a.1 - 0.5, a.0 - 0.5);
    let (r1, c1) = (b.1 - 0.5, b.0 - 0.5);
    let (dr, dc) = (r1 - r0, c1 - c0);
    let length = dr.hypot(dc);
    if !length.is_finite() {
        return Profile::default();
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = ((length + 1.0).ceil() as usize).clamp(1, MAX_SAMPLES);
    let theta = dr.atan2(dc);
    #[allow(clippy::cast_precision_loss)]
    let half = (line_width - 1) as f64 / 2.0;
    let (col_w, row_w) = (half * (-theta).sin(), half * theta.cos());
    let lin = |from: f64, to: f64, k: usize, m: usize| {
        #[allow(clippy::cast_precision_loss)]
        if m <= 1 {
            from
        } else {
            from + (to - from) * k as f64 / (m - 1) as f64
        }
    };
    let mut p = Profile {
        distance: Vec::with_capacity(n),
        values: Vec::with_capacity(n),
    };
    for i in 0..n {
        let (r, c) = (lin(r0, r1, i, n), lin(c0, c1, i, n));
        let mut acc = 0.0;
        for k in 0..line_width {
            let rr = lin(r - row_w, r + row_w, k, line_width);
            let cc = lin(c - col_w, c + col_w, k, line_width);
            acc += bilinear(values, height, width, rr, cc);
        }
        #[allow(clippy::cast_precision_loss)]
        {
            p.distance.push(lin(0.0, length, i, n));
            p.values.push(acc / line_width as f64);
        }
    }
    p
}

/// The value at index coordinates `(r, c)` (pixel centres at whole
/// numbers), interpolated between the four pixels around it.
fn bilinear(values: &[f64], height: usize, width: usize, r: f64, c: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let (hmax, wmax) = (height as f64 - 1.0, width as f64 - 1.0);
    if height == 0
        || width == 0
        || !(-0.5..=hmax + 0.5).contains(&r)
        || !(-0.5..=wmax + 0.5).contains(&c)
    {
        return f64::NAN;
    }
    let (r, c) = (r.clamp(0.0, hmax), c.clamp(0.0, wmax));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (i, j) = (r.floor() as usize, c.floor() as usize);
    #[allow(clippy::cast_precision_loss)]
    let (fr, fc) = (r - i as f64, c - j as f64);
    let at = |i: usize, j: usize| {
        values
            .get(i.min(height - 1) * width + j.min(width - 1))
            .copied()
            .unwrap_or(f64::NAN)
    };
    // Weights of zero leave a neighbour (perhaps NaN) out.
    let mut v = at(i, j) * (1.0 - fr) * (1.0 - fc);
    if fc > 0.0 {
        v += at(i, j + 1) * (1.0 - fr) * fc;
    }
    if fr > 0.0 {
        v += at(i + 1, j) * fr * (1.0 - fc);
        if fc > 0.0 {
            v += at(i + 1, j + 1) * fr * fc;
        }
    }
    v
}

/// The row and the column through `p`: (along x, along y), each as its
/// pixels' values against their index. Empty when `p` is off the image.
pub fn cross_profile(values: &[f64], height: usize, width: usize, p: Point) -> (Profile, Profile) {
    let (Some(c), Some(r)) = (index_of(p.0, width), index_of(p.1, height)) else {
        return (Profile::default(), Profile::default());
    };
    #[allow(clippy::cast_precision_loss)]
    let row = Profile {
        distance: (0..width).map(|j| j as f64).collect(),
        values: (0..width)
            .map(|j| values.get(r * width + j).copied().unwrap_or(f64::NAN))
            .collect(),
    };
    #[allow(clippy::cast_precision_loss)]
    let column = Profile {
        distance: (0..height).map(|i| i as f64).collect(),
        values: (0..height)
            .map(|i| values.get(i * width + c).copied().unwrap_or(f64::NAN))
            .collect(),
    };
    (row, column)
}

/// The pixel index a coordinate falls in, if inside `0..n`.
fn index_of(x: f64, n: usize) -> Option<usize> {
    #[allow(clippy::cast_precision_loss)]
    if !(0.0..n as f64).contains(&x) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(x.floor() as usize)
}

/// Statistics of `shape` in each of `frames` frames of a block of
/// `height` × `width` pixels read around it (its corner at pixel `origin`
/// = (row, column) of the whole image). `strides` says where frame `f`,
/// row `r` and column `c` of the block are: `f·strides.0 + r·strides.1 +
/// c·strides.2` (see [`block_strides`]). Pixels `masked(row, column)` (of
/// the whole image) count as not numbers, as on the image itself.
pub fn frame_stats(
    values: &[f64],
    frames: usize,
    (height, width): (usize, usize),
    strides: (usize, usize, usize),
    origin: (usize, usize),
    shape: &Shape,
    masked: &dyn Fn(usize, usize) -> bool,
) -> Vec<Stats> {
    #[allow(clippy::cast_precision_loss)]
    let local = shape.translated(-(origin.1 as f64), -(origin.0 as f64));
    let mut pixels = Vec::new();
    local.for_each_pixel(height, width, |r, c| {
        pixels.push((r, c, masked(r + origin.0, c + origin.1)));
    });
    (0..frames)
        .map(|f| {
            stats_from(|g: &mut dyn FnMut(f64, usize, usize)| {
                for &(r, c, m) in &pixels {
                    let at = f * strides.0 + r * strides.1 + c * strides.2;
                    if let Some(v) = values.get(at) {
                        g(if m { f64::NAN } else { *v }, r + origin.0, c + origin.1);
                    }
                }
            })
        })
        .collect()
}

/// Where frames, rows and columns are in a block read of three axes of a
/// dataset, kept in the dataset's order: the strides (frame, row, column)
/// of a block of `frames` frames of `height` × `width` pixels, the frames
/// along axis `frame_axis` and the rows and columns along `shown`.
pub fn block_strides(
    frame_axis: usize,
    shown: (usize, usize),
    (frames, height, width): (usize, usize, usize),
) -> (usize, usize, usize) {
    let mut axes = [(frame_axis, frames), (shown.0, height), (shown.1, width)];
    axes.sort_unstable_by_key(|a| a.0);
    let stride = |axis: usize| -> usize {
        let k = axes.iter().position(|a| a.0 == axis).unwrap_or(0);
        axes[k + 1..].iter().map(|a| a.1).product()
    };
    (stride(frame_axis), stride(shown.0), stride(shown.1))
}

/// One line of the table of regions: its name and what it measured.
pub struct Row<'a> {
    pub name: &'a str,
    pub shape: &'a Shape,
    pub stats: Option<Stats>,
}

/// The regions of an image as CSV: name, kind, where it is, and its
/// statistics (empty cells for a profile).
pub fn table_csv(rows: &[Row<'_>]) -> String {
    let mut out = String::from(
        "roi,kind,geometry,count,invalid,sum,mean,std,min,max,centre_row,centre_col\n",
    );
    for r in rows {
        let mut cells = vec![
            csv_text(r.name),
            csv_text(r.shape.kind()),
            csv_text(&geometry(r.shape)),
        ];
        match r.stats {
            Some(s) => {
                let (cr, cc) = s.centre.map_or((String::new(), String::new()), |(a, b)| {
                    (a.to_string(), b.to_string())
                });
                cells.extend([
                    s.count.to_string(),
                    s.invalid.to_string(),
                    s.sum.to_string(),
                    s.mean.to_string(),
                    s.std.to_string(),
                    s.min.to_string(),
                    s.max.to_string(),
                    cr,
                    cc,
                ]);
            }
            None => cells.extend(std::iter::repeat_n(String::new(), 9)),
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Where a shape is, in words a reader can redraw it from.
pub fn geometry(shape: &Shape) -> String {
    let p = |p: &Point| {
        format!(
            "({}, {})",
            crate::units::short(p.0),
            crate::units::short(p.1)
        )
    };
    match shape {
        Shape::Rect { a, b } => format!(
            "x {}…{}, y {}…{}",
            crate::units::short(a.0.min(b.0)),
            crate::units::short(a.0.max(b.0)),
            crate::units::short(a.1.min(b.1)),
            crate::units::short(a.1.max(b.1))
        ),
        Shape::Polygon(v) => v.iter().map(p).collect::<Vec<_>>().join(" "),
        Shape::Line { a, b, width } => format!("{} → {}, {width} px wide", p(a), p(b)),
        Shape::Cross(c) => p(c),
    }
}

fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 4 × 5 image, value = 10·row + column.
    fn image() -> Vec<f64> {
        (0..4)
            .flat_map(|r| (0..5).map(move |c| f64::from(10 * r + c)))
            .collect()
    }

    #[test]
    fn a_rectangle_holds_the_pixels_whose_centres_it_covers() {
        let r = Shape::Rect {
            a: (3.0, 1.0),
            b: (1.0, 3.0),
        };
        // Rows 1..3, columns 1..3.
        assert_eq!(r.pixels(4, 5), vec![6, 7, 11, 12]);
        let s = stats(&image(), 5, &r.pixels(4, 5));
        assert_eq!(s.count, 4);
        assert_eq!(s.sum, 11.0 + 12.0 + 21.0 + 22.0);
        assert_eq!((s.min, s.max), (11.0, 22.0));
        assert!((s.std - (25.0f64 + 0.25).sqrt()).abs() < 1e-12);
        // Clipped to the image.
        let out = Shape::Rect {
            a: (-3.0, -3.0),
            b: (1.0, 9.0),
        };
        assert_eq!(out.pixels(4, 5), vec![0, 5, 10, 15]);
        assert!(
            Shape::Rect {
                a: (7.0, 0.0),
                b: (9.0, 2.0)
            }
            .pixels(4, 5)
            .is_empty()
        );
    }

    #[test]
    fn values_that_are_not_numbers_are_counted_apart() {
        let mut v = image();
        v[6] = f64::NAN;
        v[7] = f64::INFINITY;
        let s = stats(&v, 5, &[6, 7, 11, 12]);
        assert_eq!((s.count, s.invalid), (2, 2));
        assert_eq!(s.mean, 21.5);
        let none = stats(&v, 5, &[6, 7]);
        assert_eq!(none.count, 0);
        assert!(none.mean.is_nan() && none.centre.is_none());
    }

    #[test]
    fn a_profile_along_a_row_reads_the_row() {
        let p = line_profile(&image(), 4, 5, (0.5, 2.5), (4.5, 2.5), 1);
        assert_eq!(p.values, vec![20.0, 21.0, 22.0, 23.0, 24.0]);
        assert_eq!(p.distance, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        // Three pixels wide: the mean of rows 1, 2 and 3.
        let wide = line_profile(&image(), 4, 5, (0.5, 2.5), (4.5, 2.5), 3);
        assert_eq!(wide.values, vec![20.0, 21.0, 22.0, 23.0, 24.0]);
        let (row, col) = cross_profile(&image(), 4, 5, (2.2, 1.7));
        assert_eq!(row.values, vec![10.0, 11.0, 12.0, 13.0, 14.0]);
        assert_eq!(col.values, vec![2.0, 12.0, 22.0, 32.0]);
    }

    #[test]
    fn a_stack_is_measured_frame_by_frame_in_the_block_read() {
        // Two frames of the block rows 1..3, columns 1..3 of the image,
        // frames first.
        let block = [11.0, 12.0, 21.0, 22.0, 1.0, 1.0, 1.0, 1.0];
        let r = Shape::Rect {
            a: (1.0, 1.0),
            b: (3.0, 3.0),
        };
        assert_eq!(r.pixel_box(4, 5), Some((1, 3, 1, 3)));
        let none = |_: usize, _: usize| false;
        assert_eq!(block_strides(0, (1, 2), (2, 2, 2)), (4, 2, 1));
        let s = frame_stats(&block, 2, (2, 2), (4, 2, 1), (1, 1), &r, &none);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].sum, 66.0);
        assert_eq!(s[1].sum, 4.0);
        assert_eq!(s[1].centre, Some((1.5, 1.5)));
        // The frames as the last axis: (row, column, frame).
        let last = [11.0, 1.0, 12.0, 1.0, 21.0, 1.0, 22.0, 1.0];
        assert_eq!(block_strides(2, (0, 1), (2, 2, 2)), (1, 4, 2));
        let t = frame_stats(&last, 2, (2, 2), (1, 4, 2), (1, 1), &r, &none);
        assert_eq!(t, s);
        // Rows after columns in the dataset (a transposed view), frames
        // between: (column, frame, row).
        assert_eq!(block_strides(1, (2, 0), (2, 2, 2)), (2, 1, 4));
        let mid = [11.0, 21.0, 1.0, 1.0, 12.0, 22.0, 1.0, 1.0];
        assert_eq!(
            frame_stats(&mid, 2, (2, 2), (2, 1, 4), (1, 1), &r, &none),
            s
        );
        // A masked pixel is left out of every frame.
        let masked = frame_stats(&block, 2, (2, 2), (4, 2, 1), (1, 1), &r, &|r, c| {
            (r, c) == (1, 1)
        });
        assert_eq!(
            (masked[0].count, masked[0].invalid, masked[0].sum),
            (3, 1, 55.0)
        );
    }

    #[test]
    fn the_table_quotes_what_needs_it() {
        let shape = Shape::Polygon(vec![(0.0, 0.0), (2.2, 0.0), (0.0, 2.2)]);
        let csv = table_csv(&[Row {
            name: "ROI 1",
            shape: &shape,
            stats: Some(stats(&image(), 5, &shape.pixels(4, 5))),
        }]);
        let line = csv.lines().nth(1).expect("a row");
        assert!(
            line.starts_with("ROI 1,Polygon,\"(0, 0) (2.2, 0) (0, 2.2)\",3,0,"),
            "{line}"
        );
    }
}
