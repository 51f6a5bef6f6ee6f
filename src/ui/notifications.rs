//! Notifications in the bottom-right corner: a title, details on click, dismiss.

use std::collections::HashSet;

use crate::state::{AppState, Level};

/// Which notifications show their details.
#[derive(Default)]
pub struct Notifications {
    expanded: HashSet<u64>,
}

/// How many notifications are shown at once; older ones wait.
const VISIBLE: usize = 4;

impl Notifications {
    pub fn show(&mut self, ctx: &egui::Context, state: &mut AppState) {
        if state.notifications.is_empty() {
            return;
        }
        let mut dismiss = Vec::new();
        egui::Area::new(egui::Id::new("notifications"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-12.0, -36.0])
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                ui.set_max_width(380.0);
                let start = state.notifications.len().saturating_sub(VISIBLE);
                for n in &state.notifications[start..] {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.set_width(360.0);
                        ui.horizontal(|ui| {
                            let icon = match n.level {
                                Level::Info => "ℹ",
                                Level::Warning => "⚠",
                                Level::Error => "⊗",
                            };
                            ui.colored_label(super::theme::level_color(ui, n.level), icon);
                            let open = self.expanded.contains(&n.id);
                            let title = ui
                                .add(
                                    egui::Label::new(egui::RichText::new(&n.title).strong())
                                        .sense(egui::Sense::click()),
                                )
                                .on_hover_text("Show details");
                            ui.with_layout(
                                egui::Layout::right_to_left(egui::Align::Center),
                                |ui| {
                                    if ui.small_button("Dismiss").clicked() {
                                        dismiss.push(n.id);
                                    }
                                    let label = if open { "Hide" } else { "Details" };
                                    let details = ui.small_button(label);
                                    crate::ui::report::widget(
                                        ui.ctx(),
                                        &format!("button:{label}"),
                                        details.rect,
                                    );
                                    if details.clicked() || title.clicked() {
                                        if open {
                                            self.expanded.remove(&n.id);
                                        } else {
                                            self.expanded.insert(n.id);
                                        }
                                    }
                                },
                            );
                        });
                        if self.expanded.contains(&n.id) {
                            ui.add(egui::Label::new(&n.detail).wrap());
                            if ui.small_button("Copy details").clicked() {
                                ui.ctx().copy_text(format!("{}\n{}", n.title, n.detail));
                            }
                        }
                    });
                    ui.add_space(4.0);
                }
                if start > 0 {
                    ui.weak(format!("{start} more below"));
                }
            });
        for id in dismiss {
            self.expanded.remove(&id);
            state.apply(crate::command::ShellCommand::Dismiss(id));
        }
    }
}
