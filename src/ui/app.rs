//! The main window: menu bar, dockable workspace, status bar, command palette,
//! notifications, drag-and-drop.

use crate::command::{DocumentsCommand, DownloadsCommand, ShellCommand};
use std::path::PathBuf;

use egui_dock::{DockArea, DockState, NodeIndex, Style, TabViewer};

use crate::command::{Command, CommandSpec, TabKind, catalogue_of_commands};
use crate::paths::AppDirs;
use crate::runtime::Runtime;
use crate::state::settings::Setting;
use crate::state::{AppState, UiEffect};

use super::notifications::Notifications;
use super::palette::Palette;

/// Settings key of the saved dock layout.
/// The dock layout: tabs, splits and sizes.
const LAYOUT: Setting<DockState<TabKind>> = Setting::json("ui.layout");

/// The layout a first start shows, and "Reset layout" restores.
pub fn default_layout(first_start: bool) -> DockState<TabKind> {
    let mut center = vec![
        TabKind::Search,
        TabKind::Viewer,
        TabKind::Metadata,
        TabKind::Workflows,
        TabKind::Accounts,
    ];
    if first_start {
        center.insert(0, TabKind::Welcome);
    }
    let mut dock = DockState::new(center);
    dock.main_surface_mut()
        .split_left(NodeIndex::root(), 0.24, vec![TabKind::Files]);
    dock
}

/// The tabs as the window shows them, for Ctrl+1 … Ctrl+9: tab strips from
/// left to right (then top to bottom), each strip's tabs in order. The Files
/// panel beside the tabs is not one of them.
pub fn visible_tabs(dock: &DockState<TabKind>) -> Vec<TabKind> {
    let mut leaves: Vec<(egui::Rect, Vec<TabKind>)> = dock
        .iter_leaves()
        .map(|(_, l)| (l.rect, l.tabs.clone()))
        .collect();
    leaves.sort_by(|a, b| {
        (a.0.left().round(), a.0.top().round())
            .partial_cmp(&(b.0.left().round(), b.0.top().round()))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    leaves
        .into_iter()
        .flat_map(|(_, tabs)| tabs)
        .filter(|t| *t != TabKind::Files)
        .collect()
}

struct Tabs<'a> {
    state: &'a AppState,
    panels: &'a mut super::panels::PanelsUi,
    out: &'a mut Vec<Command>,
}

impl TabViewer for Tabs<'_> {
    type Tab = TabKind;

    fn id(&mut self, tab: &mut TabKind) -> egui::Id {
        egui::Id::new(("tab", *tab))
    }

    fn title(&mut self, tab: &mut TabKind) -> egui::WidgetText {
        tab.title().into()
    }

    fn ui(&mut self, ui: &mut egui::Ui, tab: &mut TabKind) {
        super::panels::show(*tab, ui, self.state, self.panels, self.out);
    }

    fn on_tab_button(&mut self, tab: &mut TabKind, response: &egui::Response) {
        // egui_dock paints tab titles itself; name the button for screen readers
        // (and for tests that find tabs by label).
        let title = tab.title();
        response.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, title));
        super::report::widget(&response.ctx, &format!("tab:{title}"), response.rect);
    }
}

/// Keys of the app's own dialogs (see `ui::file_dialog`).
const OPEN_DIALOG: &str = "open file";
const FOLDER_DIALOG: &str = "download folder";

/// The Panorama window.
pub struct PanoramaApp {
    state: AppState,
    dock: DockState<TabKind>,
    palette: Palette,
    panels: super::panels::PanelsUi,
    notifications: Notifications,
    commands: Vec<CommandSpec>,
    dialogs: super::file_dialog::FileDialogs,
    show_about: bool,
    /// The help page shown, and its renderer's cache.
    help: Option<TabKind>,
    help_cache: egui_commonmark::CommonMarkCache,
    inbox: Option<crate::instance::Inbox>,
    ctx: egui::Context,
    // Last field: dropped last, after everything that holds task handles.
    _runtime: Runtime,
}

