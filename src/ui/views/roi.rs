//! Regions of interest on the image views: the tools that draw them on the
//! plot (rectangle, polygon, line profile, cross profile; several at once,
//! each moved by dragging it), and the panel under the image with their
//! statistics (updated while dragging), their profiles, each area's sum or
//! mean through the frames of a stack, and **Export table CSV…**. What is
//! measured is computed in [`crate::plot::roi`], on the full-resolution
//! values of the image as shown (mask applied).

use std::sync::Arc;

use egui_plot::{Line, Plot, PlotPoint, PlotPoints, PlotUi, VLine};

use super::ViewCx;
use super::image::ImageData;
use crate::data::Selection;
use crate::data::selection::AxisKey;
use crate::plot::roi::{self, Point, Profile, Shape, Stats};
use crate::state::ValueKey;

/// The tool a drag on the image uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Rect,
    Polygon,
    Line,
    Cross,
}

impl Tool {
    const ALL: [Self; 4] = [Self::Rect, Self::Polygon, Self::Line, Self::Cross];

    fn name(self) -> &'static str {
        match self {
            Self::Rect => "Rectangle",
            Self::Polygon => "Polygon",
            Self::Line => "Profile",
            Self::Cross => "Cross",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Self::Rect => "Drag on the image to measure a rectangle",
            Self::Polygon => {
                "Click the corners of a polygon; double-click or Enter closes it, Escape drops it"
            }
            Self::Line => "Drag on the image for a profile along a line (its width beside)",
            Self::Cross => "Click on the image for the row and the column through a point",
        }
    }
}

/// What each area measures through the frames of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum PerFrame {
    #[default]
    Sum,
    Mean,
}

/// One region, with the name it has in the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Roi {
    pub name: String,
    pub shape: Shape,
    /// Its number, which also picks its colour.
    pub n: usize,
}

/// A drag or polygon under way.
#[derive(Debug, Clone, PartialEq)]
enum Drawing {
    /// A rectangle or line from where the drag began to where it is.
    Drag { tool: Tool, from: Point, to: Point },
    /// The corners clicked so far.
    Polygon(Vec<Point>),
    /// Region `index` moved by a drag now at `last` (Escape puts it back
    /// where it was, `original`).
    Move {
        index: usize,
        last: Point,
        original: Shape,
    },
}

/// Where the image is on the plot: maps plot coordinates to pixel
/// coordinates of the full-resolution image and back.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    x_range: (f64, f64),
    y_range: (f64, f64),
    /// The image's full size in pixels (before any downsampling).
    height: usize,
    width: usize,
}

