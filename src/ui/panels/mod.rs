//! One file per workspace tab. Each panel draws from the state and pushes the
//! commands the user gave; none mutates the state directly.

pub mod accounts;
pub mod downloads;
pub mod files;
pub mod metadata;
pub mod search;
pub mod viewer;
pub mod welcome;
pub mod workflow_map;
pub mod workflows;

use crate::command::{Command, TabKind};
use crate::state::AppState;

/// What panels remember between frames that is not application state
/// (filter text, view choices, textures).
#[derive(Default)]
pub struct PanelsUi {
    pub search: search::SearchUi,
    pub files: files::FilesUi,
    pub viewer: viewer::ViewerUi,
    pub accounts: accounts::AccountsUi,
    pub metadata: metadata::MetadataUi,
    pub workflows: workflows::WorkflowsUi,
}

/// Draw the panel of `tab`.
pub fn show(
    tab: TabKind,
    ui: &mut egui::Ui,
    state: &AppState,
    panels: &mut PanelsUi,
    out: &mut Vec<Command>,
) {
    match tab {
        TabKind::Welcome => welcome::ui(ui, state, out),
        TabKind::Search => search::ui(ui, state, &mut panels.search, out),
        TabKind::Files => files::ui(ui, state, &mut panels.files, out),
        TabKind::Viewer => viewer::ui(ui, state, &mut panels.viewer, out),
        TabKind::Metadata => metadata::ui(ui, state, &mut panels.metadata, out),
        TabKind::Workflows => workflows::ui(ui, state, &mut panels.workflows, out),
        TabKind::Accounts => accounts::ui(ui, state, &mut panels.accounts, out),
        TabKind::Downloads => downloads::ui(ui, state, out),
    }
}

/// A centred note for a panel with nothing to show yet, with one next step.
pub(crate) fn empty_state(
    ui: &mut egui::Ui,
    title: &str,
    body: &str,
    action: Option<(&str, Command)>,
    out: &mut Vec<Command>,
) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.25);
        ui.heading(title);
        ui.add_space(6.0);
        ui.label(body);
        if let Some((label, cmd)) = action {
            ui.add_space(10.0);
            if ui.button(label).clicked() {
                out.push(cmd);
            }
        }
    });
}
