//! The metadata editor: a form built from the draft's JSON Schema, each
//! field with where its value came from and its validation errors; every
//! edit is saved at once (undo/redo survive restarts).
//!
//! Over 800 lines: the tab, the form widgets, Bulk edit and the publish
//! window in one file; the form widgets are the next to move out (one file
//! per widget kind under `ui/`).

use crate::command::MetadataCommand;
use std::collections::HashMap;

use serde_json::Value as J;

use crate::command::Command;
use crate::metadata::schema::{Field, Kind, TextFormat};
use crate::metadata::{FieldValue, Origin, ids};
use crate::state::AppState;
use crate::state::metadata::OpenDraft;

/// What the editor remembers that is not in the draft.
#[derive(Default)]
pub struct MetadataUi {
    new_schema: String,
    from_file: bool,
    /// How many items each array shows (stored ones and blank ones added
    /// to be filled), by array pointer; an array not here shows what it stores.
    extra_items: HashMap<String, usize>,
    /// Chosen alternative of `oneOf` fields, by pointer.
    variants: HashMap<String, usize>,
    /// Text of fields being typed that do not parse yet (numbers, JSON).
    pending_text: HashMap<String, String>,
    template_name: String,
    /// The NeXus definition to check the open file against.
    nxdl: String,
    /// The bulk-edit window, while open.
    bulk: Option<BulkUi>,
    /// The source a publish is being confirmed for (the diff window).
    confirm_publish: Option<String>,
    /// Upload the open file with an InvenioRDM record.
    attach_file: bool,
}

#[derive(Default)]
struct BulkUi {
    selected: std::collections::BTreeSet<i64>,
    pointer: String,
    value: String,
}

pub fn ui(ui: &mut egui::Ui, state: &AppState, s: &mut MetadataUi, out: &mut Vec<Command>) {
    let md = &state.metadata;
    if s.new_schema.is_empty() {
        s.new_schema = "datacite".into();
    }
    let open_doc = state
        .documents
        .selected
        .as_ref()
        .map(|t| t.doc)
        .or_else(|| {
            state
                .documents
                .open
                .iter()
                .find(|d| d.source.is_some())
                .map(|d| d.id)
        });
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::from_id_salt("draft-schema")
            .selected_text(
                md.schemas
                    .iter()
                    .find(|x| x.name == s.new_schema)
                    .map_or(s.new_schema.clone(), |x| x.title.clone()),
            )
            .show_ui(ui, |ui| {
                for sc in &md.schemas {
                    ui.selectable_value(&mut s.new_schema, sc.name.clone(), &sc.title);
                }
            });
        let doc_label = open_doc
            .and_then(|id| state.document(id))
            .map(|d| d.label.clone());
        if let Some(label) = &doc_label {
            let fill = ui.checkbox(&mut s.from_file, format!("fill from {label}"));
            crate::ui::report::widget(ui.ctx(), "checkbox:fill from file", fill.rect);
        }
        let new_draft = ui.button("New draft");
        crate::ui::report::widget(ui.ctx(), "button:New draft", new_draft.rect);
        if new_draft.clicked() {
            out.push(
                MetadataCommand::NewDraft {
                    schema: s.new_schema.clone(),
                    from_doc: open_doc.filter(|_| s.from_file && doc_label.is_some()),
                }
                .into(),
            );
            s.extra_items.clear();
        }
        if ui
            .button("From DataCite XML…")
            .on_hover_text("Start a DataCite draft from a DataCite XML record (kernel 4)")
            .clicked()
        {
            crate::ui::file_dialog::request(
                ui.ctx(),
                DATACITE_XML_DIALOG,
                crate::ui::file_dialog::Request::new(
                    "Choose a DataCite XML file",
                    crate::ui::file_dialog::Mode::Open,
                )
                .filter("DataCite XML", &["xml"]),
            );
        }
        if let Some(crate::ui::file_dialog::Answer::Picked(path)) =
            crate::ui::file_dialog::take_answer(ui.ctx(), DATACITE_XML_DIALOG)
        {
            out.push(MetadataCommand::DraftFromDataCiteXml(path).into());
        }
        if md.is_extracting() {
            ui.spinner();
            ui.weak("Reading the file…");
        }
        ui.separator();
        let current = md.open.as_ref().map(|o| o.doc.id);
        egui::ComboBox::from_id_salt("drafts")
            .selected_text(
                md.open
                    .as_ref()
                    .map_or("Open a draft…".to_owned(), |o| o.doc.title.clone()),
            )
            .show_ui(ui, |ui| {
                for (id, title, schema) in &md.drafts {
                    if ui
                        .selectable_label(current == Some(*id), format!("{title}  ({schema})"))
                        .clicked()
                    {
                        out.push(MetadataCommand::OpenDraft(*id).into());
                    }
                }
            });
    });
    for p in &md.schema_problems {
        ui.colored_label(ui.visuals().warn_fg_color, p);
    }
    nexus_check_ui(ui, state, open_doc, s, out);
    let Some(open) = &md.open else {
        // The first useful thing: a draft of the schema chosen, filled from
        // the open file when there is one and "fill from" is ticked.
        let from_doc = open_doc.filter(|id| s.from_file && state.document(*id).is_some());
        super::empty_state(
            ui,
            "No draft open",
            "Pick a schema and press New draft. With a file open, tick “fill from …” and the \
             title, times, instrument, sample and people are read from it.",
            Some((
                "Start a draft",
                MetadataCommand::NewDraft {
                    schema: s.new_schema.clone(),
                    from_doc,
                }
                .into(),
            )),
            out,
        );
        return;
    };
    toolbar(ui, open, s, out);
    templates_row(ui, state, open, s, out);
    publish_ui(ui, state, open, open_doc, s, out);
    bulk_window(ui.ctx(), state, open, s, out);
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut ctx = FormCtx { open, s, out };
            for f in &open.form {
                let p = format!("/{}", f.key);
                field_ui(ui, f, &p, 0, &mut ctx);
            }
        });
}

