//! The viewer: breadcrumbs, the inspector, and the view of the selected
//! dataset (value, line, image, stack or table), with the alternatives offered.

use std::collections::HashMap;
use std::sync::Arc;

use crate::command::{Command, TabKind};
use crate::data::nexus::DefaultPlot;
use crate::data::{DatasetInfo, Entity, Selection, Value};
use crate::plot::{Colormap, MinMaxPyramid, Scale};
use crate::state::{AppState, Load, Target, ValueKey};
use crate::ui::file_dialog;
use crate::ui::inspector::inspector_ui;
use crate::ui::views::image::{self, ImageData, Look};
use crate::ui::views::{line, table};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKind {
    Value,
    Line,
    Image,
    Stack,
    Table,
}

impl ViewKind {
    fn title(self) -> &'static str {
        match self {
            Self::Value => "Value",
            Self::Line => "Line",
            Self::Image => "Image",
            Self::Stack => "Stack",
            Self::Table => "Table",
        }
    }
}

/// The views that make sense for a dataset, the natural one first.
pub fn views_for(info: &DatasetInfo) -> Vec<ViewKind> {
    use ViewKind::{Image, Line, Stack, Table, Value};
    if !info.dtype.is_numeric() {
        return if info.shape.is_empty() {
            vec![Value]
        } else {
            vec![Table]
        };
    }
    match info.shape.len() {
        0 => vec![Value],
        1 => vec![Line, Table],
        2 => vec![Image, Line, Table],
        _ => vec![Stack, Table],
    }
}

struct TexCache {
    key: ValueKey,
    colormap: Colormap,
    scale: Scale,
    image: ImageData,
    /// The colour range, how it was chosen and what it leaves out.
    info: crate::plot::ColorRange,
    /// CPU-coloured texture (when the GPU path is off).
    texture: Option<egui::TextureHandle>,
    /// The values as uploaded to the GPU, with the id the GPU cache knows them by.
    gpu: Option<(u64, Arc<crate::data::Value>)>,
}

pub struct ViewerUi {
    /// Colour images on the GPU (wgpu renderer with the colormap pipeline installed).
    pub gpu_images: bool,
    next_image_id: u64,
    choice: HashMap<(u64, String), ViewKind>,
    last_target: Option<Target>,
    frame: usize,
    row: usize,
    /// Stacks: the axes shown as rows and columns, and the index on every other axis.
    shown_axes: Option<(usize, usize)>,
    index: Vec<usize>,
    colormap: Colormap,
    scale: Scale,
    aspect_lock: bool,
    /// Colours over the whole extent instead of the 0.5–99.5 % percentiles.
    full_range: bool,
    /// The state's value generation the caches below were built from.
    generation: u64,
    line_cache: Option<(ValueKey, Arc<MinMaxPyramid>)>,
    /// Pyramids of the auxiliary signals shown with the line.
    aux_cache: Vec<(ValueKey, Arc<MinMaxPyramid>)>,
    tex: Option<TexCache>,
    readout: Option<String>,
    log_y: bool,
    export: Option<crate::runtime::TaskHandle<Option<String>>>,
    /// An export waiting for its save dialog: its title and writer.
    export_pending: Option<(String, Box<Writer>)>,
    /// The part of the dataset the view shows (and whether it is shown
    /// transposed), for **Export data… → This slice**.
    shown_slice: Option<(Selection, bool)>,
    /// A data export waiting for its save dialog: what it exports.
    data_export: Option<(Target, Selection, bool)>,
}

/// Writes an export to the path chosen.
type Writer = dyn FnOnce(&std::path::Path) -> Result<(), crate::plot::export::ExportError> + Send;

/// Keys of the viewer's dialogs (see `ui::file_dialog`).
const EXPORT_DIALOG: &str = "viewer export";
const DATA_EXPORT_DIALOG: &str = "viewer data export";

impl Default for ViewerUi {
    fn default() -> Self {
        Self {
            gpu_images: false,
            next_image_id: 0,
            choice: HashMap::new(),
            last_target: None,
            frame: 0,
            row: 0,
            shown_axes: None,
            index: Vec::new(),
            colormap: Colormap::Viridis,
            scale: Scale::Linear,
            aspect_lock: false,
            full_range: false,
            generation: 0,
            line_cache: None,
            aux_cache: Vec::new(),
            tex: None,
            readout: None,
            log_y: false,
            export: None,
            export_pending: None,
            shown_slice: None,
            data_export: None,
        }
    }
}

