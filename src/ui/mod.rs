//! Everything that draws. The only module that uses egui, eframe and the
//! egui widget crates; it turns clicks into [`crate::command::Command`]s and
//! shows [`crate::state::AppState`].

pub mod app;
pub mod file_dialog;
pub mod gpu;
pub mod gpu_image;
pub mod inspector;
pub mod keys;
pub mod lineage;
pub mod notifications;
pub mod palette;
pub mod panels;
pub mod report;
pub mod status_bar;
pub mod theme;
pub mod tour;
pub mod views;

use std::process::ExitCode;

use crate::paths::AppDirs;
use crate::runtime::Runtime;

pub use app::PanoramaApp;

/// Where floating windows may go: the window's content below the menu bar,
/// so none opens over the menus or reaches past the edges.
pub fn window_area(ctx: &egui::Context) -> egui::Rect {
    let r = ctx.content_rect();
    egui::Rect::from_min_max(egui::pos2(r.left(), r.top() + 28.0), r.max)
}

/// A floating window placed and sized within [`window_area`].
pub fn window<'a>(
    ctx: &egui::Context,
    title: impl Into<egui::WidgetText>,
    width: f32,
) -> egui::Window<'a> {
    let area = window_area(ctx);
    egui::Window::new(title)
        .constrain_to(area)
        .default_pos(area.left_top() + egui::vec2(48.0, 24.0))
        .default_width(width.min(area.width() - 32.0))
        .max_width(area.width() - 16.0)
        .max_height(area.height() - 16.0)
}

/// Show a spinner or the error of something loading in the background;
/// the value once it is there.
pub fn loaded<'a, T>(
    ui: &mut egui::Ui,
    load: Option<&'a crate::state::Requested<T>>,
) -> Option<&'a T> {
    match load {
        Some(crate::state::Requested::Ready(v)) => Some(v),
        Some(crate::state::Requested::Failed { error: msg, .. }) => {
            ui.colored_label(ui.visuals().error_fg_color, msg);
            None
        }
        _ => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak("Reading…");
            });
            None
        }
    }
}

/// True when a window can be shown (a Wayland or X11 display is set).
pub fn has_display() -> bool {
    ["WAYLAND_DISPLAY", "DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// The window's icon, from the bundled PNG.
fn icon() -> Option<egui::IconData> {
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icons/panorama-256.png")).ok()
}

/// Start the GUI, optionally opening a file or URL. Never panics on a missing
/// display or GPU: it explains what to do instead.
pub fn run_gui(
    dirs: AppDirs,
    open: Vec<String>,
    inbox: Option<crate::instance::Inbox>,
) -> ExitCode {
    if !has_display() {
        eprintln!(
            "panorama: no display found, so the window cannot open.\n\
             Panorama is a desktop app: run it in a desktop session, or on a server under a \
             virtual display: xvfb-run panorama\n\
             Check this machine with: panorama doctor"
        );
        return ExitCode::from(2);
    }
    let runtime = match Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::from(2);
        }
    };
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Panorama")
        .with_app_id(crate::APP_ID)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([640.0, 400.0])
        .with_drag_and_drop(true);
    if let Some(icon) = icon() {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Wgpu,
        persist_window: true,
        persistence_path: Some(dirs.config.join("window.ron")),
        ..Default::default()
    };
    let result = eframe::run_native(
        "Panorama",
        options,
        Box::new(move |cc| {
            let mut app = PanoramaApp::new(cc.egui_ctx.clone(), runtime, dirs, None)
                .with_gpu(cc.wgpu_render_state.as_ref());
            // A first start without files to open offers the guided tour.
            if open.is_empty() {
                app.offer_tour();
            }
            for target in open {
                app.open_target(target);
            }
            if let Some(inbox) = inbox {
                app = app.with_inbox(inbox);
            }
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "panorama: the window could not be opened: {e}\n\
                 Run `panorama doctor` to see what is missing (GPU driver, display)."
            );
            ExitCode::FAILURE
        }
    }
}