fn toolbar(ui: &mut egui::Ui, open: &OpenDraft, s: &MetadataUi, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.strong(&open.doc.title);
        ui.weak(&open.schema.title);
        let undo = ui.add_enabled(open.doc.can_undo, egui::Button::new("Undo"));
        let redo = ui.add_enabled(open.doc.can_redo, egui::Button::new("Redo"));
        let (z, shift) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::Z) && i.modifiers.command,
                i.modifiers.shift,
            )
        });
        if undo.clicked() || (z && !shift && open.doc.can_undo) {
            out.push(MetadataCommand::UndoDraft.into());
        }
        if redo.clicked() || (z && shift && open.doc.can_redo) {
            out.push(MetadataCommand::RedoDraft.into());
        }
        let blanks = blank_items(s, &open.doc.draft);
        match open.errors.len() {
            0 if blanks > 0 => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "{blanks} blank entr{} to fill or remove",
                        if blanks == 1 { "y" } else { "ies" }
                    ),
                );
            }
            0 => {
                ui.colored_label(crate::ui::theme::SUCCESS_TEXT, "✔ valid");
            }
            n => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("{n} problem{} to fix", if n == 1 { "" } else { "s" }),
                );
            }
        }
        if open.schema.name == "datacite" {
            // Only XML the schema accepts: defaults filled, gaps named.
            let (doc, check) = crate::metadata::datacite::prepare_xml(&open.doc.draft.to_json());
            let hover = if check.missing.is_empty() {
                "DataCite kernel-4.5 XML of this draft".to_owned()
            } else {
                format!("Fill these first: {}", check.missing.join("; "))
            };
            if ui
                .add_enabled(
                    check.missing.is_empty(),
                    egui::Button::new("Copy DataCite XML"),
                )
                .on_hover_text(&hover)
                .on_disabled_hover_text(&hover)
                .clicked()
            {
                ui.ctx().copy_text(crate::metadata::datacite::to_xml(&doc));
            }
        }
        if ui
            .button("Copy JSON")
            .on_hover_text("The draft as a JSON document of its schema")
            .clicked()
        {
            ui.ctx().copy_text(
                serde_json::to_string_pretty(&open.doc.draft.to_json()).unwrap_or_default(),
            );
        }
        if ui.button("Delete draft").clicked() {
            out.push(MetadataCommand::DeleteDraft(open.doc.id).into());
        }
    });
}

struct FormCtx<'a> {
    open: &'a OpenDraft,
    s: &'a mut MetadataUi,
    out: &'a mut Vec<Command>,
}

impl FormCtx<'_> {
    fn value(&self, pointer: &str) -> Option<&FieldValue> {
        self.open.doc.draft.fields.get(pointer)
    }
    fn set(&mut self, pointer: &str, value: Option<J>) {
        self.out.push(
            MetadataCommand::EditDraft {
                pointer: pointer.to_owned(),
                value,
            }
            .into(),
        );
    }
}

