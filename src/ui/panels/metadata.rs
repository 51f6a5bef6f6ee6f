//! Metadata editor: schema-driven forms with values taken from files.

use crate::command::Command;
use crate::state::AppState;

pub fn ui(ui: &mut egui::Ui, _state: &AppState, out: &mut Vec<Command>) {
    super::empty_state(
        ui,
        "No draft open",
        "Describe a dataset with DataCite, SciCat or your facility's schema; values found in files are filled in for you.",
        None,
        out,
    );
}
