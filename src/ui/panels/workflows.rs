//! Workflows: a node editor (egui-snarl) over the open workflow. A palette of
//! node kinds by category (search, click or drag onto the canvas), typed and
//! coloured ports, connections refused with the reason, parameters edited in
//! the node, a preview of each node's last result, undo/redo, copy/paste,
//! delete, fit to view, and Run.
//!
//! Over 800 lines: the editor (the `SnarlViewer`), the palette and the
//! cluster window in one file; the palette and the cluster window are the
//! next to move out.
//!
//! The workflow itself lives in `state.workflow.open` (`workflow::edit::Editor`);
//! the canvas is rebuilt from it whenever it changes, and every gesture becomes
//! a `WorkflowCommand::EditWorkflow`.

use crate::command::WorkflowCommand;
use std::collections::{BTreeMap, BTreeSet};

use egui::emath::TSTransform;
use egui_snarl::ui::{PinInfo, SnarlStyle, SnarlViewer, SnarlWidget, get_selected_nodes};
use egui_snarl::{InPin, InPinId, OutPin, OutPinId, Snarl};
use serde_json::Value as J;

use crate::command::Command;
use crate::state::AppState;
use crate::ui::theme::port_color;
use crate::workflow::edit::Edit;
use crate::workflow::engine::Outcome;
use crate::workflow::library;
use crate::workflow::value::Value;
use crate::workflow::{Graph, NodeId, PortType};

/// What the tab remembers between frames.
#[derive(Default)]
pub struct WorkflowsUi {
    snarl: Snarl<NodeId>,
    /// The editor revision the canvas was built from.
    built: Option<u64>,
    /// Palette search text.
    filter: String,
    /// Fit the view to the nodes on the next frame.
    fit: bool,
    /// The canvas transform of the last frame (graph to screen).
    transform: TSTransform,
    /// Where the canvas was on screen last frame: when the window or a
    /// panel moves it, the nodes move with it.
    bounds: Option<egui::Rect>,
    /// The view is the automatic fit (a workflow just opened, or Fit view)
    /// and the user has not panned or zoomed since: a canvas of another
    /// size fits again.
    fitted: bool,
    /// The "Run on cluster" window: settings and the token typed in.
    cluster: Option<(crate::state::workflow::ClusterSettings, String)>,
    /// The "Run over files" window.
    map: super::workflow_map::MapWindow,
    /// Thumbnails of 2-D results, by node and the result they show.
    thumbs: std::collections::HashMap<NodeId, (std::sync::Weak<Value>, egui::TextureHandle)>,
    /// Array previews (summary, line) by node and the result they show.
    previews: Previews,
}

/// A small image of a 2-D result (at most 96 pixels a side, viridis,
/// percentile range), made once per result.
fn thumbnail(
    ui: &mut egui::Ui,
    thumbs: &mut std::collections::HashMap<NodeId, (std::sync::Weak<Value>, egui::TextureHandle)>,
    id: NodeId,
    value: &std::sync::Arc<Value>,
) {
    let Value::Array(a) = value.as_ref() else {
        return;
    };
    if a.ndim() != 2 || a.is_empty() {
        return;
    }
    let key = std::sync::Arc::downgrade(value);
    if thumbs.get(&id).is_none_or(|(k, _)| !k.ptr_eq(&key)) {
        let (h, w) = (a.shape()[0], a.shape()[1]);
        let step = (h.max(w) / 96).max(1);
        let (th, tw) = (h.div_ceil(step), w.div_ceil(step));
        let mut vals = Vec::with_capacity(th * tw);
        for r in (0..h).step_by(step) {
            for c in (0..w).step_by(step) {
                vals.push(a[[r, c]]);
            }
        }
        let range = crate::plot::colormap::percentile_range(&vals, 0.5, 99.5).unwrap_or((0.0, 1.0));
        let rgba = crate::plot::colormap::colorize(
            &vals,
            crate::plot::Colormap::Viridis,
            crate::plot::Scale::Linear,
            range,
        );
        let pixels: Vec<egui::Color32> = rgba
            .iter()
            .map(|p| egui::Color32::from_rgba_unmultiplied(p[0], p[1], p[2], p[3]))
            .collect();
        let image = egui::ColorImage::new([tw, th], pixels);
        let tex = ui.ctx().load_texture(
            format!("workflow-thumb-{}", id.0),
            image,
            egui::TextureOptions::NEAREST,
        );
        thumbs.insert(id, (key, tex));
    }
    if let Some((_, tex)) = thumbs.get(&id) {
        let size = tex.size_vec2();
        let scale = 96.0 / size.x.max(size.y).max(1.0);
        ui.image((tex.id(), size * scale));
    }
}

/// A pin's label, and the pin in the port's colour; the label is reported
/// as `in:NODE:INDEX` or `out:NODE:INDEX` for tests that drag wires.
fn pin_ui(
    ui: &mut egui::Ui,
    text: String,
    t: PortType,
    (side, node, index): (&str, Option<NodeId>, usize),
) -> PinInfo {
    let label = ui.label(text);
    let node = node.map_or(u64::MAX, |id| id.0);
    crate::ui::report::named(label, &format!("{side}:{node}:{index}"));
    PinInfo::circle().with_fill(port_color(t))
}