impl Geometry {
    pub fn of(img: &ImageData) -> Self {
        Self {
            x_range: img.x_range,
            y_range: img.y_range,
            height: img.full_height,
            width: img.full_width,
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn to_pixel(self, p: PlotPoint) -> Point {
        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        (
            (p.x - x0) / (x1 - x0) * self.width as f64,
            (p.y - y0) / (y1 - y0) * self.height as f64,
        )
    }

    #[allow(clippy::cast_precision_loss)]
    fn to_plot(self, p: Point) -> [f64; 2] {
        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        [
            x0 + p.0 / self.width as f64 * (x1 - x0),
            y0 + p.1 / self.height as f64 * (y1 - y0),
        ]
    }

    /// How many pixels one screen point spans (for how near a click must be).
    fn pixels_per_point(self, t: &egui_plot::PlotTransform) -> f64 {
        let a = self.to_pixel(t.value_from_position(egui::pos2(0.0, 0.0)));
        let b = self.to_pixel(t.value_from_position(egui::pos2(1.0, 0.0)));
        (b.0 - a.0).hypot(b.1 - a.1).max(1e-6)
    }
}

/// A region's colour on the image and in its plots: bright hues apart
/// from the magenta of values that are not numbers.
fn colour(n: usize) -> egui::Color32 {
    #[allow(clippy::cast_precision_loss)]
    let h = 0.08 + n.saturating_sub(1) as f32 * 0.618_034;
    egui::ecolor::Hsva::new(h.fract(), 0.9, 1.0, 1.0).into()
}

/// The block of a stack read to follow the areas through its frames.
struct FrameCurves {
    key: ValueKey,
    /// The mask the frames were measured with.
    mask: Option<String>,
    /// What each area measured in each frame (by region number).
    stats: Vec<(usize, Shape, Vec<Stats>)>,
}

/// The most values read to follow the areas through every frame.
const MAX_BLOCK: u64 = 1 << 24;

/// The regions of one image view.
pub struct RoiTools {
    tool: Option<Tool>,
    pub rois: Vec<Roi>,
    next: usize,
    drawing: Option<Drawing>,
    line_width: usize,
    per_frame: PerFrame,
    curves: Option<FrameCurves>,
    /// What each region measured, and each profile, on the values they
    /// were measured on: only a region that moved is measured again.
    measured: Option<MeasuredOn>,
}

/// What the regions measured, and the values they measured it on.
type MeasuredOn = (Arc<Vec<f64>>, Vec<(Shape, Measure)>);

/// What a region measures.
#[derive(Clone)]
enum Measure {
    Area(Stats),
    /// A profile (two for a cross: its row and its column).
    Profiles(Vec<(String, Profile)>),
}

impl Default for RoiTools {
    fn default() -> Self {
        Self {
            tool: None,
            rois: Vec::new(),
            next: 1,
            drawing: None,
            line_width: 1,
            per_frame: PerFrame::Sum,
            curves: None,
            measured: None,
        }
    }
}

/// The image the regions measure, as numbers: the full-resolution values
/// of the image shown (rows × columns, row-major), mask applied.
pub struct Pixels<'a> {
    pub values: &'a Arc<Vec<f64>>,
    pub height: usize,
    pub width: usize,
    /// The mask applied (its path, and its values in the image's
    /// orientation), which the frames of a stack are masked with too.
    pub mask: Option<&'a (String, Arc<crate::data::Value>)>,
}

/// The stack around the image shown: how to read a block of it through
/// every frame.
pub struct StackCx {
    /// The selection of the frame shown.
    pub selection: Selection,
    /// The axes shown as (rows, columns).
    pub shown: (usize, usize),
    /// The axis the frames run along, and the frame shown.
    pub frame_axis: usize,
    pub frame: usize,
}

impl RoiTools {
    /// Whether a tool is active (the plot then does not pan on a drag).
    pub fn active(&self) -> bool {
        self.tool.is_some()
    }

    /// The first rectangle's pixels in an `height` × `width` image, as
    /// (row start, row end, column start, column end), ends excluded.
    pub fn first_rect(&self, height: usize, width: usize) -> Option<(usize, usize, usize, usize)> {
        self.rois
            .iter()
            .find(|r| matches!(r.shape, Shape::Rect { .. }))
            .and_then(|r| r.shape.pixel_box(height, width))
    }

    /// Whether there is anything to measure: regions, or a tool to draw one.
    pub fn in_use(&self) -> bool {
        self.tool.is_some() || !self.rois.is_empty()
    }

    /// The values were read again: what was measured on them goes.
    pub fn values_changed(&mut self) {
        self.curves = None;
        self.measured = None;
    }

    /// The tool buttons, the line width and **Clear**, in the view's row.
    pub fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        ui.label("ROI:");
        for t in Tool::ALL {
            let on = self.tool == Some(t);
            let b = ui.selectable_label(on, t.name()).on_hover_text(t.hint());
            crate::ui::report::widget(ui.ctx(), &format!("roi:{}", t.name()), b.rect);
            if b.clicked() {
                self.tool = if on { None } else { Some(t) };
                self.drawing = None;
            }
        }
        if self.tool == Some(Tool::Line) {
            ui.add(
                egui::DragValue::new(&mut self.line_width)
                    .range(1..=roi::MAX_LINE_WIDTH)
                    .suffix(" px wide"),
            )
            .on_hover_text("Width of the line profile: the mean across it");
        }
        if !self.rois.is_empty()
            && ui
                .small_button("Clear")
                .on_hover_text("Remove every region")
                .clicked()
        {
            self.rois.clear();
            self.curves = None;
        }
    }