/// Where a value came from, in a few words.
fn origin_text(f: &FieldValue) -> String {
    let from = match &f.origin {
        Origin::File { location, .. } => format!("from {location}"),
        Origin::Template { name } if name == crate::metadata::templates::SCHEMA_DEFAULT => {
            "fixed by the schema".to_owned()
        }
        Origin::Template { name } => format!("from template {name}"),
        Origin::Catalogue { source, .. } => format!("from {source}"),
        Origin::Person => return "typed".into(),
        Origin::Workflow { name } => format!("from the run of {name}"),
    };
    if f.edited {
        format!("{from}, changed")
    } else {
        from
    }
}

fn label_ui(ui: &mut egui::Ui, f: &Field) -> egui::Response {
    let text = if f.required {
        format!("{} *", f.title)
    } else {
        f.title.clone()
    };
    let r = ui.label(text);
    match &f.description {
        Some(d) => r.on_hover_text(d),
        None => r,
    }
}

fn errors_ui(ui: &mut egui::Ui, ctx: &FormCtx<'_>, pointer: &str) {
    for e in ctx.open.errors_at(pointer) {
        ui.colored_label(ui.visuals().error_fg_color, &e.message);
    }
}

/// Key of the DataCite XML dialog (see `ui::file_dialog`).
const DATACITE_XML_DIALOG: &str = "metadata datacite xml";

/// A field's editor keeps one id whatever appears above it (error lines
/// come and go as the user types), so focus and the cursor stay in it.
fn field_id(pointer: &str) -> egui::Id {
    egui::Id::new(("metadata field", pointer))
}

