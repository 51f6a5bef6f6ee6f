//! Maps the toolkit-free [`crate::command::Shortcut`] to egui shortcuts.

use crate::command::{Key, Shortcut};

/// The egui shortcut for a command shortcut, if the key exists in egui.
pub fn to_egui(s: Shortcut) -> Option<egui::KeyboardShortcut> {
    let key = match s.key {
        Key::Letter(c) => egui::Key::from_name(&c.to_ascii_uppercase().to_string())?,
        Key::Digit(d) => egui::Key::from_name(&d.to_string())?,
        Key::Comma => egui::Key::Comma,
        Key::F1 => egui::Key::F1,
        Key::F5 => egui::Key::F5,
        Key::PageUp => egui::Key::PageUp,
        Key::PageDown => egui::Key::PageDown,
    };
    let mut mods = egui::Modifiers::NONE;
    if s.command {
        mods |= egui::Modifiers::COMMAND;
    }
    if s.shift {
        mods |= egui::Modifiers::SHIFT;
    }
    Some(egui::KeyboardShortcut::new(mods, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_shortcut_maps() {
        for spec in crate::command::catalogue_of_commands() {
            if let Some(s) = spec.shortcut {
                assert!(to_egui(s).is_some(), "{} has no egui key", spec.title);
            }
        }
    }
}
