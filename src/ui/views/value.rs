//! A single value, large, with its units.

use super::{View, ViewCx};
use crate::data::nexus::DefaultPlot;
use crate::data::{Attribute, DatasetInfo, Selection};

/// A scalar of any type.
pub struct ValueView;

impl View for ValueView {
    fn title(&self) -> &'static str {
        "Value"
    }

    fn supports(
        &self,
        info: &DatasetInfo,
        _attrs: &[Attribute],
        _plot: Option<&DefaultPlot>,
    ) -> bool {
        info.shape.is_empty()
    }

    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        let key = cx.key(Selection::all());
        let Some(val) = cx.ready(ui, &key) else {
            return;
        };
        ui.add_space(12.0);
        let units = cx
            .entity
            .attr_text("units")
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        ui.heading(format!("{}{units}", val.preview(16)));
    }
}