impl PanoramaApp {
    /// Build the app on `runtime`, reading settings from `dirs`, and open
    /// `open` (a path or URL) if given.
    pub fn new(ctx: egui::Context, runtime: Runtime, dirs: AppDirs, open: Option<String>) -> Self {
        let tasks = runtime.tasks().clone();
        let repaint_ctx = ctx.clone();
        tasks.set_repaint(std::sync::Arc::new(move || repaint_ctx.request_repaint()));
        let state = AppState::new(dirs, tasks.clone());
        if let Some(q) = &state.downloads.queue {
            let c = ctx.clone();
            q.set_on_change(move || c.request_repaint());
        }
        let dock = state
            .load(&LAYOUT)
            .filter(|d| d.iter_all_tabs().count() > 0)
            .unwrap_or_else(|| default_layout(state.is_first_start()));
        super::theme::apply(&ctx, state.shell.theme);
        let mut app = Self {
            state,
            dock,
            palette: Palette::default(),
            panels: super::panels::PanelsUi::default(),
            notifications: Notifications::default(),
            commands: catalogue_of_commands(),
            dialogs: super::file_dialog::FileDialogs::new(&tasks),
            show_about: false,
            help: None,
            help_cache: egui_commonmark::CommonMarkCache::default(),
            inbox: None,
            ctx,
            _runtime: runtime,
        };
        if let Some(target) = open {
            app.open_target(target);
        }
        app
    }

    /// Open a path or an http(s) URL, as the command line and a second
    /// launch ask.
    pub fn open_target(&mut self, target: String) {
        let cmd = if target.contains("://") {
            DocumentsCommand::OpenUrl(target)
        } else {
            DocumentsCommand::OpenPath(target.into())
        };
        self.run(cmd);
    }

    /// Take the files later launches hand over (single window): each is
    /// opened and the window raised.
    #[must_use]
    pub fn with_inbox(mut self, inbox: crate::instance::Inbox) -> Self {
        let ctx = self.ctx.clone();
        inbox.set_wake(move || ctx.request_repaint());
        self.inbox = Some(inbox);
        self
    }