fn port_name(t: PortType) -> &'static str {
    match t {
        PortType::Array => "array",
        PortType::Scalar => "number",
        PortType::Table => "table",
        PortType::DatasetRef => "dataset",
        PortType::File => "file",
    }
}

fn pos2(p: Option<[f32; 2]>) -> egui::Pos2 {
    let [x, y] = p.unwrap_or([0.0, 0.0]);
    egui::pos2(x, y)
}

/// Rebuild the canvas from the graph (node order is stable, so canvas ids
/// and selection survive a rebuild when no node was added or removed).
fn rebuild(snarl: &mut Snarl<NodeId>, g: &Graph) {
    *snarl = Snarl::new();
    let mut ids = BTreeMap::new();
    for (i, (id, node)) in g.nodes().enumerate() {
        let fallback = Some([40.0 + 220.0 * (i % 4) as f32, 40.0 + 160.0 * (i / 4) as f32]);
        ids.insert(id, snarl.insert_node(pos2(node.pos.or(fallback)), id));
    }
    for e in g.edges() {
        if let (Some(a), Some(b)) = (ids.get(&e.from.0), ids.get(&e.to.0)) {
            snarl.connect(
                OutPinId {
                    node: *a,
                    output: e.from.1,
                },
                InPinId {
                    node: *b,
                    input: e.to.1,
                },
            );
        }
    }
}

/// What a node shows of an array result, worked out once per result (not
/// every frame): its summary and, for a 1-D result, the line's columns.
pub struct ArrayPreview {
    summary: String,
    cols: Vec<(f64, f64)>,
    lo: f64,
    hi: f64,
}

/// Array previews by node and the result they show.
/// A result is known by a weak reference to it: while the cache holds it,
/// its memory is not reused, so a new result never passes for an old one.
type Previews = std::collections::HashMap<NodeId, (std::sync::Weak<Value>, ArrayPreview)>;

fn array_preview(v: &Value) -> ArrayPreview {
    let (cols, lo, hi) = match v {
        Value::Array(a) if a.ndim() == 1 && a.len() > 1 => {
            let ys: Vec<f64> = a.iter().copied().collect();
            let (lo, hi) = ys
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), y| {
                    (l.min(*y), h.max(*y))
                });
            (crate::plot::decimate_minmax(&ys, 120), lo, hi)
        }
        _ => (Vec::new(), 0.0, 1.0),
    };
    ArrayPreview {
        summary: v.summary(),
        cols,
        lo,
        hi,
    }
}

/// A tiny line of a 1-D result, or the value of a number.
fn preview(ui: &mut egui::Ui, previews: &mut Previews, id: NodeId, value: &std::sync::Arc<Value>) {
    let v = value.as_ref();
    match v {
        Value::Scalar(s) => {
            ui.label(format!("= {}", crate::units::short(*s)))
                .on_hover_text(s.to_string());
        }
        Value::Table(t) => {
            egui::Grid::new(ui.next_auto_id())
                .striped(true)
                .show(ui, |ui| {
                    for c in &t.columns {
                        ui.weak(c);
                    }
                    ui.end_row();
                    for row in t.rows.iter().take(6) {
                        for x in row {
                            ui.label(format!("{x:.4}"));
                        }
                        ui.end_row();
                    }
                });
        }
        Value::Stack(s) => {
            ui.label(s.summary());
        }
        Value::Array(_) => {
            let key = std::sync::Arc::downgrade(value);
            if previews.get(&id).is_none_or(|(k, _)| !k.ptr_eq(&key)) {
                previews.insert(id, (key, array_preview(v)));
            }
            let Some((_, p)) = previews.get(&id) else {
                return;
            };
            ui.label(format!("= {}", p.summary));
            if !p.cols.is_empty() {
                let (lo, hi) = (p.lo, p.hi);
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(160.0, 36.0), egui::Sense::hover());
                let painter = ui.painter_at(rect);
                painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
                let span = if hi > lo { hi - lo } else { 1.0 };
                #[allow(clippy::cast_possible_truncation)]
                let pts: Vec<egui::Pos2> = p
                    .cols
                    .iter()
                    .enumerate()
                    .flat_map(|(i, (mn, mx))| {
                        let x = rect.left() + rect.width() * i as f32 / p.cols.len().max(2) as f32;
                        let y = |v: f64| rect.bottom() - rect.height() * ((v - lo) / span) as f32;
                        [egui::pos2(x, y(*mn)), egui::pos2(x, y(*mx))]
                    })
                    .collect();
                painter.add(egui::Shape::line(
                    pts,
                    egui::Stroke::new(1.2, port_color(PortType::Array)),
                ));
            }
        }
    }
}

struct Viewer<'a> {
    graph: &'a Graph,
    thumbs:
        &'a mut std::collections::HashMap<NodeId, (std::sync::Weak<Value>, egui::TextureHandle)>,
    previews: &'a mut Previews,
    last: Option<&'a Outcome>,
    edits: Vec<Edit>,
    copy: Option<BTreeSet<NodeId>>,
    fit: Option<egui::Rect>,
    transform: TSTransform,
    /// How far the canvas's top-left corner moved on screen since the last
    /// frame (the nodes move with it).
    moved: egui::Vec2,
    /// Set when the user panned or zoomed this frame.
    user_moved: bool,
}

