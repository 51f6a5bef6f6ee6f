//! Visual workflow builder.

use crate::command::Command;
use crate::state::AppState;

pub fn ui(ui: &mut egui::Ui, _state: &AppState, out: &mut Vec<Command>) {
    super::empty_state(
        ui,
        "No workflow open",
        "Wire reduction steps from blocks, preview every step, run on this machine or a cluster.",
        None,
        out,
    );
}
