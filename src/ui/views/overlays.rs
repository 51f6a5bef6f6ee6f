//! Lines from other datasets, of any open file, drawn over the line plot
//! (added from the Files panel's menu or by dragging a dataset onto the
//! plot): each on its own NeXus axis, with its legend entry, colour and
//! offset. What is overlaid lives in the documents slice
//! ([`crate::state::documents::OverlayCommand`]), so a test and the
//! command line reach it as the window does.

use std::sync::Arc;

use super::ViewCx;
use crate::command::{Command, DocumentsCommand};
use crate::data::{EntityKind, Selection};
use crate::plot::MinMaxPyramid;
use crate::state::documents::{Overlay, OverlayCommand};
use crate::state::{Requested, Target, ValueKey};

/// A line drawn over the plot.
pub struct OverlayLine {
    /// Its legend entry: the file and the dataset.
    pub name: String,
    /// Its own X (its NeXus axis, when one value a point), or the index.
    pub x: Option<Arc<Vec<f64>>>,
    pub pyramid: Arc<MinMaxPyramid>,
    /// Added in the plot's units (decades on a log scale).
    pub offset: f64,
}

/// The pyramids of the lines overlaid, kept while their values are.
#[derive(Default)]
pub struct OverlayCache {
    lines: Vec<(ValueKey, Arc<MinMaxPyramid>)>,
}

impl OverlayCache {
    pub fn clear(&mut self) {
        self.lines.clear();
    }
}

/// What one overlay is this frame.
pub enum State {
    Shown(OverlayLine),
    /// Not drawn, and why (still loading, not a line).
    Not(String, String),
}

/// Each overlay (but the line shown itself) ready to draw, or why not.
pub fn gather(cx: &mut ViewCx<'_>, cache: &mut OverlayCache) -> Vec<(usize, State)> {
    let overlays: Vec<Overlay> = cx.state.documents.overlays.clone();
    let mut out = Vec::new();
    let mut used = Vec::new();
    for (i, o) in overlays.iter().enumerate() {
        let name = cx.name_of(&o.target);
        if o.target == *cx.target {
            out.push((i, State::Not(name, "the line shown".into())));
            continue;
        }
        let state = match line_of(cx, cache, &o.target) {
            Ok((x, pyramid, key)) => {
                used.push(key);
                State::Shown(OverlayLine {
                    name,
                    x,
                    pyramid,
                    offset: o.offset,
                })
            }
            Err(why) => State::Not(name, why),
        };
        out.push((i, state));
    }
    cache.lines.retain(|(k, _)| used.contains(k));
    out
}

/// The values of a 1-D dataset as a pyramid, and its NeXus axis.
#[allow(clippy::type_complexity)]
fn line_of(
    cx: &mut ViewCx<'_>,
    cache: &mut OverlayCache,
    t: &Target,
) -> Result<(Option<Arc<Vec<f64>>>, Arc<MinMaxPyramid>, ValueKey), String> {
    let info = match cx.state.entity(t.doc, &t.path) {
        Some(Requested::Ready(e)) => match &e.kind {
            EntityKind::Dataset(info) => info.clone(),
            _ => return Err("not a dataset".into()),
        },
        Some(Requested::Failed { error, .. }) => return Err(error.clone()),
        _ => return Err("loading…".into()),
    };
    if info.shape.len() != 1 || !info.dtype.is_plottable() {
        return Err("only 1-D numbers are drawn as a line".into());
    }
    let key = ValueKey {
        doc: t.doc,
        path: t.path.clone(),
        selection: Selection::all(),
        part: info.dtype.is_complex().then_some(cx.look.complex),
    };
    let pyramid = if let Some((_, p)) = cache.lines.iter().find(|(k, _)| *k == key) {
        p.clone()
    } else {
        match cx.fetch(&key) {
            Requested::Ready(v) => {
                let p = Arc::new(MinMaxPyramid::new(
                    v.to_f64().ok_or("its values are not numbers")?,
                ));
                cache.lines.push((key.clone(), p.clone()));
                p
            }
            Requested::Failed { error, .. } => return Err(error),
            Requested::Pending { .. } => return Err("loading…".into()),
        }
    };
    // Its own axis, from its file's NeXus plot, once read.
    let x = cx
        .state
        .plot_for(t)
        .and_then(|p| p.axis(0))
        .map(|a| a.path.clone())
        .and_then(|path| {
            let k = ValueKey {
                doc: t.doc,
                path,
                selection: Selection::all(),
                part: None,
            };
            cx.fetch(&k).ready().and_then(|v| v.to_f64())
        })
        .filter(|x| x.len() == pyramid.len())
        .map(Arc::new);
    Ok((x, pyramid, key))
}

/// The row of overlaid lines under the toolbar: each with its colour
/// (`colour(k)` for the `k`-th drawn), offset and **Remove**; **Clear**.
pub fn list_ui(
    ui: &mut egui::Ui,
    lines: &[(usize, State)],
    colour: impl Fn(usize) -> egui::Color32,
    out: &mut Vec<Command>,
) {
    if lines.is_empty() {
        return;
    }
    let send =
        |out: &mut Vec<Command>, c: OverlayCommand| out.push(DocumentsCommand::Overlay(c).into());
    let mut drawn = 0;
    for (i, state) in lines {
        ui.horizontal(|ui| {
            match state {
                State::Shown(line) => {
                    ui.colored_label(colour(drawn), format!("— {}", line.name));
                    drawn += 1;
                    let mut offset = line.offset;
                    ui.label("offset");
                    let r = ui
                        .add(egui::DragValue::new(&mut offset).speed(0.05))
                        .on_hover_text("Shift this line up or down (in decades on a log scale)");
                    crate::ui::report::widget(ui.ctx(), &format!("offset:{}", line.name), r.rect);
                    if r.changed() {
                        send(out, OverlayCommand::Offset { index: *i, offset });
                    }
                }
                State::Not(name, why) => {
                    ui.label(name);
                    ui.weak(why);
                }
            }
            if ui
                .small_button("Remove")
                .on_hover_text("Stop drawing this line")
                .clicked()
            {
                send(out, OverlayCommand::Remove(*i));
            }
        });
    }
    if ui
        .small_button("Clear lines")
        .on_hover_text("Draw only the dataset shown")
        .clicked()
    {
        send(out, OverlayCommand::Clear);
    }
}
