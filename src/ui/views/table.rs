//! Virtualised table for any dataset (numbers, strings, compound rows):
//! only visible rows are laid out; copy as TSV.

use egui_extras::{Column, TableBuilder};

use crate::data::Value;

/// Most cells copied at once.
const COPY_LIMIT: usize = 1_000_000;

/// How the columns read: headers (compound field names) and whether the
/// cells are paths of referenced objects, shown as links.
#[derive(Default)]
pub struct Columns<'a> {
    pub names: Option<&'a [String]>,
    pub links: bool,
}

/// The table; returns the path of a referenced object whose link was clicked.
pub fn table_ui(
    ui: &mut egui::Ui,
    id: egui::Id,
    v: &Value,
    columns: &Columns<'_>,
) -> Option<String> {
    let mut clicked = None;
    let (rows, cols) = match v.shape.as_slice() {
        [] => (1, 1),
        [n] => (*n, 1),
        [r, rest @ ..] => (*r, rest.iter().product()),
    };
    ui.horizontal(|ui| {
        ui.weak(format!("{rows} rows × {cols} columns"));
        if ui.small_button("Copy as TSV").clicked() {
            let mut s = String::new();
            for r in 0..rows {
                if r * cols > COPY_LIMIT {
                    break;
                }
                let line: Vec<String> = (0..cols).map(|c| v.element_text(r * cols + c)).collect();
                s.push_str(&line.join("\t"));
                s.push('\n');
            }
            ui.ctx().copy_text(s);
        }
    });
    let shown_cols = cols.min(64);
    ui.push_id(id, |ui| {
        egui::ScrollArea::horizontal().show(ui, |ui| {
            TableBuilder::new(ui)
                .striped(true)
                .column(Column::auto().at_least(48.0))
                .columns(Column::auto().at_least(72.0).clip(true), shown_cols)
                .header(20.0, |mut h| {
                    h.col(|ui| {
                        ui.strong("#");
                    });
                    for c in 0..shown_cols {
                        h.col(|ui| {
                            match columns.names.and_then(|n| n.get(c)) {
                                Some(name) => ui.strong(name),
                                None => ui.strong(c.to_string()),
                            };
                        });
                    }
                })
                .body(|body| {
                    body.rows(18.0, rows, |mut row| {
                        let r = row.index();
                        row.col(|ui| {
                            ui.weak(r.to_string());
                        });
                        for c in 0..shown_cols {
                            row.col(|ui| {
                                let text = v.element_text(r * cols + c);
                                if columns.links && text.starts_with('/') {
                                    if ui
                                        .link(format!("→ {text}"))
                                        .on_hover_text("Show the referenced object")
                                        .clicked()
                                    {
                                        clicked = Some(text);
                                    }
                                } else {
                                    ui.label(text);
                                }
                            });
                        }
                    });
                });
        });
    });
    clicked
}
