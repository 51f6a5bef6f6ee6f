//! Line plot with per-column min/max decimation over a pyramid, so millions
//! of points pan and zoom at display rate; uncertainties as a band when
//! points are dense and as error bars when they are few; auxiliary signals
//! as more lines with a legend; axis labels; a peak or line fitted to the
//! range shown (the workflow's fit), drawn over it with its parameters.

use std::sync::Arc;

use egui_plot::{
    CoordinatesFormatter, Corner, FilledArea, Legend, Line, Plot, PlotPoint, PlotPoints,
};

use super::{View, ViewCx};
use crate::data::Attribute;
use crate::data::DatasetInfo;
use crate::data::Selection;
use crate::data::nexus::DefaultPlot;
use crate::plot::{LineGaps, MinMaxPyramid, finite_runs};
use crate::runtime::TaskHandle;
use crate::state::ValueKey;
use crate::workflow::science::{Shape, fit_peak};
use crate::workflow::value::Table;

/// A 1-D dataset, or a line along any axis of a larger one (the others
/// at the sliders' positions), on its NeXus axis, with its errors and
/// auxiliary signals.
#[derive(Default)]
pub struct LineView {
    /// Plot log10(y); kept when another dataset is selected.
    log_y: bool,
    /// The dataset whose file asked for a log scale, once that was applied
    /// (the user's choice then stands).
    styled: Option<String>,
    /// Another 1-D dataset of the file chosen as X (a dataset with no
    /// NeXus axes); `None`: the index.
    x_from: Option<String>,
    /// The values shown, prepared once.
    cache: Option<Shown>,
    /// The model a fit uses.
    fit_shape: Shape,
    /// A fit running in the background: what of, and its task.
    fitting: Option<(ValueKey, Shape, TaskHandle<Table>)>,
    /// The last fit, or why it failed.
    fit: Option<(ValueKey, Result<Fit, String>)>,
    /// The x range the plot showed in the last frame (what a fit takes).
    shown_range: Option<(f64, f64)>,
    /// The range the running fit takes.
    pending_range: Option<(f64, f64)>,
    /// The X the last fit was made against (`None`: the index or a NeXus axis).
    fit_x: Option<String>,
    /// Pyramids of the auxiliary signals shown with the line.
    aux_cache: Vec<(ValueKey, Arc<MinMaxPyramid>)>,
    /// Pyramids of the lines of other datasets drawn over it.
    overlay_cache: super::overlays::OverlayCache,
}

/// A fit of the range shown: the parameters with their uncertainties, the
/// reduced χ², and the fitted curve over the range.
#[derive(Clone)]
struct Fit {
    shape: Shape,
    params: Vec<(String, f64, f64)>,
    reduced_chi2: f64,
    curve: Vec<[f64; 2]>,
}

impl Fit {
    /// The fit as one row of a table, as the workflow's peak fit gives it:
    /// the parameters, their errors (`NAME_error`) and `reduced_chi2`.
    fn table_row(&self) -> (Vec<String>, Vec<f64>) {
        let mut header: Vec<String> = self.params.iter().map(|p| p.0.clone()).collect();
        header.extend(self.params.iter().map(|p| format!("{}_error", p.0)));
        header.push("reduced_chi2".into());
        let mut row: Vec<f64> = self.params.iter().map(|p| p.1).collect();
        row.extend(self.params.iter().map(|p| p.2));
        row.push(self.reduced_chi2);
        (header, row)
    }

    fn of(table: &Table, shape: Shape, range: (f64, f64)) -> Option<Self> {
        let row = table.rows.first()?;
        let names = shape.parameters();
        let p: Vec<f64> = row[..names.len()].to_vec();
        let params = names
            .iter()
            .enumerate()
            .map(|(k, n)| ((*n).to_owned(), row[k], row[names.len() + k]))
            .collect();
        let steps = 400;
        let curve = (0..=steps)
            .map(|i| {
                let x = range.0 + (range.1 - range.0) * f64::from(i) / f64::from(steps);
                [x, shape.value(&p, x)]
            })
            .collect();
        Some(Self {
            shape,
            params,
            reduced_chi2: *row.last()?,
            curve,
        })
    }
}