    /// Inside the image's plot: draw, close or move regions with the pointer.
    pub fn plot_ui(&mut self, plot_ui: &PlotUi<'_>, geom: Geometry) {
        self.input(plot_ui, geom);
    }

    /// Paint the regions over the image (after it, so an image the GPU
    /// draws does not cover them), clipped to the plot area.
    pub fn paint(&self, ui: &egui::Ui, t: &egui_plot::PlotTransform, geom: Geometry) {
        let painter = ui.painter().with_clip_rect(*t.frame());
        let screen = |p: Point| {
            let [x, y] = geom.to_plot(p);
            t.position_from_point(&PlotPoint::new(x, y))
        };
        for r in &self.rois {
            paint(&painter, &screen, geom, &r.shape, colour(r.n));
        }
        if let Some(shape) = self.preview() {
            paint(&painter, &screen, geom, &shape, colour(self.next));
        } else if let Some(Drawing::Polygon(v)) = &self.drawing {
            let pts: Vec<egui::Pos2> = v.iter().map(|p| screen(*p)).collect();
            painter.add(egui::Shape::line(
                pts,
                egui::Stroke::new(2.0, colour(self.next)),
            ));
        }
    }

    fn input(&mut self, plot_ui: &PlotUi<'_>, geom: Geometry) {
        let Some(tool) = self.tool else { return };
        let resp = plot_ui.response().clone();
        let slack = 6.0 * geom.pixels_per_point(plot_ui.transform());
        // Where the pointer is (egui_plot's own pointer coordinate takes
        // off the drag, as a pan would have moved the plot; here it does not).
        let t = *plot_ui.transform();
        let at = plot_ui
            .ctx()
            .input(|i| i.pointer.latest_pos())
            .map(|p| geom.to_pixel(t.value_from_position(p)));
        // Enter and Escape are the plot's only while no field has the keys.
        let free = plot_ui.ctx().memory(|m| m.focused().is_none());
        let (enter, escape) = plot_ui.ctx().input(|i| {
            (
                free && i.key_pressed(egui::Key::Enter),
                free && i.key_pressed(egui::Key::Escape),
            )
        });
        // Escape drops what is being drawn, and puts a moved region back.
        if escape
            && let Some(Drawing::Move {
                index, original, ..
            }) = self.drawing.take()
            && let Some(r) = self.rois.get_mut(index)
        {
            r.shape = original;
        }
        // Off the image's axes (an axis of one value spans nothing).
        let at = at.filter(|p| p.0.is_finite() && p.1.is_finite());
        if let Some(p) = at {
            if resp.drag_started_by(egui::PointerButton::Primary) {
                // From where the button went down, not where the drag was
                // first noticed.
                let p = plot_ui
                    .ctx()
                    .input(|i| i.pointer.press_origin())
                    .map_or(p, |o| geom.to_pixel(t.value_from_position(o)));
                // On a region's outline (or anywhere on it with Shift), a
                // drag moves it; elsewhere, even inside another, it draws.
                let shift = plot_ui.ctx().input(|i| i.modifiers.shift);
                let hit = self.rois.iter().rposition(|r| {
                    r.shape.near_outline(p, slack) || (shift && r.shape.hit(p, 0.0))
                });
                self.drawing = match (hit, tool, self.drawing.take()) {
                    // A polygon being drawn takes its corners by clicks.
                    (_, _, Some(Drawing::Polygon(v))) => Some(Drawing::Polygon(v)),
                    (Some(index), _, _) => Some(Drawing::Move {
                        index,
                        last: p,
                        original: self.rois[index].shape.clone(),
                    }),
                    (None, Tool::Rect | Tool::Line, _) => Some(Drawing::Drag {
                        tool,
                        from: p,
                        to: p,
                    }),
                    (None, _, _) => None,
                };
            } else if resp.dragged_by(egui::PointerButton::Primary) {
                match &mut self.drawing {
                    Some(Drawing::Drag { to, .. }) => *to = p,
                    Some(Drawing::Move { index, last, .. }) => {
                        if let Some(r) = self.rois.get_mut(*index) {
                            r.shape = r.shape.translated(p.0 - last.0, p.1 - last.1);
                        }
                        *last = p;
                    }
                    _ => {}
                }
            }
            // A double-click closes a polygon of three corners or more (two
            // quick clicks on the first corners are two corners).
            let closes = matches!(&self.drawing, Some(Drawing::Polygon(v)) if v.len() >= 3);
            if resp.double_clicked() && closes {
                if let Some(Drawing::Polygon(v)) = self.drawing.take() {
                    self.add(Shape::Polygon(v));
                }
            } else if resp.clicked() {
                match (tool, &mut self.drawing) {
                    (Tool::Polygon, Some(Drawing::Polygon(v))) => v.push(p),
                    (Tool::Polygon, _) => self.drawing = Some(Drawing::Polygon(vec![p])),
                    (Tool::Cross, _) => self.add(Shape::Cross(p)),
                    _ => {}
                }
            }
        }
        if enter && let Some(Drawing::Polygon(v)) = self.drawing.take() {
            self.add(Shape::Polygon(v));
        }
        if resp.drag_stopped() {
            let drawn = self.preview();
            match self.drawing.take() {
                Some(Drawing::Drag { .. }) => {
                    if let Some(shape) = drawn {
                        self.add(shape);
                    }
                }
                Some(Drawing::Move { index, .. }) => {
                    if let Some(r) = self.rois.get_mut(index) {
                        r.shape = r.shape.snapped();
                    }
                }
                other => self.drawing = other,
            }
        }
    }

