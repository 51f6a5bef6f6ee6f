//! What every plot shares: readable ticks on both axes (1-2-5 steps, whole
//! decades on log axes) and plain scroll to zoom about the pointer, as in
//! silx and h5web (Ctrl+scroll and pinch zoom too; drag pans).

use egui_plot::{AxisHints, GridInput, GridMark, Plot, PlotUi};

/// Finer steps to coarser ones, each a multiple of the one before (so a
/// label never sits between two labels of a coarser step): 1 → 2 → 10,
/// and 5 → 10.
fn coarser(step: f64) -> f64 {
    let m = step / 10f64.powf(step.log10().floor());
    if (m - 2.0).abs() < 0.5 {
        step * 5.0
    } else {
        step * 2.0
    }
}

/// The smallest 1, 2 or 5 × 10ᵏ at least `at_least`.
fn nice_at_least(at_least: f64) -> f64 {
    let e = 10f64.powf(at_least.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * e)
        .find(|s| *s >= at_least * (1.0 - 1e-9))
        .unwrap_or(10.0 * e)
}

/// Most marks one axis is given (a guard against degenerate ranges).
const MAX_MARKS: f64 = 2_000.0;

/// Grid marks at 1-2-5 steps: each value gets the coarsest step it is a
/// multiple of, so labels appear evenly spaced at the finest step that
/// leaves room for them.
pub fn nice_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let base = input.base_step_size.abs();
    if !(lo.is_finite() && hi.is_finite() && base.is_finite() && base > 0.0 && hi > lo) {
        return Vec::new();
    }
    let mut fine = nice_at_least(base);
    while (hi - lo) / fine > MAX_MARKS {
        fine = coarser(fine);
    }
    let mut levels = vec![fine];
    for _ in 0..6 {
        let next = coarser(levels[levels.len() - 1]);
        levels.push(next);
    }
    let multiple = |v: f64, s: f64| ((v / s).round() * s - v).abs() < fine * 1e-6;
    #[allow(clippy::cast_possible_truncation)]
    let (first, last) = ((lo / fine).ceil() as i64, (hi / fine).floor() as i64);
    (first..=last)
        .map(|k| {
            let value = k as f64 * fine;
            let step_size = levels
                .iter()
                .rev()
                .copied()
                .find(|s| multiple(value, *s))
                .unwrap_or(fine);
            // Exact zero, not -0 or 1e-17.
            let value = if value.abs() < fine * 1e-9 {
                0.0
            } else {
                value
            };
            GridMark { value, step_size }
        })
        .collect()
}

/// Grid marks for an axis that shows log10 of the values: 1, 2, 5 × every
/// decade (finer marks in between), decades many apart when zoomed far out.
pub fn log_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite() && hi > lo) || hi - lo > 600.0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    #[allow(clippy::cast_possible_truncation)]
    let (first, last) = (lo.floor() as i64, hi.ceil() as i64);
    // Whole decades: as `nice_grid`, so they thin out evenly.
    let decades = nice_grid(GridInput {
        bounds: (first as f64, last as f64),
        base_step_size: 1.0,
    });
    for d in &decades {
        if (lo..=hi).contains(&d.value) {
            out.push(*d);
        }
    }
    // Inside decades, only where a decade spans enough of the axis.
    if input.base_step_size < 0.3 {
        for k in first..=last {
            for m in 2..=9 {
                let value = k as f64 + f64::from(m).log10();
                if (lo..=hi).contains(&value) {
                    let step_size = if m == 2 || m == 5 { 0.3 } else { 0.1 };
                    out.push(GridMark { value, step_size });
                }
            }
        }
    }
    out
}

/// The label of a log-axis mark: the value itself, short ("200", "0.005",
/// "1e-7").
pub fn log_label(mark: GridMark, _range: &std::ops::RangeInclusive<f64>) -> String {
    let v = 10f64.powf(mark.value);
    let e = v.log10().floor();
    let m = (v / 10f64.powf(e)).round();
    let rounded = m * 10f64.powf(e);
    if (1e-3..1e5).contains(&rounded) {
        let s = format!("{rounded:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        format!("{m}e{e}")
    }
}

/// Tick labels may be as close as their width allows (egui_plot's default
/// keeps x labels 60 points apart, which leaves a single "0" on many axes).
pub fn x_axis<'a>(label: String) -> Vec<AxisHints<'a>> {
    vec![AxisHints::new_x().label(label).label_spacing(38.0..=56.0)]
}

/// The grid, ticks and navigation every data plot uses.
pub fn readable(plot: Plot<'_>, x_label: String, log_y: bool) -> Plot<'_> {
    let plot = plot
        .custom_x_axes(x_axis(x_label))
        .x_grid_spacer(nice_grid)
        .allow_scroll(false);
    if log_y {
        plot.y_grid_spacer(log_grid).y_axis_formatter(log_label)
    } else {
        plot.y_grid_spacer(nice_grid)
    }
}

/// Plain scroll zooms about the pointer (egui_plot's own scroll pans).
pub fn scroll_zooms(plot_ui: &mut PlotUi<'_>) {
    if !plot_ui.response().contains_pointer() {
        return;
    }
    let dy = plot_ui.ctx().input(|i| i.smooth_scroll_delta.y);
    if dy != 0.0 {
        plot_ui.zoom_bounds_around_hovered(egui::Vec2::splat((dy / 200.0).exp()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(bounds: (f64, f64), base: f64, at_least: f64) -> Vec<f64> {
        nice_grid(GridInput {
            bounds,
            base_step_size: base,
        })
        .into_iter()
        .filter(|m| m.step_size >= at_least)
        .map(|m| m.value)
        .collect()
    }

    #[test]
    fn ticks_fall_on_1_2_5_steps_and_coarser_ones_nest() {
        // −8…8 mm: labels every 2 mm once 1 mm is too tight, not just "0".
        assert_eq!(
            labels((-8.0, 8.0), 0.2, 2.0),
            vec![-8.0, -6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0]
        );
        assert_eq!(labels((-8.0, 8.0), 0.2, 10.0), vec![0.0]);
        assert_eq!(labels((1.0, 20.0), 0.5, 10.0), vec![10.0, 20.0]);
        assert_eq!(labels((-1.0, 13.0), 0.5, 2.0).len(), 7);
        // Every mark's step divides it: no label between two coarser ones.
        for m in nice_grid(GridInput {
            bounds: (-1.0, 13.0),
            base_step_size: 0.05,
        }) {
            let r = m.value / m.step_size;
            assert!((r - r.round()).abs() < 1e-6, "{m:?}");
        }
        assert_eq!(nice_at_least(0.013), 0.02);
        assert_eq!(nice_at_least(3.0), 5.0);
        assert_eq!(nice_at_least(7.0), 10.0);
    }

    #[test]
    fn log_ticks_read_as_values() {
        let marks = log_grid(GridInput {
            bounds: (-0.5, 2.5),
            base_step_size: 0.05,
        });
        let major: Vec<String> = marks
            .iter()
            .filter(|m| m.step_size >= 0.3)
            .map(|m| log_label(*m, &(0.0..=1.0)))
            .collect();
        for want in ["1", "10", "100", "2", "5", "20", "50", "200"] {
            assert!(major.contains(&want.to_owned()), "{want} in {major:?}");
        }
        assert_eq!(
            log_label(
                GridMark {
                    value: -7.0,
                    step_size: 1.0
                },
                &(0.0..=1.0)
            ),
            "1e-7"
        );
    }
}
