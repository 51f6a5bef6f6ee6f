//! Plots and tables of the selected dataset.

use crate::command::{Command, TabKind};
use crate::state::AppState;

pub fn ui(ui: &mut egui::Ui, state: &AppState, out: &mut Vec<Command>) {
    let hint = if state.documents.is_empty() {
        "Open a file to see its data here."
    } else {
        "The open files are listed under Files."
    };
    super::empty_state(
        ui,
        "Nothing to plot yet",
        hint,
        Some(("Show Files", Command::ShowTab(TabKind::Files))),
        out,
    );
}
