//! The first thing a new user sees: what Panorama does and where to start.

use crate::command::{Command, TabKind};
use crate::command::{DocumentsCommand, ShellCommand};
use crate::state::AppState;

pub fn ui(ui: &mut egui::Ui, state: &AppState, out: &mut Vec<Command>) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.add_space(16.0);
        ui.heading("Welcome to Panorama");
        ui.label(
            "Find open research data from photon, neutron and accelerator facilities, \
             look inside HDF5 and NeXus files, describe datasets and process them — in one window.",
        );
        ui.add_space(12.0);
        ui.horizontal_wrapped(|ui| {
            let demo = ui.button("Open demo data");
            crate::ui::report::widget(ui.ctx(), "button:Open demo data", demo.rect);
            if demo.clicked() {
                out.push(DocumentsCommand::OpenDemo.into());
            }
            if ui.button("Open a file…").clicked() {
                out.push(DocumentsCommand::OpenFileDialog.into());
            }
            if ui.button("Search catalogues").clicked() {
                out.push(ShellCommand::ShowTab(TabKind::Search).into());
            }
            if ui
                .button("Guided tour")
                .on_hover_text("Your first open dataset, step by step")
                .clicked()
            {
                out.push(crate::command::TourCommand::Start.into());
            }
        });
        ui.add_space(4.0);
        ui.weak(
            "The demo data is bundled and works offline. You can also drop a file onto the window.",
        );
        ui.add_space(16.0);
        ui.strong("Recent files");
        if state.documents.recent.is_empty() {
            ui.weak("Nothing opened yet.");
        }
        for location in &state.documents.recent {
            // The name only, so the list reads at a glance; the full location on hover.
            let name = location
                .trim_end_matches('/')
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(location);
            if ui.link(name).on_hover_text(location).clicked() {
                out.push(if location.starts_with("http") {
                    DocumentsCommand::OpenUrl(location.clone()).into()
                } else {
                    DocumentsCommand::OpenPath(location.into()).into()
                });
            }
        }
        ui.add_space(16.0);
        ui.strong("Keyboard");
        egui::Grid::new("welcome_keys")
            .num_columns(2)
            .show(ui, |ui| {
                for (keys, what) in [
                    ("Ctrl+K", "command palette: every action, searchable"),
                    ("Ctrl+O", "open a file"),
                    ("Ctrl+F", "search the catalogues"),
                    ("Ctrl+1 … Ctrl+9", "the tabs, in the order shown"),
                    ("Ctrl+W", "close the current tab"),
                    ("F1", "help for the tab in front"),
                ] {
                    ui.monospace(keys);
                    ui.label(what);
                    ui.end_row();
                }
            });
    });
}
