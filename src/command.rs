//! The command catalogue: every action Panorama offers without an argument,
//! with its title and keyboard shortcut, for the menus, the command palette
//! and the shortcuts. The commands themselves belong to the state's slices
//! ([`crate::state::Command`]); they are re-exported here.

use std::fmt;

pub use crate::state::{
    AccountsCommand, Command, DiscardAnswer, DocumentsCommand, DownloadsCommand, MetadataCommand,
    SearchCommand, ShellCommand, TabKind, ThemeChoice, TourCommand, WorkflowCommand,
};

/// A key the shortcuts use. Kept free of the GUI toolkit; `src/ui/` maps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Letter(char),
    Digit(u8),
    Comma,
    F1,
    F5,
    PageUp,
    PageDown,
}

/// A keyboard shortcut. `command` is Ctrl on Linux/Windows and Cmd on macOS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shortcut {
    pub command: bool,
    pub shift: bool,
    pub key: Key,
}

impl Shortcut {
    pub const fn ctrl(key: Key) -> Self {
        Self {
            command: true,
            shift: false,
            key,
        }
    }
    pub const fn ctrl_shift(key: Key) -> Self {
        Self {
            command: true,
            shift: true,
            key,
        }
    }
    pub const fn plain(key: Key) -> Self {
        Self {
            command: false,
            shift: false,
            key,
        }
    }
}

impl fmt::Display for Shortcut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.command {
            f.write_str("Ctrl+")?;
        }
        if self.shift {
            f.write_str("Shift+")?;
        }
        match self.key {
            Key::Letter(c) => write!(f, "{}", c.to_ascii_uppercase()),
            Key::Digit(d) => write!(f, "{d}"),
            Key::Comma => f.write_str(","),
            Key::F1 => f.write_str("F1"),
            Key::F5 => f.write_str("F5"),
            Key::PageUp => f.write_str("Page Up"),
            Key::PageDown => f.write_str("Page Down"),
        }
    }
}

/// A command as the palette and the menus list it.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    pub title: &'static str,
    pub shortcut: Option<Shortcut>,
    pub command: Command,
}

impl CommandSpec {
    fn new(title: &'static str, shortcut: Option<Shortcut>, command: impl Into<Command>) -> Self {
        Self {
            title,
            shortcut,
            command: command.into(),
        }
    }
}

/// Every command that makes sense without an argument, with its shortcut.
pub fn catalogue_of_commands() -> Vec<CommandSpec> {
    use DocumentsCommand as D;
    use ShellCommand as C;
    let mut v = vec![
        CommandSpec::new(
            "Open file…",
            Some(Shortcut::ctrl(Key::Letter('o'))),
            D::OpenFileDialog,
        ),
        CommandSpec::new("Open demo data", None, D::OpenDemo),
        CommandSpec::new(
            "Next file in the folder",
            Some(Shortcut::plain(Key::PageDown)),
            D::Browse { step: 1 },
        ),
        CommandSpec::new(
            "Previous file in the folder",
            Some(Shortcut::plain(Key::PageUp)),
            D::Browse { step: -1 },
        ),
        CommandSpec::new(
            "Command palette",
            Some(Shortcut::ctrl(Key::Letter('k'))),
            C::ToggleCommandPalette,
        ),
        CommandSpec::new(
            "Close tab",
            Some(Shortcut::ctrl(Key::Letter('w'))),
            C::CloseFocusedTab,
        ),
        CommandSpec::new("Reset layout", None, C::ResetLayout),
        CommandSpec::new(
            "Theme: follow system",
            None,
            C::SetTheme(ThemeChoice::System),
        ),
        CommandSpec::new("Theme: dark", None, C::SetTheme(ThemeChoice::Dark)),
        CommandSpec::new("Theme: light", None, C::SetTheme(ThemeChoice::Light)),
        CommandSpec::new("Clear recent files", None, D::ClearRecentFiles),
        CommandSpec::new(
            "Help for this tab",
            Some(Shortcut::plain(Key::F1)),
            C::Help(None),
        ),
        CommandSpec::new("Guided tour", None, TourCommand::Start),
        CommandSpec::new("About Panorama", None, C::About),
        CommandSpec::new(
            "Pause all downloads",
            Some(Shortcut::ctrl_shift(Key::Letter('p'))),
            DownloadsCommand::Queue(crate::transfer::queue::QueueAction::PauseAll),
        ),
        CommandSpec::new(
            "Resume all downloads",
            Some(Shortcut::ctrl_shift(Key::Letter('r'))),
            DownloadsCommand::Queue(crate::transfer::queue::QueueAction::ResumeAll),
        ),
        CommandSpec::new(
            "Search the catalogues",
            Some(Shortcut::ctrl(Key::Letter('f'))),
            C::FocusSearch,
        ),
        CommandSpec::new(
            "New metadata draft (DataCite)",
            Some(Shortcut::ctrl_shift(Key::Letter('n'))),
            MetadataCommand::NewDraft {
                schema: "datacite".into(),
                from_doc: None,
            },
        ),
        CommandSpec::new(
            "Search again",
            Some(Shortcut::plain(Key::F5)),
            SearchCommand::Again,
        ),
        CommandSpec::new("Load more results", None, SearchCommand::LoadMore),
        CommandSpec::new("Download the cart", None, SearchCommand::DownloadCart),
        CommandSpec::new("Copy the cart's PIDs", None, SearchCommand::CopyCartPids),
        CommandSpec::new(
            "Run the workflow",
            Some(Shortcut::ctrl(Key::Letter('r'))),
            WorkflowCommand::RunWorkflow,
        ),
        CommandSpec::new("New workflow", None, WorkflowCommand::NewWorkflow),
        CommandSpec::new("Quit", Some(Shortcut::ctrl(Key::Letter('q'))), C::Quit),
    ];
    for tab in TabKind::ALL {
        let title = match tab {
            TabKind::Welcome => "Show Welcome",
            TabKind::Search => "Show Search",
            TabKind::Files => "Show Files",
            TabKind::Viewer => "Show Viewer",
            TabKind::Metadata => "Show Metadata",
            TabKind::Workflows => "Show Workflows",
            TabKind::Accounts => "Show Accounts",
            TabKind::Downloads => "Show Downloads",
        };
        v.push(CommandSpec::new(title, None, C::ShowTab(tab)));
    }
    for tab in TabKind::ALL {
        let title = match tab {
            TabKind::Welcome => "Help: Welcome",
            TabKind::Search => "Help: Search",
            TabKind::Files => "Help: Files",
            TabKind::Viewer => "Help: Viewer",
            TabKind::Metadata => "Help: Metadata",
            TabKind::Workflows => "Help: Workflows",
            TabKind::Accounts => "Help: Accounts",
            TabKind::Downloads => "Help: Downloads",
        };
        v.push(CommandSpec::new(title, None, C::Help(Some(tab))));
    }
    // Ctrl+1 … Ctrl+9: the tabs in the order the window shows them.
    const NUMBERED: [&str; 9] = [
        "Show tab 1",
        "Show tab 2",
        "Show tab 3",
        "Show tab 4",
        "Show tab 5",
        "Show tab 6",
        "Show tab 7",
        "Show tab 8",
        "Show tab 9",
    ];
    for (i, title) in NUMBERED.into_iter().enumerate() {
        let n = u8::try_from(i + 1).unwrap_or(9);
        v.push(CommandSpec::new(
            title,
            Some(Shortcut::ctrl(Key::Digit(n))),
            C::ShowTabNumber(n),
        ));
    }
    v
}

