//! Workflows: open a pipeline, set node parameters, run it, and see each
//! node's result or error next to it.

use serde_json::Value as J;

use crate::command::Command;
use crate::state::AppState;
use crate::workflow::nodes;

pub fn ui(ui: &mut egui::Ui, state: &AppState, out: &mut Vec<Command>) {
    let wf = &state.workflow;
    ui.horizontal_wrapped(|ui| {
        ui.menu_button("Open example…", |ui| {
            if wf.examples.is_empty() {
                ui.weak("No examples installed");
            }
            for p in &wf.examples {
                let name = p
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if ui.button(name).clicked() {
                    out.push(Command::OpenWorkflow(p.clone()));
                    ui.close();
                }
            }
        });
        if let Some((name, _)) = &wf.open {
            ui.strong(name);
            if wf.is_running() {
                ui.spinner();
            } else if ui
                .button("Run")
                .on_hover_text("Only nodes whose inputs or parameters changed are computed again")
                .clicked()
            {
                out.push(Command::RunWorkflow);
            }
            if let Some(last) = &wf.last {
                ui.weak(format!("last run computed {} node(s)", last.computed));
            }
        }
    });
    let Some((_, g)) = &wf.open else {
        super::empty_state(
            ui,
            "No workflow open",
            "Open an example to run a reduction pipeline: nodes run in order, independent ones in parallel, \
             and only what changed is computed again.",
            None,
            out,
        );
        return;
    };
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (id, node) in g.nodes() {
                let title = nodes::spec(&node.kind).map_or(node.kind.as_str(), |s| s.title);
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width().min(760.0));
                    ui.horizontal(|ui| {
                        ui.strong(format!("{} · {title}", id.0));
                        let inputs: Vec<String> = (0..node.inputs.len())
                            .map(|p| match g.source_of(id, p) {
                                Some((src, port)) => format!("{}.{port}", src.0),
                                None => "—".into(),
                            })
                            .collect();
                        if !inputs.is_empty() {
                            ui.weak(format!("inputs: {}", inputs.join(", ")));
                        }
                    });
                    for (name, value) in &node.params {
                        ui.horizontal(|ui| {
                            ui.label(name);
                            match value {
                                J::Number(n) => {
                                    let mut v = n.as_f64().unwrap_or(0.0);
                                    let is_int = n.is_u64() || n.is_i64();
                                    let drag = if is_int {
                                        egui::DragValue::new(&mut v).speed(1.0).fixed_decimals(0)
                                    } else {
                                        egui::DragValue::new(&mut v).speed(0.1)
                                    };
                                    if ui.add(drag).changed() {
                                        let new = if is_int {
                                            J::from(v.round() as i64)
                                        } else {
                                            serde_json::Number::from_f64(v)
                                                .map_or(J::Null, J::Number)
                                        };
                                        out.push(Command::SetNodeParam {
                                            node: id.0,
                                            name: name.clone(),
                                            value: new,
                                        });
                                    }
                                }
                                J::Null => {
                                    ui.weak("(none)");
                                }
                                other => {
                                    ui.monospace(other.to_string());
                                }
                            }
                        });
                    }
                    if let Some(last) = &wf.last {
                        if let Some(v) = last.values.get(&id) {
                            ui.label(format!("= {}", v.summary()));
                        } else if let Some(e) = last.errors.get(&id) {
                            ui.colored_label(ui.visuals().error_fg_color, e);
                        }
                    }
                });
            }
        });
}
