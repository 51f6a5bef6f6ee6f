//! Open files as lazily expanding trees, with a name filter.

use crate::command::Command;
use crate::command::{DocumentsCommand, ShellCommand};
use crate::data::{Entity, EntityKind};
use crate::state::documents::{CompareCommand, OverlayCommand};
use crate::state::{AppState, DocStatus, Document, Requested, Target};

#[derive(Default)]
pub struct FilesUi {
    filter: String,
}

/// A symbol for a NeXus class, so the tree reads at a glance.
pub fn nx_icon(class: Option<&str>) -> &'static str {
    match class {
        Some("NXentry" | "NXsubentry") => "🗁",
        Some("NXdata") => "📈",
        Some("NXinstrument") => "🔧",
        Some("NXdetector") => "📷",
        Some("NXsample") => "🔬",
        Some("NXsource") => "☀",
        Some("NXcollection" | "NXnote") => "🗒",
        _ => "📁",
    }
}

fn kind_icon(e: &Entity) -> &'static str {
    match &e.kind {
        EntityKind::Group => nx_icon(e.nx_class.as_deref()),
        EntityKind::Dataset(_) => "▦",
        EntityKind::Datatype => "T",
        EntityKind::SoftLink { .. } | EntityKind::ExternalLink { .. } => "↪",
        EntityKind::Broken { .. } => "⚠",
    }
}

fn leaf_row(ui: &mut egui::Ui, doc: &Document, e: &Entity, selected: bool, out: &mut Vec<Command>) {
    let text = format!("{} {}", kind_icon(e), e.name);
    match &e.kind {
        EntityKind::Broken { reason } => {
            ui.colored_label(ui.visuals().warn_fg_color, text)
                .on_hover_text(reason);
        }
        kind => {
            let target = Target {
                doc: doc.id,
                path: e.path.clone(),
            };
            let line = matches!(kind, EntityKind::Dataset(d) if d.shape.len() == 1 && d.dtype.is_plottable());
            let r = ui
                .horizontal(|ui| {
                    // A 1-D dataset can be dragged onto a line plot (and
                    // clicked, as any row).
                    let r = if line {
                        let r = ui.add(
                            egui::Button::selectable(selected, &text)
                                .sense(egui::Sense::click_and_drag()),
                        );
                        if r.drag_started() {
                            egui::DragAndDrop::set_payload(ui.ctx(), target.clone());
                        }
                        if r.dragged()
                            && let Some(at) = ui.ctx().pointer_interact_pos()
                        {
                            let layer = egui::LayerId::new(egui::Order::Tooltip, r.id);
                            ui.ctx().layer_painter(layer).text(
                                at + egui::vec2(12.0, 4.0),
                                egui::Align2::LEFT_TOP,
                                &text,
                                egui::TextStyle::Body.resolve(ui.style()),
                                ui.visuals().strong_text_color(),
                            );
                        }
                        r.on_hover_cursor(egui::CursorIcon::Grab)
                    } else {
                        ui.selectable_label(selected, text)
                    };
                    crate::ui::report::widget(ui.ctx(), &format!("object:{}", e.path), r.rect);
                    let detail = match kind {
                        EntityKind::Dataset(d) => {
                            let dims: Vec<String> = d.shape.iter().map(u64::to_string).collect();
                            if dims.is_empty() {
                                d.dtype.to_string()
                            } else {
                                format!("{} × {}", dims.join(" × "), d.dtype)
                            }
                        }
                        other => other.to_string(),
                    };
                    ui.weak(detail);
                    r
                })
                .inner;
            if r.clicked() {
                out.push(
                    DocumentsCommand::Select {
                        doc: doc.id,
                        path: e.path.clone(),
                    }
                    .into(),
                );
            }
            let image = matches!(kind, EntityKind::Dataset(d) if d.shape.len() >= 2 && d.dtype.is_plottable());
            if line {
                r.context_menu(|ui| {
                    if ui
                        .button("Draw over the line plot")
                        .on_hover_text("Add this dataset as another line in the plot shown (or drag it onto the plot)")
                        .clicked()
                    {
                        out.push(DocumentsCommand::Overlay(OverlayCommand::Add(target)).into());
                        ui.close();
                    }
                });
            } else if image {
                r.context_menu(|ui| {
                    if ui
                        .button("Compare with the image shown")
                        .on_hover_text("Show this image beside the one in the viewer, zoom, pan, slice and colours linked")
                        .clicked()
                    {
                        out.push(DocumentsCommand::Compare(CompareCommand::Add(target)).into());
                        ui.close();
                    }
                });
            }
        }
    }
}

