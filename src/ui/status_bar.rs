//! The status bar: background tasks with progress and a cancel button, and
//! the count of notifications.

use crate::runtime::{TaskInfo, TaskRegistry, TaskStatus};

/// The download queue's summary: files running and the share done.
pub struct DownloadSummary {
    pub running: usize,
    pub queued: usize,
    pub fraction: Option<f32>,
}

/// Returns true when the download summary was clicked (show the Downloads tab).
pub fn show(
    ui: &mut egui::Ui,
    tasks: &TaskRegistry,
    snapshot: &[TaskInfo],
    notifications: usize,
    downloads: Option<DownloadSummary>,
) -> bool {
    let mut open_downloads = false;
    ui.horizontal(|ui| {
        if snapshot.is_empty() && downloads.is_none() {
            ui.weak("Ready");
        }
        if let Some(d) = &downloads {
            let text = format!(
                "Downloading {} file{}{}",
                d.running,
                if d.running == 1 { "" } else { "s" },
                if d.queued > 0 {
                    format!(", {} waiting", d.queued)
                } else {
                    String::new()
                }
            );
            if ui
                .link(text)
                .on_hover_text("Show the Downloads tab")
                .clicked()
            {
                open_downloads = true;
            }
            if let Some(f) = d.fraction {
                ui.add(
                    egui::ProgressBar::new(f)
                        .desired_width(120.0)
                        .show_percentage(),
                );
            }
            ui.separator();
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
    open_downloads
}