impl Viewer<'_> {
    fn node(&self, id: NodeId) -> Option<&crate::workflow::Node> {
        self.graph.node(id)
    }

    fn add_menu(&mut self, ui: &mut egui::Ui, pos: [f32; 2]) {
        ui.label("Add a node");
        for category in library::categories() {
            ui.menu_button(category, |ui| {
                for spec in library::all().filter(|s| s.category == category) {
                    if ui.button(spec.title).clicked() {
                        self.edits.push(Edit::Add {
                            kind: spec.kind.into(),
                            pos,
                        });
                        ui.close();
                    }
                }
            });
        }
    }
}

impl SnarlViewer<NodeId> for Viewer<'_> {
    fn title(&mut self, node: &NodeId) -> String {
        self.node(*node)
            .and_then(|n| library::spec(&n.kind))
            .map_or_else(|| "(unknown node)".into(), |s| s.title.to_owned())
    }

    fn show_header(
        &mut self,
        node: egui_snarl::NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        ui: &mut egui::Ui,
        snarl: &mut Snarl<NodeId>,
    ) {
        let Some(id) = snarl.get_node(node).copied() else {
            return;
        };
        let title = self.title(&id);
        // Not selectable text: a drag on the title moves the node.
        ui.add(
            egui::Label::new(egui::RichText::new(format!("{} · {title}", id.0)).strong())
                .selectable(false)
                .sense(egui::Sense::hover()),
        );
    }

    fn inputs(&mut self, node: &NodeId) -> usize {
        self.node(*node).map_or(0, |n| n.inputs.len())
    }

    fn outputs(&mut self, node: &NodeId) -> usize {
        self.node(*node).map_or(0, |n| n.outputs.len())
    }

    #[allow(refining_impl_trait)]
    fn show_input(&mut self, pin: &InPin, ui: &mut egui::Ui, snarl: &mut Snarl<NodeId>) -> PinInfo {
        let node = snarl.get_node(pin.id.node).copied();
        let t = node
            .and_then(|id| self.node(id))
            .and_then(|n| n.inputs.get(pin.id.input).copied())
            .unwrap_or(PortType::Array);
        let name = ["a", "b", "c", "d"]
            .get(pin.id.input)
            .copied()
            .unwrap_or("in");
        pin_ui(
            ui,
            format!("{name}: {}", port_name(t)),
            t,
            ("in", node, pin.id.input),
        )
    }

    #[allow(refining_impl_trait)]
    fn show_output(
        &mut self,
        pin: &OutPin,
        ui: &mut egui::Ui,
        snarl: &mut Snarl<NodeId>,
    ) -> PinInfo {
        let node = snarl.get_node(pin.id.node).copied();
        let t = node
            .and_then(|id| self.node(id))
            .and_then(|n| n.outputs.get(pin.id.output).copied())
            .unwrap_or(PortType::Array);
        pin_ui(
            ui,
            format!("out: {}", port_name(t)),
            t,
            ("out", node, pin.id.output),
        )
    }

    fn has_body(&mut self, node: &NodeId) -> bool {
        self.node(*node)
            .is_some_and(|n| !n.params.is_empty() || self.last.is_some())
    }

    fn show_body(
        &mut self,
        node: egui_snarl::NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        ui: &mut egui::Ui,
        snarl: &mut Snarl<NodeId>,
    ) {
        let Some(id) = snarl.get_node(node).copied() else {
            return;
        };
        let Some(n) = self.node(id).cloned() else {
            return;
        };
        ui.vertical(|ui| {
            for (name, value) in &n.params {
                ui.horizontal(|ui| {
                    ui.label(name);
                    let set = |v: J| Edit::SetParam {
                        id,
                        name: name.clone(),
                        value: v,
                    };
                    match value {
                        J::Number(num) => {
                            let mut v = num.as_f64().unwrap_or(0.0);
                            let is_int = num.is_u64() || num.is_i64();
                            let drag = if is_int {
                                egui::DragValue::new(&mut v).speed(1.0).fixed_decimals(0)
                            } else {
                                egui::DragValue::new(&mut v).speed(0.1)
                            };
                            if ui.add(drag).changed() {
                                #[allow(clippy::cast_possible_truncation)]
                                let new = if is_int {
                                    J::from(v.round() as i64)
                                } else {
                                    serde_json::Number::from_f64(v).map_or(J::Null, J::Number)
                                };
                                self.edits.push(set(new));
                            }
                        }
                        J::Null => {
                            if ui
                                .small_button("all")
                                .on_hover_text("Over every axis; click to pick axis 0")
                                .clicked()
                            {
                                self.edits.push(set(J::from(0)));
                            }
                        }
                        J::String(text) => {
                            let mut t = text.clone();
                            if ui
                                .add(egui::TextEdit::singleline(&mut t).desired_width(120.0))
                                .changed()
                            {
                                self.edits.push(set(J::String(t)));
                            }
                        }
                        other => {
                            ui.monospace(other.to_string());
                        }
                    }
                });
            }
            if let Some(last) = self.last {
                if let Some(v) = last.values.get(&id) {
                    preview(ui, self.previews, id, v);
                    thumbnail(ui, self.thumbs, id, v);
                } else if let Some(e) = last.errors.get(&id) {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
            }
        });
    }

    fn connect(&mut self, from: &OutPin, to: &InPin, snarl: &mut Snarl<NodeId>) {
        if let (Some(a), Some(b)) = (snarl.get_node(from.id.node), snarl.get_node(to.id.node)) {
            self.edits.push(Edit::Connect {
                from: (*a, from.id.output),
                to: (*b, to.id.input),
            });
        }
    }

    fn disconnect(&mut self, _from: &OutPin, to: &InPin, snarl: &mut Snarl<NodeId>) {
        if let Some(b) = snarl.get_node(to.id.node) {
            self.edits.push(Edit::Disconnect {
                to: (*b, to.id.input),
            });
        }
    }

    fn drop_inputs(&mut self, pin: &InPin, snarl: &mut Snarl<NodeId>) {
        if let Some(b) = snarl.get_node(pin.id.node) {
            self.edits.push(Edit::Disconnect {
                to: (*b, pin.id.input),
            });
        }
    }

    fn drop_outputs(&mut self, pin: &OutPin, snarl: &mut Snarl<NodeId>) {
        for remote in &pin.remotes {
            if let Some(b) = snarl.get_node(remote.node) {
                self.edits.push(Edit::Disconnect {
                    to: (*b, remote.input),
                });
            }
        }
    }

    fn has_graph_menu(&mut self, _pos: egui::Pos2, _snarl: &mut Snarl<NodeId>) -> bool {
        true
    }

    fn show_graph_menu(&mut self, pos: egui::Pos2, ui: &mut egui::Ui, _snarl: &mut Snarl<NodeId>) {
        self.add_menu(ui, [pos.x, pos.y]);
    }

    fn has_node_menu(&mut self, _node: &NodeId) -> bool {
        true
    }

    fn show_node_menu(
        &mut self,
        node: egui_snarl::NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        ui: &mut egui::Ui,
        snarl: &mut Snarl<NodeId>,
    ) {
        let Some(id) = snarl.get_node(node).copied() else {
            return;
        };
        if ui.button("Copy").clicked() {
            self.copy = Some(BTreeSet::from([id]));
            ui.close();
        }
        if ui.button("Remove").clicked() {
            self.edits.push(Edit::Remove(vec![id]));
            ui.close();
        }
    }

    fn current_transform(&mut self, to_global: &mut TSTransform, _snarl: &mut Snarl<NodeId>) {
        if self.graph.nodes().next().is_none() {
            self.fit = None;
        }
        self.user_moved = *to_global != self.transform;
        to_global.translation += std::mem::take(&mut self.moved);
        if let Some(bounds) = self.fit.take() {
            // Scale (at most 1:1) and shift so every node is in view, with
            // room for the widest nodes (fits, thumbnails); never so small
            // that node text is unreadable (below 0.7 the canvas scrolls).
            let g = self.graph;
            let mut r = egui::Rect::NOTHING;
            for (_, n) in g.nodes() {
                let p = pos2(n.pos);
                r = r.union(egui::Rect::from_min_size(p, egui::vec2(320.0, 260.0)));
            }
            if r.is_positive() {
                let scale = (bounds.width() / r.width())
                    .min(bounds.height() / r.height())
                    .clamp(0.7, 1.0);
                // Centred where it fits; from its start (left, top) where it
                // does not, so the pipeline reads from its inputs on.
                let shift = |lo: f32, size: f32, b_lo: f32, b_size: f32, b_mid: f32, mid: f32| {
                    if size * scale > b_size {
                        b_lo - lo * scale
                    } else {
                        b_mid - mid * scale
                    }
                };
                let t = egui::vec2(
                    shift(
                        r.left(),
                        r.width(),
                        bounds.left(),
                        bounds.width(),
                        bounds.center().x,
                        r.center().x,
                    ),
                    shift(
                        r.top(),
                        r.height(),
                        bounds.top(),
                        bounds.height(),
                        bounds.center().y,
                        r.center().y,
                    ),
                );
                *to_global = TSTransform::new(t, scale);
            }
        }
        self.transform = *to_global;
    }
}