fn tree(
    ui: &mut egui::Ui,
    doc: &Document,
    path: &str,
    selected: Option<&Target>,
    depth: usize,
    out: &mut Vec<Command>,
) {
    let Some(entity) = crate::ui::loaded(ui, doc.entities.get(path)) else {
        return;
    };
    let children = &entity.children;
    if children.is_empty() {
        ui.weak("(empty)");
    }
    for c in children {
        let is_selected = selected.is_some_and(|t| t.doc == doc.id && t.path == c.path);
        if c.kind == EntityKind::Group && depth < 64 {
            let id = ui.make_persistent_id(("tree", doc.id, &c.path));
            let state = egui::collapsing_header::CollapsingState::load_with_default_open(
                ui.ctx(),
                id,
                false,
            );
            if state.is_open() && !doc.entities.contains_key(&c.path) {
                out.push(
                    DocumentsCommand::ExpandGroup {
                        doc: doc.id,
                        path: c.path.clone(),
                    }
                    .into(),
                );
            }
            let mut clicked = false;
            state
                .show_header(ui, |ui| {
                    let label = format!("{} {}", kind_icon(c), c.name);
                    if ui.selectable_label(is_selected, label).clicked() {
                        clicked = true;
                        out.push(
                            DocumentsCommand::Select {
                                doc: doc.id,
                                path: c.path.clone(),
                            }
                            .into(),
                        );
                    }
                    if let Some(class) = &c.nx_class {
                        ui.weak(class);
                    }
                })
                .body(|ui| tree(ui, doc, &c.path, selected, depth + 1, out));
            // Clicking a group's name also opens it, as in file browsers.
            if clicked
                && let Some(mut st) = egui::collapsing_header::CollapsingState::load(ui.ctx(), id)
                && !st.is_open()
            {
                st.set_open(true);
                st.store(ui.ctx());
            }
        } else {
            leaf_row(ui, doc, c, is_selected, out);
        }
    }
}

/// Most search hits listed per file.
const MAX_HITS: usize = 500;

/// Objects whose path contains every word of the query (case-insensitive):
/// from the whole-file index when ready, else from what is loaded so far.
fn matches(doc: &Document, needle: &str) -> Vec<Entity> {
    let words: Vec<String> = needle.split_whitespace().map(str::to_lowercase).collect();
    let hit = |c: &&Entity| {
        let p = c.path.to_lowercase();
        words.iter().all(|w| p.contains(w))
    };
    let mut hits: Vec<Entity> = match &doc.index {
        Some(Requested::Ready(all)) => all.iter().filter(hit).take(MAX_HITS).cloned().collect(),
        _ => doc
            .entities
            .values()
            .filter_map(Requested::ready)
            .flat_map(|e| e.children.iter())
            .filter(hit)
            .cloned()
            .collect(),
    };
    hits.sort_by(|a, b| a.path.cmp(&b.path));
    hits.dedup_by(|a, b| a.path == b.path);
    hits
}