    fn handed_over(&mut self, ctx: &egui::Context) {
        let Some(requests) = self.inbox.as_ref().map(crate::instance::Inbox::drain) else {
            return;
        };
        for targets in requests {
            for t in targets {
                self.open_target(t);
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
    }

    /// Colour images on the GPU with the WGSL colormap shader when the
    /// renderer is wgpu (otherwise images are coloured on the CPU).
    #[must_use]
    pub fn with_gpu(mut self, render_state: Option<&eframe::egui_wgpu::RenderState>) -> Self {
        self.panels
            .viewer
            .set_gpu_images(super::gpu_image::install(render_state));
        self
    }

    /// Whether images are coloured on the GPU.
    pub fn panels_gpu_images(&self) -> bool {
        self.panels.viewer.gpu_images()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Which file dialogs this session shows (`None` while still looking).
    pub fn dialog_kind(&self) -> Option<super::file_dialog::Kind> {
        self.dialogs.kind()
    }

    /// The help page shown, if any.
    pub fn help_shown(&self) -> Option<TabKind> {
        self.help
    }

    /// Open the guided tour if it was never offered (a first start).
    pub fn offer_tour(&mut self) {
        self.run(crate::command::TourCommand::Offer);
    }

    /// The tab in front in the focused tab strip.
    pub fn focused_tab(&mut self) -> Option<TabKind> {
        self.dock.find_active_focused().map(|(_, t)| *t)
    }

    /// The tabs in the order the window shows them (what Ctrl+1 … counts).
    pub fn visible_tabs(&self) -> Vec<TabKind> {
        visible_tabs(&self.dock)
    }

    pub fn state_mut(&mut self) -> &mut AppState {
        &mut self.state
    }

    pub fn dock(&self) -> &DockState<TabKind> {
        &self.dock
    }

    pub fn dock_mut(&mut self) -> &mut DockState<TabKind> {
        &mut self.dock
    }

    pub fn palette_open(&self) -> bool {
        self.palette.open
    }

    /// The tabs that are open, in layout order.
    pub fn open_tabs(&self) -> Vec<TabKind> {
        self.dock.iter_all_tabs().map(|(_, t)| *t).collect()
    }

    /// Save the layout to the settings store.
    pub fn persist(&mut self) {
        self.state.save(&LAYOUT, &self.dock);
        // Node moves not yet in the workflow's autosave copy go there now.
        self.state
            .apply(crate::command::WorkflowCommand::FlushAutosave);
    }

    /// Run a command as if the user had picked it.
    pub fn run(&mut self, command: impl Into<Command>) {
        for effect in self.state.apply(command) {
            self.effect(effect);
        }
    }

    fn effect(&mut self, effect: UiEffect) {
        match effect {
            UiEffect::ShowTab(tab) => self.show_tab(tab),
            UiEffect::ShowTabNumber(n) => {
                if let Some(tab) = visible_tabs(&self.dock).get(usize::from(n).saturating_sub(1)) {
                    self.show_tab(*tab);
                }
            }
            UiEffect::CloseFocusedTab => {
                if let Some(path) = self.dock.focused_leaf()
                    && let Ok(leaf) = self.dock.leaf(path)
                {
                    let tab = egui_dock::TabPath::new(path.surface, path.node, leaf.active);
                    self.dock.remove_tab(tab);
                }
            }
            UiEffect::ResetLayout => self.dock = default_layout(false),
            UiEffect::ApplyTheme(t) => super::theme::apply(&self.ctx, t),
            UiEffect::TogglePalette => self.palette.toggle(),
            UiEffect::PickFile => self.pick_file(),
            UiEffect::PickDownloadFolder => super::file_dialog::request(
                &self.ctx,
                FOLDER_DIALOG,
                super::file_dialog::Request::new(
                    "Download into this folder",
                    super::file_dialog::Mode::Folder,
                )
                .start_in(self.state.downloads.folder.clone()),
            ),
            UiEffect::ShowAbout => self.show_about = true,
            UiEffect::Copy { what, text } => super::panels::search::copied(&self.ctx, &what, text),
            UiEffect::FocusSearch => self.panels.search.focus = true,
            UiEffect::ShowHelp(tab) => {
                let front = || self.dock.find_active_focused().map(|(_, t)| *t);
                self.help = Some(tab.or_else(front).unwrap_or(TabKind::Welcome));
            }
            UiEffect::Quit => self.ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }

    fn show_tab(&mut self, tab: TabKind) {
        if let Some(path) = self.dock.find_tab(&tab) {
            let _ = self.dock.set_active_tab(path);
            self.dock.set_focused_node_and_surface(egui_dock::NodePath {
                surface: path.surface,
                node: path.node,
            });
        } else if self.dock.focused_leaf().is_some() {
            self.dock.push_to_focused_leaf(tab);
        } else {
            self.dock.push_to_first_leaf(tab);
        }
    }

    fn pick_file(&mut self) {
        let mut request =
            super::file_dialog::Request::new("Open a data file", super::file_dialog::Mode::Open);
        // The formats Panorama reads, HDF5 (the usual one) first.
        for f in crate::data::FILE_FORMATS.iter().rev() {
            request = request.filter(f.name, f.extensions);
        }
        super::file_dialog::request(&self.ctx, OPEN_DIALOG, request.filter("All files", &["*"]));
    }

    /// Folders the built-in file dialog offers: where downloads go, the
    /// app's data, and the folders of recent files.
    fn dialog_places(&self) -> Vec<(String, PathBuf)> {
        let d = &self.state.dirs;
        let mut places = vec![
            ("Downloads".to_owned(), self.state.downloads.folder.clone()),
            ("Panorama data".to_owned(), d.data.clone()),
        ];
        for r in &self.state.documents.recent {
            if let Some(dir) = std::path::Path::new(r).parent()
                && !places.iter().any(|(_, p)| p == dir)
                && places.len() < 8
            {
                let name = dir.file_name().map_or_else(
                    || dir.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                places.push((format!("Recent: {name}"), dir.to_path_buf()));
            }
        }
        places
    }

    fn poll_background(&mut self) {
        for effect in self.state.poll() {
            self.effect(effect);
        }
        // The file dialogs: what was asked for is shown; answers go to
        // whoever asked. A cancelled dialog does nothing and says nothing.
        let places = self.dialog_places();
        self.dialogs.set_places(places);
        let tasks = self.state.tasks().clone();
        self.dialogs.update(&self.ctx, &tasks);
        use super::file_dialog::{Answer, take_answer};
        if let Some(Answer::Picked(path)) = take_answer(&self.ctx, OPEN_DIALOG) {
            self.run(DocumentsCommand::OpenPath(path));
        }
        if let Some(Answer::Picked(dir)) = take_answer(&self.ctx, FOLDER_DIALOG) {
            self.run(DownloadsCommand::SetFolder(dir));
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        // Keys without Ctrl (Page Down) belong to a text field being typed in.
        let typing = ctx.egui_wants_keyboard_input();
        let hits: Vec<Command> = self
            .commands
            .iter()
            .filter_map(|s| {
                // Function keys mean nothing to a text field: F1 and F5 work while typing.
                let shortcut = s.shortcut.filter(|k| {
                    k.command
                        || !typing
                        || matches!(k.key, crate::command::Key::F1 | crate::command::Key::F5)
                })?;
                let sc = super::keys::to_egui(shortcut)?;
                ctx.input_mut(|i| i.consume_shortcut(&sc))
                    .then(|| s.command.clone())
            })
            .collect();
        for c in hits {
            self.run(c);
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        for p in dropped {
            self.run(DocumentsCommand::OpenPath(p));
        }
        let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
        if hovering {
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::new("drop_overlay"),
            ));
            let rect = ctx.content_rect();
            painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Drop to open",
                egui::FontId::proportional(28.0),
                egui::Color32::WHITE,
            );
        }
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open file…").clicked() {
                    out.push(DocumentsCommand::OpenFileDialog.into());
                }
                if ui.button("Open demo data").clicked() {
                    out.push(DocumentsCommand::OpenDemo.into());
                }
                ui.menu_button("Open recent", |ui| {
                    if self.state.documents.recent.is_empty() {
                        ui.weak("Nothing yet");
                    }
                    for r in &self.state.documents.recent {
                        if ui.button(r).clicked() {
                            out.push(DocumentsCommand::OpenPath(r.into()).into());
                        }
                    }
                });
                ui.separator();
                if ui.button("Quit").clicked() {
                    out.push(ShellCommand::Quit.into());
                }
            });
            ui.menu_button("View", |ui| {
                for tab in TabKind::ALL {
                    if ui.button(tab.title()).clicked() {
                        out.push(ShellCommand::ShowTab(tab).into());
                    }
                }
                ui.separator();
                if ui.button("Reset layout").clicked() {
                    out.push(ShellCommand::ResetLayout.into());
                }
                ui.menu_button("Theme", |ui| {
                    use crate::command::ThemeChoice as T;
                    for (label, t) in [
                        ("Follow system", T::System),
                        ("Dark", T::Dark),
                        ("Light", T::Light),
                    ] {
                        if ui.radio(self.state.shell.theme == t, label).clicked() {
                            out.push(ShellCommand::SetTheme(t).into());
                        }
                    }
                });
            });
            ui.menu_button("Help", |ui| {
                if ui.button("Help for this tab  F1").clicked() {
                    out.push(ShellCommand::Help(None).into());
                }
                if ui.button("Guided tour").clicked() {
                    out.push(crate::command::TourCommand::Start.into());
                }
                if ui.button("Command palette").clicked() {
                    out.push(ShellCommand::ToggleCommandPalette.into());
                }
                if ui.button("About Panorama").clicked() {
                    out.push(ShellCommand::About.into());
                }
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("⌘ Commands").on_hover_text("Ctrl+K").clicked() {
                    out.push(ShellCommand::ToggleCommandPalette.into());
                }
            });
        });
    }

    /// The bundled help page of a tab, rendered from its Markdown.
    fn help_window(&mut self, ctx: &egui::Context) {
        let Some(tab) = self.help else {
            return;
        };
        let mut open = true;
        let shown = egui::Window::new(format!("Help: {}", tab.title()))
            .id(egui::Id::new("help window"))
            .open(&mut open)
            .collapsible(false)
            .default_size([520.0, 460.0])
            .show(ctx, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    egui_commonmark::CommonMarkViewer::new().show(
                        ui,
                        &mut self.help_cache,
                        crate::state::help::page(tab),
                    );
                });
            });
        if let Some(w) = shown {
            super::report::widget(
                ctx,
                &format!("window:help:{}", tab.title()),
                w.response.rect,
            );
        }
        if !open || ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
            self.help = None;
        }
    }

    fn about(&mut self, ctx: &egui::Context) {
        let mut open = self.show_about;
        egui::Window::new("About Panorama")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.label(format!("Panorama {}", crate::VERSION));
                ui.label(format!("HDF5 {}", crate::data::hdf5_library::version()));
                ui.separator();
                egui::Grid::new("about_dirs").num_columns(2).show(ui, |ui| {
                    let d = &self.state.dirs;
                    for (k, v) in [
                        ("Settings", &d.config),
                        ("Data", &d.data),
                        ("Cache", &d.cache),
                    ] {
                        ui.label(k);
                        ui.monospace(v.display().to_string());
                        ui.end_row();
                    }
                    ui.label("Logs");
                    ui.monospace(d.logs().display().to_string());
                    ui.end_row();
                });
            });
        self.show_about = open;
    }
}