fn palette(ui: &mut egui::Ui, s: &mut WorkflowsUi, out: &mut Vec<Command>, center: [f32; 2]) {
    ui.add(
        egui::TextEdit::singleline(&mut s.filter)
            .hint_text("Find a node…")
            .desired_width(f32::INFINITY),
    );
    ui.weak("Click to add, or drag onto the canvas");
    let q = s.filter.trim().to_lowercase();
    // Entries and where they were drawn: a drag picks up the entry under
    // the press, not the one the pointer is over by the time the drag is
    // recognised (a quick flick moves past the next entries in one frame).
    let mut drawn: Vec<(egui::Rect, &'static library::NodeSpec)> = Vec::new();
    let mut drag_started = false;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for category in library::categories() {
            let hits: Vec<&'static library::NodeSpec> = library::all()
                .filter(|spec| spec.category == category)
                .filter(|spec| {
                    q.is_empty()
                        || spec.title.to_lowercase().contains(&q)
                        || spec.kind.contains(&q)
                        || spec.category.to_lowercase().contains(&q)
                })
                .collect();
            if hits.is_empty() {
                continue;
            }
            ui.add_space(4.0);
            ui.strong(category);
            for spec in hits {
                let resp =
                    ui.add(egui::Button::new(spec.title).sense(egui::Sense::click_and_drag()));
                drawn.push((resp.rect, spec));
                crate::ui::report::widget(ui.ctx(), &format!("palette:{}", spec.title), resp.rect);
                drag_started |= resp.drag_started();
                let ports: Vec<&str> = spec.inputs.iter().map(|t| port_name(*t)).collect();
                let outs: Vec<&str> = spec.outputs.iter().map(|t| port_name(*t)).collect();
                let resp = resp.on_hover_text(format!(
                    "in: {} · out: {}",
                    if ports.is_empty() {
                        "—".into()
                    } else {
                        ports.join(", ")
                    },
                    outs.join(", ")
                ));
                if resp.clicked() {
                    out.push(
                        WorkflowCommand::EditWorkflow(Edit::Add {
                            kind: spec.kind.into(),
                            pos: center,
                        })
                        .into(),
                    );
                }
            }
        }
    });
    let ctx = ui.ctx().clone();
    if drag_started {
        let origin = ctx.input(|i| i.pointer.press_origin());
        let picked = drawn
            .iter()
            .find(|(r, _)| origin.is_some_and(|o| r.contains(o)));
        if let Some((_, spec)) = picked {
            egui::DragAndDrop::set_payload(&ctx, spec.kind.to_owned());
        }
    }
    // The entry being carried follows the pointer.
    if let Some(kind) = egui::DragAndDrop::payload::<String>(&ctx)
        && let Some(spec) = library::spec(&kind)
        && let Some(at) = ctx.pointer_interact_pos()
        && ctx.input(|i| i.pointer.primary_down())
    {
        ctx.set_cursor_icon(egui::CursorIcon::Grabbing);
        egui::Area::new(egui::Id::new("palette_carried"))
            .order(egui::Order::Tooltip)
            .fixed_pos(at + egui::vec2(8.0, 8.0))
            .interactable(false)
            .show(&ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| ui.label(spec.title));
            });
    }
}