/// The values of a line as drawn: in the order of their X, decimated.
#[derive(Clone)]
struct Shown {
    key: ValueKey,
    x_from: Option<String>,
    pyramid: Arc<MinMaxPyramid>,
    gaps: LineGaps,
    /// The chosen X, in increasing order (a NeXus axis is read each frame).
    x: Option<Arc<Vec<f64>>>,
    /// The order the values were put in against X, when it is not theirs.
    order: Option<Vec<usize>>,
}

impl LineView {
    /// "[model] [Fit the range shown]" in the line's toolbar.
    fn fit_controls_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, s: &Series, key: &ValueKey) {
        {
            egui::ComboBox::from_id_salt("fit-shape")
                .selected_text(self.fit_shape.name())
                .show_ui(ui, |ui| {
                    for shape in Shape::ALL {
                        ui.selectable_value(&mut self.fit_shape, shape, shape.name());
                    }
                });
            let running = self.fitting.is_some();
            let fit = ui
                .add_enabled(!running, egui::Button::new("Fit the range shown"))
                .on_hover_text(
                    "Fit the model to the points in the x range the plot shows (zoom to choose it)",
                );
            crate::ui::report::widget(ui.ctx(), "button:Fit the range shown", fit.rect);
            if running {
                ui.spinner();
                // A long fit can be dropped; the one before stays shown.
                if ui
                    .small_button("Cancel")
                    .on_hover_text("Stop this fit")
                    .clicked()
                    && let Some((_, _, h)) = self.fitting.take()
                {
                    h.cancel();
                    self.pending_range = None;
                }
            }
            if fit.clicked()
                && let Some(range) = self.shown_range
            {
                let (xs, ys) = points_in(s, range);
                // The curve spans the points fitted, not the plot's margins.
                let (lo, hi) = xs
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                        (a.min(x), b.max(x))
                    });
                let range = if lo <= hi { (lo, hi) } else { range };
                let shape = self.fit_shape;
                let handle = cx.state.tasks().spawn_blocking(
                    &format!("Fitting a {} to {} points", shape.name(), xs.len()),
                    move |_| fit_peak(&xs, &ys, shape),
                );
                self.fitting = Some((key.clone(), shape, handle));
                self.pending_range = Some(range);
                self.fit_x.clone_from(&self.x_from);
            }
        }
    }

    /// The last fit's parameters, under the toolbar.
    fn fit_result_ui(&self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>, key: &ValueKey) {
        match &self.fit {
            Some((k, Ok(f))) if k == key => {
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!("{} fit:", f.shape.name()));
                    for (name, v, e) in &f.params {
                        ui.label(format!("{name} = {} ± {}", short(*v), short(*e)));
                    }
                    ui.weak(format!("reduced χ² = {}", short(f.reduced_chi2)));
                    if ui.small_button("Export fit CSV…").clicked() {
                        let (header, row) = f.table_row();
                        let name = format!(
                            "{}_fit.csv",
                            crate::plot::prepare::last_part(&cx.target.path)
                        );
                        cx.exports
                            .start(ui.ctx(), "Exporting the fit", name, "csv", move |p| {
                                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                                let columns: Vec<&[f64]> =
                                    row.iter().map(std::slice::from_ref).collect();
                                crate::plot::export::write_csv(p, &header, &columns)
                            });
                    }
                });
            }
            Some((k, Err(e))) if k == key => {
                ui.colored_label(ui.visuals().error_fg_color, format!("No fit: {e}"));
            }
            _ => {}
        }
    }

    /// A finished fit becomes the one shown.
    fn poll_fit(&mut self) {
        let Some(result) = crate::runtime::take_finished(&mut self.fitting, |f| &f.2) else {
            return;
        };
        let (key, shape, handle) = result;
        let range = self.pending_range.take().unwrap_or((0.0, 0.0));
        let fit = match handle.block() {
            Ok(table) => {
                Fit::of(&table, shape, range).ok_or_else(|| "the fit gave no parameters".to_owned())
            }
            Err(e) => Err(e.to_string()),
        };
        self.fit = Some((key, fit));
    }

    /// "X: index | <another 1-D dataset of the same length>".
    fn x_choice_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        let doc = cx.target.doc;
        let all = cx.file_objects();
        let n = cx.info.shape.first().copied().unwrap_or(0);
        let candidates: Vec<String> = all.as_deref().map_or_else(Vec::new, |all| {
            crate::plot::prepare::x_candidates(all, &cx.target.path, n)
                .into_iter()
                .map(str::to_owned)
                .collect()
        });
        if candidates.is_empty() {
            return;
        }
        ui.horizontal(|ui| {
            ui.label("X:");
            let shown = self.x_from.as_deref().unwrap_or("index").to_owned();
            let combo = egui::ComboBox::from_id_salt(("line-x", doc))
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.x_from, None, "index");
                    for c in candidates {
                        ui.selectable_value(&mut self.x_from, Some(c.clone()), c);
                    }
                });
            crate::ui::report::widget(ui.ctx(), "combo:X", combo.response.rect);
        });
    }
}

