//! The shell slice: the window's own actions (tabs, theme, palette, about,
//! quit), the notifications every slice writes to, and what the GUI must do
//! after a command ([`UiEffect`]).

use serde::{Deserialize, Serialize};

use super::Cx;
use super::settings::Setting;

/// The workspace tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TabKind {
    Welcome,
    Search,
    Files,
    Viewer,
    Metadata,
    Workflows,
    Accounts,
    Downloads,
}

impl TabKind {
    pub const ALL: [Self; 8] = [
        Self::Welcome,
        Self::Search,
        Self::Files,
        Self::Viewer,
        Self::Metadata,
        Self::Workflows,
        Self::Accounts,
        Self::Downloads,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Welcome => "Welcome",
            Self::Search => "Search",
            Self::Files => "Files",
            Self::Viewer => "Viewer",
            Self::Metadata => "Metadata",
            Self::Workflows => "Workflows",
            Self::Accounts => "Accounts",
            Self::Downloads => "Downloads",
        }
    }
}

/// Light, dark, or whatever the desktop uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThemeChoice {
    #[default]
    System,
    Dark,
    Light,
}

// The shape every setting's writer has.
#[allow(clippy::trivially_copy_pass_by_ref, clippy::unnecessary_wraps)]
fn theme_text(t: &ThemeChoice) -> Option<String> {
    Some(
        match t {
            ThemeChoice::System => "system",
            ThemeChoice::Dark => "dark",
            ThemeChoice::Light => "light",
        }
        .to_owned(),
    )
}

fn theme_of(s: &str) -> Option<ThemeChoice> {
    match s {
        "system" => Some(ThemeChoice::System),
        "dark" => Some(ThemeChoice::Dark),
        "light" => Some(ThemeChoice::Light),
        _ => None,
    }
}

/// Light, dark or the desktop's.
pub const THEME: Setting<ThemeChoice> = Setting::text("theme", theme_text, theme_of);

/// What the GUI must do after a command; the state cannot do it itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiEffect {
    ShowTab(TabKind),
    ShowTabNumber(u8),
    CloseFocusedTab,
    ResetLayout,
    ApplyTheme(ThemeChoice),
    TogglePalette,
    /// Show the native open-file dialog.
    PickFile,
    /// Show a folder picker for the downloads folder.
    PickDownloadFolder,
    ShowAbout,
    /// Put text on the clipboard and say what was copied.
    Copy {
        what: String,
        text: String,
    },
    /// Show the bundled help page of a tab (`None`: the tab in front).
    ShowHelp(Option<TabKind>),
    /// Put the keyboard in the Search tab's search box.
    FocusSearch,
    Quit,
}

/// How serious a notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// A message for the user: a short title, and details shown on click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: u64,
    pub level: Level,
    pub title: String,
    pub detail: String,
}

/// The notifications shown, newest last. Every slice adds to them through
/// [`Cx::notify`]; they read as a slice of [`Notification`].
#[derive(Debug, Default)]
pub struct Notifications {
    list: Vec<Notification>,
    next_id: u64,
}

impl Notifications {
    /// Add a notification and log it.
    pub fn push(&mut self, level: Level, title: impl Into<String>, detail: impl Into<String>) {
        let (title, detail) = (title.into(), detail.into());
        match level {
            Level::Error => tracing::error!(%title, %detail),
            Level::Warning => tracing::warn!(%title, %detail),
            Level::Info => tracing::info!(%title, %detail),
        }
        self.next_id += 1;
        self.list.push(Notification {
            id: self.next_id,
            level,
            title,
            detail,
        });
    }

    pub fn dismiss(&mut self, id: u64) {
        self.list.retain(|n| n.id != id);
    }
}

impl std::ops::Deref for Notifications {
    type Target = [Notification];
    fn deref(&self) -> &[Notification] {
        &self.list
    }
}

/// The window's own actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellCommand {
    /// Bring a tab to the front, opening it if it was closed.
    ShowTab(TabKind),
    /// Bring the Nth tab (from 1) to the front, counting the tabs as the
    /// window shows them: strips left to right, each strip's tabs in order.
    ShowTabNumber(u8),
    CloseFocusedTab,
    ResetLayout,
    SetTheme(ThemeChoice),
    ToggleCommandPalette,
    /// Take a notification away.
    Dismiss(u64),
    /// Tell the user something the window did (an export it wrote).
    Notify {
        level: Level,
        title: String,
        detail: String,
    },
    About,
    /// Show the help page of a tab (`None`: the tab in front).
    Help(Option<TabKind>),
    /// Show the Search tab with the keyboard in its search box.
    FocusSearch,
    Quit,
}

/// The theme chosen (remembered).
#[derive(Debug, Default)]
pub struct ShellState {
    pub theme: ThemeChoice,
}

impl ShellState {
    pub fn open(store: Option<&crate::store::Store>) -> Self {
        Self {
            theme: store.and_then(|s| THEME.load(s)).unwrap_or_default(),
        }
    }

    pub fn apply(&mut self, command: ShellCommand, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        match command {
            ShellCommand::ShowTab(tab) => vec![UiEffect::ShowTab(tab)],
            ShellCommand::ShowTabNumber(n) => vec![UiEffect::ShowTabNumber(n)],
            ShellCommand::CloseFocusedTab => vec![UiEffect::CloseFocusedTab],
            ShellCommand::ResetLayout => vec![UiEffect::ResetLayout],
            ShellCommand::SetTheme(theme) => {
                self.theme = theme;
                cx.save(&THEME, &theme);
                vec![UiEffect::ApplyTheme(theme)]
            }
            ShellCommand::ToggleCommandPalette => vec![UiEffect::TogglePalette],
            ShellCommand::Dismiss(id) => {
                cx.notes.dismiss(id);
                Vec::new()
            }
            ShellCommand::Notify {
                level,
                title,
                detail,
            } => {
                cx.notify(level, title, detail);
                Vec::new()
            }
            ShellCommand::About => vec![UiEffect::ShowAbout],
            ShellCommand::Help(tab) => vec![UiEffect::ShowHelp(tab)],
            ShellCommand::FocusSearch => {
                vec![UiEffect::ShowTab(TabKind::Search), UiEffect::FocusSearch]
            }
            ShellCommand::Quit => vec![UiEffect::Quit],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn the_theme_reads_what_older_versions_wrote() {
        let store = Store::in_memory().expect("store");
        assert_eq!(THEME.load(&store), None);
        THEME.save(&store, &ThemeChoice::Light).expect("save");
        assert_eq!(THEME.load(&store), Some(ThemeChoice::Light));
        store.set("theme", "dark").expect("set");
        assert_eq!(THEME.load(&store), Some(ThemeChoice::Dark));
        // A value that does not read is no value, not a panic.
        store.set("theme", "purple").expect("set");
        assert_eq!(THEME.load(&store), None);
    }
}