/// The key of the "Save as…" dialog's answer.
const SAVE_AS_DIALOG: &str = "workflow_save_as";

/// "Save the changes first?", before New or Open replaces a workflow with
/// unsaved changes.
fn confirm_discard(ui: &egui::Ui, state: &AppState, out: &mut Vec<Command>) {
    use crate::command::DiscardAnswer as A;
    let wf = &state.workflow;
    if wf.confirm.is_none() {
        return;
    }
    let name = wf.open.as_ref().map_or("", |e| e.name.as_str());
    let modal = egui::Modal::new(egui::Id::new("workflow_discard")).show(ui.ctx(), |ui| {
        ui.set_max_width(420.0);
        ui.heading("Save the changes first?");
        ui.label(format!("“{name}” has changes that are not in a file."));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if let Some(path) = &wf.path {
                if ui
                    .button("Save")
                    .on_hover_text(format!("Write {}", path.display()))
                    .clicked()
                {
                    out.push(WorkflowCommand::AnswerDiscard(A::Save).into());
                }
            }
            if ui.button("Discard changes").clicked() {
                out.push(WorkflowCommand::AnswerDiscard(A::Discard).into());
            }
            if ui.button("Cancel").clicked() {
                out.push(WorkflowCommand::AnswerDiscard(A::Cancel).into());
            }
        });
    });
    if modal.should_close() {
        out.push(WorkflowCommand::AnswerDiscard(A::Cancel).into());
    }
}