    /// The region the drawing under way would add (shown as it is drawn,
    /// and measured live).
    fn preview(&self) -> Option<Shape> {
        match &self.drawing {
            Some(Drawing::Drag {
                tool: Tool::Rect,
                from,
                to,
            }) => {
                let s = Shape::Rect { a: *from, b: *to }.snapped();
                matches!(&s, Shape::Rect { a, b } if a.0 != b.0 && a.1 != b.1).then_some(s)
            }
            Some(Drawing::Drag {
                tool: Tool::Line,
                from,
                to,
            }) => ((to.0 - from.0).hypot(to.1 - from.1) > 0.5).then_some(Shape::Line {
                a: *from,
                b: *to,
                width: self.line_width,
            }),
            Some(Drawing::Polygon(v)) if v.len() >= 3 => Some(Shape::Polygon(v.clone())),
            _ => None,
        }
    }

    fn add(&mut self, shape: Shape) {
        if matches!(&shape, Shape::Polygon(v) if v.len() < 3) {
            return;
        }
        self.rois.push(Roi {
            name: format!("ROI {}", self.next),
            shape,
            n: self.next,
        });
        self.next += 1;
    }

    /// The regions with what they measure now (the one being drawn last:
    /// `drawing`), for the table, the profiles and the report. Measured
    /// again only where a region changed or the values did.
    fn measure(&mut self, px: &Pixels<'_>) -> Vec<Measured> {
        let mut all: Vec<(String, Shape, usize, bool)> = self
            .rois
            .iter()
            .map(|r| (r.name.clone(), r.shape.clone(), r.n, false))
            .collect();
        if let Some(s) = self.preview() {
            all.push((format!("ROI {}", self.next), s, self.next, true));
        }
        let mut known = match self.measured.take() {
            Some((v, known)) if Arc::ptr_eq(&v, px.values) => known,
            _ => Vec::new(),
        };
        let out: Vec<Measured> = all
            .into_iter()
            .map(|(name, shape, n, drawing)| {
                let measure = match known.iter().position(|(s, _)| *s == shape) {
                    Some(k) => known.swap_remove(k).1,
                    None => measure(px, &name, &shape),
                };
                Measured {
                    name,
                    shape,
                    n,
                    drawing,
                    measure,
                }
            })
            .collect();
        self.measured = Some((
            px.values.clone(),
            out.iter()
                .map(|m| (m.shape.clone(), m.measure.clone()))
                .collect(),
        ));
        out
    }

