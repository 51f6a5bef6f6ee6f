//! What the window shows, for tests that drive it: the active plot's range,
//! where its image is drawn, the widget with keyboard focus and the last
//! status line. Kept in egui's memory each frame; with `PANORAMA_REPORT=FILE`
//! the running binary also writes it to FILE as JSON whenever it changes (a
//! live test under Xvfb reads it). Holds nothing a user typed beyond the
//! focused field's name.

use serde::Serialize;

/// The report of the last frame.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ViewReport {
    /// "line" or "image" for the plot shown last, empty before any.
    pub view: String,
    /// The plot's visible x and y ranges in data units (log10 of y on a log axis).
    pub x_range: [f64; 2],
    pub y_range: [f64; 2],
    /// The plot area on screen in points: left, top, right, bottom.
    pub frame: [f32; 4],
    pub pixels_per_point: f32,
    /// Where the image is drawn on screen, in points (left, top, right,
    /// bottom): the whole picture, which may reach past the plot area.
    pub image_screen: Option<[f32; 4]>,
    /// The image's extent in data units: x first, x last, y first, y last.
    pub image_extent: Option<[f64; 4]>,
    /// Accessible name of the widget with keyboard focus.
    pub focused: Option<String>,
    /// The newest line of the status bar.
    pub status: String,
    /// Where some named widgets are on screen (points: left, top, right,
    /// bottom): tabs by title, buttons by label, form fields by pointer.
    pub widgets: std::collections::BTreeMap<String, [f32; 4]>,
    /// The workflow canvas's transform from canvas to screen coordinates
    /// (scale, x and y shift), while it is shown.
    pub canvas: Option<[f32; 3]>,
    /// The object selected in the Files panel (its path in the file).
    pub selected: Option<String>,
    /// Nodes of the open workflow, while the Workflows tab is shown.
    pub workflow_nodes: Option<usize>,
    /// Wires of the open workflow, while the Workflows tab is shown.
    pub workflow_wires: Option<usize>,
    /// The regions of interest on the image shown, with what they measure.
    pub rois: Vec<RoiReport>,
    /// The lines of the line plot shown last, in the order drawn.
    pub lines: Vec<LineReport>,
    /// The images drawn this frame (several in a grid), in the order drawn.
    pub images: Vec<ImageReport>,
}

/// One image as drawn this frame.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImageReport {
    pub name: String,
    /// Its plot's visible ranges, in data units.
    pub x_range: [f64; 2],
    pub y_range: [f64; 2],
    /// The values its colours span, on this scale.
    pub colour_range: [f64; 2],
    pub scale: String,
    /// The colormap it is drawn with.
    pub colormap: String,
    /// Its plot area on screen (points: left, top, right, bottom).
    pub frame: [f32; 4],
}

/// One line of a line plot as drawn this frame (plot coordinates).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LineReport {
    pub name: String,
    pub points: usize,
    pub first: Option<[f64; 2]>,
    pub last: Option<[f64; 2]>,
}

impl LineReport {
    pub fn of(name: &str, pts: &[[f64; 2]]) -> Self {
        Self {
            name: name.to_owned(),
            points: pts.len(),
            first: pts.first().copied(),
            last: pts.last().copied(),
        }
    }
}

/// One region of interest as its table row shows it, at full precision.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RoiReport {
    pub name: String,
    /// Where it is, in pixels (as the table says).
    pub geometry: String,
    /// Count, sum, mean, std, min, max; absent for a profile.
    pub stats: Option<[f64; 6]>,
    /// Pixels that are not numbers, left out.
    pub invalid: usize,
    pub centre: Option<(f64, f64)>,
    /// Its sum or mean in each frame of a stack, once followed through them.
    pub per_frame: Option<Vec<f64>>,
    /// Still being drawn (not yet in the table's export).
    pub drawing: bool,
    /// Its corners (a rectangle's two, a polygon's, a line's ends, a
    /// cross's centre), exactly, in pixel coordinates.
    pub points: Vec<(f64, f64)>,
}

impl RoiReport {
    pub fn new(name: &str, geometry: &str, s: Option<&crate::plot::roi::Stats>) -> Self {
        #[allow(clippy::cast_precision_loss)]
        Self {
            name: name.to_owned(),
            geometry: geometry.to_owned(),
            stats: s.map(|s| [s.count as f64, s.sum, s.mean, s.std, s.min, s.max]),
            invalid: s.map_or(0, |s| s.invalid),
            centre: s.and_then(|s| s.centre),
            per_frame: None,
            drawing: false,
            points: Vec::new(),
        }
    }
}

fn id() -> egui::Id {
    egui::Id::new("panorama_view_report")
}

/// The report as the last frame left it.
pub fn get(ctx: &egui::Context) -> ViewReport {
    ctx.data(|d| d.get_temp::<ViewReport>(id()))
        .unwrap_or_default()
}

/// Change this frame's report.
pub fn update(ctx: &egui::Context, f: impl FnOnce(&mut ViewReport)) {
    ctx.data_mut(|d| f(d.get_temp_mut_or_default::<ViewReport>(id())));
}

/// The plot a view drew this frame.
pub fn plot(ctx: &egui::Context, view: &str, t: &egui_plot::PlotTransform) {
    let b = t.bounds();
    let f = t.frame();
    let ppp = ctx.pixels_per_point();
    update(ctx, |r| {
        view.clone_into(&mut r.view);
        r.x_range = [b.min()[0], b.max()[0]];
        r.y_range = [b.min()[1], b.max()[1]];
        r.frame = [f.left(), f.top(), f.right(), f.bottom()];
        r.pixels_per_point = ppp;
        if view != "image" {
            r.image_screen = None;
            r.image_extent = None;
        }
    });
}

/// At the start of a frame: nothing focused until a field says so.
pub fn start_frame(ctx: &egui::Context) {
    update(ctx, |r| {
        r.focused = None;
        r.widgets.clear();
        r.images.clear();
    });
}

/// A widget a test may want to reach, and where it is this frame.
pub fn widget(ctx: &egui::Context, name: &str, rect: egui::Rect) {
    update(ctx, |r| {
        r.widgets.insert(
            name.to_owned(),
            [rect.left(), rect.top(), rect.right(), rect.bottom()],
        );
    });
}

/// Report a widget under `name` and hand its response on:
/// `report::named(ui.button("Submit"), "button:Submit")`.
pub fn named(response: egui::Response, name: &str) -> egui::Response {
    widget(&response.ctx, name, response.rect);
    response
}

/// A text field with keyboard focus names itself.
pub fn focused(ctx: &egui::Context, label: &str) {
    update(ctx, |r| r.focused = Some(label.to_owned()));
}

/// At the end of a frame: the status line, and the file when asked for.
pub fn finish_frame(ctx: &egui::Context, status: &str, selected: Option<&str>) {
    update(ctx, |r| {
        status.clone_into(&mut r.status);
        r.selected = selected.map(str::to_owned);
    });
    let Some(path) = std::env::var_os("PANORAMA_REPORT") else {
        return;
    };
    let report = get(ctx);
    let last = egui::Id::new("panorama_view_report_written");
    if ctx.data(|d| d.get_temp::<ViewReport>(last)).as_ref() == Some(&report) {
        return;
    }
    let Ok(json) = serde_json::to_vec_pretty(&report) else {
        return;
    };
    // Written whole and renamed, so a reader never sees half a report.
    let path = std::path::PathBuf::from(path);
    let tmp = path.with_extension("partial");
    if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, &path).is_ok() {
        ctx.data_mut(|d| d.insert_temp(last, report));
    }
}