/// Ask where to save, then write the file with `write`, on a background task.
fn start_export(
    ctx: &egui::Context,
    v: &mut ViewerUi,
    title: &str,
    default_name: String,
    ext: &'static str,
    write: impl FnOnce(&std::path::Path) -> Result<(), crate::plot::export::ExportError>
    + Send
    + 'static,
) {
    if v.export.is_some() || v.export_pending.is_some() {
        return;
    }
    v.export_pending = Some((title.to_owned(), Box::new(write)));
    file_dialog::request(
        ctx,
        EXPORT_DIALOG,
        file_dialog::Request::new(title, file_dialog::Mode::Save(default_name))
            .filter(&ext.to_uppercase(), &[ext]),
    );
}

/// Ask where to write the data (any format `data::export` knows), then
/// hand the export to the state as a command.
fn start_data_export(
    ctx: &egui::Context,
    v: &mut ViewerUi,
    target: &Target,
    selection: Selection,
    transpose: bool,
) {
    if v.data_export.is_some() {
        return;
    }
    let name = format!("{}.npy", file_stem(&target.path));
    let mut req = file_dialog::Request::new("Export data", file_dialog::Mode::Save(name));
    for f in crate::data::export::FORMATS {
        req = req.filter(f.name, f.extensions);
    }
    file_dialog::request(ctx, DATA_EXPORT_DIALOG, req);
    v.data_export = Some((target.clone(), selection, transpose));
}

fn poll_data_export(ctx: &egui::Context, v: &mut ViewerUi, out: &mut Vec<Command>) {
    let Some(answer) = file_dialog::take_answer(ctx, DATA_EXPORT_DIALOG) else {
        return;
    };
    let Some((target, selection, transpose)) = v.data_export.take() else {
        return;
    };
    if let file_dialog::Answer::Picked(to) = answer {
        out.push(Command::ExportData {
            doc: target.doc,
            path: target.path,
            selection,
            transpose,
            to,
        });
    }
}

fn poll_export(ctx: &egui::Context, state: &mut AppState, v: &mut ViewerUi) {
    // The save dialog answered: write there (a cancelled dialog writes nothing
    // and says nothing).
    if let Some(answer) = file_dialog::take_answer(ctx, EXPORT_DIALOG)
        && let Some((title, write)) = v.export_pending.take()
        && let file_dialog::Answer::Picked(path) = answer
    {
        v.export = Some(state.tasks().spawn(&title, move |_| async move {
            write(&path).map(|()| Some(path.display().to_string()))
        }));
    }
    let Some(h) = v.export.take() else {
        return;
    };
    match h.try_take() {
        Err(h) => v.export = Some(h),
        Ok(Ok(Some(path))) => state.notify(crate::state::Level::Info, "Exported", path),
        Ok(Ok(None)) => {}
        Ok(Err(e)) => state.notify(crate::state::Level::Error, "Export failed", e.to_string()),
    }
}

/// What the colours span and leave out, in words, with one click to the
/// whole range (or back to the percentiles).
fn colour_range_note(
    ui: &mut egui::Ui,
    info: &crate::plot::ColorRange,
    scale: Scale,
    full_range: &mut bool,
) {
    let short = image::short;
    let mut parts = Vec::new();
    if info.percentiles {
        parts.push(format!(
            "Colours span the 0.5–99.5 % percentiles, {} to {}",
            short(info.range.0),
            short(info.range.1)
        ));
        if info.clips() {
            parts.push(format!(
                "clipped: the values run from {} to {}",
                short(info.min),
                short(info.max)
            ));
        }
    } else {
        parts.push(format!(
            "Colours span the whole range, {} to {}",
            short(info.range.0),
            short(info.range.1)
        ));
    }
    if info.not_on_scale > 0 {
        let what = if scale == Scale::Log { "≤ 0" } else { "< 0" };
        parts.push(format!(
            "{} values {what} are not shown on the {} scale",
            info.not_on_scale,
            scale.name()
        ));
    }
    if info.gaps > 0 {
        parts.push(format!(
            "{} pixels at the type's largest value (detector gaps) are left out",
            info.gaps
        ));
    }
    ui.weak(parts.join("; "));
    let (label, hint) = if info.percentiles {
        ("Full range", "Colour the whole range of the values")
    } else {
        (
            "Percentiles",
            "Colour the 0.5–99.5 % percentiles (outliers clipped)",
        )
    };
    if ui.small_button(label).on_hover_text(hint).clicked() {
        *full_range = !*full_range;
    }
}

