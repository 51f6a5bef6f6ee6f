//! Look and feel: theme choice and the few colours Panorama adds to egui's.

use crate::command::ThemeChoice;
use crate::state::Level;

pub fn apply(ctx: &egui::Context, choice: ThemeChoice) {
    ctx.set_theme(match choice {
        ThemeChoice::System => egui::ThemePreference::System,
        ThemeChoice::Dark => egui::ThemePreference::Dark,
        ThemeChoice::Light => egui::ThemePreference::Light,
    });
}

/// The accent colour of a notification level, readable on both themes.
pub fn level_color(ui: &egui::Ui, level: Level) -> egui::Color32 {
    let v = ui.visuals();
    match level {
        Level::Info => v.hyperlink_color,
        Level::Warning => v.warn_fg_color,
        Level::Error => v.error_fg_color,
    }
}