fn text_of(v: Option<&FieldValue>) -> String {
    match v.map(|f| &f.value) {
        Some(J::String(s)) => s.clone(),
        Some(J::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn field_ui(ui: &mut egui::Ui, f: &Field, pointer: &str, depth: usize, ctx: &mut FormCtx<'_>) {
    match &f.kind {
        Kind::Object(children) => {
            let has_error = ctx
                .open
                .errors
                .iter()
                .any(|e| e.pointer == pointer || e.pointer.starts_with(&format!("{pointer}/")));
            let title = if f.required {
                format!("{} *", f.title)
            } else {
                f.title.clone()
            };
            let header = if has_error {
                egui::RichText::new(title).color(ui.visuals().error_fg_color)
            } else {
                egui::RichText::new(title)
            };
            let filled = ctx
                .open
                .doc
                .draft
                .fields
                .keys()
                .any(|k| k.starts_with(&format!("{pointer}/")));
            egui::CollapsingHeader::new(header)
                .id_salt(pointer)
                .default_open(has_error || filled || (depth < 1 && f.required))
                .show(ui, |ui| {
                    errors_ui(ui, ctx, pointer);
                    for c in children {
                        field_ui(ui, c, &format!("{pointer}/{}", c.key), depth + 1, ctx);
                    }
                });
        }
        Kind::Array(item) => array_ui(ui, f, item, pointer, depth, ctx),
        Kind::OneOf(variants) => {
            ui.horizontal(|ui| {
                label_ui(ui, f);
                let chosen = ctx.s.variants.get(pointer).copied().unwrap_or(0);
                let mut pick = chosen;
                egui::ComboBox::from_id_salt(("variant", pointer))
                    .selected_text(variants.get(chosen).map_or("", |v| v.0.as_str()))
                    .show_ui(ui, |ui| {
                        for (i, (name, _)) in variants.iter().enumerate() {
                            ui.selectable_value(&mut pick, i, name);
                        }
                    });
                ctx.s.variants.insert(pointer.to_owned(), pick);
            });
            let chosen = ctx.s.variants.get(pointer).copied().unwrap_or(0);
            if let Some((_, v)) = variants.get(chosen) {
                let mut v = v.clone();
                v.title.clone_from(&f.title);
                match &v.kind {
                    Kind::Object(children) => {
                        ui.indent(("variant-body", pointer), |ui| {
                            for c in children {
                                field_ui(ui, c, &format!("{pointer}/{}", c.key), depth + 1, ctx);
                            }
                        });
                    }
                    _ => field_ui(ui, &v, pointer, depth, ctx),
                }
            }
        }
        _ => leaf_ui(ui, f, pointer, ctx),
    }
}

fn array_ui(
    ui: &mut egui::Ui,
    f: &Field,
    item: &Field,
    pointer: &str,
    depth: usize,
    ctx: &mut FormCtx<'_>,
) {
    let stored = ctx.open.doc.draft.len_of(pointer);
    // Blank items stay until filled or removed; typing into one makes it a
    // stored one without adding another.
    let count = ctx
        .s
        .extra_items
        .get(pointer)
        .copied()
        .unwrap_or(0)
        .max(stored);

    let has_error = ctx
        .open
        .errors
        .iter()
        .any(|e| e.pointer == pointer || e.pointer.starts_with(&format!("{pointer}/")));
    let title = format!(
        "{}{} ({count})",
        f.title,
        if f.required { " *" } else { "" }
    );
    let header = if has_error {
        egui::RichText::new(title).color(ui.visuals().error_fg_color)
    } else {
        egui::RichText::new(title)
    };
    egui::CollapsingHeader::new(header)
        .id_salt(pointer)
        .default_open(has_error || count > 0 || (depth < 1 && f.required))
        .show(ui, |ui| {
            errors_ui(ui, ctx, pointer);
            let singular = f.title.trim_end_matches('s').to_owned();
            for i in 0..count {
                let p = format!("{pointer}/{i}");
                ui.horizontal(|ui| {
                    ui.weak(format!("{singular} {}", i + 1));
                    if ui.small_button("Remove").clicked() {
                        if i < stored {
                            ctx.out.push(
                                MetadataCommand::RemoveDraftItem {
                                    pointer: pointer.to_owned(),
                                    index: i,
                                }
                                .into(),
                            );
                        }
                        ctx.s
                            .extra_items
                            .insert(pointer.to_owned(), count.saturating_sub(1));
                    }
                });
                ui.indent(("item", &p), |ui| {
                    let mut it = item.clone();
                    it.title.clone_from(&singular);
                    match &it.kind {
                        Kind::Object(children) => {
                            errors_ui(ui, ctx, &p);
                            for c in children {
                                field_ui(ui, c, &format!("{p}/{}", c.key), depth + 1, ctx);
                            }
                        }
                        _ => field_ui(ui, &it, &p, depth + 1, ctx),
                    }
                });
            }
            if ui
                .button(format!("Add {}", singular.to_lowercase()))
                .clicked()
            {
                ctx.s.extra_items.insert(pointer.to_owned(), count + 1);
            }
        });
}

/// Blank items added to arrays and not filled yet.
fn blank_items(s: &MetadataUi, draft: &crate::metadata::Draft) -> usize {
    s.extra_items
        .iter()
        .map(|(p, wanted)| wanted.saturating_sub(draft.len_of(p)))
        .sum()
}

fn leaf_ui(ui: &mut egui::Ui, f: &Field, pointer: &str, ctx: &mut FormCtx<'_>) {
    let current = ctx.value(pointer).cloned();
    ui.horizontal(|ui| {
        let label = label_ui(ui, f);
        let width = (ui.available_width() - 170.0).clamp(160.0, 420.0);
        match &f.kind {
            Kind::Text { format, multiline } => {
                let mut text = text_of(current.as_ref());
                let edit = if *multiline {
                    egui::TextEdit::multiline(&mut text)
                        .id(field_id(pointer))
                        .desired_rows(3)
                } else {
                    egui::TextEdit::singleline(&mut text).id(field_id(pointer))
                };
                let hint = match format {
                    TextFormat::Date => "YYYY-MM-DD",
                    TextFormat::DateTime => "YYYY-MM-DDThh:mm:ss+01:00",
                    TextFormat::Orcid => "0000-0000-0000-0000",
                    TextFormat::Ror => "https://ror.org/…",
                    TextFormat::Email => "name@example.org",
                    TextFormat::Uri => "https://…",
                    TextFormat::Spdx => "CC-BY-4.0",
                    TextFormat::Plain => "",
                };
                let r = ui
                    .add(edit.desired_width(width).hint_text(hint))
                    .labelled_by(label.id);
                crate::ui::report::widget(ui.ctx(), &format!("field:{pointer}"), r.rect);
                if r.has_focus() {
                    crate::ui::report::focused(ui.ctx(), &f.title);
                }
                if r.changed() {
                    ctx.set(pointer, (!text.is_empty()).then(|| J::String(text.clone())));
                }
                if *format == TextFormat::Spdx {
                    egui::ComboBox::from_id_salt(("spdx", pointer))
                        .selected_text("Pick…")
                        .width(70.0)
                        .show_ui(ui, |ui| {
                            for l in ids::COMMON_LICENCES {
                                if ui.selectable_label(text == l, l).clicked() {
                                    ctx.set(pointer, Some(J::String(l.to_owned())));
                                }
                            }
                        });
                }
                if *format == TextFormat::Orcid && !text.is_empty() {
                    if ids::orcid_ok(&text) {
                        ui.weak("✔ ORCID");
                    } else {
                        ui.colored_label(ui.visuals().error_fg_color, "check digit wrong");
                    }
                }
            }
            Kind::Enum(values) => {
                let shown = current.as_ref().map(|f| match &f.value {
                    J::String(s) => s.clone(),
                    other => other.to_string(),
                });
                egui::ComboBox::from_id_salt(("enum", pointer))
                    .selected_text(shown.clone().unwrap_or_else(|| "—".into()))
                    .width(width.min(260.0))
                    .show_ui(ui, |ui| {
                        if ui.selectable_label(shown.is_none(), "—").clicked() {
                            ctx.set(pointer, None);
                        }
                        for v in values {
                            let t = match v {
                                J::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            if ui
                                .selectable_label(shown.as_deref() == Some(t.as_str()), &t)
                                .clicked()
                            {
                                ctx.set(pointer, Some(v.clone()));
                            }
                        }
                    });
            }
            Kind::Number { integer } => {
                let mut text = ctx
                    .s
                    .pending_text
                    .get(pointer)
                    .cloned()
                    .unwrap_or_else(|| text_of(current.as_ref()));
                let r = ui
                    .add(
                        egui::TextEdit::singleline(&mut text)
                            .id(field_id(pointer))
                            .desired_width(120.0),
                    )
                    .labelled_by(label.id);
                crate::ui::report::widget(ui.ctx(), &format!("field:{pointer}"), r.rect);
                if r.has_focus() {
                    crate::ui::report::focused(ui.ctx(), &f.title);
                }
                if r.changed() {
                    let parsed = if *integer {
                        text.trim().parse::<i64>().ok().map(J::from)
                    } else {
                        text.trim()
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map(J::Number)
                    };
                    match parsed {
                        Some(v) => {
                            ctx.s.pending_text.remove(pointer);
                            ctx.set(pointer, Some(v));
                        }
                        None if text.trim().is_empty() => {
                            ctx.s.pending_text.remove(pointer);
                            ctx.set(pointer, None);
                        }
                        None => {
                            ctx.s.pending_text.insert(pointer.to_owned(), text.clone());
                        }
                    }
                }
                if ctx.s.pending_text.contains_key(pointer) {
                    ui.colored_label(ui.visuals().error_fg_color, "not a number");
                }
            }
            Kind::Quantity { units } => quantity_ui(ui, pointer, units, ctx),
            Kind::Bool => {
                let mut b = current
                    .as_ref()
                    .and_then(|f| f.value.as_bool())
                    .unwrap_or(false);
                if ui.checkbox(&mut b, "").changed() {
                    ctx.set(pointer, Some(J::Bool(b)));
                }
            }
            Kind::Keywords => {
                let mut text = match current.as_ref().map(|f| &f.value) {
                    Some(J::Array(items)) => items
                        .iter()
                        .filter_map(J::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.map(ToString::to_string).unwrap_or_default(),
                };
                let r = ui
                    .add(
                        egui::TextEdit::singleline(&mut text)
                            .id(field_id(pointer))
                            .desired_width(width)
                            .hint_text("comma, separated, words"),
                    )
                    .labelled_by(label.id);
                crate::ui::report::widget(ui.ctx(), &format!("field:{pointer}"), r.rect);
                if r.has_focus() {
                    crate::ui::report::focused(ui.ctx(), &f.title);
                }
                if r.changed() {
                    let words: Vec<J> = text
                        .split(',')
                        .map(str::trim)
                        .filter(|w| !w.is_empty())
                        .map(|w| J::String(w.to_owned()))
                        .collect();
                    ctx.set(pointer, (!words.is_empty()).then_some(J::Array(words)));
                }
            }
            _ => {
                let mut text = ctx.s.pending_text.get(pointer).cloned().unwrap_or_else(|| {
                    current
                        .as_ref()
                        .map(|f| f.value.to_string())
                        .unwrap_or_default()
                });
                let r = ui
                    .add(
                        egui::TextEdit::multiline(&mut text)
                            .id(field_id(pointer))
                            .code_editor()
                            .desired_rows(2)
                            .desired_width(width)
                            .hint_text("JSON"),
                    )
                    .labelled_by(label.id);
                crate::ui::report::widget(ui.ctx(), &format!("field:{pointer}"), r.rect);
                if r.has_focus() {
                    crate::ui::report::focused(ui.ctx(), &f.title);
                }
                if r.changed() {
                    match serde_json::from_str::<J>(&text) {
                        Ok(v) => {
                            ctx.s.pending_text.remove(pointer);
                            ctx.set(pointer, Some(v));
                        }
                        Err(_) => {
                            ctx.s.pending_text.insert(pointer.to_owned(), text.clone());
                        }
                    }
                }
            }
        }
        if let Some(v) = &current {
            ui.weak(origin_text(v));
        }
    });
    ui.indent(("errors", pointer), |ui| errors_ui(ui, ctx, pointer));
}

/// A number with a unit; changing the unit converts the number.
fn quantity_ui(ui: &mut egui::Ui, pointer: &str, units: &[String], ctx: &mut FormCtx<'_>) {
    let mp = format!("{pointer}/magnitude");
    let up = format!("{pointer}/unit");
    let magnitude = ctx.value(&mp).and_then(|f| f.value.as_f64());
    let unit = ctx
        .value(&up)
        .and_then(|f| f.value.as_str().map(str::to_owned))
        .or_else(|| units.first().cloned())
        .unwrap_or_default();
    let mut text = ctx
        .s
        .pending_text
        .get(&mp)
        .cloned()
        .unwrap_or_else(|| magnitude.map(|m| m.to_string()).unwrap_or_default());
    if ui
        .add(
            egui::TextEdit::singleline(&mut text)
                .id(field_id(&mp))
                .desired_width(90.0),
        )
        .changed()
    {
        match text.trim().parse::<f64>() {
            Ok(v) => {
                ctx.s.pending_text.remove(&mp);
                ctx.set(&mp, serde_json::Number::from_f64(v).map(J::Number));
                if ctx.value(&up).is_none() {
                    ctx.set(&up, Some(J::String(unit.clone())));
                }
            }
            Err(_) => {
                ctx.s.pending_text.insert(mp.clone(), text.clone());
            }
        }
    }
    egui::ComboBox::from_id_salt(("unit", pointer))
        .selected_text(&unit)
        .width(90.0)
        .show_ui(ui, |ui| {
            for u in units {
                if ui.selectable_label(*u == unit, u).clicked() && *u != unit {
                    if let Some(m) = magnitude
                        && let Some(c) = crate::metadata::units::convert(m, &unit, u)
                    {
                        ctx.set(&mp, serde_json::Number::from_f64(c).map(J::Number));
                    }
                    ctx.set(&up, Some(J::String(u.clone())));
                }
            }
        });
}

fn templates_row(
    ui: &mut egui::Ui,
    state: &AppState,
    open: &OpenDraft,
    s: &mut MetadataUi,
    out: &mut Vec<Command>,
) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Templates:");
        let mine: Vec<&str> = state
            .metadata
            .templates
            .iter()
            .filter(|t| t.schema == open.doc.draft.schema)
            .map(|t| t.name.as_str())
            .collect();
        ui.menu_button("Apply template…", |ui| {
            if mine.is_empty() {
                ui.weak("No templates for this schema yet");
            }
            for name in &mine {
                if ui.button(*name).clicked() {
                    out.push(MetadataCommand::ApplyTemplate((*name).to_owned()).into());
                    ui.close();
                }
            }
        });
        ui.add(
            egui::TextEdit::singleline(&mut s.template_name)
                .hint_text("template name, e.g. the beamline")
                .desired_width(220.0),
        )
        .labelled_by(label.id);
        let name = s.template_name.trim().to_owned();
        if ui
            .add_enabled(!name.is_empty(), egui::Button::new("Save as template"))
            .on_hover_text("Keep the values typed here for new drafts")
            .clicked()
        {
            out.push(MetadataCommand::SaveTemplate(name).into());
            s.template_name.clear();
        }
        ui.separator();
        if crate::ui::report::named(ui.button("Bulk edit…"), "button:Bulk edit…")
            .on_hover_text("Compare drafts and set a field in many at once")
            .clicked()
        {
            let mut b = BulkUi::default();
            b.selected.insert(open.doc.id);
            s.bulk = Some(b);
        }
    });
}

fn show_value(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Text typed as a value: JSON when it parses as a number, boolean, list or
/// object; otherwise the text itself.
fn typed_value(text: &str) -> Option<J> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match serde_json::from_str::<J>(t) {
        Ok(v @ (J::Number(_) | J::Bool(_) | J::Array(_) | J::Object(_))) => Some(v),
        _ => Some(J::String(t.to_owned())),
    }
}

fn bulk_window(
    ctx: &egui::Context,
    state: &AppState,
    open: &OpenDraft,
    s: &mut MetadataUi,
    out: &mut Vec<Command>,
) {
    let Some(b) = s.bulk.as_mut() else {
        return;
    };
    let mut keep = true;
    crate::ui::window(ctx, "Bulk edit", 640.0)
        .open(&mut keep)
        .show(ctx, |ui| {
            ui.label(format!("Drafts of the schema “{}”:", open.schema.title));
            ui.horizontal_wrapped(|ui| {
                for (id, title, schema) in &state.metadata.drafts {
                    if *schema != open.doc.draft.schema {
                        continue;
                    }
                    let mut on = b.selected.contains(id);
                    let tick = ui.checkbox(&mut on, title);
                    if crate::ui::report::named(tick, &format!("bulk draft:{id}")).changed() {
                        if on {
                            b.selected.insert(*id);
                        } else {
                            b.selected.remove(id);
                        }
                    }
                }
            });
            let ids: Vec<i64> = b.selected.iter().copied().collect();
            let docs = state.draft_docs(&ids);
            let refs: Vec<&crate::metadata::Draft> = docs.iter().map(|d| &d.draft).collect();
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(260.0)
                .id_salt("bulk-fields")
                .show(ui, |ui| {
                    egui::Grid::new("bulk-grid")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for (p, a) in crate::metadata::bulk::compare(&refs) {
                                let row = ui.selectable_label(b.pointer == p, &p);
                                if crate::ui::report::named(row, &format!("bulk field:{p}"))
                                    .clicked()
                                {
                                    b.pointer.clone_from(&p);
                                    if let crate::metadata::bulk::Agreement::Same(v) = &a {
                                        b.value = show_value(v);
                                    }
                                }
                                match a {
                                    crate::metadata::bulk::Agreement::Same(v) => {
                                        ui.label(format!("same: {}", show_value(&v)));
                                    }
                                    crate::metadata::bulk::Agreement::Differ(vs) => {
                                        let shown: Vec<String> = vs
                                            .iter()
                                            .map(|v| v.as_ref().map_or("—".into(), show_value))
                                            .collect();
                                        ui.colored_label(
                                            ui.visuals().warn_fg_color,
                                            format!("differs: {}", shown.join(" | ")),
                                        );
                                    }
                                }
                                ui.end_row();
                            }
                        });
                });
            ui.separator();
            ui.horizontal(|ui| {
                let l = ui.label("Field");
                ui.add(
                    egui::TextEdit::singleline(&mut b.pointer)
                        .hint_text("/publisher/name")
                        .desired_width(220.0),
                )
                .labelled_by(l.id);
                let l = ui.label("Value");
                let value = ui
                    .add(
                        egui::TextEdit::singleline(&mut b.value)
                            .hint_text("empty clears the field")
                            .desired_width(220.0),
                    )
                    .labelled_by(l.id);
                crate::ui::report::named(value, "field:bulk value");
            });
            let pointer = b.pointer.trim().to_owned();
            if pointer.starts_with('/') {
                let value = typed_value(&b.value);
                let plan = crate::metadata::bulk::preview(&docs, &pointer, value.as_ref());
                let preview = format!("Preview: {} draft(s) change", plan.len());
                crate::ui::report::named(ui.label(&preview), &format!("label:{preview}"));
                for c in &plan {
                    ui.small(format!(
                        "{}: {} -> {}",
                        c.title,
                        c.before.as_ref().map_or("—".into(), show_value),
                        c.after.as_ref().map_or("—".into(), show_value)
                    ));
                }
                if ui
                    .add_enabled(
                        !plan.is_empty(),
                        egui::Button::new(format!("Apply to {} drafts", plan.len())),
                    )
                    .clicked()
                {
                    out.push(
                        MetadataCommand::BulkSet {
                            ids: plan.iter().map(|c| c.id).collect(),
                            pointer,
                            value,
                        }
                        .into(),
                    );
                }
            } else if !pointer.is_empty() {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    "A field is a path such as /publisher/name",
                );
            }
        });
    if !keep {
        s.bulk = None;
    }
}

