//! The inspector: what an object is, how it is stored, and its attributes.

use crate::data::nexus::DefaultPlot;
use crate::data::{Entity, EntityKind};
use crate::inspect::fold;

fn row(ui: &mut egui::Ui, key: &str, value: impl Into<egui::WidgetText>) {
    ui.label(egui::RichText::new(key).weak());
    ui.add(egui::Label::new(value).wrap());
    ui.end_row();
}

pub fn inspector_ui(ui: &mut egui::Ui, e: &Entity, plot: Option<&DefaultPlot>) {
    ui.horizontal(|ui| {
        ui.strong(if e.path == "/" { "/" } else { &e.name });
        if let Some(c) = &e.nx_class {
            ui.weak(c);
        }
    });
    ui.horizontal(|ui| {
        ui.monospace(&e.path);
        if ui.small_button("Copy path").clicked() {
            ui.ctx().copy_text(e.path.clone());
        }
    });
    ui.separator();
    egui::Grid::new(("inspector", &e.path))
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| match &e.kind {
            EntityKind::Dataset(d) => {
                row(ui, "Type", d.dtype.to_string());
                let dims: Vec<String> = d.shape.iter().map(u64::to_string).collect();
                row(
                    ui,
                    "Shape",
                    if dims.is_empty() {
                        "scalar".to_owned()
                    } else {
                        format!("{} ({} values)", dims.join(" × "), d.element_count())
                    },
                );
                if let Some(c) = &d.chunks {
                    let c: Vec<String> = c.iter().map(u64::to_string).collect();
                    row(ui, "Chunks", c.join(" × "));
                }
                if !d.filters.is_empty() {
                    let names: Vec<String> = d.filters.iter().map(ToString::to_string).collect();
                    row(ui, "Filters", names.join(", "));
                }
                if let Some(size) = d.storage_size {
                    let elem = match &d.dtype {
                        crate::data::DType::Int { bytes, .. }
                        | crate::data::DType::Float { bytes, .. } => u64::from(*bytes),
                        _ => 0,
                    };
                    let ratio = d
                        .compression_ratio(elem)
                        .filter(|_| elem > 0 && !d.filters.is_empty())
                        .map(|r| format!(" (compression {r:.1}×)"))
                        .unwrap_or_default();
                    row(
                        ui,
                        "Stored",
                        format!("{}{ratio}", crate::units::human_bytes(size)),
                    );
                }
                if let Some(f) = &d.fill_value {
                    row(ui, "Fill value", f.clone());
                }
            }
            other => row(ui, "Kind", other.to_string()),
        });
    if let Some(p) = plot {
        ui.separator();
        ui.strong("NeXus default plot");
        egui::Grid::new(("nxplot", &e.path))
            .num_columns(2)
            .show(ui, |ui| {
                row(ui, "Signal", p.signal_label());
                for a in &p.axes {
                    row(ui, &format!("Axis {}", a.dim), a.label());
                }
                if let Some(err) = &p.errors {
                    row(ui, "Errors", err.clone());
                }
            });
        for w in &p.warnings {
            ui.colored_label(ui.visuals().warn_fg_color, format!("⚠ {w}"));
        }
    }
    ui.separator();
    ui.strong(format!("Attributes ({})", e.attributes.len()));
    if e.attributes.is_empty() {
        ui.weak("none");
    }
    egui::ScrollArea::vertical()
        .id_salt("attrs")
        .max_height(ui.available_height())
        .show(ui, |ui| {
            egui::Grid::new(("attrs", &e.path))
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for a in &e.attributes {
                        ui.label(&a.name).on_hover_text(a.dtype.to_string());
                        match &a.value {
                            Ok(_) => {
                                let full = a.text().unwrap_or_default();
                                ui.add(egui::Label::new(fold(&full, 60)).truncate())
                                    .on_hover_text(fold(&full, 2000));
                            }
                            Err(err) => {
                                ui.weak(err);
                            }
                        }
                        ui.end_row();
                    }
                });
        });
}
