//! The viewer: breadcrumbs, the inspector, and the view of the selected
//! dataset, with the other views that can show it offered beside it. The
//! views themselves are in `ui::views`, one file each, listed in its registry.

use crate::command::{DocumentsCommand, ShellCommand};
use std::collections::HashMap;

use crate::command::{Command, TabKind};
use crate::data::nexus::DefaultPlot;
use crate::data::{Entity, Selection};
use crate::state::{AppState, Requested, Target};
use crate::ui::file_dialog;
use crate::ui::inspector::inspector_ui;
use crate::ui::views::{Exports, ImageSettings, View, ViewCx};

pub struct ViewerUi {
    /// Every view of the registry, each with its own state.
    views: Vec<Box<dyn View>>,
    /// The view picked for a dataset, by title.
    choice: HashMap<(u64, String), &'static str>,
    last_target: Option<Target>,
    /// Colours of images, shared by the image views.
    look: ImageSettings,
    /// The state's value generation the views' caches were built from.
    generation: u64,
    exports: Exports,
    /// The part of the dataset the view shows (and whether it is shown
    /// transposed), for **Export data… → This slice**.
    shown_slice: Option<(Selection, bool)>,
    shown_roi: Option<[u64; 4]>,
    /// The axes shown and the slice, shared by the views of the dataset.
    slicing: crate::ui::views::dims::Slicing,
    /// A data export waiting for its save dialog: what it exports.
    data_export: Option<(Target, Selection, bool)>,
}

/// Key of the data export's save dialog (see `ui::file_dialog`).
const DATA_EXPORT_DIALOG: &str = "viewer data export";

impl Default for ViewerUi {
    fn default() -> Self {
        Self {
            views: crate::ui::views::registry(),
            choice: HashMap::new(),
            last_target: None,
            look: ImageSettings::default(),
            generation: 0,
            exports: Exports::default(),
            shown_slice: None,
            shown_roi: None,
            slicing: crate::ui::views::dims::Slicing::default(),
            data_export: None,
        }
    }
}

impl ViewerUi {
    /// Colour images on the GPU (the wgpu renderer has the colormap pipeline).
    pub fn set_gpu_images(&mut self, on: bool) {
        self.look.gpu = on;
    }

    pub fn gpu_images(&self) -> bool {
        self.look.gpu
    }
}

/// Ask where to write the data (any format `data::export` knows), then
/// hand the export to the state as a command.
fn start_data_export(
    ctx: &egui::Context,
    pending: &mut Option<(Target, Selection, bool)>,
    target: &Target,
    selection: Selection,
    transpose: bool,
) {
    if pending.is_some() {
        return;
    }
    let name = format!("{}.npy", crate::plot::prepare::last_part(&target.path));
    let mut req = file_dialog::Request::new("Export data", file_dialog::Mode::Save(name));
    for f in crate::data::export::FORMATS {
        req = req.filter(f.name, f.extensions);
    }
    file_dialog::request(ctx, DATA_EXPORT_DIALOG, req);
    *pending = Some((target.clone(), selection, transpose));
}

fn poll_data_export(
    ctx: &egui::Context,
    pending: &mut Option<(Target, Selection, bool)>,
    out: &mut Vec<Command>,
) {
    let Some(answer) = file_dialog::take_answer(ctx, DATA_EXPORT_DIALOG) else {
        return;
    };
    let Some((target, selection, transpose)) = pending.take() else {
        return;
    };
    if let file_dialog::Answer::Picked(to) = answer {
        out.push(
            DocumentsCommand::ExportData {
                doc: target.doc,
                path: target.path,
                selection,
                transpose,
                to,
            }
            .into(),
        );
    }
}

fn breadcrumbs(ui: &mut egui::Ui, state: &AppState, t: &Target, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        let label = state
            .document(t.doc)
            .map(|d| d.label.clone())
            .unwrap_or_default();
        if ui.link(label).clicked() {
            out.push(
                DocumentsCommand::Select {
                    doc: t.doc,
                    path: "/".into(),
                }
                .into(),
            );
        }
        let mut acc = String::new();
        for part in t.path.split('/').filter(|p| !p.is_empty()) {
            acc.push('/');
            acc.push_str(part);
            ui.weak("›");
            if ui.link(part).clicked() {
                out.push(
                    DocumentsCommand::Select {
                        doc: t.doc,
                        path: acc.clone(),
                    }
                    .into(),
                );
            }
        }
    });
}

pub fn ui(ui: &mut egui::Ui, state: &AppState, v: &mut ViewerUi, out: &mut Vec<Command>) {
    // Values were read again (the CF conventions switched): so are the views'.
    if v.generation != state.documents.value_generation {
        v.generation = state.documents.value_generation;
        for view in &mut v.views {
            view.values_changed();
        }
    }
    v.exports.poll(&ui.ctx().clone(), state, out);
    let Some(target) = state.documents.selected.clone() else {
        // With no file open, the first useful thing is a file to look at.
        let (hint, action): (&str, (&str, Command)) = if state.documents.open.is_empty() {
            (
                "Open a file to see its data here, or try the bundled demo files.",
                ("Open demo data", DocumentsCommand::OpenDemo.into()),
            )
        } else {
            (
                "Pick a dataset under Files to see its data here.",
                ("Show Files", ShellCommand::ShowTab(TabKind::Files).into()),
            )
        };
        super::empty_state(ui, "Nothing to plot yet", hint, Some(action), out);
        return;
    };
    if v.last_target.as_ref() != Some(&target) {
        // The same object in another file (a scan series browsed with Page
        // Down) keeps its slice, zoom (the plots are known by the path)
        // and colours.
        if v.last_target.as_ref().is_none_or(|t| t.path != target.path) {
            for view in &mut v.views {
                view.reset();
            }
            v.slicing.reset();
        }
        v.last_target = Some(target.clone());
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
        view_ui(ui, state, v, &target, &entity, plot.as_ref(), out);
    });
}