fn publish_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    open: &OpenDraft,
    open_doc: Option<u64>,
    s: &mut MetadataUi,
    out: &mut Vec<Command>,
) {
    let targets = state.publish_targets(&open.schema.name);
    if !targets.is_empty() {
        ui.horizontal(|ui| {
            if state.metadata.is_publishing() {
                ui.spinner();
                ui.weak("Publishing…");
            }
            ui.menu_button("Publish to…", |ui| {
                for t in &targets {
                    let who = t
                        .account
                        .as_deref()
                        .unwrap_or("no account: bind one in Sources…");
                    if ui.button(format!("{} ({who})", t.name)).clicked() {
                        s.confirm_publish = Some(t.id.clone());
                        ui.close();
                    }
                }
            });
        });
    }
    let Some(target) = s.confirm_publish.clone() else {
        return;
    };
    let name = targets
        .iter()
        .find(|t| t.id == target)
        .map_or(target.clone(), |t| t.name.clone());
    let takes_files = targets
        .iter()
        .any(|t| t.id == target && t.kind.is(&crate::catalogue::invenio::KIND));
    // A local file open in Panorama can go with the record.
    let local = open_doc
        .and_then(|id| state.document(id))
        .map(|d| std::path::PathBuf::from(&d.location))
        .filter(|p| takes_files && p.is_file());
    let mut keep = true;
    let mut go = false;
    crate::ui::window(ui.ctx(), format!("Publish to {name}"), 520.0)
        .open(&mut keep)
        .collapsible(false)
        .show(ui.ctx(), |ui| {
            // Sent here before: the difference to what was sent, and that
            // record is updated (SciCat) or given a new version (InvenioRDM).
            let sent = state.sent_to(open.doc.id, &target);
            let before = sent.as_ref().map_or_else(
                || crate::metadata::Draft::new(&open.doc.draft.schema),
                |r| r.draft.clone(),
            );
            let lines = crate::metadata::drafts::diff(&before, &open.doc.draft);
            match &sent {
                Some(r) => {
                    let how = if takes_files {
                        "a new version of it is published"
                    } else {
                        "it is updated"
                    };
                    ui.label(format!(
                        "Published here before as {}; {how}. Changes since then:",
                        r.remote_id
                    ));
                }
                None => {
                    ui.label("A new record. What will be sent:");
                }
            }
            egui::ScrollArea::vertical()
                .max_height(280.0)
                .show(ui, |ui| {
                    for l in &lines {
                        ui.monospace(l);
                    }
                    if lines.is_empty() {
                        ui.weak("Nothing changed.");
                    }
                });
            if open.doc.draft.fields.contains_key("/access/embargo/active") {
                ui.horizontal(|ui| {
                    let mut years = state.embargo_years();
                    ui.label("An embargo without an end date opens after");
                    if ui
                        .add(
                            egui::DragValue::new(&mut years)
                                .range(0..=50)
                                .suffix(" years"),
                        )
                        .changed()
                    {
                        out.push(MetadataCommand::SetEmbargoYears(years).into());
                    }
                });
            }
            if !open.errors.is_empty() {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "{} problem(s) left; the catalogue may refuse it.",
                        open.errors.len()
                    ),
                );
            }
            if let Some(p) = &local {
                ui.checkbox(
                    &mut s.attach_file,
                    format!(
                        "Upload {} with the record",
                        p.file_name()
                            .map(|n| n.to_string_lossy())
                            .unwrap_or_default()
                    ),
                );
            }
            if ui.button("Publish").clicked() {
                go = true;
            }
        });
    if go {
        out.push(
            MetadataCommand::PublishDraft {
                source: target,
                files: local.filter(|_| s.attach_file).into_iter().collect(),
            }
            .into(),
        );
        s.confirm_publish = None;
    } else if !keep {
        s.confirm_publish = None;
    }
}

