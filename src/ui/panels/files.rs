//! Open files and their top-level contents.

use crate::command::Command;
use crate::data::{Entity, EntityKind};
use crate::state::{AppState, DocStatus};

fn entity_row(ui: &mut egui::Ui, e: &Entity) {
    ui.horizontal(|ui| {
        let icon = match &e.kind {
            EntityKind::Group => "📁",
            EntityKind::Dataset { .. } => "▦",
            EntityKind::Datatype => "T",
            EntityKind::SoftLink { .. } | EntityKind::ExternalLink { .. } => "↪",
            EntityKind::Broken { .. } => "⚠",
        };
        ui.label(icon);
        ui.label(&e.name);
        let kind = e.kind.to_string();
        if matches!(e.kind, EntityKind::Broken { .. }) {
            ui.colored_label(ui.visuals().warn_fg_color, kind);
        } else {
            ui.weak(kind);
        }
    });
}

pub fn ui(ui: &mut egui::Ui, state: &AppState, out: &mut Vec<Command>) {
    if state.documents.is_empty() {
        super::empty_state(
            ui,
            "No files open",
            "Open an HDF5 or NeXus file, drop one here, or try the demo data.",
            Some(("Open demo data", Command::OpenDemo)),
            out,
        );
        return;
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        for doc in &state.documents {
            let id = ui.make_persistent_id(("doc", doc.id));
            egui::collapsing_header::CollapsingState::load_with_default_open(ui.ctx(), id, true)
                .show_header(ui, |ui| {
                    ui.strong(&doc.label).on_hover_text(&doc.location);
                    if ui
                        .small_button("Close")
                        .on_hover_text(format!("Close {}", doc.label))
                        .clicked()
                    {
                        out.push(Command::CloseDocument(doc.id));
                    }
                })
                .body(|ui| match &doc.status {
                    DocStatus::Loading => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.weak("Reading…");
                        });
                    }
                    DocStatus::Failed(msg) => {
                        ui.colored_label(ui.visuals().error_fg_color, msg);
                    }
                    DocStatus::Ready(root) => {
                        if root.children.is_empty() {
                            ui.weak("This file is empty.");
                        }
                        for child in &root.children {
                            entity_row(ui, child);
                        }
                    }
                });
        }
    });
}