    /// The panel under the image: the table, the profiles, the areas through
    /// the frames of a stack; nothing without regions.
    pub fn panel_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut ViewCx<'_>,
        px: &Pixels<'_>,
        stack: Option<&StackCx>,
    ) {
        let measured = self.measure(px);
        crate::ui::report::update(ui.ctx(), |r| {
            r.rois = measured.iter().map(Measured::report).collect();
        });
        let rows: Vec<(String, Shape, Option<Stats>, usize)> = measured
            .iter()
            .map(|m| (m.name.clone(), m.shape.clone(), m.stats(), m.n))
            .collect();
        if rows.is_empty() {
            return;
        }
        let mut remove = None;
        egui::ScrollArea::both()
            .id_salt("roi-table")
            .max_height(110.0)
            .show(ui, |ui| {
                egui::Grid::new("roi-table").striped(true).show(ui, |ui| {
                    for h in [
                        "",
                        "Region",
                        "Where (pixels)",
                        "Count",
                        "Sum",
                        "Mean",
                        "Std",
                        "Min",
                        "Max",
                        "Centre (row, col)",
                    ] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for (i, (name, shape, s, n)) in rows.iter().enumerate() {
                        let is_new = i >= self.rois.len();
                        if is_new {
                            ui.label("");
                        } else if ui
                            .small_button("Remove")
                            .on_hover_text("Remove this region")
                            .clicked()
                        {
                            remove = Some(i);
                        }
                        ui.colored_label(colour(*n), format!("{name}: {}", shape.kind()));
                        ui.label(roi::geometry(shape));
                        match s {
                            Some(s) => {
                                let count = if s.invalid > 0 {
                                    format!("{} (+{} not numbers)", s.count, s.invalid)
                                } else {
                                    s.count.to_string()
                                };
                                ui.label(count);
                                for v in [s.sum, s.mean, s.std, s.min, s.max] {
                                    ui.label(super::image::short(v));
                                }
                                ui.label(s.centre.map_or_else(
                                    || "—".to_owned(),
                                    |(r, c)| {
                                        format!(
                                            "({}, {})",
                                            super::image::short(r),
                                            super::image::short(c)
                                        )
                                    },
                                ));
                            }
                            None => {
                                ui.weak("profile below");
                                for _ in 0..6 {
                                    ui.label("");
                                }
                            }
                        }
                        ui.end_row();
                    }
                });
            });
        if let Some(i) = remove {
            self.rois.remove(i);
            self.curves = None;
        }
        ui.horizontal(|ui| {
            let b = ui.button("Export table CSV…");
            crate::ui::report::widget(ui.ctx(), "button:Export table CSV…", b.rect);
            if b.clicked() {
                // The regions drawn, not one still being drawn.
                let csv = roi::table_csv(
                    &rows[..self.rois.len().min(rows.len())]
                        .iter()
                        .map(|(name, shape, stats, _)| roi::Row {
                            name,
                            shape,
                            stats: *stats,
                        })
                        .collect::<Vec<_>>(),
                );
                let name = format!(
                    "{}_rois.csv",
                    crate::plot::prepare::last_part(&cx.target.path)
                );
                cx.exports
                    .start(ui.ctx(), "Exporting the regions", name, "csv", move |p| {
                        crate::plot::export::write_text(p, &csv)
                    });
            }
            if stack.is_some() && rows.iter().any(|r| r.2.is_some()) {
                ui.separator();
                ui.label("Through the frames:");
                ui.selectable_value(&mut self.per_frame, PerFrame::Sum, "Sum");
                ui.selectable_value(&mut self.per_frame, PerFrame::Mean, "Mean");
            }
        });
        let profiles: Vec<(String, usize, Profile)> = measured
            .iter()
            .flat_map(|m| match &m.measure {
                Measure::Profiles(p) => p
                    .iter()
                    .map(|(name, prof)| (name.clone(), m.n, prof.clone()))
                    .collect(),
                Measure::Area(_) => Vec::new(),
            })
            .collect();
        let curves = stack.and_then(|s| self.frame_curves(ui, cx, px, s));
        if let Some((lines, _)) = &curves {
            crate::ui::report::update(ui.ctx(), |r| {
                for (name, _, pts) in lines {
                    if let Some(row) = r.rois.iter_mut().find(|row| &row.name == name) {
                        row.per_frame = Some(pts.iter().map(|p| p[1]).collect());
                    }
                }
            });
        }
        let h = ui.available_height().clamp(60.0, 180.0);
        ui.horizontal_top(|ui| {
            let n = usize::from(!profiles.is_empty()) + usize::from(curves.is_some());
            if n == 0 {
                return;
            }
            #[allow(clippy::cast_precision_loss)]
            let w = (ui.available_width() - 8.0 * (n as f32 - 1.0)) / n as f32;
            if !profiles.is_empty() {
                ui.allocate_ui(egui::vec2(w, h), |ui| {
                    Plot::new(("roi-profiles", &cx.target.path))
                        .height(h)
                        .x_axis_label("distance (pixels)")
                        .legend(egui_plot::Legend::default())
                        .show(ui, |p| {
                            for (name, n, prof) in &profiles {
                                p.line(Line::new(name.clone(), series(prof)).color(colour(*n)));
                            }
                        });
                });
            }
            if let Some((curves, frame)) = curves {
                let what = match self.per_frame {
                    PerFrame::Sum => "sum",
                    PerFrame::Mean => "mean",
                };
                ui.allocate_ui(egui::vec2(w, h), |ui| {
                    let weak = ui.visuals().weak_text_color();
                    Plot::new(("roi-frames", &cx.target.path))
                        .height(h)
                        .x_axis_label("frame")
                        .y_axis_label(what)
                        .legend(egui_plot::Legend::default())
                        .show(ui, |p| {
                            for (name, n, pts) in curves {
                                p.line(
                                    Line::new(format!("{name} {what}"), PlotPoints::new(pts))
                                        .color(colour(n)),
                                );
                            }
                            #[allow(clippy::cast_precision_loss)]
                            p.vline(VLine::new("frame shown", frame as f64).color(weak));
                        });
                });
            }
        });
    }

    /// Each area's sum or mean in every frame of the stack (read as one
    /// block around the areas once they are drawn), and the frame shown.
    #[allow(clippy::type_complexity)]
    fn frame_curves(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut ViewCx<'_>,
        px: &Pixels<'_>,
        s: &StackCx,
    ) -> Option<(Vec<(String, usize, Vec<[f64; 2]>)>, usize)> {
        let areas: Vec<&Roi> = self.rois.iter().filter(|r| r.shape.is_area()).collect();
        if areas.is_empty() || self.drawing.is_some() {
            return self.curves_shown(s.frame);
        }
        // One block holding every area, in the image's rows and columns.
        let (mut r0, mut r1, mut c0, mut c1) = (usize::MAX, 0, usize::MAX, 0);
        for r in &areas {
            if let Some(b) = r.shape.pixel_box(px.height, px.width) {
                r0 = r0.min(b.0);
                r1 = r1.max(b.1);
                c0 = c0.min(b.2);
                c1 = c1.max(b.3);
            }
        }
        if r1 <= r0 || c1 <= c0 {
            return self.curves_shown(s.frame);
        }
        let nd = cx.info.shape.len();
        let frames = usize::try_from(*cx.info.shape.get(s.frame_axis)?).ok()?;
        let count = (frames as u64) * ((r1 - r0) * (c1 - c0)) as u64;
        if count > MAX_BLOCK {
            ui.weak("The regions are too large to follow through every frame; draw smaller ones.");
            return None;
        }
        let mut axes: Vec<AxisKey> = s.selection.0.clone();
        axes.resize(nd, AxisKey::Range(None, None, 1));
        let u = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        axes[s.shown.0] = AxisKey::Range(Some(u(r0)), Some(u(r1)), 1);
        axes[s.shown.1] = AxisKey::Range(Some(u(c0)), Some(u(c1)), 1);
        axes[s.frame_axis] = AxisKey::Range(None, None, 1);
        let key = ValueKey {
            part: cx.key(Selection::all()).part,
            doc: cx.target.doc,
            path: cx.target.path.clone(),
            selection: Selection(axes),
        };
        let current: Vec<(usize, Shape)> = areas.iter().map(|r| (r.n, r.shape.clone())).collect();
        let mask_path = px.mask.map(|m| m.0.clone());
        let fresh = self.curves.as_ref().is_some_and(|c| {
            c.key == key
                && c.mask == mask_path
                && c.stats
                    .iter()
                    .map(|(n, s, _)| (*n, s.clone()))
                    .eq(current.iter().cloned())
        });
        if !fresh {
            // The curves shown stay until the new block is read.
            let Some(block) = cx.fetch(&key).ready().cloned() else {
                return self.curves_shown(s.frame);
            };
            let values = block.to_f64()?;
            let (bh, bw) = (r1 - r0, c1 - c0);
            if values.len() < frames * bh * bw {
                return None;
            }
            let strides = roi::block_strides(s.frame_axis, s.shown, (frames, bh, bw));
            // The mask chosen leaves the same pixels out of every frame.
            let mask = px.mask.map(|m| m.1.clone());
            let width = px.width;
            let masked = move |r: usize, c: usize| {
                mask.as_ref()
                    .and_then(|m| m.element_f64(r * width + c))
                    .is_some_and(|v| v != 0.0)
            };
            let stats = current
                .into_iter()
                .map(|(n, shape)| {
                    let st = roi::frame_stats(
                        &values,
                        frames,
                        (bh, bw),
                        strides,
                        (r0, c0),
                        &shape,
                        &masked,
                    );
                    (n, shape, st)
                })
                .collect();
            self.curves = Some(FrameCurves {
                key,
                mask: mask_path,
                stats,
            });
        }
        self.curves_shown(s.frame)
    }

    #[allow(clippy::type_complexity)]
    fn curves_shown(&self, frame: usize) -> Option<(Vec<(String, usize, Vec<[f64; 2]>)>, usize)> {
        let c = self.curves.as_ref()?;
        let lines = c
            .stats
            .iter()
            .map(|(n, _, st)| {
                #[allow(clippy::cast_precision_loss)]
                let pts = st
                    .iter()
                    .enumerate()
                    .map(|(f, s)| {
                        [
                            f as f64,
                            match self.per_frame {
                                PerFrame::Sum => s.sum,
                                PerFrame::Mean => s.mean,
                            },
                        ]
                    })
                    .collect();
                (format!("ROI {n}"), *n, pts)
            })
            .collect();
        Some((lines, frame))
    }
}

