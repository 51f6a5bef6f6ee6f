//! A stack of images (three axes or more): any two axes shown as rows and
//! columns, a slider on every other axis (the shared dimension mapper,
//! [`super::dims`]), the next frames read ahead.

use super::image::{ImagePane, look_toolbar_ui};
use super::{View, ViewCx};
use crate::data::Attribute;
use crate::data::DatasetInfo;
use crate::data::nexus::DefaultPlot;
use crate::plot::prepare;

#[derive(Default)]
pub struct StackView {
    pane: ImagePane,
    grid: super::grid::Grid,
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
        self.pane.reset();
    }

    fn values_changed(&mut self) {
        self.pane.values_changed();
        self.grid.values_changed();
    }

    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        let shown = super::dims::image_ui(ui, cx);
        let nd = cx.info.shape.len();
        let index = cx.slicing.index.clone();
        // Read ahead along the first sliced axis so scrubbing stays smooth.
        for next in prepare::prefetch(cx.info, shown, &index, 2) {
            let key = cx.key(next);
            let _ = cx.fetch(&key);
        }
        let selection = prepare::stack_selection(nd, shown, &index);
        // The regions are followed along the first axis with a slider.
        let stack = (0..nd)
            .find(|a| *a != shown.0 && *a != shown.1)
            .map(|frame_axis| super::roi::StackCx {
                selection: selection.clone(),
                shown,
                frame_axis,
                frame: index.get(frame_axis).copied().unwrap_or(0),
            });
        if super::grid::Grid::active(cx) {
            self.grid.ui(ui, cx, &mut self.pane, selection, shown);
        } else {
            self.pane.alone();
            self.pane.ui(ui, cx, selection, shown, stack);
        }
    }
}
