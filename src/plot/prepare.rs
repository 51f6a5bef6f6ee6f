//! What a view reads before it draws: the selection of a dataset it shows,
//! and which NeXus axes, errors and auxiliary signals go with it. Pure
//! functions of the dataset's shape and its default plot, so the views stay
//! drawing only and this is tested without a window.

use crate::data::nexus::DefaultPlot;
use crate::data::{DatasetInfo, Entity, Selection};

/// The selection of a dataset of rank `nd` that shows the axes in `shown`
/// whole and takes `index[a]` on every other axis `a` (trailing whole axes
/// left out, so a frame of the first axis reads through the parallel chunk
/// path).
pub fn slice_selection(nd: usize, shown: &[usize], index: &[usize]) -> Selection {
    let mut parts: Vec<String> = (0..nd)
        .map(|a| {
            if shown.contains(&a) {
                ":".to_owned()
            } else {
                index.get(a).copied().unwrap_or(0).to_string()
            }
        })
        .collect();
    while parts.last().is_some_and(|p| p == ":") {
        parts.pop();
    }
    Selection::parse(&parts.join(",")).unwrap_or_default()
}

/// The selection of a stack that shows axes `rows` and `cols` whole and
/// takes `index[a]` on every other axis.
pub fn stack_selection(nd: usize, (rows, cols): (usize, usize), index: &[usize]) -> Selection {
    slice_selection(nd, &[rows, cols], index)
}

/// Most pixels an image is read with at full resolution (4096²); a larger
/// one is read as an overview, every few rows and columns.
pub const OVERVIEW_ABOVE: u64 = 4096 * 4096;

/// The side an overview keeps at most along each axis shown.
pub const OVERVIEW_SIDE: u64 = 4096;

/// `selection` of a dataset of `shape`, showing axes `shown` (rows,
/// columns), read as an overview when the image has more than
/// [`OVERVIEW_ABOVE`] pixels: every `step` rows and columns (at most
/// [`OVERVIEW_SIDE`] along each), so a 1e6 × 3000 image opens without
/// reading it whole. The steps (rows, columns): (1, 1) when read whole.
pub fn overview(
    shape: &[u64],
    selection: &Selection,
    shown: (usize, usize),
) -> (Selection, (usize, usize)) {
    let (Some(&rows), Some(&cols)) = (shape.get(shown.0), shape.get(shown.1)) else {
        return (selection.clone(), (1, 1));
    };
    if rows.saturating_mul(cols) <= OVERVIEW_ABOVE {
        return (selection.clone(), (1, 1));
    }
    let step = |n: u64| n.div_ceil(OVERVIEW_SIDE).max(1);
    let (sr, sc) = (step(rows), step(cols));
    let mut axes = selection.0.clone();
    axes.resize(
        shape.len(),
        crate::data::selection::AxisKey::Range(None, None, 1),
    );
    axes[shown.0] = crate::data::selection::AxisKey::Range(None, None, sr);
    axes[shown.1] = crate::data::selection::AxisKey::Range(None, None, sc);
    let us = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    (Selection(axes), (us(sr), us(sc)))
}

/// The last two axes whole, the first at `frame` and other leading axes at 0.
pub fn frame_selection(info: &DatasetInfo, frame: usize) -> Selection {
    let nd = info.shape.len();
    stack_selection(nd, (nd.saturating_sub(2), nd.saturating_sub(1)), &[frame])
}

/// The last two axes of a dataset: rows and columns of its image.
pub fn last_two_axes(info: &DatasetInfo) -> (usize, usize) {
    let nd = info.shape.len();
    (nd.saturating_sub(2), nd.saturating_sub(1))
}

/// The selections to read ahead of `index` along the first axis that is
/// neither shown axis (so scrubbing a slider stays smooth): the next `ahead`
/// positions that exist.
pub fn prefetch(
    info: &DatasetInfo,
    shown: (usize, usize),
    index: &[usize],
    ahead: usize,
) -> Vec<Selection> {
    let nd = info.shape.len();
    let Some(a) = (0..nd).find(|a| *a != shown.0 && *a != shown.1) else {
        return Vec::new();
    };
    let n = usize::try_from(info.shape[a]).unwrap_or(1);
    (1..=ahead)
        .filter(|k| index.get(a).copied().unwrap_or(0) + k < n)
        .map(|k| {
            let mut next = index.to_vec();
            next.resize(nd, 0);
            next[a] += k;
            stack_selection(nd, shown, &next)
        })
        .collect()
}