fn view_ui(
    ui: &mut egui::Ui,
    state: &AppState,
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
            Some(Requested::Ready(Some(p))) => Some(p.clone()),
            _ => None,
        });
        if let Some(p) = own {
            if ui
                .button("Show the plot")
                .on_hover_text(format!("Plot {} with its axes", p.signal))
                .clicked()
            {
                out.push(
                    DocumentsCommand::Select {
                        doc: target.doc,
                        path: p.signal,
                    }
                    .into(),
                );
            }
        } else if doc.is_some_and(|d| matches!(d.default_plot, Some(Ok(_))))
            && ui.button("Show the file's default plot").clicked()
        {
            out.push(DocumentsCommand::OpenDefaultPlot(target.doc).into());
        }
        return;
    };
    // netCDF variables with CF attributes: the rule in words, and a switch
    // to the raw stored values (the inspector always shows those).
    if let Some(rule) = crate::data::cf::CfRule::of(entity) {
        ui.horizontal_wrapped(|ui| {
            let mut on = state.documents.cf_conventions;
            if ui
                .checkbox(&mut on, "CF conventions")
                .on_hover_text(
                    "Read the values as the variable's CF attributes say (the inspector shows the raw attributes)",
                )
                .changed()
            {
                out.push(DocumentsCommand::SetCfConventions(on).into());
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
    // The views that can show it, in the registry's order (the natural first).
    let offered: Vec<usize> = (0..v.views.len())
        .filter(|i| v.views[*i].supports(info, &entity.attributes, plot))
        .collect();
    let Some(&first) = offered.first() else {
        ui.weak("No view shows this dataset.");
        return;
    };
    let choice_key = (target.doc, target.path.clone());
    let mut shown = v
        .choice
        .get(&choice_key)
        .and_then(|t| offered.iter().copied().find(|i| v.views[*i].title() == *t))
        .unwrap_or(first);
    let ViewerUi {
        views,
        choice,
        look,
        exports,
        shown_slice,
        shown_roi,
        data_export,
        slicing,
        ..
    } = v;
    let mut cx = ViewCx {
        state,
        target,
        entity,
        info,
        plot,
        out,
        look,
        shown_slice,
        shown_roi,
        exports,
        slicing,
    };
    ui.horizontal_wrapped(|ui| {
        if offered.len() > 1 {
            for i in &offered {
                let title = views[*i].title();
                if ui.selectable_label(shown == *i, title).clicked() {
                    shown = *i;
                    choice.insert(choice_key.clone(), title);
                }
            }
            ui.separator();
        }
        views[shown].toolbar_ui(ui, &mut cx);
        ui.menu_button("Export data…", |ui| {
            if ui
                .button("Whole dataset…")
                .on_hover_text("Write all of it: .npy, .csv/.tsv, .tiff, .h5/.nxs")
                .clicked()
            {
                start_data_export(ui.ctx(), data_export, target, Selection::all(), false);
                ui.close();
            }
            let slice = cx.shown_slice.clone();
            if ui
                .add_enabled(slice.is_some(), egui::Button::new("The slice shown…"))
                .on_hover_text("Write what the view shows, as it is shown (rows and columns)")
                .clicked()
                && let Some((sel, transpose)) = slice
            {
                start_data_export(ui.ctx(), data_export, target, sel, transpose);
                ui.close();
            }
        });
        use_in_workflow_ui(ui, state, target, &mut cx);
    });
    poll_data_export(ui.ctx(), data_export, cx.out);
    *cx.shown_slice = None;
    *cx.shown_roi = None;
    views[shown].ui(ui, &mut cx);
}

/// **Use in a workflow**: a new workflow whose first nodes read the
/// dataset, take the slice shown and cut the first rectangle drawn on it.
fn use_in_workflow_ui(ui: &mut egui::Ui, state: &AppState, target: &Target, cx: &mut ViewCx<'_>) {
    let Some(doc) = state.document(target.doc) else {
        return;
    };
    // Workflow nodes take real numbers: a complex dataset would arrive as
    // its amplitude whatever part is shown.
    let real = !cx.info.dtype.is_complex();
    let b = ui
        .add_enabled(real, egui::Button::new("Use in a workflow"))
        .on_hover_text(
            "Start a workflow from this dataset, with the slice shown and the first rectangle drawn",
        )
        .on_disabled_hover_text("Workflows take real numbers; this dataset is complex");
    crate::ui::report::widget(ui.ctx(), "button:Use in a workflow", b.rect);
    if b.clicked() {
        let seed = crate::workflow::seed::Seed {
            file: doc.location.clone(),
            path: target.path.clone(),
            selection: cx
                .shown_slice
                .as_ref()
                .map(|(s, _)| s.to_string())
                .filter(|s| !s.is_empty()),
            roi: *cx.shown_roi,
        };
        cx.out
            .push(crate::command::WorkflowCommand::StartFrom(seed).into());
    }
}