impl View for LineView {
    fn title(&self) -> &'static str {
        "Line"
    }

    fn supports(
        &self,
        info: &DatasetInfo,
        _attrs: &[Attribute],
        _plot: Option<&DefaultPlot>,
    ) -> bool {
        crate::plot::prepare::is_line(info)
    }

    fn reset(&mut self) {
        self.x_from = None;
        self.styled = None;
        // Another dataset: a fit still running is for the one left.
        if let Some((_, _, h)) = self.fitting.take() {
            h.cancel();
        }
        self.fit = None;
    }

    fn values_changed(&mut self) {
        self.cache = None;
        self.aux_cache.clear();
        self.overlay_cache.clear();
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        super::complex_part_ui(ui, cx.look, cx.info);
    }

    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewCx<'_>) {
        if let Some(p) = cx.plot
            && p.log_scale
            && self.styled.as_deref() != Some(cx.target.path.as_str())
        {
            self.log_y = true;
            self.styled = Some(cx.target.path.clone());
        }
        let dim = super::dims::line_ui(ui, cx);
        let selection = crate::plot::prepare::line_selection(cx.info, dim, &cx.slicing.index);
        *cx.shown_slice = Some((selection.clone(), false));
        let key = cx.key(selection.clone());
        let Some(val) = cx.ready(ui, &key) else {
            return;
        };
        let nexus_x = cx.axis_values(dim);
        // No NeXus axis: any other 1-D dataset of the same length can be X.
        let chosen_x = if nexus_x.is_none() && cx.plot.is_none() && cx.info.shape.len() == 1 {
            self.x_choice_ui(ui, cx);
            self.x_from
                .clone()
                .and_then(|p| cx.numbers(&p, Selection::all()).map(|v| (p, v)))
        } else {
            None
        };
        let x_from = chosen_x.as_ref().map(|(p, _)| p.clone());
        let shown = match &self.cache {
            Some(c) if c.key == key && c.x_from == x_from => c.clone(),
            _ => {
                let y = val.to_f64().unwrap_or_default();
                let (x, y, order) = match &chosen_x {
                    Some((_, x)) => {
                        let (x, y, order) = crate::plot::prepare::against(x, &y);
                        (Some(Arc::new(x)), y, order)
                    }
                    None => (None, y, None),
                };
                let c = Shown {
                    key,
                    x_from: x_from.clone(),
                    gaps: LineGaps::of(&y),
                    pyramid: Arc::new(MinMaxPyramid::new(y)),
                    x,
                    order,
                };
                self.cache = Some(c.clone());
                c
            }
        };
        let (pyramid, gaps) = (shown.pyramid.clone(), shown.gaps);
        let (x, x_label) = match (nexus_x, &shown.x, &x_from) {
            (Some((x, l)), _, _) => (Some(x), l),
            (None, Some(x), Some(p)) => (
                Some(x.clone()),
                crate::plot::prepare::last_part(p).to_owned(),
            ),
            _ => (None, "index".to_owned()),
        };
        let parts = crate::plot::prepare::line_parts(cx.entity, cx.plot);
        // Auxiliary signals (NeXus `@auxiliary_signals`) over the same axes.
        let doc = cx.target.doc;
        let mut extra = Vec::new();
        for (aux, name) in parts.auxiliary {
            let key = ValueKey {
                doc,
                path: aux.clone(),
                selection: selection.clone(),
                part: None,
            };
            if let Some((_, p)) = self.aux_cache.iter().find(|(k, _)| *k == key) {
                extra.push((name, p.clone()));
            } else if let Some(vals) = cx.numbers(&aux, selection.clone()) {
                let p = Arc::new(MinMaxPyramid::new(vals));
                self.aux_cache.retain(|(k, _)| k.doc == doc);
                self.aux_cache.push((key, p.clone()));
                extra.push((name, p));
            }
        }
        let errors = parts
            .errors
            .and_then(|e| cx.numbers(&e, selection))
            .map(|e| match &shown.order {
                // In the order the points were put in against X.
                Some(order) => order.iter().filter_map(|&i| e.get(i).copied()).collect(),
                None => e,
            })
            .map(Arc::new);
        self.poll_fit();
        // A fit made against another X is not this plot's.
        if self.fit.is_some() && self.fit_x != shown.x_from {
            self.fit = None;
        }
        let curve = match &self.fit {
            Some((k, Ok(f))) if *k == shown.key => Some(f.curve.clone()),
            _ => None,
        };
        let overlay_states = super::overlays::gather(cx, &mut self.overlay_cache);
        let first_overlay = overlay_colour_base(extra.len());
        let mut series = Series {
            pyramid,
            x,
            errors,
            x_label,
            y_label: parts.y_label,
            log_y: self.log_y,
            extra,
            fit: curve,
            overlays: Vec::new(),
        };
        ui.horizontal(|ui| {
            let log = ui.checkbox(&mut self.log_y, "Log scale");
            crate::ui::report::widget(ui.ctx(), "checkbox:Log scale", log.rect);
            let csv = ui.button("Export CSV…");
            crate::ui::report::widget(ui.ctx(), "button:Export CSV…", csv.rect);
            if csv.clicked() {
                let y = series.pyramid.values().to_vec();
                let x = series.x.as_ref().map(|x| x.to_vec());
                let e = series.errors.as_ref().map(|e| e.to_vec());
                let (xl, yl) = (series.x_label.clone(), series.y_label.clone());
                cx.exports.start(
                    ui.ctx(),
                    "Exporting CSV",
                    cx.export_name("csv"),
                    "csv",
                    move |p| {
                        let xs: Vec<f64> =
                            x.unwrap_or_else(|| (0..y.len()).map(|i| i as f64).collect());
                        match &e {
                            Some(e) => crate::plot::export::write_csv(
                                p,
                                &[&xl, &yl, "uncertainty"],
                                &[&xs, &y, e],
                            ),
                            None => crate::plot::export::write_csv(p, &[&xl, &yl], &[&xs, &y]),
                        }
                    },
                );
            }
            if ui.button("Export SVG…").clicked() {
                let svg = crate::plot::export::line_svg(
                    &overview(&series, 2000),
                    &series.x_label,
                    &series.y_label,
                );
                cx.exports.start(
                    ui.ctx(),
                    "Exporting SVG",
                    cx.export_name("svg"),
                    "svg",
                    move |p| crate::plot::export::write_text(p, &svg),
                );
            }
            ui.separator();
            self.fit_controls_ui(ui, cx, &series, &shown.key);
        });
        self.fit_result_ui(ui, cx, &shown.key);
        super::overlays::list_ui(
            ui,
            &overlay_states,
            |k| crate::ui::theme::plot_line(first_overlay + k),
            cx.out,
        );
        series.overlays = overlay_states
            .into_iter()
            .filter_map(|(_, s)| match s {
                super::overlays::State::Shown(line) => Some(line),
                super::overlays::State::Not(..) => None,
            })
            .collect();
        if let Some(note) = gaps.note(self.log_y) {
            ui.weak(note);
        }
        let (range, dropped) = line_ui(ui, egui::Id::new(("line", &cx.target.path)), &series);
        self.shown_range = Some(range);
        // A dataset dragged from the Files panel onto the plot is drawn over it.
        if let Some(t) = dropped {
            cx.out.push(
                crate::command::DocumentsCommand::Overlay(
                    crate::state::documents::OverlayCommand::Add((*t).clone()),
                )
                .into(),
            );
        }
        super::report_plotted(ui);
    }
}