/// Rank commands for a palette query: every word of the query must appear in
/// the title (case-insensitive); titles that start with the query come first.
pub fn filter_commands<'a>(specs: &'a [CommandSpec], query: &str) -> Vec<&'a CommandSpec> {
    let q = query.trim().to_lowercase();
    let words: Vec<&str> = q.split_whitespace().collect();
    let mut hits: Vec<(bool, &CommandSpec)> = specs
        .iter()
        .filter_map(|s| {
            let t = s.title.to_lowercase();
            words
                .iter()
                .all(|w| t.contains(w))
                .then(|| (!t.starts_with(&q), s))
        })
        .collect();
    hits.sort_by_key(|(later, _)| *later);
    hits.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_unique_and_readable() {
        let specs = catalogue_of_commands();
        let mut seen = std::collections::HashSet::new();
        for s in &specs {
            if let Some(sc) = s.shortcut {
                assert!(seen.insert(sc), "{} reuses {sc}", s.title);
            }
        }
        let palette = specs
            .iter()
            .find(|s| s.command == ShellCommand::ToggleCommandPalette.into())
            .and_then(|s| s.shortcut)
            .expect("palette has a shortcut");
        assert_eq!(palette.to_string(), "Ctrl+K");
    }

    #[test]
    fn the_palette_pauses_and_resumes_every_download() {
        let titles: Vec<&str> = catalogue_of_commands().iter().map(|c| c.title).collect();
        assert!(titles.contains(&"Pause all downloads"), "{titles:?}");
        assert!(titles.contains(&"Resume all downloads"));
    }

    #[test]
    fn every_tab_can_be_shown_from_the_palette() {
        let specs = catalogue_of_commands();
        for tab in TabKind::ALL {
            assert!(
                specs
                    .iter()
                    .any(|s| s.command == ShellCommand::ShowTab(tab).into())
            );
        }
    }

    #[test]
    fn filter_matches_words_and_prefers_prefixes() {
        let specs = catalogue_of_commands();
        let hits = filter_commands(&specs, "theme dark");
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].command,
            ShellCommand::SetTheme(ThemeChoice::Dark).into()
        );
        let hits = filter_commands(&specs, "show");
        assert!(hits.len() >= 7);
        assert!(hits[0].title.starts_with("Show"));
        assert!(filter_commands(&specs, "no such thing").is_empty());
        assert_eq!(filter_commands(&specs, "").len(), specs.len());
    }

    /// Every tab has its own help page, titled with the tab's name, and
    /// every shortcut a page names is one this catalogue has.
    #[test]
    fn every_tab_has_its_help_page_and_its_shortcuts_exist() {
        let shortcuts: Vec<String> = catalogue_of_commands()
            .iter()
            .filter_map(|c| c.shortcut.map(|s| s.to_string()))
            .collect();
        for tab in TabKind::ALL {
            let text = crate::state::help::page(tab);
            assert_eq!(
                text.lines().next(),
                Some(format!("# {}", tab.title()).as_str()),
                "{tab:?}"
            );
            // What the page writes as code: `Ctrl+F`, `F1`, `Page Down`, …
            let code: Vec<&str> = text.split('`').skip(1).step_by(2).collect();
            for key in code
                .iter()
                .filter(|k| k.starts_with("Ctrl+") || k.starts_with('F'))
            {
                assert!(
                    shortcuts.iter().any(|s| s == key),
                    "{tab:?} names {key}, which no command has"
                );
            }
            // Each tab's main actions have keys, and its page says which
            // (signing in is a form: its keys are the form's own).
            let named = code.iter().any(|k| shortcuts.iter().any(|s| s == k));
            assert!(
                named || tab == TabKind::Accounts,
                "{tab:?}: its page names no shortcut"
            );
        }
    }
}