/// The name of axis `a` for the axis choosers and sliders: its NeXus label
/// and length, or its number.
pub fn axis_name(plot: Option<&DefaultPlot>, info: &DatasetInfo, a: usize) -> String {
    let n = info.shape.get(a).copied().unwrap_or(0);
    match plot.and_then(|p| p.axis(a)) {
        Some(ax) => format!("{} ({n})", ax.label()),
        None => format!("axis {a} ({n})"),
    }
}

/// The part of a dataset the line view draws: the whole of axis `axis`,
/// `index[a]` on every other axis (all of a 1-D dataset).
pub fn line_selection(info: &DatasetInfo, axis: usize, index: &[usize]) -> Selection {
    slice_selection(info.shape.len(), &[axis], index)
}

/// What goes with the line of a signal: the dataset paths of its errors and
/// auxiliary signals (read with the signal's selection) and the y label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineParts {
    /// NeXus `@auxiliary_signals`: (path, name for the legend).
    pub auxiliary: Vec<(String, String)>,
    /// The uncertainties of the signal (`errors` or `<signal>_errors`).
    pub errors: Option<String>,
    pub y_label: String,
}

/// The errors, auxiliary signals and y label of the line of `entity`.
pub fn line_parts(entity: &Entity, plot: Option<&DefaultPlot>) -> LineParts {
    let auxiliary = plot
        .map(|p| p.auxiliary.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            let name = last_part(&a).to_owned();
            (a, name)
        })
        .collect();
    let y_label = plot.map_or_else(
        || {
            let units = entity
                .attr_text("units")
                .map(|u| format!(" ({u})"))
                .unwrap_or_default();
            format!("{}{units}", entity.name)
        },
        DefaultPlot::signal_label,
    );
    LineParts {
        auxiliary,
        errors: plot.and_then(|p| p.errors.clone()),
        y_label,
    }
}

/// The datasets of a file that can be the X of a 1-D dataset of `n` values
/// at `target`: the other numeric 1-D datasets of the same length, by path.
pub fn x_candidates<'a>(all: &'a [Entity], target: &str, n: u64) -> Vec<&'a str> {
    all.iter()
        .filter(|e| e.path != target)
        .filter(|e| match &e.kind {
            crate::data::EntityKind::Dataset(info) => info.shape == [n] && info.dtype.is_numeric(),
            _ => false,
        })
        .map(|e| e.path.as_str())
        .collect()
}

/// The datasets of a file that can mask an image of `shape` (rows,
/// columns): integer or boolean datasets of that shape, the NeXus
/// detectors' `pixel_mask` first.
pub fn mask_candidates(all: &[Entity], shape: (u64, u64)) -> Vec<&str> {
    let mut found: Vec<&str> = all
        .iter()
        .filter(|e| match &e.kind {
            crate::data::EntityKind::Dataset(info) => {
                info.shape == [shape.0, shape.1]
                    && matches!(
                        info.dtype,
                        crate::data::DType::Int { .. } | crate::data::DType::Bool
                    )
            }
            _ => false,
        })
        .map(|e| e.path.as_str())
        .collect();
    found.sort_by_key(|p| !p.ends_with("/pixel_mask"));
    found
}

/// `image` (rows × columns) with the pixels `mask` marks (any non-zero
/// value, as NeXus `pixel_mask` bits) made not-a-number, as float64; the
/// number of pixels masked. `None` when the mask's shape is not the image's.
pub fn apply_mask(
    image: &crate::data::Value,
    mask: &crate::data::Value,
) -> Option<(crate::data::Value, usize)> {
    if image.shape != mask.shape {
        return None;
    }
    let (mut v, m) = (image.to_f64()?, mask.to_f64()?);
    let mut n = 0;
    for (x, marked) in v.iter_mut().zip(&m) {
        if *marked != 0.0 {
            *x = f64::NAN;
            n += 1;
        }
    }
    let masked = crate::data::Value::new(image.shape.clone(), crate::data::Data::F64(v)).ok()?;
    Some((masked, n))
}

