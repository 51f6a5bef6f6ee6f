//! The status bar: background tasks with progress and a cancel button, and
//! the count of notifications.

use crate::runtime::{TaskInfo, TaskRegistry, TaskStatus};

pub fn show(ui: &mut egui::Ui, tasks: &TaskRegistry, snapshot: &[TaskInfo], notifications: usize) {
    ui.horizontal(|ui| {
        if snapshot.is_empty() {
            ui.weak("Ready");
        }
        for t in snapshot {
            match &t.status {
                TaskStatus::Running => {
                    ui.label(&t.name);
                    let bar = egui::ProgressBar::new(t.progress.unwrap_or(0.0))
                        .desired_width(120.0)
                        .show_percentage();
                    ui.add(bar).on_hover_text(&t.message);
                    if !t.message.is_empty() {
                        ui.weak(&t.message);
                    }
                    if ui
                        .small_button("Cancel")
                        .on_hover_text(format!("Cancel {}", t.name))
                        .clicked()
                    {
                        tasks.cancel(t.id);
                    }
                }
                TaskStatus::Finished => {
                    ui.weak(format!("{} — done", t.name));
                }
                TaskStatus::Cancelled => {
                    ui.weak(format!("{} — cancelled", t.name));
                }
                TaskStatus::Failed(_) => {
                    ui.colored_label(ui.visuals().error_fg_color, format!("{} — failed", t.name));
                }
            }
            ui.separator();
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.weak(format!("Panorama {}", crate::VERSION));
            if notifications > 0 {
                ui.separator();
                ui.label(format!(
                    "{notifications} notification{}",
                    if notifications == 1 { "" } else { "s" }
                ));
            }
        });
    });
}
