//! Scattered points: an NXdata group whose 1-D signal has two 1-D axes of
//! its length (each a coordinate of every point), drawn as points coloured
//! by the signal on the shared colormap, with a colour bar.

use egui_plot::{Plot, Points};

use super::image::{Look, colorbar_ui, look_toolbar_ui};
use super::{View, ViewCx};
use crate::data::nexus::DefaultPlot;
use crate::data::{Attribute, DatasetInfo, Selection};

/// Points in this many colours (one plot item per colour).
const COLOUR_STEPS: usize = 32;

#[derive(Default)]
pub struct ScatterView;

impl View for ScatterView {
    fn title(&self) -> &'static str {
        "Scatter"
    }

    fn supports(
        &self,
        info: &DatasetInfo,
        _attrs: &[Attribute],
        plot: Option<&DefaultPlot>,
    ) -> bool {
        info.dtype.is_numeric() && info.shape.len() == 1 && plot.is_some_and(DefaultPlot::scattered)
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        look_toolbar_ui(ui, cx.look);
    }

    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        let Some(plot) = cx.plot.cloned() else {
            return;
        };
        let (Some(ax), Some(ay)) = (plot.axes.first(), plot.axes.get(1)) else {
            return;
        };
        let key = cx.key(Selection::all());
        let Some(value) = cx.ready(ui, &key) else {
            return;
        };
        let (Some(xs), Some(ys)) = (
            cx.numbers(&ax.path, Selection::all()),
            cx.numbers(&ay.path, Selection::all()),
        ) else {
            ui.spinner();
            return;
        };
        let values = value.to_f64().unwrap_or_default();
        let look = *cx.look;
        let info = crate::plot::color_range(&value, look.scale, look.full_range);
        let colours = Look {
            colormap: look.colormap,
            scale: look.scale,
            range: info.range,
        };
        let groups = colour_groups(&xs, &ys, &values, colours);
        ui.weak(format!(
            "{} points; colours span {} to {}",
            values.len(),
            super::image::short(info.range.0),
            super::image::short(info.range.1)
        ));
        ui.horizontal_top(|ui| {
            let w = ui.available_width() - 96.0;
            ui.allocate_ui(egui::vec2(w.max(100.0), ui.available_height()), |ui| {
                let response = super::axes::readable(
                    Plot::new(("scatter", &cx.target.path)).y_axis_label(ay.label()),
                    ax.label(),
                    false,
                )
                .show(ui, |plot_ui| {
                    super::axes::scroll_zooms(plot_ui);
                    for (colour, pts) in groups {
                        plot_ui.points(Points::new(String::new(), pts).color(colour).radius(3.0));
                    }
                });
                crate::ui::report::plot(ui.ctx(), "scatter", &response.transform);
                super::report_plotted(ui);
            });
            colorbar_ui(ui, colours, &info);
        });
    }
}

/// The points with finite coordinates, grouped by their colour (values the
/// scale cannot show, and values that are not numbers, in their own
/// colours as images draw them).
fn colour_groups(
    xs: &[f64],
    ys: &[f64],
    values: &[f64],
    look: Look,
) -> Vec<(egui::Color32, Vec<[f64; 2]>)> {
    let (lo, hi) = (
        look.scale.apply(look.range.0).unwrap_or(0.0),
        look.scale.apply(look.range.1).unwrap_or(1.0),
    );
    let mut groups: Vec<Vec<[f64; 2]>> = vec![Vec::new(); COLOUR_STEPS + 1];
    for ((&x, &y), &v) in xs.iter().zip(ys).zip(values) {
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        let slot = match look.scale.apply(v) {
            Some(s) if v.is_finite() => {
                let t = if hi > lo { (s - lo) / (hi - lo) } else { 0.5 };
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let i = (t.clamp(0.0, 1.0) * (COLOUR_STEPS - 1) as f64).round() as usize;
                i
            }
            _ => COLOUR_STEPS,
        };
        groups[slot].push([x, y]);
    }
    groups
        .into_iter()
        .enumerate()
        .filter(|(_, pts)| !pts.is_empty())
        .map(|(i, pts)| {
            let colour = if i == COLOUR_STEPS {
                let [r, g, b, _] = crate::plot::colormap::INVALID;
                crate::ui::theme::data_rgb([r, g, b])
            } else {
                #[allow(clippy::cast_precision_loss)]
                let t = i as f64 / (COLOUR_STEPS - 1) as f64;
                crate::ui::theme::data_rgb(look.colormap.rgb(t))
            };
            (colour, pts)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{Colormap, Scale};

    #[test]
    fn points_go_to_the_colour_of_their_value() {
        let look = Look {
            colormap: Colormap::Gray,
            scale: Scale::Linear,
            range: (0.0, 10.0),
        };
        let groups = colour_groups(
            &[0.0, 1.0, 2.0, f64::NAN, 4.0],
            &[0.0, 1.0, 2.0, 3.0, 4.0],
            &[0.0, 10.0, 10.0, 5.0, f64::NAN],
            look,
        );
        // Black for 0, white for 10 (both points), the NaN value apart; the
        // point without an x is left out.
        let count = |c: [u8; 3]| {
            groups
                .iter()
                .find(|(k, _)| *k == crate::ui::theme::data_rgb(c))
                .map_or(0, |(_, p)| p.len())
        };
        assert_eq!(count([0, 0, 0]), 1);
        assert_eq!(count([255, 255, 255]), 2);
        assert_eq!(groups.iter().map(|(_, p)| p.len()).sum::<usize>(), 4);
    }
}
