//! The "Run over files" window of the Workflows tab: the files one workflow
//! runs over (by name or pattern, the finished downloads, the open files),
//! the run in progress with Cancel, and how each run ended.

use crate::command::Command;
use crate::command::WorkflowCommand;
use crate::state::workflow::WorkflowState;

/// What the window keeps between frames.
#[derive(Default)]
pub struct MapWindow {
    pub open: bool,
    /// The file name or pattern typed in.
    pattern: String,
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}

pub fn show(ctx: &egui::Context, w: &mut MapWindow, wf: &WorkflowState, out: &mut Vec<Command>) {
    if !w.open {
        return;
    }
    let map = &wf.map;
    let mut open = true;
    crate::ui::window(ctx, "Run over files", 520.0)
        .open(&mut open)
        .collapsible(false)
        .show(ctx, |ui| {
            let target = wf.open.as_ref().and_then(|ed| {
                let id = crate::workflow::batch::input_node(&ed.graph)?;
                let node = ed.graph.node(id)?;
                let title = crate::workflow::library::spec(&node.kind)
                    .map_or(node.kind.as_str(), |s| s.title);
                Some(format!("{title} (node {})", id.0))
            });
            match &target {
                Some(t) => ui.label(format!(
                    "The workflow runs once for each file below, read by {t}. Each run writes its \
                     results and an RO-Crate naming its input and the dataset it came from."
                )),
                None => ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "This workflow reads no file: add an input node (HDF5 dataset, NeXus default \
                     signal or frames) first.",
                ),
            };
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                let label = ui.label("File or pattern");
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut w.pattern)
                            .hint_text("/data/scan_*.h5")
                            .desired_width(280.0),
                    )
                    .labelled_by(label.id);
                let edit = crate::ui::report::named(edit, "field:File or pattern");
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let add = ui.add_enabled(!w.pattern.trim().is_empty(), egui::Button::new("Add"));
                if (crate::ui::report::named(add, "button:Add").clicked() || enter)
                    && !w.pattern.trim().is_empty()
                {
                    out.push(WorkflowCommand::AddMapInputs(std::mem::take(&mut w.pattern)).into());
                }
            });
            ui.horizontal(|ui| {
                if ui
                    .button("Add downloaded files")
                    .on_hover_text("The files the Downloads tab finished, with their datasets")
                    .clicked()
                {
                    out.push(WorkflowCommand::AddDownloadedMapInputs.into());
                }
                if ui
                    .button("Add open files")
                    .on_hover_text("The local files open in the viewer")
                    .clicked()
                {
                    out.push(WorkflowCommand::AddOpenMapInputs.into());
                }
            });
            ui.separator();
            if map.inputs.is_empty() {
                ui.weak("No files yet.");
            }
            egui::ScrollArea::vertical()
                .max_height(180.0)
                .id_salt("map_inputs")
                .show(ui, |ui| {
                    egui::Grid::new("map_inputs_grid")
                        .num_columns(3)
                        .striped(true)
                        .show(ui, |ui| {
                            for (i, input) in map.inputs.iter().enumerate() {
                                ui.label(file_name(&input.path)).on_hover_text(&input.path);
                                match &input.dataset {
                                    Some(d) => ui.weak(format!("from {d}")),
                                    None => ui.weak("local file"),
                                };
                                if ui
                                    .add_enabled(!map.is_running(), egui::Button::new("Remove"))
                                    .clicked()
                                {
                                    out.push(WorkflowCommand::RemoveMapInput(i).into());
                                }
                                ui.end_row();
                            }
                        });
                });
            ui.separator();
            ui.horizontal(|ui| {
                if map.is_running() {
                    let (done, total, input) =
                        map.progress.lock().map(|p| p.clone()).unwrap_or_default();
                    ui.spinner();
                    ui.label(format!(
                        "{} of {total}: {}",
                        (done + 1).min(total),
                        file_name(&input)
                    ));
                    if ui.button("Cancel").clicked() {
                        out.push(WorkflowCommand::CancelWorkflowMap.into());
                    }
                } else if crate::ui::report::named(
                    ui.add_enabled(
                        target.is_some() && !map.inputs.is_empty(),
                        egui::Button::new(format!("Run over {} files", map.inputs.len())),
                    ),
                    "button:Run over files",
                )
                .clicked()
                {
                    out.push(WorkflowCommand::RunWorkflowMap.into());
                }
            });
            if !map.results.is_empty() {
                ui.separator();
                if let Some(dir) = &map.out_dir {
                    ui.horizontal(|ui| {
                        ui.weak(format!(
                            "Results and RO-Crates in runs/{}",
                            file_name(&dir.display().to_string())
                        ))
                        .on_hover_text(dir.display().to_string());
                        if ui.small_button("Copy path").clicked() {
                            ui.ctx().copy_text(dir.display().to_string());
                        }
                    });
                }
                egui::Grid::new("map_results")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        for r in &map.results {
                            ui.label(file_name(&r.input)).on_hover_text(&r.input);
                            if r.problems.is_empty() {
                                crate::ui::report::named(
                                    ui.label("done"),
                                    &format!("map done:{}", file_name(&r.input)),
                                );
                            } else {
                                ui.colored_label(ui.visuals().error_fg_color, &r.problems[0])
                                    .on_hover_text(r.problems.join("\n"));
                            }
                            ui.end_row();
                        }
                    });
            }
        });
    if !open {
        w.open = false;
    }
}