impl eframe::App for PanoramaApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        super::report::start_frame(&ctx);
        self.poll_background();
        self.handed_over(&ctx);
        self.shortcuts(&ctx);
        self.dropped_files(&ctx);

        let mut out = Vec::new();
        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui, &mut out));
        let snapshot = self.state.tasks().snapshot();
        let tasks = self.state.tasks().clone();
        let notes = self.state.notifications.len();
        let downloads = self.state.downloads.queue.as_ref().and_then(|q| {
            use crate::transfer::queue::ItemState;
            let items = q.items();
            let running = items
                .iter()
                .filter(|i| i.state == ItemState::Running)
                .count();
            let queued = items
                .iter()
                .filter(|i| i.state == ItemState::Queued)
                .count();
            let (done, total, unknown) = q.totals();
            let fraction = (total > 0 && !unknown).then(|| crate::units::fraction(done, total));
            (running + queued > 0).then_some(super::status_bar::DownloadSummary {
                running,
                queued,
                fraction,
            })
        });
        let show_downloads = egui::Panel::bottom("status")
            .show(ui, |ui| {
                super::status_bar::show(ui, &tasks, &snapshot, notes, downloads)
            })
            .inner;
        if show_downloads {
            out.push(ShellCommand::ShowTab(TabKind::Downloads).into());
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::central_panel(ui.style()).inner_margin(0.0))
            .show(ui, |ui| {
                let mut tabs = Tabs {
                    state: &mut self.state,
                    panels: &mut self.panels,
                    out: &mut out,
                };
                DockArea::new(&mut self.dock)
                    .style(Style::from_egui(ui.style()))
                    .show_leaf_collapse_buttons(false)
                    .show_leaf_close_all_buttons(false)
                    .show_inside(ui, &mut tabs);
            });
        if let Some(c) = self.palette.show(&ctx, &self.commands) {
            out.push(c);
        }
        self.notifications.show(&ctx, &mut self.state);
        self.about(&ctx);
        self.help_window(&ctx);
        super::tour::show(&ctx, &self.state, &mut out);
        for c in out {
            self.run(c);
        }
        let status = snapshot
            .last()
            .map_or_else(|| "Ready".to_owned(), super::status_bar::line);
        let selected = self
            .state
            .documents
            .selected
            .as_ref()
            .map(|t| t.path.as_str());
        super::report::finish_frame(&ctx, &status, selected);
        // Finished tasks linger in the status bar for a moment; come back to clear them.
        if !snapshot.is_empty() {
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
        // Moved workflow nodes are written to the autosave copy once still.
        if let Some(wait) = self.state.workflow.autosave_wait() {
            ctx.request_repaint_after(wait);
        }
    }

    fn save(&mut self, _storage: &mut dyn eframe::Storage) {
        self.persist();
    }

    fn on_exit(&mut self) {
        self.persist();
    }
}