/// The finite points of the series whose x lies in `range`.
fn points_in(s: &Series, (lo, hi): (f64, f64)) -> (Vec<f64>, Vec<f64>) {
    let y = s.pyramid.values();
    (0..y.len())
        .map(|i| (x_at(s.x.as_ref(), i), y[i]))
        .filter(|(x, v)| (lo..=hi).contains(x) && x.is_finite() && v.is_finite())
        .unzip()
}

/// The `i`-th line of a plot, in one colour, broken where a point cannot be
/// drawn (not a number, or ≤ 0 on a log scale) rather than joined across.
fn line_parts(plot_ui: &mut egui_plot::PlotUi<'_>, name: &str, pts: &[[f64; 2]], i: usize) {
    let color = crate::ui::theme::plot_line(i);
    for run in finite_runs(pts) {
        plot_ui.line(Line::new(name.to_owned(), PlotPoints::from(run)).color(color));
    }
}

/// A series ready to draw.
pub struct Series {
    pub pyramid: Arc<MinMaxPyramid>,
    /// X values (monotonic) or `None` for the index.
    pub x: Option<Arc<Vec<f64>>>,
    pub errors: Option<Arc<Vec<f64>>>,
    pub x_label: String,
    pub y_label: String,
    /// Plot log10(y); values ≤ 0 are left out.
    pub log_y: bool,
    /// More signals over the same x (NeXus `@auxiliary_signals`), by name.
    pub extra: Vec<(String, Arc<MinMaxPyramid>)>,
    /// A fitted curve drawn over the line.
    pub fit: Option<Vec<[f64; 2]>>,
    /// Lines of other datasets, each on its own X.
    pub overlays: Vec<super::overlays::OverlayLine>,
}

