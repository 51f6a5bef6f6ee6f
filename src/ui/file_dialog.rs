//! Every Open, Save and folder dialog of the app. The desktop's own dialog
//! (xdg-desktop-portal, through `rfd`) where the session has a portal;
//! otherwise — remote desktops, VNC/X2Go sessions and minimal window
//! managers at facilities often have none, and `rfd` then answers as if the
//! user had cancelled — a built-in dialog (`egui-file-dialog`: an egui 0.36
//! file dialog with a path field, keyboard navigation and quick-access
//! folders, kept up to date with egui) that lists recent folders and the
//! app's data folders. `PANORAMA_FILE_DIALOG=builtin` or `native` overrides
//! the choice.
//!
//! A panel asks with [`request`] under a key of its own and, frame by frame,
//! collects the [`Answer`] with [`take_answer`]; only a path picked is work
//! to do, so a cancelled or failed dialog is never reported as done.

use std::path::PathBuf;

use poll_promise::Promise;

/// What a dialog is for.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Open,
    /// Save, suggesting this file name.
    Save(String),
    Folder,
}

/// One dialog to show.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub title: String,
    pub mode: Mode,
    /// (name, extensions without the dot); "*" for any.
    pub filters: Vec<(String, Vec<String>)>,
    pub start: Option<PathBuf>,
}

impl Request {
    pub fn new(title: &str, mode: Mode) -> Self {
        Self {
            title: title.to_owned(),
            mode,
            filters: Vec::new(),
            start: None,
        }
    }

    pub fn filter(mut self, name: &str, extensions: &[&str]) -> Self {
        self.filters.push((
            name.to_owned(),
            extensions.iter().map(|e| (*e).to_owned()).collect(),
        ));
        self
    }

    pub fn start_in(mut self, dir: PathBuf) -> Self {
        self.start = Some(dir);
        self
    }
}

/// How a dialog ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Answer {
    Picked(PathBuf),
    #[default]
    Cancelled,
}

fn requests_id() -> egui::Id {
    egui::Id::new("panorama_file_dialog_requests")
}

fn answer_id(key: &str) -> egui::Id {
    egui::Id::new(("panorama_file_dialog_answer", key))
}

/// Ask for a dialog; its answer comes under `key`.
pub fn request(ctx: &egui::Context, key: &str, request: Request) {
    ctx.data_mut(|d| {
        d.get_temp_mut_or_default::<Vec<(String, Request)>>(requests_id())
            .push((key.to_owned(), request));
    });
    ctx.request_repaint();
}

/// The answer to the dialog asked for under `key`, once, when it has ended.
pub fn take_answer(ctx: &egui::Context, key: &str) -> Option<Answer> {
    ctx.data_mut(|d| d.remove_temp::<Answer>(answer_id(key)))
}

fn answer(ctx: &egui::Context, key: &str, a: Answer) {
    ctx.data_mut(|d| d.insert_temp(answer_id(key), a));
    ctx.request_repaint();
}

/// Which kind of dialog this session gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Native,
    Builtin,
}

/// The kind `PANORAMA_FILE_DIALOG` asks for, if any.
fn kind_from_env() -> Option<Kind> {
    match std::env::var("PANORAMA_FILE_DIALOG").ok()?.as_str() {
        "builtin" => Some(Kind::Builtin),
        "native" => Some(Kind::Native),
        _ => None,
    }
}

