//! Line plot with per-column min/max decimation over a pyramid, so millions
//! of points pan and zoom at display rate; optional error band; axis labels.

use std::sync::Arc;

use egui_plot::{CoordinatesFormatter, Corner, FilledArea, Line, Plot, PlotPoints};

use crate::plot::MinMaxPyramid;

/// A series ready to draw.
pub struct Series {
    pub pyramid: Arc<MinMaxPyramid>,
    /// X values (monotonic) or `None` for the index.
    pub x: Option<Arc<Vec<f64>>>,
    pub errors: Option<Arc<Vec<f64>>>,
    pub x_label: String,
    pub y_label: String,
    /// Plot log10(y); values ≤ 0 are left out.
    pub log_y: bool,
}

fn fy(log: bool, v: f64) -> f64 {
    if log {
        if v > 0.0 { v.log10() } else { f64::NAN }
    } else {
        v
    }
}

/// The whole series decimated to `columns` (x, y) points, for export.
pub fn overview(s: &Series, columns: usize) -> Vec<[f64; 2]> {
    let mut pts = Vec::new();
    for (i, mn, mx) in s.pyramid.decimate(0, s.pyramid.len(), columns) {
        let x = x_at(s.x.as_ref(), i);
        pts.push([x, mn]);
        if mx != mn {
            pts.push([x, mx]);
        }
    }
    pts
}

fn x_at(x: Option<&Arc<Vec<f64>>>, i: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    x.and_then(|x| x.get(i).copied()).unwrap_or(i as f64)
}

/// Index range of points whose x lies in `lo..=hi` (x assumed increasing).
fn visible(x: Option<&Arc<Vec<f64>>>, n: usize, lo: f64, hi: f64) -> (usize, usize) {
    match x {
        Some(x) if x.len() >= n && x.first() <= x.last() => {
            let xs = &x[..n];
            let s = xs.partition_point(|&v| v < lo).saturating_sub(1);
            let e = (xs.partition_point(|&v| v <= hi) + 1).min(n);
            (s, e)
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        _ => (
            lo.floor().max(0.0).min(n as f64) as usize,
            (hi.ceil() + 1.0).max(0.0).min(n as f64) as usize,
        ),
    }
}

pub fn line_ui(ui: &mut egui::Ui, id: egui::Id, s: &Series) {
    let n = s.pyramid.len();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let columns = (ui.available_width().max(100.0) * ui.ctx().pixels_per_point()) as usize;
    let log = s.log_y;
    let mut plot = Plot::new((id, log))
        .x_axis_label(s.x_label.clone())
        .y_axis_label(s.y_label.clone())
        .allow_double_click_reset(true)
        .coordinates_formatter(
            Corner::LeftBottom,
            CoordinatesFormatter::new(move |p, _| {
                let y = if log { 10f64.powf(p.y) } else { p.y };
                format!("x = {:.6}   y = {:.6}", p.x, y)
            }),
        );
    if log {
        plot = plot
            .y_grid_spacer(egui_plot::log_grid_spacer(10))
            .y_axis_formatter(|m, _| {
                if (m.value - m.value.round()).abs() < 1e-9 {
                    format!("1e{}", m.value.round())
                } else {
                    format!("{:.2e}", 10f64.powf(m.value))
                }
            });
    }
    plot.show(ui, |plot_ui| {
        let b = plot_ui.plot_bounds();
        let (lo, hi) = if b.is_valid() && b.width() > 0.0 {
            (b.min()[0], b.max()[0])
        } else {
            (
                x_at(s.x.as_ref(), 0),
                x_at(s.x.as_ref(), n.saturating_sub(1)),
            )
        };
        let (start, end) = visible(s.x.as_ref(), n, lo, hi);
        let cols = s.pyramid.decimate(start, end, columns);
        let exact = cols.iter().all(|c| c.1 == c.2);
        let mut pts: Vec<[f64; 2]> = Vec::with_capacity(cols.len() * 2);
        for &(i, mn, mx) in &cols {
            let x = x_at(s.x.as_ref(), i);
            pts.push([x, fy(log, mn)]);
            if !exact {
                pts.push([x, fy(log, mx)]);
            }
        }
        if let Some(err) = &s.errors
            && exact
            && cols.len() <= 20_000
        {
            let xs: Vec<f64> = cols.iter().map(|c| x_at(s.x.as_ref(), c.0)).collect();
            let lo: Vec<f64> = cols
                .iter()
                .map(|c| c.1 - err.get(c.0).copied().unwrap_or(0.0))
                .collect();
            let hi: Vec<f64> = cols
                .iter()
                .map(|c| c.1 + err.get(c.0).copied().unwrap_or(0.0))
                .collect();
            plot_ui.add(FilledArea::new("uncertainty", &xs, &lo, &hi));
        }
        plot_ui.line(Line::new(s.y_label.clone(), PlotPoints::from(pts)));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_range_follows_x_values() {
        let x = Arc::new((0..100).map(|i| f64::from(i) * 0.5).collect::<Vec<_>>());
        assert_eq!(visible(Some(&x), 100, 10.0, 20.0), (19, 42));
        assert_eq!(visible(None, 100, -5.0, 1000.0), (0, 100));
        assert_eq!(visible(None, 100, 10.2, 20.7), (10, 22));
    }
}