/// The colour index of the first overlaid line: after the line, its
/// auxiliary signals and the fit.
fn overlay_colour_base(extra: usize) -> usize {
    extra + 2
}

/// Error bars are drawn (instead of a band) when at most this many points
/// are visible.
pub const ERROR_BARS_BELOW: usize = 400;

/// Where to draw error bars: (x, y − e, y + e) for each visible point, in
/// plot coordinates (log10 when `log`; a lower end ≤ 0 is cut at the point).
pub fn error_bars(
    cols: &[(usize, f64, f64)],
    x: Option<&Arc<Vec<f64>>>,
    err: &[f64],
    log: bool,
) -> Vec<(f64, f64, f64)> {
    cols.iter()
        .filter_map(|&(i, y, _)| {
            let e = err.get(i).copied().filter(|e| e.is_finite() && *e > 0.0)?;
            let (lo, hi) = (y - e, y + e);
            let lo = if log && lo <= 0.0 { y } else { lo };
            let (lo, hi) = (fy(log, lo), fy(log, hi));
            (lo.is_finite() && hi.is_finite()).then_some((x_at(x, i), lo, hi))
        })
        .collect()
}

fn fy(log: bool, v: f64) -> f64 {
    if log {
        if v > 0.0 { v.log10() } else { f64::NAN }
    } else {
        v
    }
}

