//! What a view reads before it draws: the selection of a dataset it shows,
//! and which NeXus axes, errors and auxiliary signals go with it. Pure
//! functions of the dataset's shape and its default plot, so the views stay
//! drawing only and this is tested without a window.

use crate::data::nexus::DefaultPlot;
use crate::data::{DatasetInfo, Entity, Selection};

/// The selection of a stack that shows axes `rows` and `cols` whole and
/// takes `index[a]` on every other axis `a` (trailing whole axes left out, so
/// a frame of the first axis reads through the parallel chunk path).
pub fn stack_selection(nd: usize, (rows, cols): (usize, usize), index: &[usize]) -> Selection {
    let mut parts: Vec<String> = (0..nd)
        .map(|a| {
            if a == rows || a == cols {
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

/// The part of a dataset the line view draws: row `row` of a 2-D dataset,
/// all of a 1-D one.
pub fn line_selection(info: &DatasetInfo, row: usize) -> Selection {
    if info.shape.len() == 2 {
        Selection::parse(&row.to_string()).unwrap_or_default()
    } else {
        Selection::all()
    }
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
    info.dtype.is_numeric() && info.shape.len() == 2
}

/// Numbers over three axes or more: a stack of images.
pub fn is_stack(info: &DatasetInfo) -> bool {
    info.dtype.is_numeric() && info.shape.len() >= 3
}

/// Numbers over one axis, or the rows of two: a line.
pub fn is_line(info: &DatasetInfo) -> bool {
    info.dtype.is_numeric() && (1..=2).contains(&info.shape.len())
}

#[cfg(test)]
mod tests {
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
        assert_eq!(line_selection(&info(&[4, 5]), 3).to_string(), "3");
        assert_eq!(line_selection(&info(&[9]), 3), Selection::all());
    }

    #[test]
    fn an_axis_without_nexus_names_is_numbered() {
        assert_eq!(axis_name(None, &info(&[5, 4, 3]), 1), "axis 1 (4)");
        assert_eq!(last_part("/entry/data/counts"), "counts");
        assert_eq!(last_part("/"), "data");
    }
}