/// `y` against `x`, in increasing `x` (a line needs its X in order): as
/// they are when `x` increases already, reversed when it decreases, else
/// both sorted by `x` (points whose X is not a number last). Also the order
/// used, to put other values that go with `y` (its errors) in it.
pub fn against(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>, Option<Vec<usize>>) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    if x.windows(2).all(|w| w[0] <= w[1]) {
        return (x.to_vec(), y.to_vec(), None);
    }
    let order: Vec<usize> = if x.windows(2).all(|w| w[0] >= w[1]) {
        (0..n).rev().collect()
    } else {
        let mut o: Vec<usize> = (0..n).collect();
        o.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
        // total_cmp puts negative NaN first; every NaN goes last.
        o.sort_by_key(|&i| x[i].is_nan());
        o
    };
    (
        order.iter().map(|&i| x[i]).collect(),
        order.iter().map(|&i| y[i]).collect(),
        Some(order),
    )
}

/// The last part of an object's path ("data" for the root), as a file name
/// for exports or a name in a legend.
pub fn last_part(path: &str) -> &str {
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("data")
}

/// Numbers over two axes: an image.
pub fn is_image(info: &DatasetInfo) -> bool {
    info.dtype.is_plottable() && info.shape.len() == 2
}

/// Numbers over three axes or more: a stack of images.
pub fn is_stack(info: &DatasetInfo) -> bool {
    info.dtype.is_plottable() && info.shape.len() >= 3
}

