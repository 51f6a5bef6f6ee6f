//! The Downloads tab: the queue with per-file and total progress, pause,
//! resume and cancel per file or for all, the parallelism limit, and the
//! folder files go to.

use crate::command::{Command, DocumentsCommand, DownloadsCommand, ShellCommand};
use crate::state::AppState;
use crate::transfer::queue::{Item, ItemState, QueueAction};

fn state_text(item: &Item) -> String {
    let size = |n: u64| crate::units::human_bytes(n);
    match &item.state {
        ItemState::Queued => "waiting".into(),
        ItemState::Running => match item.total {
            Some(t) => format!("{} of {}", size(item.done), size(t)),
            None => size(item.done),
        },
        ItemState::Paused => format!("paused at {}", size(item.done)),
        ItemState::Done(_) => "done, checked".into(),
        ItemState::Exists(_) => "already in the folder; not replaced".into(),
        ItemState::Failed(e) => e.clone(),
        ItemState::Cancelled => "cancelled".into(),
    }
}

pub fn ui(ui: &mut egui::Ui, state: &AppState, out: &mut Vec<Command>) {
    let Some(queue) = state.downloads.queue.clone() else {
        super::empty_state(
            ui,
            "Downloads are not available",
            "Panorama could not set up its HTTP client; see the log for details.",
            None,
            out,
        );
        return;
    };
    let items = queue.items();
    if items.is_empty() {
        super::empty_state(
            ui,
            "No downloads yet",
            &format!(
                "Files you download from a dataset page appear here. They go to {}.",
                state.downloads.folder.display()
            ),
            Some((
                "Search datasets",
                ShellCommand::ShowTab(crate::command::TabKind::Search).into(),
            )),
            out,
        );
        return;
    }
    ui.horizontal(|ui| {
        let (done, total, unknown) = queue.totals();
        ui.strong("All files");
        let f = crate::units::fraction(done, total);
        ui.add(egui::ProgressBar::new(f).desired_width(220.0).text(format!(
            "{} of {}{}",
            crate::units::human_bytes(done),
            crate::units::human_bytes(total),
            if unknown { " +" } else { "" }
        )));
        if ui.button("Pause all").clicked() {
            out.push(DownloadsCommand::Queue(QueueAction::PauseAll).into());
        }
        if ui.button("Resume all").clicked() {
            out.push(DownloadsCommand::Queue(QueueAction::ResumeAll).into());
        }
        if ui
            .button("Clear finished")
            .on_hover_text("Remove finished, failed and cancelled files from this list")
            .clicked()
        {
            out.push(DownloadsCommand::Queue(QueueAction::ClearFinished).into());
        }
        ui.separator();
        let mut limit = queue.limit();
        ui.label("At once:");
        if ui
            .add(egui::DragValue::new(&mut limit).range(1..=8))
            .on_hover_text("How many files download at the same time")
            .changed()
        {
            out.push(DownloadsCommand::Queue(QueueAction::SetLimit(limit)).into());
        }
    });
    let folder = state
        .downloads
        .folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ui.horizontal(|ui| {
        ui.weak(format!("Saved to the folder “{folder}”"))
            .on_hover_text(state.downloads.folder.display().to_string());
        if ui
            .small_button("Change…")
            .on_hover_text("Choose the folder new downloads go to")
            .clicked()
        {
            out.push(DownloadsCommand::ChooseFolder.into());
        }
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("downloads")
                .num_columns(4)
                .striped(true)
                .spacing([12.0, 6.0])
                .show(ui, |ui| {
                    for item in &items {
                        ui.label(&item.name).on_hover_text(&item.url);
                        let f = item.fraction().unwrap_or(0.0);
                        let bar = egui::ProgressBar::new(f).desired_width(160.0);
                        match &item.state {
                            ItemState::Failed(_) => {
                                ui.colored_label(ui.visuals().error_fg_color, "failed");
                            }
                            ItemState::Done(_) => {
                                ui.add(bar.fill(crate::ui::theme::SUCCESS_FILL));
                            }
                            _ => {
                                ui.add(bar);
                            }
                        }
                        crate::ui::report::named(
                            ui.label(state_text(item)),
                            &format!("download:{}: {}", item.name, state_text(item)),
                        );
                        ui.horizontal(|ui| match &item.state {
                            ItemState::Queued | ItemState::Running => {
                                if ui.small_button("Pause").clicked() {
                                    out.push(
                                        DownloadsCommand::Queue(QueueAction::Pause(item.id)).into(),
                                    );
                                }
                                if ui.small_button("Cancel").clicked() {
                                    out.push(
                                        DownloadsCommand::Queue(QueueAction::Cancel(item.id))
                                            .into(),
                                    );
                                }
                            }
                            ItemState::Paused | ItemState::Failed(_) => {
                                if ui.small_button("Resume").clicked() {
                                    out.push(
                                        DownloadsCommand::Queue(QueueAction::Resume(item.id))
                                            .into(),
                                    );
                                }
                                if ui.small_button("Cancel").clicked() {
                                    out.push(
                                        DownloadsCommand::Queue(QueueAction::Cancel(item.id))
                                            .into(),
                                    );
                                }
                            }
                            ItemState::Done(path) => {
                                let p = path.clone();
                                if ui.small_button("Open").clicked() {
                                    out.push(DocumentsCommand::OpenPath(p).into());
                                }
                            }
                            ItemState::Exists(_) => {
                                if ui
                                    .small_button("Replace")
                                    .on_hover_text("Download it again over the file in the folder")
                                    .clicked()
                                {
                                    out.push(
                                        DownloadsCommand::Queue(QueueAction::Replace(item.id))
                                            .into(),
                                    );
                                }
                            }
                            ItemState::Cancelled => {}
                        });
                        ui.end_row();
                    }
                });
        });
    if queue.busy() {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(250));
    }
}