/// A region with what it measures this frame.
struct Measured {
    name: String,
    shape: Shape,
    n: usize,
    /// Still being drawn.
    drawing: bool,
    measure: Measure,
}

impl Measured {
    fn stats(&self) -> Option<Stats> {
        match &self.measure {
            Measure::Area(s) => Some(*s),
            Measure::Profiles(_) => None,
        }
    }

    fn report(&self) -> crate::ui::report::RoiReport {
        let mut r = crate::ui::report::RoiReport::new(
            &self.name,
            &roi::geometry(&self.shape),
            self.stats().as_ref(),
        );
        r.drawing = self.drawing;
        r.points = match &self.shape {
            Shape::Rect { a, b } | Shape::Line { a, b, .. } => vec![*a, *b],
            Shape::Polygon(v) => v.clone(),
            Shape::Cross(p) => vec![*p],
        };
        r
    }
}

/// What `shape` measures on the image.
fn measure(px: &Pixels<'_>, name: &str, shape: &Shape) -> Measure {
    let (v, h, w) = (px.values.as_slice(), px.height, px.width);
    match shape {
        Shape::Rect { .. } | Shape::Polygon(_) => Measure::Area(roi::stats_of(v, h, w, shape)),
        Shape::Line { a, b, width } => Measure::Profiles(vec![(
            name.to_owned(),
            roi::line_profile(v, h, w, *a, *b, *width),
        )]),
        Shape::Cross(p) => {
            let (row, col) = roi::cross_profile(v, h, w, *p);
            Measure::Profiles(vec![
                (format!("{name} row"), row),
                (format!("{name} column"), col),
            ])
        }
    }
}

