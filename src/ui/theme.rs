//! Look and feel: theme choice and the few colours Panorama adds to egui's,
//! as named design tokens. Interface colours are made here only (clippy's
//! `disallowed_methods` refuses `Color32::from_rgb` elsewhere), so one role
//! has one colour everywhere.
#![allow(clippy::disallowed_methods)]

use egui::Color32;

use crate::command::ThemeChoice;
use crate::state::Level;
use crate::workflow::PortType;

/// Something finished well, as a filled shape (a completed progress bar).
pub const SUCCESS_FILL: Color32 = Color32::from_rgb(60, 140, 80);

/// Something checked and good, as text (lighter than the fill, to read on
/// both themes).
pub const SUCCESS_TEXT: Color32 = Color32::from_rgb(80, 170, 90);

/// Port colours: one per type, so a wire's colour says what flows.
/// The colour egui_plot gives the `i`-th line of a plot (its own golden-
/// ratio hues), named so a line drawn in parts (gaps at NaN) keeps one colour.
pub fn plot_line(i: usize) -> Color32 {
    #[allow(clippy::cast_precision_loss)]
    let h = i as f32 * 0.618_034; // the golden ratio less one, as egui_plot turns its hues
    egui::ecolor::Hsva::new(h, 0.85, 0.5, 1.0).into()
}

pub fn port_color(t: PortType) -> Color32 {
    match t {
        PortType::Array => Color32::from_rgb(80, 150, 230),
        PortType::Scalar => Color32::from_rgb(230, 170, 60),
        PortType::Table => Color32::from_rgb(120, 200, 120),
        PortType::DatasetRef => Color32::from_rgb(200, 110, 210),
        PortType::File => Color32::from_rgb(170, 170, 170),
    }
}

/// A colour of the data (a colormap entry), not of the interface.
pub fn data_rgb([r, g, b]: [u8; 3]) -> Color32 {
    Color32::from_rgb(r, g, b)
}

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