pub fn ui(ui: &mut egui::Ui, state: &AppState, s: &mut WorkflowsUi, out: &mut Vec<Command>) {
    let wf = &state.workflow;
    confirm_discard(ui, state, out);
    ui.horizontal_wrapped(|ui| {
        let examples = ui.menu_button("Open example…", |ui| {
            if wf.examples.is_empty() {
                ui.weak("No examples installed");
            }
            for p in &wf.examples {
                let name = p
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let entry = ui.button(&name);
                crate::ui::report::widget(ui.ctx(), &format!("menu:{name}"), entry.rect);
                if entry.clicked() {
                    out.push(WorkflowCommand::OpenWorkflow(p.clone()).into());
                    s.built = None;
                    ui.close();
                }
            }
        });
        crate::ui::report::widget(ui.ctx(), "button:Open example…", examples.response.rect);
        if crate::ui::report::named(ui.button("New"), "button:New workflow")
            .on_hover_text("Start an empty workflow")
            .clicked()
        {
            out.push(WorkflowCommand::NewWorkflow.into());
        }
        if let Some(ed) = &wf.open {
            if let Some(path) = &wf.path
                && ui
                    .button("Save")
                    .on_hover_text(format!("Write {}", path.display()))
                    .clicked()
            {
                out.push(WorkflowCommand::SaveWorkflow(path.clone()).into());
            }
            if ui
                .button("Save as…")
                .on_hover_text("Write the workflow to a new file")
                .clicked()
            {
                let stem = crate::workflow::batch::folder_name(&ed.name, "workflow");
                let mut req = crate::ui::file_dialog::Request::new(
                    "Save the workflow",
                    crate::ui::file_dialog::Mode::Save(format!("{stem}.json")),
                )
                .filter("Workflow", &["json"]);
                if let Some(dir) = wf.path.as_deref().and_then(std::path::Path::parent) {
                    req = req.start_in(dir.to_path_buf());
                }
                crate::ui::file_dialog::request(ui.ctx(), SAVE_AS_DIALOG, req);
            }
            if let Some(crate::ui::file_dialog::Answer::Picked(path)) =
                crate::ui::file_dialog::take_answer(ui.ctx(), SAVE_AS_DIALOG)
            {
                out.push(WorkflowCommand::SaveWorkflow(path).into());
            }
            ui.separator();
            ui.strong(&ed.name);
            if wf.is_dirty() {
                ui.weak("· unsaved").on_hover_text(
                    "Kept automatically, also after a crash; Save writes the workflow file",
                );
            }
            if ui
                .add_enabled(ed.can_undo(), egui::Button::new("Undo"))
                .on_hover_text("Ctrl+Z")
                .clicked()
            {
                out.push(WorkflowCommand::EditWorkflow(Edit::Undo).into());
            }
            if ui
                .add_enabled(ed.can_redo(), egui::Button::new("Redo"))
                .on_hover_text("Ctrl+Shift+Z")
                .clicked()
            {
                out.push(WorkflowCommand::EditWorkflow(Edit::Redo).into());
            }
            if ui.button("Fit view").clicked() {
                s.fit = true;
            }
            ui.separator();
            if wf.is_running() {
                ui.spinner();
            } else {
                let run = ui.button("Run").on_hover_text(
                    "Only nodes whose inputs or parameters changed are computed again",
                );
                crate::ui::report::widget(ui.ctx(), "button:Run", run.rect);
                if run.clicked() {
                    out.push(WorkflowCommand::RunWorkflow.into());
                }
            }
            if !wf.remote_running()
                && crate::ui::report::named(ui.button("Run on cluster…"), "button:Run on cluster…")
                    .on_hover_text("Submit this workflow to a Slurm cluster")
                    .clicked()
            {
                s.cluster = Some((wf.cluster.clone(), String::new()));
            }
            if crate::ui::report::named(ui.button("Run over files…"), "button:Run over files…")
                .on_hover_text("Run this workflow once for each of many files or datasets")
                .clicked()
            {
                s.map.open = true;
            }
            if let Some(last) = &wf.last {
                let total = wf.open.as_ref().map_or(0, |e| e.graph.nodes().count());
                if last.errors.is_empty() {
                    // One piece, so the toolbar wraps it whole.
                    let done = ui.add(
                        egui::Label::new(
                            egui::RichText::new(format!(
                                "last run computed {} node(s)",
                                last.computed
                            ))
                            .weak(),
                        )
                        .wrap_mode(egui::TextWrapMode::Extend),
                    );
                    crate::ui::report::widget(
                        ui.ctx(),
                        &format!("label:computed {}", last.computed),
                        done.rect,
                    );
                } else {
                    // Which failed, and why, in words beside the canvas.
                    let n = last.errors.len();
                    let why: Vec<String> = last
                        .errors
                        .iter()
                        .map(|(id, e)| format!("node {}: {e}", id.0))
                        .collect();
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!("{n} of {total} nodes failed"),
                    )
                    .on_hover_text(why.join("\n"));
                }
            }
            if let Some(dir) = &wf.last_dir {
                ui.weak(format!("outputs and RO-Crate in {}", dir.display()))
                    .on_hover_text(dir.display().to_string());
                if ui
                    .small_button("Open folder")
                    .on_hover_text("Show the run's folder in the file manager")
                    .clicked()
                {
                    if let Err(e) = crate::paths::show_in_file_manager(dir) {
                        tracing::warn!("could not open {}: {e}", dir.display());
                    }
                }
            }
        }
    });
    if let Some(run) = &wf.cluster_run {
        ui.horizontal(|ui| {
            let text = match run.job {
                Some(j) => format!("Cluster job {j}: {}", run.status),
                None => format!("Cluster run: {}", run.status),
            };
            let shown = if run.failed {
                ui.colored_label(ui.visuals().error_fg_color, &text)
            } else {
                ui.label(&text)
            };
            crate::ui::report::named(shown, &format!("label:{}", run.status));
            if wf.remote_running() {
                ui.spinner();
                if ui
                    .button("Cancel job")
                    .on_hover_text("Cancel the job on the cluster")
                    .clicked()
                {
                    out.push(WorkflowCommand::CancelClusterRun.into());
                }
            }
        });
    }
    let accounts: Vec<String> = state.accounts.list.iter().map(|a| a.id.clone()).collect();
    cluster_window(ui.ctx(), s, &accounts, out);
    super::workflow_map::show(ui.ctx(), &mut s.map, wf, out);
    let Some(ed) = &wf.open else {
        // The first useful thing: a ready example to run (or an empty graph
        // where no example is installed).
        let first = wf.examples.first().map(|p| {
            let name = p
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (format!("Open the example {name}"), p.clone())
        });
        let action: (&str, Command) = match &first {
            Some((label, path)) => (label, WorkflowCommand::OpenWorkflow(path.clone()).into()),
            None => ("New workflow", WorkflowCommand::NewWorkflow.into()),
        };
        super::empty_state(
            ui,
            "No workflow open",
            "Open an example or start a new workflow: wire nodes from the palette, and run. \
             Independent nodes run in parallel, and only what changed is computed again.",
            Some(action),
            out,
        );
        return;
    };
    // One line that is always there (a refusal, or how to wire), so the
    // canvas does not jump when a refusal comes and goes.
    match &wf.refusal {
        Some(why) => {
            let text =
                egui::RichText::new(format!("Not done: {why}")).color(ui.visuals().error_fg_color);
            ui.add(egui::Label::new(text).truncate());
        }
        None => {
            let text = egui::RichText::new(
                "Drag from an output to an input to connect; Ctrl+drag an input to pick its wire up; \
                 scroll to zoom, drag the background to pan.",
            )
            .weak();
            ui.add(egui::Label::new(text).truncate());
        }
    }
    ui.separator();
    if s.built != Some(ed.revision) {
        rebuild(&mut s.snarl, &ed.graph);
        // A workflow just opened: show all of it.
        if ed.revision == 0 {
            s.fit = true;
        }
        s.built = Some(ed.revision);
    }
    let canvas_center = {
        let r = ui.available_rect_before_wrap();
        let c = s.transform.inverse() * r.center();
        [c.x - 90.0, c.y - 40.0]
    };
    egui::Panel::left("workflow_palette")
        .resizable(true)
        .default_size(190.0)
        .show(ui, |ui| palette(ui, s, out, canvas_center));
    let snarl_id = egui::Id::new("workflow_canvas");
    let bounds = ui.available_rect_before_wrap();
    // A window or panel resize (not a line of text above the canvas) fits
    // a view that was fitted again.
    if s.fitted
        && s.bounds.is_some_and(|old| {
            let d = old.size() - bounds.size();
            d.x.abs() > 40.0 || d.y.abs() > 40.0
        })
    {
        s.fit = true;
    }
    let fitting = s.fit && ed.graph.nodes().next().is_some();
    let mut viewer = Viewer {
        graph: &ed.graph,
        thumbs: &mut s.thumbs,
        previews: &mut s.previews,
        last: wf.last.as_ref(),
        edits: Vec::new(),
        copy: None,
        fit: std::mem::take(&mut s.fit).then_some(bounds.shrink(24.0)),
        transform: s.transform,
        moved: s
            .bounds
            .replace(bounds)
            .map_or(egui::Vec2::ZERO, |old| bounds.min - old.min),
        user_moved: false,
    };
    let mut style = SnarlStyle::new();
    style.collapsible = Some(false);
    // Inputs on top, parameters and preview, output below: narrow nodes.
    style.node_layout = Some(egui_snarl::ui::NodeLayout::sandwich());
    let response = SnarlWidget::new()
        .id(snarl_id)
        .style(style)
        .show(&mut s.snarl, &mut viewer, ui);
    s.transform = viewer.transform;
    if fitting {
        s.fitted = true;
    } else if viewer.user_moved {
        s.fitted = false;
    }
    let count = ed.graph.nodes().count();
    let wires = ed.graph.edges().count();
    crate::ui::report::update(ui.ctx(), |r| {
        r.workflow_nodes = Some(count);
        r.workflow_wires = Some(wires);
        r.canvas = Some([
            s.transform.scaling,
            s.transform.translation.x,
            s.transform.translation.y,
        ]);
    });
    // A palette entry dropped on the canvas becomes a node where it fell.
    if let Some(kind) = response.dnd_release_payload::<String>() {
        // The pointer in screen space (a response's own hover position is in
        // its layer's space), into canvas coordinates at this frame's zoom;
        // the node's top-left a little above-left of the pointer.
        let at = ui
            .ctx()
            .pointer_latest_pos()
            .map(|p| s.transform.inverse() * p)
            .map_or(canvas_center, |p| [p.x - 20.0, p.y - 12.0]);
        viewer.edits.push(Edit::Add {
            kind: (*kind).clone(),
            pos: at,
        });
    }
    // Wires the widget dropped by itself (Ctrl+drag picks up an input's wire
    // to move it) become disconnections of the workflow too, before any
    // connection made in the same gesture.
    let on_canvas: std::collections::BTreeSet<(NodeId, usize)> = s
        .snarl
        .wires()
        .filter_map(|(_, to)| s.snarl.get_node(to.node).map(|id| (*id, to.input)))
        .collect();
    let dropped: Vec<Edit> = ed
        .graph
        .edges()
        .filter(|e| !on_canvas.contains(&e.to))
        .map(|e| Edit::Disconnect { to: e.to })
        .collect();
    viewer.edits.splice(0..0, dropped);
    // Nodes dragged on the canvas.
    for (cid, pos, id) in s.snarl.nodes_pos_ids() {
        let _ = cid;
        if ed
            .graph
            .node(*id)
            .is_some_and(|n| n.pos != Some([pos.x, pos.y]))
        {
            viewer.edits.push(Edit::Move {
                id: *id,
                pos: [pos.x, pos.y],
            });
        }
    }
    let selected: BTreeSet<NodeId> = get_selected_nodes(snarl_id, ui.ctx())
        .into_iter()
        .filter_map(|n| s.snarl.get_node(n).copied())
        .collect();
    // Shortcuts while the pointer is over the canvas.
    if response.contains_pointer() {
        let (undo, redo, delete, copy, paste) = ui.input(|i| {
            let cmd = i.modifiers.command;
            let paste = i.events.iter().find_map(|e| match e {
                egui::Event::Paste(t) => Some(t.clone()),
                _ => None,
            });
            (
                cmd && !i.modifiers.shift && i.key_pressed(egui::Key::Z),
                cmd && (i.key_pressed(egui::Key::Y)
                    || (i.modifiers.shift && i.key_pressed(egui::Key::Z))),
                i.key_pressed(egui::Key::Delete),
                i.events.iter().any(|e| matches!(e, egui::Event::Copy)),
                paste,
            )
        });
        if undo {
            viewer.edits.push(Edit::Undo);
        }
        if redo {
            viewer.edits.push(Edit::Redo);
        }
        if delete && !selected.is_empty() {
            viewer
                .edits
                .push(Edit::Remove(selected.iter().copied().collect()));
        }
        if copy && !selected.is_empty() {
            viewer.copy = Some(selected.clone());
        }
        if let Some(text) = paste {
            viewer.edits.push(Edit::Paste {
                text,
                offset: [40.0, 40.0],
            });
        }
    }
    if let Some(ids) = viewer.copy.take() {
        ui.ctx().copy_text(ed.copy(&ids));
    }
    let moves_only = viewer.edits.iter().all(|e| matches!(e, Edit::Move { .. }));
    let n = viewer.edits.len();
    for e in viewer.edits {
        out.push(WorkflowCommand::EditWorkflow(e).into());
    }
    if n > 0 && moves_only {
        // The canvas already shows the moves; do not rebuild it for them.
        s.built = Some(ed.revision + n as u64);
    }
}