fn file_stem(path: &str) -> String {
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("data")
        .to_owned()
}

fn breadcrumbs(ui: &mut egui::Ui, state: &AppState, t: &Target, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        let label = state
            .document(t.doc)
            .map(|d| d.label.clone())
            .unwrap_or_default();
        if ui.link(label).clicked() {
            out.push(Command::Select {
                doc: t.doc,
                path: "/".into(),
            });
        }
        let mut acc = String::new();
        for part in t.path.split('/').filter(|p| !p.is_empty()) {
            acc.push('/');
            acc.push_str(part);
            ui.weak("›");
            if ui.link(part).clicked() {
                out.push(Command::Select {
                    doc: t.doc,
                    path: acc.clone(),
                });
            }
        }
    });
}

/// Show a loading/error state for a value; returns it when ready.
fn ready(ui: &mut egui::Ui, load: &Load<Arc<Value>>) -> Option<Arc<Value>> {
    crate::ui::loaded(ui, Some(load)).cloned()
}

/// Axis values for a signal dimension, from the NeXus default plot, when loaded.
fn axis_values(
    state: &mut AppState,
    doc: u64,
    plot: Option<&DefaultPlot>,
    dim: usize,
) -> Option<(Arc<Vec<f64>>, String)> {
    let axis = plot?.axis(dim)?;
    let key = ValueKey {
        doc,
        path: axis.path.clone(),
        selection: Selection::all(),
    };
    match state.value(&key) {
        Load::Ready(v) => v.to_f64().map(|x| (Arc::new(x), axis.label())),
        _ => None,
    }
}

/// The selection of a stack that shows axes `rows` and `cols` whole and
/// takes `index[a]` on every other axis `a` (trailing whole axes left out, so
/// a frame of the first axis reads through the parallel chunk path).
fn stack_selection(nd: usize, (rows, cols): (usize, usize), index: &[usize]) -> Selection {
    let mut parts: Vec<String> = (0..nd)
        .map(|a| {
            if a == rows || a == cols {
                ":".to_owned()
            } else {
                index.get(a).copied().unwrap_or(0).to_string()
            }
        })
        .collect();
    while parts.last().is_some_and(|p| p == ":") {
        parts.pop();
    }
    Selection::parse(&parts.join(",")).unwrap_or_default()
}

/// The name of axis `a` of a stack for the axis choosers and sliders.
fn axis_name(plot: Option<&DefaultPlot>, info: &DatasetInfo, a: usize) -> String {
    let n = info.shape.get(a).copied().unwrap_or(0);
    match plot.and_then(|p| p.axis(a)) {
        Some(ax) => format!("{} ({n})", ax.label()),
        None => format!("axis {a} ({n})"),
    }
}

/// The last two axes whole, the first at `frame` and other leading axes at 0.
fn frame_selection(info: &DatasetInfo, frame: usize) -> Selection {
    let nd = info.shape.len();
    stack_selection(nd, (nd.saturating_sub(2), nd.saturating_sub(1)), &[frame])
}

pub fn ui(ui: &mut egui::Ui, state: &mut AppState, v: &mut ViewerUi, out: &mut Vec<Command>) {
    // Values were read again (the CF conventions switched): so are the views'.
    if v.generation != state.value_generation {
        v.generation = state.value_generation;
        v.line_cache = None;
        v.aux_cache.clear();
        v.tex = None;
    }
    poll_export(&ui.ctx().clone(), state, v);
    let Some(target) = state.selected.clone() else {
        let hint = if state.documents.is_empty() {
            "Open a file to see its data here."
        } else {
            "Pick a dataset under Files to see its data here."
        };
        super::empty_state(
            ui,
            "Nothing to plot yet",
            hint,
            Some(("Show Files", Command::ShowTab(TabKind::Files))),
            out,
        );
        return;
    };
    if v.last_target.as_ref() != Some(&target) {
        v.last_target = Some(target.clone());
        v.frame = 0;
        v.row = 0;
        v.shown_axes = None;
        v.index.clear();
        v.readout = None;
    }
    breadcrumbs(ui, state, &target, out);
    let Some(entity) = crate::ui::loaded(ui, state.entity(target.doc, &target.path)).cloned()
    else {
        return;
    };
    let plot = state.plot_for(&target).cloned();
    // A steady width whatever the attributes say (long values wrap).
    egui::Panel::right("inspector")
        .resizable(true)
        .default_size(300.0)
        .min_size(220.0)
        .max_size(480.0)
        .show(ui, |ui| inspector_ui(ui, &entity, plot.as_ref()));
    egui::CentralPanel::default().show(ui, |ui| {
        view_ui(ui, state, v, &target, &entity, plot.as_ref(), out)
    });
}

