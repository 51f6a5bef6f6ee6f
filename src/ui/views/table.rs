//! Virtualised table for any dataset (numbers, strings, compound rows):
//! only visible rows are laid out; copy as TSV.

use crate::command::DocumentsCommand;
use egui_extras::{Column, TableBuilder};

use super::{View, ViewCx};
use crate::data::Attribute;
use crate::data::nexus::DefaultPlot;
use crate::data::{DType, DatasetInfo, Selection, Value};

/// Any dataset with elements as rows and columns: the first frame of a
/// stack, compound fields as named columns, references as links.
pub struct TableView;

impl View for TableView {
    fn title(&self) -> &'static str {
        "Table"
    }

    fn supports(
        &self,
        info: &DatasetInfo,
        _attrs: &[Attribute],
        _plot: Option<&DefaultPlot>,
    ) -> bool {
        !info.shape.is_empty()
    }

    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        let selection = if cx.info.shape.len() >= 3 {
            crate::plot::prepare::frame_selection(cx.info, 0)
        } else {
            Selection::all()
        };
        let key = cx.key(selection);
        let Some(val) = cx.ready(ui, &key) else {
            return;
        };
        // Compound data: one column per field, named; references: links.
        let names: Option<Vec<String>> = match &cx.info.dtype {
            DType::Compound { fields } if val.shape.last() == Some(&fields.len()) => {
                Some(fields.iter().map(|(n, _)| n.clone()).collect())
            }
            _ => None,
        };
        let columns = Columns {
            names: names.as_deref(),
            links: cx.info.dtype == DType::Reference,
        };
        let doc = cx.target.doc;
        if let Some(path) = table_ui(
            ui,
            egui::Id::new(("table", doc, &cx.target.path)),
            &val,
            &columns,
        ) {
            cx.out.push(DocumentsCommand::Select { doc, path }.into());
        }
    }
}

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
    // Columns as wide as their widest text in the first rows (resizable),
    // shown a page at a time so the row numbers stay in view.
    let font = egui::TextStyle::Body.resolve(ui.style());
    let sample_rows = rows.min(50);
    let width_of = |c: usize| -> f32 {
        let header = columns
            .names
            .and_then(|n| n.get(c).cloned())
            .unwrap_or_else(|| c.to_string());
        let widest = (0..sample_rows)
            .map(|r| v.element_text(r * cols + c))
            .chain(std::iter::once(header))
            .map(|t| {
                ui.ctx().fonts_mut(|f| {
                    f.layout_no_wrap(t, font.clone(), egui::Color32::WHITE)
                        .size()
                        .x
                })
            })
            .fold(0.0f32, f32::max);
        (widest + 16.0).clamp(56.0, 420.0)
    };
    let first_key = id.with("first column");
    let mut first: usize = ui
        .data(|d| d.get_temp(first_key))
        .unwrap_or(0)
        .min(cols.saturating_sub(1));
    let index_w = 56.0;
    let avail = ui.available_width() - index_w - 24.0;
    let mut widths = Vec::new();
    let mut used = 0.0;
    for c in first..cols {
        let w = width_of(c);
        if !widths.is_empty() && used + w > avail {
            break;
        }
        used += w;
        widths.push(w);
    }
    let shown = widths.len();
    if shown < cols {
        ui.horizontal(|ui| {
            if ui
                .add_enabled(first > 0, egui::Button::new("◀").small())
                .on_hover_text("Earlier columns")
                .clicked()
            {
                first = first.saturating_sub(shown.max(1));
            }
            ui.weak(format!("columns {}–{} of {cols}", first, first + shown - 1));
            if ui
                .add_enabled(first + shown < cols, egui::Button::new("▶").small())
                .on_hover_text("Later columns")
                .clicked()
            {
                first = (first + shown).min(cols.saturating_sub(1));
            }
        });
        ui.data_mut(|d| d.insert_temp(first_key, first));
    }
    ui.push_id((id, first), |ui| {
        let mut table = TableBuilder::new(ui)
            .striped(true)
            .resizable(true)
            .column(Column::exact(index_w));
        for w in &widths {
            table = table.column(
                Column::initial(*w)
                    .at_least(40.0)
                    .resizable(true)
                    .clip(true),
            );
        }
        table
            .header(20.0, |mut h| {
                h.col(|ui| {
                    ui.strong("#");
                });
                for c in first..first + shown {
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
                    for c in first..first + shown {
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
                                ui.label(text.clone()).on_hover_text(text);
                            }
                        });
                    }
                });
            });
    });
    clicked
}