fn cluster_window(
    ctx: &egui::Context,
    s: &mut WorkflowsUi,
    accounts: &[String],
    out: &mut Vec<Command>,
) {
    let Some((settings, token)) = s.cluster.as_mut() else {
        return;
    };
    let mut open = true;
    let mut submit = false;
    crate::ui::window(ctx, "Run on a Slurm cluster", 480.0)
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            egui::Grid::new("cluster_form")
                .num_columns(2)
                .show(ui, |ui| {
                    let field = |ui: &mut egui::Ui, name: &str, edit: egui::TextEdit<'_>| {
                        let label = ui.label(name);
                        let edit = ui.add(edit.desired_width(280.0)).labelled_by(label.id);
                        crate::ui::report::named(edit, &format!("field:{name}"));
                        ui.end_row();
                    };
                    field(
                        ui,
                        "slurmrestd address",
                        egui::TextEdit::singleline(&mut settings.address)
                            .hint_text("slurm://cluster.example.org:6820"),
                    );
                    let label = ui.label("Sign in with");
                    let shown = if settings.account.is_empty() {
                        "a token from `scontrol token`".to_owned()
                    } else {
                        format!("the account {}", settings.account)
                    };
                    egui::ComboBox::from_id_salt("cluster_sign_in")
                        .selected_text(shown)
                        .width(280.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(
                                &mut settings.account,
                                String::new(),
                                "a token from `scontrol token`",
                            );
                            for a in accounts {
                                ui.selectable_value(
                                    &mut settings.account,
                                    a.clone(),
                                    format!("the account {a}"),
                                );
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    ui.end_row();
                    if settings.account.is_empty() {
                        field(ui, "User", egui::TextEdit::singleline(&mut settings.user));
                        field(
                            ui,
                            "Token",
                            egui::TextEdit::singleline(token)
                                .password(true)
                                .hint_text("from `scontrol token`"),
                        );
                    } else {
                        field(
                            ui,
                            "Token audience",
                            egui::TextEdit::singleline(&mut settings.audience)
                                .hint_text("slurm (as the site configured it)"),
                        );
                    }
                    field(
                        ui,
                        "Shared folder",
                        egui::TextEdit::singleline(&mut settings.shared_dir)
                            .hint_text("seen by this computer and the cluster"),
                    );
                    field(
                        ui,
                        "Panorama on the cluster",
                        egui::TextEdit::singleline(&mut settings.panorama).hint_text("panorama"),
                    );
                });
            if settings.account.is_empty() {
                ui.weak("The token is used for this run only and is not saved.");
            } else {
                ui.weak(
                    "A token for the cluster is asked from the account's provider for this run \
                     (for sites whose Slurm accepts them); the cluster user is the one it names.",
                );
            }
            let signed = if settings.account.is_empty() {
                !settings.user.trim().is_empty() && !token.trim().is_empty()
            } else {
                true
            };
            let ready = !settings.address.trim().is_empty()
                && signed
                && !settings.shared_dir.trim().is_empty();
            if crate::ui::report::named(
                ui.add_enabled(ready, egui::Button::new("Submit")),
                "button:Submit",
            )
            .clicked()
            {
                submit = true;
            }
        });
    if submit {
        if let Some((settings, token)) = s.cluster.take() {
            out.push(
                WorkflowCommand::RunWorkflowOnCluster {
                    cluster: settings,
                    token: crate::auth::Secret::new(token.trim()),
                }
                .into(),
            );
        }
    } else if !open {
        s.cluster = None;
    }
}
