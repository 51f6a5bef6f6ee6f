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
        // Running work, each with its cancel; of the finished, only the
        // newest (the rest one click away), so quick successive loads do not
        // pile up across the bar.
        let (running, finished): (Vec<&TaskInfo>, Vec<&TaskInfo>) = snapshot
            .iter()
            .partition(|t| matches!(t.status, TaskStatus::Running));
        for t in running.iter().take(MAX_RUNNING_SHOWN) {
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
            ui.separator();
        }
        if let Some(t) = finished.last() {
            finished_label(ui, t);
            ui.separator();
        }
        let more =
            running.len().saturating_sub(MAX_RUNNING_SHOWN) + finished.len().saturating_sub(1);
        if more > 0 {
            ui.menu_button(format!("+{more} more"), |ui| {
                for t in snapshot {
                    match t.status {
                        TaskStatus::Running => {
                            ui.horizontal(|ui| {
                                ui.label(&t.name);
                                if ui.small_button("Cancel").clicked() {
                                    tasks.cancel(t.id);
                                }
                            });
                        }
                        _ => finished_label(ui, t),
                    }
                }
            })
            .response
            .on_hover_text("All recent work");
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

/// Running tasks shown with their own progress bar; more are in the list.
const MAX_RUNNING_SHOWN: usize = 3;

fn finished_label(ui: &mut egui::Ui, t: &TaskInfo) {
    match &t.status {
        TaskStatus::Failed(_) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("{} — failed", t.name));
        }
        _ => {
            ui.weak(line(t));
        }
    }
}

/// A task's status as one line of text.
pub fn line(t: &TaskInfo) -> String {
    match &t.status {
        TaskStatus::Running => format!("{} — running", t.name),
        TaskStatus::Finished => format!("{} — done", t.name),
        TaskStatus::Cancelled => format!("{} — cancelled", t.name),
        TaskStatus::Failed(_) => format!("{} — failed", t.name),
    }
}