fn series(p: &Profile) -> PlotPoints<'static> {
    PlotPoints::new(
        p.distance
            .iter()
            .zip(&p.values)
            .map(|(d, v)| [*d, *v])
            .collect(),
    )
}

/// A region over the image, in its colour; `screen` places a pixel
/// coordinate on screen.
fn paint(
    painter: &egui::Painter,
    screen: &dyn Fn(Point) -> egui::Pos2,
    geom: Geometry,
    shape: &Shape,
    colour: egui::Color32,
) {
    let stroke = egui::Stroke::new(2.0, colour);
    // An outline (egui fills only convex shapes, and a polygon may not be).
    let closed = |pts: Vec<Point>, stroke: egui::Stroke| {
        painter.add(egui::Shape::closed_line(
            pts.into_iter().map(screen).collect(),
            stroke,
        ));
    };
    match shape {
        Shape::Rect { a, b } => {
            let r = egui::Rect::from_two_pos(screen(*a), screen(*b));
            painter.rect_filled(r, 0.0, colour.gamma_multiply(0.12));
            painter.rect_stroke(r, 0.0, stroke, egui::StrokeKind::Middle);
        }
        Shape::Polygon(v) => closed(v.clone(), stroke),
        Shape::Line { a, b, width } => {
            painter.line_segment([screen(*a), screen(*b)], stroke);
            if *width > 1 {
                // The band the profile averages over.
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                let len = dx.hypot(dy).max(1e-9);
                #[allow(clippy::cast_precision_loss)]
                let half = (*width as f64 - 1.0) / 2.0;
                let (nx, ny) = (-dy / len * half, dx / len * half);
                let band = vec![
                    (a.0 + nx, a.1 + ny),
                    (b.0 + nx, b.1 + ny),
                    (b.0 - nx, b.1 - ny),
                    (a.0 - nx, a.1 - ny),
                ];
                closed(band, egui::Stroke::new(1.0, colour.gamma_multiply(0.7)));
            }
        }
        Shape::Cross(p) => {
            #[allow(clippy::cast_precision_loss)]
            let (w, h) = (geom.width as f64, geom.height as f64);
            let (x, y) = (p.0.floor() + 0.5, p.1.floor() + 0.5);
            painter.line_segment([screen((0.0, y)), screen((w, y))], stroke);
            painter.line_segment([screen((x, 0.0)), screen((x, h))], stroke);
        }
    }
}