/// Numbers over one axis or more: a line (along any one of them).
pub fn is_line(info: &DatasetInfo) -> bool {
    info.dtype.is_plottable() && !info.shape.is_empty()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_huge_image_is_read_as_an_overview_of_at_most_4096_a_side() {
        use crate::data::selection::AxisKey::{Index, Range};
        let all = Selection::all();
        // 4096² and below: whole.
        assert_eq!(overview(&[4096, 4096], &all, (0, 1)), (all.clone(), (1, 1)));
        // 1e6 × 3000: every 245th row, every column.
        let (sel, steps) = overview(&[1_000_000, 3000], &all, (0, 1));
        assert_eq!(steps, (245, 1));
        assert_eq!(sel.0, vec![Range(None, None, 245), Range(None, None, 1)]);
        assert_eq!(
            sel.resolve(&[1_000_000, 3000]).expect("fits").shape(),
            vec![4082, 3000]
        );
        // A frame of a stack keeps its index; rows after columns.
        let frame = stack_selection(3, (2, 1), &[7, 0, 0]);
        let (sel, steps) = overview(&[10, 9000, 20_000], &frame, (2, 1));
        assert_eq!(steps, (5, 3));
        assert_eq!(
            sel.0,
            vec![Index(7), Range(None, None, 3), Range(None, None, 5)]
        );
    }

    #[test]
    fn a_mask_makes_its_pixels_not_numbers_and_counts_them() {
        use crate::data::{Data, Value};
        let image = Value::new(vec![2, 3], Data::U16(vec![1, 2, 3, 4, 5, 6])).expect("image");
        let mask = Value::new(vec![2, 3], Data::U32(vec![0, 1, 0, 0, 0, 8])).expect("mask");
        let (masked, n) = apply_mask(&image, &mask).expect("same shape");
        assert_eq!(n, 2);
        let v = masked.to_f64().expect("f64");
        assert_eq!((v[0], v[2], v[3], v[4]), (1.0, 3.0, 4.0, 5.0));
        assert!(v[1].is_nan() && v[5].is_nan());
        let other = Value::new(vec![3, 2], Data::U32(vec![0; 6])).expect("mask");
        assert!(
            apply_mask(&image, &other).is_none(),
            "another shape masks nothing"
        );
    }

    #[test]
    fn y_goes_against_x_in_increasing_x() {
        let (x, y, o) = against(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]);
        assert_eq!(
            (x, y, o),
            (vec![1.0, 2.0, 3.0], vec![10.0, 20.0, 30.0], None)
        );
        let (x, y, o) = against(&[3.0, 2.0, 1.0], &[30.0, 20.0, 10.0]);
        assert_eq!((x, y), (vec![1.0, 2.0, 3.0], vec![10.0, 20.0, 30.0]));
        assert_eq!(o, Some(vec![2, 1, 0]));
        let (x, y, _) = against(&[2.0, f64::NAN, 1.0, 3.0], &[20.0, 99.0, 10.0, 30.0]);
        assert_eq!(&x[..3], &[1.0, 2.0, 3.0]);
        assert!(x[3].is_nan());
        assert_eq!(y, vec![10.0, 20.0, 30.0, 99.0]);
    }

    #[test]
    fn the_x_of_a_line_is_another_numeric_dataset_of_its_length() {
        use crate::data::{DType, EntityKind};
        let f64_type = DType::Float {
            bytes: 8,
            big_endian: false,
        };
        let f32_type = DType::Float {
            bytes: 4,
            big_endian: false,
        };
        let ds = |path: &str, shape: &[u64], dtype: DType| Entity {
            name: last_part(path).to_owned(),
            path: path.to_owned(),
            kind: EntityKind::Dataset(DatasetInfo::plain(shape, dtype)),
            nx_class: None,
            attributes: Vec::new(),
            children: Vec::new(),
        };
        let all = vec![
            ds("/y", &[5], f64_type.clone()),
            ds("/motor", &[5], f32_type),
            ds("/other", &[6], f64_type.clone()),
            ds("/image", &[5, 5], f64_type),
            ds(
                "/names",
                &[5],
                DType::Str {
                    fixed: None,
                    utf8: true,
                },
            ),
        ];
        assert_eq!(x_candidates(&all, "/y", 5), vec!["/motor"]);
    }

    use super::*;
    use crate::data::DType;

    fn info(shape: &[u64]) -> DatasetInfo {
        let f32 = DType::Float {
            bytes: 4,
            big_endian: false,
        };
        DatasetInfo::plain(shape, f32)
    }

    #[test]
    fn frames_fix_the_leading_axes() {
        assert_eq!(stack_selection(3, (1, 2), &[4, 0, 0]).to_string(), "4");
        assert_eq!(stack_selection(3, (0, 2), &[0, 5, 0]).to_string(), ":,5");
        assert_eq!(stack_selection(3, (2, 0), &[0, 5, 0]).to_string(), ":,5");
        assert_eq!(
            stack_selection(4, (1, 3), &[2, 0, 7, 0]).to_string(),
            "2,:,7"
        );
        assert_eq!(frame_selection(&info(&[5, 4, 4]), 3).to_string(), "3");
        // A line along any axis, the others at their positions.
        assert_eq!(line_selection(&info(&[7]), 0, &[]).to_string(), "");
        assert_eq!(line_selection(&info(&[3, 7]), 1, &[2, 0]).to_string(), "2");
        assert_eq!(
            line_selection(&info(&[3, 7]), 0, &[2, 5]).to_string(),
            ":,5"
        );
        assert_eq!(
            line_selection(&info(&[3, 4, 5]), 1, &[2, 0, 4]).to_string(),
            "2,:,4"
        );
        assert_eq!(frame_selection(&info(&[5, 2, 4, 4]), 1).to_string(), "1,0");
    }

    #[test]
    fn reading_ahead_stops_at_the_last_frame() {
        let i = info(&[5, 4, 4]);
        let next: Vec<String> = prefetch(&i, (1, 2), &[2, 0, 0], 2)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(next, ["3", "4"]);
        assert_eq!(prefetch(&i, (1, 2), &[4, 0, 0], 2), Vec::<Selection>::new());
        // Time shown as rows: the sliced axis is y.
        let next: Vec<String> = prefetch(&i, (0, 2), &[0, 1, 0], 1)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(next, [":,2"]);
        assert!(prefetch(&info(&[4, 4]), (0, 1), &[0, 0], 2).is_empty());
    }

    #[test]
    fn a_line_is_a_row_of_an_image() {
        assert_eq!(line_selection(&info(&[4, 5]), 1, &[3]).to_string(), "3");
        assert_eq!(line_selection(&info(&[9]), 0, &[3]), Selection::all());
    }

    #[test]
    fn an_axis_without_nexus_names_is_numbered() {
        assert_eq!(axis_name(None, &info(&[5, 4, 3]), 1), "axis 1 (4)");
        assert_eq!(last_part("/entry/data/counts"), "counts");
        assert_eq!(last_part("/"), "data");
    }
}