/// Check the open file against a NeXus definition, and show what is wrong.
fn nexus_check_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    doc: Option<u64>,
    s: &mut MetadataUi,
    out: &mut Vec<Command>,
) {
    let Some(doc) = doc else {
        return;
    };
    let label = state
        .document(doc)
        .map(|d| d.label.clone())
        .unwrap_or_default();
    ui.horizontal_wrapped(|ui| {
        let l = ui.label(format!("Check {label} against NeXus"));
        ui.add(
            egui::TextEdit::singleline(&mut s.nxdl)
                .hint_text("NXmonopd, NXrefscan, NXentry…")
                .desired_width(160.0),
        )
        .labelled_by(l.id);
        let name = s.nxdl.trim().to_owned();
        if ui
            .add_enabled(name.starts_with("NX"), egui::Button::new("Check"))
            .clicked()
        {
            out.push(
                MetadataCommand::CheckNexus {
                    doc,
                    definition: name,
                }
                .into(),
            );
        }
        if state.metadata.is_checking() {
            ui.spinner();
        }
    });
    if let Some((file, def, result)) = &state.metadata.nexus_check {
        match result {
            Err(e) => {
                ui.colored_label(ui.visuals().error_fg_color, e.to_string());
            }
            Ok(issues) if issues.is_empty() => {
                ui.label(format!("{file} conforms to {def}."));
            }
            Ok(issues) => {
                egui::CollapsingHeader::new(format!(
                    "{file}: {} problem(s) against {def}",
                    issues.len()
                ))
                .default_open(true)
                .show(ui, |ui| {
                    for i in issues {
                        ui.horizontal_wrapped(|ui| {
                            ui.monospace(&i.path);
                            ui.colored_label(ui.visuals().warn_fg_color, &i.problem);
                        });
                    }
                });
            }
        }
    }
}
