//! The lineage graph of a dataset page: what the record was made from on
//! the left, what was made from it on the right, what it belongs to above
//! and its parts below. Each node is a button that opens the record
//! ([`SearchCommand::OpenLinked`]).

use crate::catalogue::lineage::{Side, node_label, on_side};
use crate::catalogue::{Dataset, Link};
use crate::command::{Command, SearchCommand};
use crate::state::{LineageAsk, Requested};

/// Nodes drawn per side; the rest are counted.
const MOST: usize = 6;
const NODE_H: f32 = 24.0;
const GAP: f32 = 8.0;
const LABEL_H: f32 = 16.0;
/// Room between the columns for the arrows.
const SPACE: f32 = 36.0;

/// Draw the section (nothing when no lineage is known and none is asked).
pub fn ui(
    ui: &mut egui::Ui,
    d: &Dataset,
    links: &[Link],
    ask: Option<&LineageAsk>,
    opening: Option<&(String, Requested<()>)>,
    out: &mut Vec<Command>,
) {
    let pending = ask.is_some_and(|a| a.pending);
    let error = ask.and_then(|a| a.error.as_deref());
    if links.is_empty() && !pending && error.is_none() {
        return;
    }
    ui.add_space(6.0);
    ui.strong("Lineage");
    if pending {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.weak("Looking for records made from this one…");
        });
    }
    if let Some(e) = error {
        ui.weak(format!("Some related records may be missing: {e}"));
    }
    match opening {
        Some((pid, Requested::Pending { .. })) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak(format!("Looking up {pid} in the catalogues…"));
            });
        }
        Some((_, Requested::Failed { error, .. })) => {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        _ => {}
    }
    if links.is_empty() {
        return;
    }
    graph(ui, d, links, out);
}