/// The whole series decimated to `columns` (x, y) points, for export.
pub fn overview(s: &Series, columns: usize) -> Vec<[f64; 2]> {
    let mut pts = Vec::new();
    for (i, mn, mx) in s.pyramid.decimate(0, s.pyramid.len(), columns) {
        let x = x_at(s.x.as_ref(), i);
        pts.push([x, mn]);
        if mx != mn {
            pts.push([x, mx]);
        }
    }
    pts
}

fn x_at(x: Option<&Arc<Vec<f64>>>, i: usize) -> f64 {
    x.and_then(|x| x.get(i).copied()).unwrap_or(i as f64)
}

/// The data's x extent (first to last point, in increasing order).
fn extent(x: Option<&Arc<Vec<f64>>>, n: usize) -> (f64, f64) {
    let (a, b) = (x_at(x, 0), x_at(x, n.saturating_sub(1)));
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    if b > a { (a, b) } else { (a - 0.5, a + 0.5) }
}

/// Whether the x range the plot now shows reaches data outside the range
/// whose points were drawn.
fn needs_redraw(t: &egui_plot::PlotTransform, extent: (f64, f64), drawn: (f64, f64)) -> bool {
    let b = t.bounds();
    let need = (b.min()[0].max(extent.0), b.max()[0].min(extent.1));
    let slack = (drawn.1 - drawn.0).abs() * 1e-9;
    need.0 < need.1 && (need.0 < drawn.0 - slack || need.1 > drawn.1 + slack)
}

/// A coordinate in at most about 8 characters.
fn short(v: f64) -> String {
    super::image::short(v)
}