/// Whether the session bus has (or can start) a desktop portal.
async fn portal_available() -> bool {
    const PORTAL: &str = "org.freedesktop.portal.Desktop";
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() && !cfg!(target_os = "linux") {
        return true;
    }
    let check = async {
        let conn = zbus::Connection::session().await.ok()?;
        let bus = zbus::fdo::DBusProxy::new(&conn).await.ok()?;
        let name = zbus::names::BusName::try_from(PORTAL).ok()?;
        if bus.name_has_owner(name).await.unwrap_or(false) {
            return Some(true);
        }
        let activatable = bus.list_activatable_names().await.ok()?;
        Some(activatable.iter().any(|n| n.as_str() == PORTAL))
    };
    tokio::time::timeout(std::time::Duration::from_secs(2), check)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// The dialogs: shows what panels asked for, one at a time.
pub struct FileDialogs {
    kind: Option<Kind>,
    probing: Option<Promise<bool>>,
    native: Option<(String, Promise<Option<PathBuf>>)>,
    builtin: Option<(String, egui_file_dialog::FileDialog)>,
    /// Folders offered in the built-in dialog: (name, folder).
    places: Vec<(String, PathBuf)>,
}

impl FileDialogs {
    pub fn new(tasks: &crate::runtime::TaskRegistry) -> Self {
        let kind = if cfg!(target_os = "linux") {
            kind_from_env()
        } else {
            Some(Kind::Native)
        };
        // Looked for in the background, not shown as work in the status bar.
        let probing = kind.is_none().then(|| quietly(tasks, portal_available()));
        Self {
            kind,
            probing,
            native: None,
            builtin: None,
            places: Vec::new(),
        }
    }

    /// The kind in use (`None` while the portal is still being looked for).
    pub fn kind(&self) -> Option<Kind> {
        self.kind
    }

    /// Folders the built-in dialog offers besides home and the drives.
    pub fn set_places(&mut self, places: Vec<(String, PathBuf)>) {
        self.places = places;
    }

    /// Once a frame: start what was asked for, show the built-in dialog,
    /// hand out answers.
    pub fn update(&mut self, ctx: &egui::Context, tasks: &crate::runtime::TaskRegistry) {
        if let Some(h) = self.probing.take() {
            match h.try_take() {
                Err(h) => self.probing = Some(h),
                Ok(found) => {
                    self.kind = Some(if found { Kind::Native } else { Kind::Builtin });
                }
            }
        }
        if let Some((key, h)) = self.native.take() {
            match h.try_take() {
                Err(h) => self.native = Some((key, h)),
                Ok(Some(p)) => answer(ctx, &key, Answer::Picked(p)),
                Ok(None) => answer(ctx, &key, Answer::Cancelled),
            }
        }
        if let Some((key, mut d)) = self.builtin.take() {
            d.update(ctx);
            match d.state() {
                egui_file_dialog::DialogState::Picked(p) => {
                    answer(ctx, &key, Answer::Picked(p.clone()));
                }
                egui_file_dialog::DialogState::Cancelled
                | egui_file_dialog::DialogState::Closed => answer(ctx, &key, Answer::Cancelled),
                _ => self.builtin = Some((key, d)),
            }
        }
        // One dialog at a time; later requests wait their turn.
        let busy = self.native.is_some() || self.builtin.is_some();
        let Some(kind) = self.kind else {
            return;
        };
        if busy {
            return;
        }
        let next = ctx.data_mut(|d| {
            let q = d.get_temp_mut_or_default::<Vec<(String, Request)>>(requests_id());
            (!q.is_empty()).then(|| q.remove(0))
        });
        let Some((key, req)) = next else {
            return;
        };
        match kind {
            Kind::Native => self.native = Some((key, quietly(tasks, native(req)))),
            Kind::Builtin => self.builtin = Some((key, self.builtin_dialog(ctx, &req))),
        }
    }

    fn builtin_dialog(&self, ctx: &egui::Context, req: &Request) -> egui_file_dialog::FileDialog {
        let places = self.places.clone();
        // Centred below the menu bar, never over it.
        let screen = ctx.content_rect();
        let size = egui::vec2(720.0, 460.0).min(screen.size() - egui::vec2(16.0, 48.0));
        let pos = egui::pos2(
            screen.center().x - size.x / 2.0,
            (screen.center().y - size.y / 2.0).max(screen.top() + 40.0),
        );
        let mut d = egui_file_dialog::FileDialog::new()
            .title(&req.title)
            .default_size(size)
            .default_pos(pos)
            .id(egui::Id::new("panorama_builtin_file_dialog"))
            .add_quick_access("Panorama", move |q| {
                for (name, dir) in &places {
                    if dir.is_dir() {
                        q.add_path(name, dir.clone());
                    }
                }
            });
        // Where asked, else the first of the places (where downloads go).
        if let Some(start) = req
            .start
            .clone()
            .or_else(|| self.places.first().map(|p| p.1.clone()))
            .filter(|d| d.is_dir())
        {
            d = d.initial_directory(start);
        }
        for (name, exts) in &req.filters {
            if exts.iter().any(|e| e == "*") {
                continue;
            }
            let exts: Vec<String> = exts.iter().map(|e| e.to_lowercase()).collect();
            d = d.add_file_filter(
                name,
                egui_file_dialog::Filter::new(move |p: &std::path::Path| {
                    p.extension()
                        .is_some_and(|e| exts.contains(&e.to_string_lossy().to_lowercase()))
                }),
            );
        }
        match &req.mode {
            Mode::Open => d.pick_file(),
            Mode::Folder => d.pick_directory(),
            Mode::Save(name) => {
                d = d.default_file_name(name);
                d.save_file();
            }
        }
        d
    }
}

/// Run `work` on the runtime without a status-bar entry.
fn quietly<T: Send + 'static>(
    tasks: &crate::runtime::TaskRegistry,
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Promise<T> {
    let (tx, promise) = Promise::new();
    tasks.handle().spawn(async move { tx.send(work.await) });
    promise
}

async fn native(req: Request) -> Option<PathBuf> {
    let mut d = rfd::AsyncFileDialog::new().set_title(&req.title);
    for (name, exts) in &req.filters {
        d = d.add_filter(name, exts);
    }
    if let Some(s) = &req.start {
        d = d.set_directory(s);
    }
    match req.mode {
        Mode::Open => d.pick_file().await,
        Mode::Folder => d.pick_folder().await,
        Mode::Save(name) => d.set_file_name(name).save_file().await,
    }
    .map(|f| f.path().to_path_buf())
}