/// The values an image's regions are measured on, as numbers: converted
/// once per image and kept while the same image is shown.
pub fn numbers(
    value: &Arc<crate::data::Value>,
    cache: &mut Option<(Arc<crate::data::Value>, Arc<Vec<f64>>)>,
) -> Option<Arc<Vec<f64>>> {
    if let Some((k, v)) = cache
        && Arc::ptr_eq(k, value)
    {
        return Some(v.clone());
    }
    let v = Arc::new(value.to_f64()?);
    *cache = Some((value.clone(), v.clone()));
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pixel coordinates go to the plot and back on increasing and
    /// decreasing axes; a click off an axis of no extent is no point.
    #[test]
    fn pixels_map_to_the_plot_and_back_on_flipped_axes() {
        for (x_range, y_range) in [
            ((0.0, 64.0), (0.0, 48.0)),
            ((10.0, -5.0), (48.0, 0.0)),
            ((-1.0, 1.0), (3.0, 2.0)),
        ] {
            let g = Geometry {
                x_range,
                y_range,
                height: 48,
                width: 64,
            };
            for p in [(0.0, 0.0), (12.5, 40.25), (64.0, 48.0)] {
                let [x, y] = g.to_plot(p);
                let back = g.to_pixel(PlotPoint::new(x, y));
                assert!((back.0 - p.0).abs() < 1e-9 && (back.1 - p.1).abs() < 1e-9);
            }
            // Pixel (0, 0) lies where the axes start.
            assert_eq!(g.to_plot((0.0, 0.0)), [x_range.0, y_range.0]);
        }
        let flat = Geometry {
            x_range: (5.0, 5.0),
            y_range: (0.0, 1.0),
            height: 1,
            width: 1,
        };
        assert!(!flat.to_pixel(PlotPoint::new(5.0, 0.5)).0.is_finite());
    }
}