/// Index range of points whose x lies in `lo..=hi` (x assumed increasing).
fn visible(x: Option<&Arc<Vec<f64>>>, n: usize, lo: f64, hi: f64) -> (usize, usize) {
    match x {
        Some(x) if x.len() >= n && x.first() <= x.last() => {
            let xs = &x[..n];
            let s = xs.partition_point(|&v| v < lo).saturating_sub(1);
            let e = (xs.partition_point(|&v| v <= hi) + 1).min(n);
            (s, e)
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        _ => (
            lo.floor().max(0.0).min(n as f64) as usize,
            (hi.ceil() + 1.0).max(0.0).min(n as f64) as usize,
        ),
    }
}

/// Draw the series; returns the x range shown, and a dataset dropped on
/// the plot.
pub fn line_ui(
    ui: &mut egui::Ui,
    id: egui::Id,
    s: &Series,
) -> ((f64, f64), Option<Arc<crate::state::Target>>) {
    let n = s.pyramid.len();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let columns = (ui.available_width().max(100.0) * ui.ctx().pixels_per_point()) as usize;
    let log = s.log_y;
    let plot = Plot::new((id, log))
        .y_axis_label(s.y_label.clone())
        .allow_double_click_reset(true)
        .coordinates_formatter(
            Corner::LeftBottom,
            CoordinatesFormatter::new(move |p, _| {
                let y = if log { 10f64.powf(p.y) } else { p.y };
                format!("x = {}   y = {}", short(p.x), short(y))
            }),
        );
    let mut plot = super::axes::readable(plot, s.x_label.clone(), log);
    if !s.extra.is_empty() || s.fit.is_some() || !s.overlays.is_empty() {
        plot = plot.legend(Legend::default());
    }
    let mut drawn_lines = Vec::new();
    let mut bars: Vec<(f64, f64, f64)> = Vec::new();
    // The data's extent, overlaid lines included (each on its own X).
    let extent = s.overlays.iter().fold(extent(s.x.as_ref(), n), |e, o| {
        let (a, b) = self::extent(o.x.as_ref(), o.pyramid.len());
        (e.0.min(a), e.1.max(b))
    });
    let mut drawn = extent;
    let response = plot.show(ui, |plot_ui| {
        super::axes::scroll_zooms(plot_ui);
        // Fitting to the data (at first, after a reset or a change of
        // scale): every point, so the fit covers the data's whole extent.
        // Zoomed or panned: the points in last frame's range.
        let b = plot_ui.plot_bounds();
        let auto = plot_ui.auto_bounds().x || !(b.is_valid() && b.width() > 0.0);
        let (lo, hi) = if auto {
            extent
        } else {
            (b.min()[0], b.max()[0])
        };
        drawn = (lo, hi);
        let (start, end) = visible(s.x.as_ref(), n, lo, hi);
        let cols = s.pyramid.decimate(start, end, columns);
        let exact = cols.iter().all(|c| c.1 == c.2);
        let mut pts: Vec<[f64; 2]> = Vec::with_capacity(cols.len() * 2);
        for &(i, mn, mx) in &cols {
            let x = x_at(s.x.as_ref(), i);
            pts.push([x, fy(log, mn)]);
            if !exact {
                pts.push([x, fy(log, mx)]);
            }
        }
        if let Some(err) = &s.errors
            && exact
        {
            if cols.len() <= ERROR_BARS_BELOW {
                bars = error_bars(&cols, s.x.as_ref(), err, log);
            } else if cols.len() <= 20_000 {
                // A band through every point (zero where there is no uncertainty).
                let e = |i: usize| err.get(i).copied().filter(|e| e.is_finite()).unwrap_or(0.0);
                let xs: Vec<f64> = cols.iter().map(|c| x_at(s.x.as_ref(), c.0)).collect();
                let lo: Vec<f64> = cols
                    .iter()
                    .map(|c| {
                        let v = c.1 - e(c.0);
                        fy(log, if log && v <= 0.0 { c.1 } else { v })
                    })
                    .collect();
                let hi: Vec<f64> = cols.iter().map(|c| fy(log, c.1 + e(c.0))).collect();
                plot_ui.add(FilledArea::new("uncertainty", &xs, &lo, &hi));
            }
        }
        drawn_lines.push(crate::ui::report::LineReport::of(&s.y_label, &pts));
        line_parts(plot_ui, &s.y_label, &pts, 0);
        for (k, (name, p)) in s.extra.iter().enumerate() {
            let n = p.len().min(n);
            let mut pts: Vec<[f64; 2]> = Vec::new();
            for (i, mn, mx) in p.decimate(start.min(n), end.min(n), columns) {
                let x = x_at(s.x.as_ref(), i);
                pts.push([x, fy(log, mn)]);
                if mx != mn {
                    pts.push([x, fy(log, mx)]);
                }
            }
            line_parts(plot_ui, name, &pts, k + 1);
        }
        for (k, o) in s.overlays.iter().enumerate() {
            let n = o.pyramid.len();
            // Every point while the plot fits the data (so the overlaid
            // lines widen it), else those in range.
            let increasing = o.x.as_ref().is_none_or(|x| x.first() <= x.last());
            let (a, b) = if auto || !increasing {
                (0, n)
            } else {
                visible(o.x.as_ref(), n, lo, hi)
            };
            let mut pts: Vec<[f64; 2]> = Vec::new();
            for (i, mn, mx) in o.pyramid.decimate(a, b, columns) {
                let x = x_at(o.x.as_ref(), i);
                pts.push([x, fy(log, mn) + o.offset]);
                if mx != mn {
                    pts.push([x, fy(log, mx) + o.offset]);
                }
            }
            drawn_lines.push(crate::ui::report::LineReport::of(&o.name, &pts));
            line_parts(
                plot_ui,
                &o.name,
                &pts,
                overlay_colour_base(s.extra.len()) + k,
            );
        }
        if let Some(curve) = &s.fit {
            let pts: Vec<[f64; 2]> = curve.iter().map(|&[x, y]| [x, fy(log, y)]).collect();
            let color = crate::ui::theme::plot_line(s.extra.len() + 1);
            for run in finite_runs(&pts) {
                plot_ui.line(
                    Line::new("fit", PlotPoints::from(run))
                        .color(color)
                        .style(egui_plot::LineStyle::dashed_dense()),
                );
            }
        }
    });
    // This frame's zoom or pan moved the range after the points were chosen:
    // draw once more, so the range shown is never left part empty.
    crate::ui::report::plot(ui.ctx(), "line", &response.transform);
    crate::ui::report::update(ui.ctx(), |r| r.lines = drawn_lines);
    // A dataset dragged from the Files panel: outlined while over the plot.
    let dropped = response
        .response
        .dnd_release_payload::<crate::state::Target>();
    if response
        .response
        .dnd_hover_payload::<crate::state::Target>()
        .is_some()
    {
        ui.painter().rect_stroke(
            response.response.rect,
            2.0,
            ui.visuals().selection.stroke,
            egui::StrokeKind::Inside,
        );
    }
    if needs_redraw(&response.transform, extent, drawn) {
        ui.ctx().request_repaint();
    }
    // Error bars: a vertical stroke with caps at each visible point, drawn in
    // screen space over the plot.
    if !bars.is_empty() {
        let rect = response.response.rect;
        let painter = ui.painter_at(rect);
        let stroke = egui::Stroke::new(
            1.0,
            ui.visuals()
                .widgets
                .noninteractive
                .fg_stroke
                .color
                .gamma_multiply(0.7),
        );
        // Caps only where the bars are far enough apart to tell them apart.
        let caps = (bars.len() as f32) * 10.0 < rect.width();
        let t = &response.transform;
        for (x, lo, hi) in bars {
            let a = t.position_from_point(&PlotPoint::new(x, lo));
            let b = t.position_from_point(&PlotPoint::new(x, hi));
            painter.line_segment([a, b], stroke);
            if caps {
                for end in [a, b] {
                    painter.line_segment(
                        [end - egui::vec2(3.0, 0.0), end + egui::vec2(3.0, 0.0)],
                        stroke,
                    );
                }
            }
        }
    }
    let b = response.transform.bounds();
    ((b.min()[0], b.max()[0]), dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bars_span_the_uncertainty_also_on_log_axes() {
        let cols = [(0, 10.0, 10.0), (1, 100.0, 100.0), (2, 1.0, 1.0)];
        let err = [1.0, 10.0, 2.0];
        let bars = error_bars(&cols, None, &err, false);
        assert_eq!(
            bars,
            vec![(0.0, 9.0, 11.0), (1.0, 90.0, 110.0), (2.0, -1.0, 3.0)]
        );
        let bars = error_bars(&cols, None, &err, true);
        assert!((bars[1].1 - 90f64.log10()).abs() < 1e-12);
        assert!((bars[1].2 - 110f64.log10()).abs() < 1e-12);
        // Below zero on a log axis: the bar starts at the point.
        assert!((bars[2].1 - 0.0).abs() < 1e-12 && (bars[2].2 - 3f64.log10()).abs() < 1e-12);
        // No bar for missing or zero uncertainties.
        assert_eq!(error_bars(&cols, None, &[0.0], false), Vec::new());
    }

    /// The fit's table row is the workflow's peak-fit table, read back.
    #[test]
    fn a_fit_exports_as_the_workflow_table_gives_it() {
        let x: Vec<f64> = (0..100).map(|i| f64::from(i) * 0.1).collect();
        let y: Vec<f64> = x.iter().map(|&v| 2.0 * v - 1.0).collect();
        let table = fit_peak(&x, &y, Shape::Linear).expect("fit");
        let fit = Fit::of(&table, Shape::Linear, (0.0, 9.9)).expect("fit");
        let (header, row) = fit.table_row();
        assert_eq!(header, table.columns);
        assert_eq!(row, table.rows[0]);
        let [x0, y0] = fit.curve[0];
        assert!(x0 == 0.0 && (y0 + 1.0).abs() < 1e-9, "{x0}, {y0}");
    }

    #[test]
    fn visible_range_follows_x_values() {
        let x = Arc::new((0..100).map(|i| f64::from(i) * 0.5).collect::<Vec<_>>());
        assert_eq!(visible(Some(&x), 100, 10.0, 20.0), (19, 42));
        assert_eq!(visible(None, 100, -5.0, 1000.0), (0, 100));
        assert_eq!(visible(None, 100, 10.2, 20.7), (10, 22));
    }
}