fn view_ui(
    ui: &mut egui::Ui,
    state: &mut AppState,
    v: &mut ViewerUi,
    target: &Target,
    entity: &Entity,
    plot: Option<&DefaultPlot>,
    out: &mut Vec<Command>,
) {
    let Some(info) = entity.dataset() else {
        ui.label(format!(
            "{} — {} members",
            entity.kind,
            entity.children.len()
        ));
        // This group's own plot (followed through its @default, or itself
        // when it is NXdata); else the file's.
        let doc = state.document(target.doc);
        let own = doc.and_then(|d| match d.plots.get(&target.path) {
            Some(Load::Ready(Some(p))) => Some(p.clone()),
            _ => None,
        });
        if let Some(p) = own {
            if ui
                .button("Show the plot")
                .on_hover_text(format!("Plot {} with its axes", p.signal))
                .clicked()
            {
                out.push(Command::Select {
                    doc: target.doc,
                    path: p.signal,
                });
            }
        } else if doc.is_some_and(|d| matches!(d.default_plot, Some(Ok(_))))
            && ui.button("Show the file's default plot").clicked()
        {
            out.push(Command::OpenDefaultPlot(target.doc));
        }
        return;
    };
    // netCDF variables with CF attributes: the rule in words, and a switch
    // to the raw stored values (the inspector always shows those).
    if let Some(rule) = crate::data::cf::CfRule::of(entity) {
        ui.horizontal_wrapped(|ui| {
            let mut on = state.cf_conventions;
            if ui
                .checkbox(&mut on, "CF conventions")
                .on_hover_text(
                    "Read the values as the variable's CF attributes say (the inspector shows the raw attributes)",
                )
                .changed()
            {
                out.push(Command::SetCfConventions(on));
            }
            ui.weak(if on {
                rule.describe()
            } else {
                "raw stored values".to_owned()
            });
        });
    }
    if let Some(f) = info.missing_filter() {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!(
                "This dataset is compressed with {} (filter {}), which this build does not include. The rest of the file is still available.",
                f.name, f.id
            ),
        );
        return;
    }
    let kinds = views_for(info);
    let choice_key = (target.doc, target.path.clone());
    let mut kind = v
        .choice
        .get(&choice_key)
        .copied()
        .filter(|k| kinds.contains(k))
        .unwrap_or(kinds[0]);
    ui.horizontal_wrapped(|ui| {
        if kinds.len() > 1 {
            for k in &kinds {
                if ui.selectable_label(kind == *k, k.title()).clicked() {
                    kind = *k;
                    v.choice.insert(choice_key.clone(), *k);
                }
            }
            ui.separator();
        }
        if matches!(kind, ViewKind::Image | ViewKind::Stack) {
            egui::ComboBox::from_id_salt("colormap")
                .selected_text(v.colormap.name())
                .show_ui(ui, |ui| {
                    for c in Colormap::ALL {
                        ui.selectable_value(&mut v.colormap, c, c.name());
                    }
                });
            egui::ComboBox::from_id_salt("scale")
                .selected_text(v.scale.name())
                .show_ui(ui, |ui| {
                    for s in Scale::ALL {
                        ui.selectable_value(&mut v.scale, s, s.name());
                    }
                });
            ui.checkbox(&mut v.aspect_lock, "Lock aspect");
        }
        ui.menu_button("Export data…", |ui| {
            if ui
                .button("Whole dataset…")
                .on_hover_text("Write all of it: .npy, .csv/.tsv, .tiff, .h5/.nxs")
                .clicked()
            {
                start_data_export(&ui.ctx().clone(), v, target, Selection::all(), false);
                ui.close();
            }
            let slice = v.shown_slice.clone();
            if ui
                .add_enabled(slice.is_some(), egui::Button::new("The slice shown…"))
                .on_hover_text("Write what the view shows, as it is shown (rows and columns)")
                .clicked()
                && let Some((sel, transpose)) = slice
            {
                start_data_export(&ui.ctx().clone(), v, target, sel, transpose);
                ui.close();
            }
        });
    });
    poll_data_export(&ui.ctx().clone(), v, out);
    v.shown_slice = None;
    let doc = target.doc;
    let path = target.path.clone();
    match kind {
        ViewKind::Value | ViewKind::Table => {
            let selection = if info.shape.len() >= 3 {
                frame_selection(info, v.frame)
            } else {
                Selection::all()
            };
            let key = ValueKey {
                doc,
                path,
                selection,
            };
            if let Some(val) = ready(ui, &state.value(&key)) {
                if kind == ViewKind::Value {
                    ui.add_space(12.0);
                    let units = entity
                        .attr_text("units")
                        .map(|u| format!(" {u}"))
                        .unwrap_or_default();
                    ui.heading(format!("{}{units}", val.preview(16)));
                } else {
                    // Compound data: one column per field, named; references: links.
                    let names: Option<Vec<String>> = match &info.dtype {
                        crate::data::DType::Compound { fields }
                            if val.shape.last() == Some(&fields.len()) =>
                        {
                            Some(fields.iter().map(|(n, _)| n.clone()).collect())
                        }
                        _ => None,
                    };
                    let columns = table::Columns {
                        names: names.as_deref(),
                        links: info.dtype == crate::data::DType::Reference,
                    };
                    if let Some(target) = table::table_ui(
                        ui,
                        egui::Id::new(("table", doc, &key.path)),
                        &val,
                        &columns,
                    ) {
                        out.push(Command::Select { doc, path: target });
                    }
                }
            }
        }
        ViewKind::Line => {
            let selection = if info.shape.len() == 2 {
                let rows = usize::try_from(info.shape[0]).unwrap_or(1);
                ui.add(egui::Slider::new(&mut v.row, 0..=rows.saturating_sub(1)).text("row"));
                Selection::parse(&v.row.to_string()).unwrap_or_default()
            } else {
                Selection::all()
            };
            v.shown_slice = Some((selection.clone(), false));
            let key = ValueKey {
                doc,
                path: path.clone(),
                selection: selection.clone(),
            };
            let Some(val) = ready(ui, &state.value(&key)) else {
                return;
            };
            let pyramid = match &v.line_cache {
                Some((k, p)) if *k == key => p.clone(),
                _ => {
                    let p = Arc::new(MinMaxPyramid::new(val.to_f64().unwrap_or_default()));
                    v.line_cache = Some((key.clone(), p.clone()));
                    p
                }
            };
            let dim = info.shape.len() - 1;
            let (x, x_label) = match axis_values(state, doc, plot, dim) {
                Some((x, l)) => (Some(x), l),
                None => (None, "index".to_owned()),
            };
            // Auxiliary signals (NeXus `@auxiliary_signals`) over the same axes.
            let mut extra = Vec::new();
            for aux in plot.map(|p| p.auxiliary.clone()).unwrap_or_default() {
                let key = ValueKey {
                    doc,
                    path: aux.clone(),
                    selection: selection.clone(),
                };
                if let Some((_, p)) = v.aux_cache.iter().find(|(k, _)| *k == key) {
                    extra.push((aux_name(&aux), p.clone()));
                } else if let Some(vals) = state.value(&key).ready().and_then(|v| v.to_f64()) {
                    let p = Arc::new(MinMaxPyramid::new(vals));
                    v.aux_cache.retain(|(k, _)| k.doc == doc);
                    v.aux_cache.push((key, p.clone()));
                    extra.push((aux_name(&aux), p));
                }
            }
            let errors = plot.and_then(|p| p.errors.clone()).and_then(|e| {
                let key = ValueKey {
                    doc,
                    path: e,
                    selection,
                };
                state
                    .value(&key)
                    .ready()
                    .and_then(|v| v.to_f64())
                    .map(Arc::new)
            });
            let y_label = plot.map_or_else(
                || {
                    let units = entity
                        .attr_text("units")
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default();
                    format!("{}{units}", entity.name)
                },
                DefaultPlot::signal_label,
            );
            let series = line::Series {
                pyramid,
                x,
                errors,
                x_label,
                y_label,
                log_y: v.log_y,
                extra,
            };
            ui.horizontal(|ui| {
                let log = ui.checkbox(&mut v.log_y, "Log scale");
                crate::ui::report::widget(ui.ctx(), "checkbox:Log scale", log.rect);
                let csv = ui.button("Export CSV…");
                crate::ui::report::widget(ui.ctx(), "button:Export CSV…", csv.rect);
                if csv.clicked() {
                    let y = series.pyramid.values().to_vec();
                    let x = series.x.as_ref().map(|x| x.to_vec());
                    let e = series.errors.as_ref().map(|e| e.to_vec());
                    let (xl, yl) = (series.x_label.clone(), series.y_label.clone());
                    start_export(
                        &ui.ctx().clone(),
                        v,
                        "Exporting CSV",
                        format!("{}.csv", file_stem(&path)),
                        "csv",
                        move |p| {
                            #[allow(clippy::cast_precision_loss)]
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
                        &line::overview(&series, 2000),
                        &series.x_label,
                        &series.y_label,
                    );
                    start_export(
                        &ui.ctx().clone(),
                        v,
                        "Exporting SVG",
                        format!("{}.svg", file_stem(&path)),
                        "svg",
                        move |p| crate::plot::export::write_svg(p, &svg),
                    );
                }
            });
            line::line_ui(ui, egui::Id::new(("line", doc, &path)), &series);
            report_plotted(ui);
        }
        ViewKind::Image | ViewKind::Stack => {
            let nd = info.shape.len();
            let mut shown = (nd.saturating_sub(2), nd.saturating_sub(1));
            let selection = if kind == ViewKind::Stack {
                shown = v.shown_axes.unwrap_or(shown);
                v.index.resize(nd, 0);
                // Which two axes are shown (rows, columns); the others get sliders.
                ui.horizontal(|ui| {
                    for (label, which) in [("Rows", 0), ("Columns", 1)] {
                        let current = if which == 0 { shown.0 } else { shown.1 };
                        let mut pick = current;
                        ui.label(label);
                        let combo = egui::ComboBox::from_id_salt(("stack_axes", which))
                            .selected_text(axis_name(plot, info, current))
                            .show_ui(ui, |ui| {
                                for a in 0..nd {
                                    let name = axis_name(plot, info, a);
                                    let item = ui.selectable_value(&mut pick, a, &name);
                                    crate::ui::report::widget(
                                        ui.ctx(),
                                        &format!("axis:{label}:{name}"),
                                        item.rect,
                                    );
                                }
                            });
                        crate::ui::report::widget(
                            ui.ctx(),
                            &format!("combo:{label}"),
                            combo.response.rect,
                        );
                        if pick != current {
                            // Picking the other shown axis swaps the two.
                            shown = match which {
                                0 if pick == shown.1 => (shown.1, shown.0),
                                0 => (pick, shown.1),
                                _ if pick == shown.0 => (shown.1, shown.0),
                                _ => (shown.0, pick),
                            };
                        }
                    }
                });
                v.shown_axes = Some(shown);
                for a in (0..nd).filter(|a| *a != shown.0 && *a != shown.1) {
                    let n = usize::try_from(info.shape[a]).unwrap_or(1);
                    v.index[a] = v.index[a].min(n.saturating_sub(1));
                    let name = axis_name(plot, info, a);
                    let slider = ui.add(
                        egui::Slider::new(&mut v.index[a], 0..=n.saturating_sub(1)).text(&name),
                    );
                    crate::ui::report::widget(ui.ctx(), &format!("slider:{name}"), slider.rect);
                }
                // Prefetch along the first sliced axis so scrubbing stays smooth.
                if let Some(a) = (0..nd).find(|a| *a != shown.0 && *a != shown.1) {
                    let n = usize::try_from(info.shape[a]).unwrap_or(1);
                    for ahead in 1..=2 {
                        if v.index[a] + ahead < n {
                            let mut next = v.index.clone();
                            next[a] += ahead;
                            let k = ValueKey {
                                doc,
                                path: path.clone(),
                                selection: stack_selection(nd, shown, &next),
                            };
                            let _ = state.value(&k);
                        }
                    }
                }
                stack_selection(nd, shown, &v.index)
            } else {
                Selection::all()
            };
            v.shown_slice = Some((selection.clone(), shown.0 > shown.1));
            let key = ValueKey {
                doc,
                path: path.clone(),
                selection,
            };
            let Some(mut val) = ready(ui, &state.value(&key)) else {
                return;
            };
            // Rows from a later axis than columns: the read gives them the other way round.
            if shown.0 > shown.1
                && let Some(t) = val.transposed_2d()
            {
                val = Arc::new(t);
            }
            // On the GPU a colormap or scale change is a uniform write; on the
            // CPU it re-colours the texture.
            let gpu = v.gpu_images;
            let fresh = !matches!(&v.tex, Some(t) if t.key == key
                && (gpu || (t.colormap == v.colormap && t.scale == v.scale
                    && t.info.percentiles != v.full_range)));
            if fresh {
                let (h, w) = match val.shape.as_slice() {
                    [.., h, w] => (*h, *w),
                    _ => (1, val.len()),
                };
                let img = ImageData::from_value(val.clone(), h, w);
                let info = crate::plot::color_range(&img.pixels, v.scale, v.full_range);
                let look = Look {
                    colormap: v.colormap,
                    scale: v.scale,
                    range: info.range,
                };
                let (texture, gpu_values) = if gpu {
                    v.next_image_id += 1;
                    (None, Some((v.next_image_id, img.pixels.clone())))
                } else {
                    let t = ui.ctx().load_texture(
                        "viewer-image",
                        image::to_color_image(&img, look),
                        egui::TextureOptions::NEAREST,
                    );
                    (Some(t), None)
                };
                v.tex = Some(TexCache {
                    key,
                    colormap: v.colormap,
                    scale: v.scale,
                    image: img,
                    info,
                    texture,
                    gpu: gpu_values,
                });
            }
            if let Some(t) = &mut v.tex {
                // On the GPU a new scale or range is a new range only.
                if t.scale != v.scale || t.info.percentiles == v.full_range {
                    t.info = crate::plot::color_range(&t.image.pixels, v.scale, v.full_range);
                }
                t.colormap = v.colormap;
                t.scale = v.scale;
            }
            // Axes may arrive after the image: place it on them every frame.
            let x_axis = axis_values(state, doc, plot, shown.1);
            let y_axis = axis_values(state, doc, plot, shown.0);
            if let Some(t) = &mut v.tex {
                #[allow(clippy::cast_precision_loss)]
                let (pw, ph) = (
                    (t.image.width * t.image.stride) as f64,
                    (t.image.height * t.image.stride) as f64,
                );
                t.image.x_range = (0.0, pw);
                t.image.y_range = (0.0, ph);
                t.image.x_label = "x (pixel)".into();
                t.image.y_label = "y (pixel)".into();
                if let Some((x, l)) = x_axis
                    && let (Some(&a), Some(&b)) = (x.first(), x.last())
                {
                    t.image.x_range = (a, b);
                    t.image.x_label = l;
                }
                if let Some((y, l)) = y_axis
                    && let (Some(&a), Some(&b)) = (y.first(), y.last())
                {
                    t.image.y_range = (a, b);
                    t.image.y_label = l;
                }
            }
            let Some(t) = &v.tex else {
                return;
            };
            if t.image.stride > 1 {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "Shown at 1/{} resolution: the image is larger than a GPU texture.",
                        t.image.stride
                    ),
                );
            }
            let look = Look {
                colormap: t.colormap,
                scale: t.scale,
                range: t.info.range,
            };
            let info = t.info;
            ui.horizontal_wrapped(|ui| {
                colour_range_note(ui, &info, t.scale, &mut v.full_range);
            });
            let Some(t) = &v.tex else {
                return;
            };
            if ui.button("Export PNG…").clicked() {
                let img = image::to_color_image(&t.image, look);
                let (w, h) = (img.size[0], img.size[1]);
                let rgba: Vec<u8> = img
                    .pixels
                    .iter()
                    .flat_map(|c| c.to_srgba_unmultiplied())
                    .collect();
                let name = format!("{}.png", file_stem(&path));
                start_export(
                    &ui.ctx().clone(),
                    v,
                    "Exporting PNG",
                    name,
                    "png",
                    move |p| crate::plot::export::write_png(p, w, h, &rgba),
                );
            }
            let Some(t) = &v.tex else {
                return;
            };
            let readout_h = 20.0;
            ui.horizontal_top(|ui| {
                let w = ui.available_width() - 96.0;
                let h = ui.available_height() - readout_h;
                ui.allocate_ui(egui::vec2(w.max(100.0), h.max(100.0)), |ui| {
                    let pixels = match (&t.texture, &t.gpu) {
                        (Some(tex), _) => image::Pixels::Texture(tex),
                        (None, Some((id, values))) => {
                            image::Pixels::Gpu(crate::ui::gpu_image::Draw {
                                id: *id,
                                width: t.image.width,
                                height: t.image.height,
                                values: values.clone(),
                                colormap: t.colormap,
                                scale: t.scale,
                                range: t.info.range,
                                flip: t.image.flips(),
                                // Placed by the image view, on this frame's transform.
                                placed: egui::Rect::NOTHING,
                            })
                        }
                        (None, None) => return,
                    };
                    v.readout = image::image_ui(
                        ui,
                        egui::Id::new(("image", doc, &path)),
                        &t.image,
                        pixels,
                        v.aspect_lock,
                    );
                    report_plotted(ui);
                });
                image::colorbar_ui(ui, look, &info);
            });
            ui.weak(
                v.readout
                    .clone()
                    .unwrap_or_else(|| "Hover the image to read values.".into()),
            );
        }
    }
}