pub fn ui(ui: &mut egui::Ui, state: &AppState, files: &mut FilesUi, out: &mut Vec<Command>) {
    if state.documents.open.is_empty() {
        super::empty_state(
            ui,
            "No files open",
            "Open an HDF5 or NeXus file, drop one here, or try the demo data.",
            Some(("Open demo data", DocumentsCommand::OpenDemo.into())),
            out,
        );
        return;
    }
    let filter = ui.add(
        egui::TextEdit::singleline(&mut files.filter)
            .hint_text("Filter by name or path…")
            .desired_width(f32::INFINITY),
    );
    crate::ui::report::widget(ui.ctx(), "field:files filter", filter.rect);
    let selected = state.documents.selected.clone();
    crate::ui::report::widget(ui.ctx(), "files:tree", ui.available_rect_before_wrap());
    if !files.filter.trim().is_empty() {
        for d in state.documents.open.iter().filter(|d| d.index.is_none()) {
            out.push(DocumentsCommand::Index(d.id).into());
        }
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false; 2])
        .show(ui, |ui| {
            for doc in &state.documents.open {
                let id = ui.make_persistent_id(("doc", doc.id));
                egui::collapsing_header::CollapsingState::load_with_default_open(
                    ui.ctx(),
                    id,
                    true,
                )
                .show_header(ui, |ui| {
                    ui.strong(&doc.label).on_hover_text(&doc.location);
                    if matches!(doc.default_plot, Some(Ok(_)))
                        && ui
                            .small_button("📈")
                            .on_hover_text(format!("Show the default plot of {}", doc.label))
                            .clicked()
                    {
                        out.push(DocumentsCommand::OpenDefaultPlot(doc.id).into());
                    }
                    if ui
                        .small_button("Close")
                        .on_hover_text(format!("Close {}", doc.label))
                        .clicked()
                    {
                        out.push(DocumentsCommand::Close(doc.id).into());
                    }
                })
                .body(|ui| match &doc.status {
                    DocStatus::Loading => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.weak("Reading…");
                        });
                    }
                    DocStatus::Failed(msg) => {
                        ui.colored_label(ui.visuals().error_fg_color, msg);
                        if crate::net::is_web_url(&doc.location) && msg.contains("sign in") {
                            sign_in_here(ui, state, &doc.location, out);
                        }
                    }
                    DocStatus::Ready if !files.filter.trim().is_empty() => {
                        let hits = matches(doc, files.filter.trim());
                        if matches!(doc.index, Some(Requested::Pending { .. })) {
                            ui.horizontal(|ui| {
                                ui.spinner();
                                ui.weak("Indexing the whole file…");
                            });
                        } else if hits.is_empty() {
                            ui.weak("Nothing matches.");
                        }
                        if hits.len() == MAX_HITS {
                            ui.weak(format!(
                                "First {MAX_HITS} matches; type more to narrow down."
                            ));
                        }
                        for e in hits {
                            let sel = selected
                                .as_ref()
                                .is_some_and(|t| t.doc == doc.id && t.path == e.path);
                            let mut shown = e.clone();
                            shown.name.clone_from(&e.path);
                            leaf_row(ui, doc, &shown, sel, out);
                        }
                    }
                    DocStatus::Ready => tree(ui, doc, "/", selected.as_ref(), 0, out),
                });
            }
        });
}

/// "Sign in to see this", in place: open the file again as a signed-in
/// account, or go and sign in.
fn sign_in_here(ui: &mut egui::Ui, state: &AppState, url: &str, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        if state.accounts.list.is_empty() {
            ui.label("This server needs you to sign in.");
            if ui.button("Sign in…").clicked() {
                out.push(ShellCommand::ShowTab(crate::command::TabKind::Accounts).into());
            }
        }
        for a in &state.accounts.list {
            if ui
                .button(format!("Open as {}", a.id))
                .on_hover_text("Send this account's tokens to this server from now on")
                .clicked()
            {
                out.push(
                    DocumentsCommand::OpenUrlAs {
                        url: url.to_owned(),
                        account: a.id.clone(),
                    }
                    .into(),
                );
            }
        }
    });
}
