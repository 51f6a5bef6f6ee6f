//! Federated search across catalogues.

use crate::command::Command;
use crate::state::AppState;

pub fn ui(ui: &mut egui::Ui, _state: &AppState, out: &mut Vec<Command>) {
    super::empty_state(
        ui,
        "Search open data",
        "One search across PaNOSC, SciCat, Zenodo/InvenioRDM, OAI-PMH archives and DataCite.\n\
         No catalogue source is configured in this build yet; the bundled demo files open offline.",
        Some(("Open demo data", Command::OpenDemo)),
        out,
    );
}