/// With `PANORAMA_REPORT_PLOTTED=1` (the time-to-window benchmark): print
/// `PANORAMA_PLOTTED` on the frame after the first one that drew a plot with
/// its data (so that frame has reached the screen), then close the window.
fn report_plotted(ui: &egui::Ui) {
    use std::sync::atomic::{AtomicU8, Ordering};
    // 0: nothing drawn yet, 1: the first plot was drawn, 2: reported.
    static STAGE: AtomicU8 = AtomicU8::new(0);
    if std::env::var_os("PANORAMA_REPORT_PLOTTED").is_none() {
        return;
    }
    let ctx = ui.ctx();
    match STAGE.load(Ordering::SeqCst) {
        0 => {
            STAGE.store(1, Ordering::SeqCst);
            ctx.request_repaint();
        }
        1 if ctx.cumulative_pass_nr() > 0 => {
            STAGE.store(2, Ordering::SeqCst);
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = writeln!(out, "PANORAMA_PLOTTED");
            let _ = out.flush();
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        _ => {}
    }
}

/// The name of an auxiliary signal for the legend (its last path part).
fn aux_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DType;

    fn info(shape: &[u64], numeric: bool) -> DatasetInfo {
        DatasetInfo {
            shape: shape.to_vec(),
            dtype: if numeric {
                DType::Float {
                    bytes: 4,
                    big_endian: false,
                }
            } else {
                DType::Str {
                    fixed: None,
                    utf8: true,
                }
            },
            chunks: None,
            filters: Vec::new(),
            storage_size: None,
            fill_value: None,
        }
    }

    #[test]
    fn ambiguous_data_offers_alternatives() {
        assert_eq!(views_for(&info(&[], true)), vec![ViewKind::Value]);
        assert_eq!(views_for(&info(&[10], true))[0], ViewKind::Line);
        assert_eq!(
            views_for(&info(&[4, 5], true)),
            vec![ViewKind::Image, ViewKind::Line, ViewKind::Table]
        );
        assert_eq!(views_for(&info(&[3, 4, 5], true))[0], ViewKind::Stack);
        assert_eq!(views_for(&info(&[3], false)), vec![ViewKind::Table]);
    }

    #[test]
    fn frames_fix_the_leading_axes() {
        assert_eq!(stack_selection(3, (1, 2), &[4, 0, 0]).to_string(), "4");
        assert_eq!(stack_selection(3, (0, 2), &[0, 5, 0]).to_string(), ":,5");
        assert_eq!(stack_selection(3, (2, 0), &[0, 5, 0]).to_string(), ":,5");
        assert_eq!(
            stack_selection(4, (1, 3), &[2, 0, 7, 0]).to_string(),
            "2,:,7"
        );
        assert_eq!(frame_selection(&info(&[5, 4, 4], true), 3).to_string(), "3");
        assert_eq!(
            frame_selection(&info(&[5, 2, 4, 4], true), 1).to_string(),
            "1,0"
        );
    }
}
