//! The command palette (Ctrl+K): type to filter every action, arrows to pick,
//! Enter to run, Escape to close.

use crate::command::ShellCommand;
use crate::command::{Command, CommandSpec, filter_commands};

#[derive(Default)]
pub struct Palette {
    pub open: bool,
    query: String,
    selected: usize,
    focus_pending: bool,
}

impl Palette {
    pub fn toggle(&mut self) {
        self.open = !self.open;
        self.query.clear();
        self.selected = 0;
        self.focus_pending = self.open;
    }

    /// Draw the palette if open; returns the command the user picked.
    pub fn show(&mut self, ctx: &egui::Context, specs: &[CommandSpec]) -> Option<Command> {
        if !self.open {
            return None;
        }
        let mut picked = None;
        let hits = filter_commands(specs, &self.query);
        let (down, up, enter) = ctx.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown),
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp),
                i.consume_key(egui::Modifiers::NONE, egui::Key::Enter),
            )
        });
        if down {
            self.selected = (self.selected + 1).min(hits.len().saturating_sub(1));
        }
        if up {
            self.selected = self.selected.saturating_sub(1);
        }
        if enter {
            picked = hits.get(self.selected).map(|s| s.command.clone());
        }
        let modal = egui::Modal::new(egui::Id::new("command_palette")).show(ctx, |ui| {
            ui.set_width(460.0);
            ui.heading("Commands");
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.query)
                    .hint_text("Type a command…")
                    .desired_width(f32::INFINITY),
            );
            if self.focus_pending {
                edit.request_focus();
                self.focus_pending = false;
            }
            if edit.changed() {
                self.selected = 0;
            }
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| {
                    if hits.is_empty() {
                        ui.weak("No command matches.");
                    }
                    for (i, spec) in hits.iter().enumerate() {
                        ui.horizontal(|ui| {
                            let r = ui.selectable_label(i == self.selected, spec.title);
                            if let Some(sc) = spec.shortcut {
                                ui.with_layout(
                                    egui::Layout::right_to_left(egui::Align::Center),
                                    |ui| {
                                        ui.weak(sc.to_string());
                                    },
                                );
                            }
                            if r.clicked() {
                                picked = Some(spec.command.clone());
                            }
                        });
                    }
                });
        });
        if modal.should_close() || picked.is_some() {
            self.open = false;
        }
        // Toggling the palette from inside itself just closes it.
        picked.filter(|c| *c != ShellCommand::ToggleCommandPalette.into())
    }
}
