//! A stack of images (three axes or more): any two axes shown as rows and
//! columns, a slider on every other axis, the next frames read ahead.

use super::image::{ImagePane, look_toolbar_ui};
use super::{View, ViewCx};
use crate::data::Attribute;
use crate::data::DatasetInfo;
use crate::data::nexus::DefaultPlot;
use crate::plot::prepare;

#[derive(Default)]
pub struct StackView {
    /// The axes shown as rows and columns (the last two until picked).
    shown_axes: Option<(usize, usize)>,
    /// The position on every axis (only those not shown are used).
    index: Vec<usize>,
    pane: ImagePane,
}

impl View for StackView {
    fn title(&self) -> &'static str {
        "Stack"
    }

    fn supports(
        &self,
        info: &DatasetInfo,
        _attrs: &[Attribute],
        _plot: Option<&DefaultPlot>,
    ) -> bool {
        prepare::is_stack(info)
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        super::complex_part_ui(ui, cx.look, cx.info);
        look_toolbar_ui(ui, cx.look);
    }

    fn reset(&mut self) {
        self.shown_axes = None;
        self.index.clear();
        self.pane.reset();
    }

    fn values_changed(&mut self) {
        self.pane.values_changed();
    }

    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        let (info, plot) = (cx.info, cx.plot);
        let nd = info.shape.len();
        let mut shown = self
            .shown_axes
            .unwrap_or_else(|| prepare::last_two_axes(info));
        self.index.resize(nd, 0);
        // Which two axes are shown (rows, columns); the others get sliders.
        ui.horizontal(|ui| {
            for (label, which) in [("Rows", 0), ("Columns", 1)] {
                let current = if which == 0 { shown.0 } else { shown.1 };
                let mut pick = current;
                ui.label(label);
                let combo = egui::ComboBox::from_id_salt(("stack_axes", which))
                    .selected_text(prepare::axis_name(plot, info, current))
                    .show_ui(ui, |ui| {
                        for a in 0..nd {
                            let name = prepare::axis_name(plot, info, a);
                            let item = ui.selectable_value(&mut pick, a, &name);
                            crate::ui::report::widget(
                                ui.ctx(),
                                &format!("axis:{label}:{name}"),
                                item.rect,
                            );
                        }
                    });
                crate::ui::report::widget(ui.ctx(), &format!("combo:{label}"), combo.response.rect);
                if pick != current {
                    // Picking the other shown axis swaps the two.
                    shown = match which {
                        0 if pick == shown.1 => (shown.1, shown.0),
                        0 => (pick, shown.1),
                        _ if pick == shown.0 => (shown.1, shown.0),
                        _ => (shown.0, pick),
                    };
                }
            }
        });
        self.shown_axes = Some(shown);
        for a in (0..nd).filter(|a| *a != shown.0 && *a != shown.1) {
            let n = usize::try_from(info.shape[a]).unwrap_or(1);
            self.index[a] = self.index[a].min(n.saturating_sub(1));
            let name = prepare::axis_name(plot, info, a);
            let slider =
                ui.add(egui::Slider::new(&mut self.index[a], 0..=n.saturating_sub(1)).text(&name));
            crate::ui::report::widget(ui.ctx(), &format!("slider:{name}"), slider.rect);
        }
        // Read ahead along the first sliced axis so scrubbing stays smooth.
        for next in prepare::prefetch(info, shown, &self.index, 2) {
            let key = cx.key(next);
            let _ = cx.fetch(&key);
        }
        let selection = prepare::stack_selection(nd, shown, &self.index);
        self.pane.ui(ui, cx, selection, shown);
    }
}
