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
        let shown = ui.heading(format!("{}{units}", val.preview(16)));
        // A number with its units: look for datasets that hold one like it.
        let unit = cx.entity.attr_text("units").unwrap_or_default();
        let name = cx
            .target
            .path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let Some(value) = val.element_f64(0).filter(|v| v.is_finite()) else {
            return;
        };
        if crate::catalogue::query::similar(&name, value, &unit, 0.05).is_none() {
            return;
        }
        let mut find = false;
        shown.context_menu(|ui| {
            if ui.button("Search for datasets with this value").clicked() {
                find = true;
                ui.close();
            }
        });
        ui.add_space(6.0);
        let b = crate::ui::report::named(
            ui.button("Search for datasets with this value")
                .on_hover_text(format!(
                    "Every catalogue, for {name} within 5 % of this value"
                )),
            "button:Search for datasets with this value",
        );
        if find || b.clicked() {
            cx.out.push(
                crate::command::SearchCommand::FindSimilar {
                    name,
                    value: value.to_string(),
                    unit: unit.clone(),
                }
                .into(),
            );
        }
    }
}
