//! Signed-in accounts and what each one is used for.

use crate::command::Command;
use crate::state::AppState;

pub fn ui(ui: &mut egui::Ui, _state: &AppState, out: &mut Vec<Command>) {
    super::empty_state(
        ui,
        "Not signed in",
        "Open data needs no account. Sign in with your facility's identity provider to see embargoed data and to publish.",
        None,
        out,
    );
}