fn graph(ui: &mut egui::Ui, d: &Dataset, links: &[Link], out: &mut Vec<Command>) {
    let inputs = on_side(links, Side::Inputs);
    let outputs = on_side(links, Side::Outputs);
    let above = on_side(links, Side::Above);
    let below = on_side(links, Side::Below);
    let shown = |v: &[&Link]| v.len().min(MOST);
    let band = |n: usize| match n {
        0 => 0.0,
        1..=3 => LABEL_H + NODE_H + GAP,
        _ => 2.0 * LABEL_H + NODE_H + GAP,
    };
    let rows = shown(&inputs).max(shown(&outputs)).max(1);
    let mid_h = LABEL_H
        + rows as f32 * (NODE_H + GAP)
        + if more(&inputs) || more(&outputs) {
            LABEL_H
        } else {
            0.0
        };
    let height = band(above.len()) + mid_h + band(below.len()) + LABEL_H;
    let width = ui.available_width().max(360.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    // Columns for what is there: inputs, this record, outputs.
    let n = 1 + usize::from(!inputs.is_empty()) + usize::from(!outputs.is_empty());
    let col = ((width - (n - 1) as f32 * SPACE) / n as f32).min(260.0);
    let centre_x = rect.left() + if inputs.is_empty() { 0.0 } else { col + SPACE } + col / 2.0;
    let row_col = (width - 2.0 * GAP) / 3.0;
    let stroke = egui::Stroke::new(1.0, ui.visuals().weak_text_color());
    let weak = ui.visuals().weak_text_color();
    let font = egui::FontId::proportional(11.0);
    let painter = ui.painter_at(rect);
    let mut y = rect.top();

    // This record, in the middle of the middle band.
    let mid_top = y + band(above.len());
    let centre_y = mid_top + LABEL_H + (rows as f32 * (NODE_H + GAP) - GAP) / 2.0;
    let centre = egui::Rect::from_center_size(
        egui::pos2(centre_x, centre_y),
        egui::vec2(col, NODE_H + 8.0),
    );

    // Above: what it is part of or supplements, in one row.
    if !above.is_empty() {
        let nodes = row_rects(rect, centre_x, y + LABEL_H, above.len().min(3), row_col);
        caption(ui, egui::pos2(rect.left(), y), width, "Belongs to");
        for (l, r) in above.iter().zip(&nodes) {
            node(ui, l, *r, out);
            painter.line_segment([centre.center_top(), r.center_bottom()], stroke);
        }
        extra(&painter, &above, 3, nodes.last(), &font, weak);
        y += band(above.len());
    }

    // The middle: inputs → this record → outputs.
    for (side, x, title, list) in [
        (Side::Inputs, rect.left(), "Made from", &inputs),
        (
            Side::Outputs,
            rect.left() + (n - 1) as f32 * (col + SPACE),
            "Used to make",
            &outputs,
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        caption(ui, egui::pos2(x, y), col, title);
        let mut last = None;
        for (i, l) in list.iter().take(MOST).enumerate() {
            let top = y + LABEL_H + i as f32 * (NODE_H + GAP);
            let r = egui::Rect::from_min_size(egui::pos2(x, top), egui::vec2(col, NODE_H));
            node(ui, l, r, out);
            let (from, to) = match side {
                Side::Inputs => (r.right_center(), centre.left_center()),
                _ => (centre.right_center(), r.left_center()),
            };
            painter.arrow(from, to - from, stroke);
            last = Some(r);
        }
        extra(&painter, list, MOST, last.as_ref(), &font, weak);
    }
    let label: String = d.title.chars().take(60).collect();
    ui.put(
        centre,
        egui::Button::new(egui::RichText::new(label).strong())
            .truncate()
            .selected(true)
            .min_size(centre.size())
            .sense(egui::Sense::hover()),
    )
    .on_hover_text(d.pid.clone().unwrap_or_else(|| d.title.clone()));
    y = mid_top + mid_h;

    // Below: its parts and supplements.
    if !below.is_empty() {
        caption(
            ui,
            egui::pos2(rect.left(), y),
            width,
            &format!("Parts and supplements ({})", below.len()),
        );
        let nodes = row_rects(rect, centre_x, y + LABEL_H, below.len().min(3), row_col);
        for (l, r) in below.iter().zip(&nodes) {
            node(ui, l, *r, out);
            painter.line_segment([centre.center_bottom(), r.center_top()], stroke);
        }
        extra(&painter, &below, 3, nodes.last(), &font, weak);
    }
}

/// A small label (read by screen readers, unlike painted text).
fn caption(ui: &mut egui::Ui, at: egui::Pos2, width: f32, text: &str) {
    let rect = egui::Rect::from_min_size(at, egui::vec2(width, LABEL_H));
    ui.scope_builder(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
        |ui| ui.add(egui::Label::new(egui::RichText::new(text).small().weak()).truncate()),
    );
}

fn more(list: &[&Link]) -> bool {
    list.len() > MOST
}

/// `n` node places in one row, centred on `x` as far as `rect` allows.
fn row_rects(rect: egui::Rect, x: f32, top: f32, n: usize, col: f32) -> Vec<egui::Rect> {
    let total = n as f32 * col + n.saturating_sub(1) as f32 * GAP;
    let left = (x - total / 2.0).clamp(rect.left(), (rect.right() - total).max(rect.left()));
    (0..n)
        .map(|i| {
            egui::Rect::from_min_size(
                egui::pos2(left + i as f32 * (col + GAP), top),
                egui::vec2(col, NODE_H),
            )
        })
        .collect()
}

/// "+ 19 more" under the last node drawn.
fn extra(
    painter: &egui::Painter,
    list: &[&Link],
    drawn: usize,
    last: Option<&egui::Rect>,
    font: &egui::FontId,
    color: egui::Color32,
) {
    if let (true, Some(r)) = (list.len() > drawn, last) {
        painter.text(
            r.left_bottom() + egui::vec2(0.0, 2.0),
            egui::Align2::LEFT_TOP,
            format!("+ {} more", list.len() - drawn),
            font.clone(),
            color,
        );
    }
}

/// One node: a button that opens the record it names.
fn node(ui: &mut egui::Ui, l: &Link, rect: egui::Rect, out: &mut Vec<Command>) {
    let text = if l.run.is_some() {
        format!("⚙ {}", node_label(l))
    } else {
        node_label(l)
    };
    let web = l.run.is_none() && crate::net::is_web_url(&l.target);
    let hover = if l.run.is_some() {
        format!("Workflow run in {}\nClick to open its results", l.target)
    } else if web {
        format!(
            "{} {}\nClick to open it in the browser",
            l.relation.label(),
            l.target
        )
    } else {
        format!(
            "{} {}\nClick to open the record",
            l.relation.label(),
            l.target
        )
    };
    let r = crate::ui::report::named(
        ui.put(
            rect,
            egui::Button::new(text).truncate().min_size(rect.size()),
        ),
        &format!("lineage:{:?}:{}", l.relation, l.target),
    );
    if r.on_hover_text(hover).clicked() {
        if web {
            ui.ctx().open_url(egui::OpenUrl::new_tab(&l.target));
        } else {
            out.push(SearchCommand::OpenLinked(l.clone()).into());
        }
    }
}
