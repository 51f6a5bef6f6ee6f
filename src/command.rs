//! Every action Panorama offers, as data. The menus, the command palette,
//! keyboard shortcuts, the CLI and the tests all go through [`Command`] and
//! [`crate::state::AppState::apply`].

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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

/// A key the shortcuts use. Kept free of the GUI toolkit; `src/ui/` maps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Letter(char),
    Digit(u8),
    Comma,
    F1,
    F5,
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
        }
    }
}

/// The answer to "save the open workflow's changes first?", asked before
/// New or Open would replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscardAnswer {
    /// Save to the workflow's file, then go on.
    Save,
    /// Go on without saving.
    Discard,
    /// Keep the open workflow.
    Cancel,
}

/// One thing the user can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Ask for a file with the native dialog, then open it.
    OpenFileDialog,
    /// Open a local file (drag-and-drop, command line, recent files).
    OpenPath(PathBuf),
    /// Open a remote resource by URL (h5grove, catalogue record).
    OpenUrl(String),
    /// Open a remote file with an account's tokens; its server is remembered
    /// as using that account.
    OpenUrlAs {
        url: String,
        account: String,
    },
    /// Open the bundled demo content.
    OpenDemo,
    /// Close an open document by its id.
    CloseDocument(u64),
    /// Read a group's members (the tree expands lazily).
    ExpandGroup {
        doc: u64,
        path: String,
    },
    /// Show an object in the viewer.
    Select {
        doc: u64,
        path: String,
    },
    /// Show a document's NeXus default plot.
    OpenDefaultPlot(u64),
    /// Write a dataset (or the selection of it a view shows, transposed as
    /// shown) to a file whose extension names the format (`data::export`).
    ExportData {
        doc: u64,
        path: String,
        selection: crate::data::Selection,
        transpose: bool,
        to: PathBuf,
    },
    /// Search the catalogues (a new search cancels the previous one).
    Search(String),
    /// Turn a facet filter on or off.
    ToggleFacet {
        facet: String,
        value: String,
    },
    /// Turn every facet filter off.
    ClearFacets,
    /// Show a dataset's page (by [`crate::catalogue::Dataset::key`]).
    ShowDataset(String),
    /// Download a file of a dataset into the downloads folder (resumable, verified).
    Download {
        url: String,
        name: String,
        checksum: Option<String>,
    },
    /// Replace the catalogue sources (settings).
    SetSources(Vec<crate::catalogue::SourceConfig>),
    /// Sign in at an OpenID Connect issuer (browser or device code).
    SignIn(crate::auth::LoginRequest),
    /// Stop the sign-in in progress.
    CancelSignIn,
    /// Sign out of an account (revoke and forget its tokens).
    SignOut(String),
    /// Let a catalogue source's requests carry an account's tokens (or none).
    BindAccount {
        source: String,
        account: Option<String>,
    },
    /// Start a metadata draft for a schema, prefilled from an open file if given.
    NewDraft {
        schema: String,
        from_doc: Option<u64>,
    },
    OpenDraft(i64),
    /// Set (or clear, with `None`) a field of the open draft; saved at once.
    EditDraft {
        pointer: String,
        value: Option<serde_json::Value>,
    },
    /// Remove item `index` of the array at `pointer` in the open draft.
    RemoveDraftItem {
        pointer: String,
        index: usize,
    },
    UndoDraft,
    RedoDraft,
    DeleteDraft(i64),
    /// Start a DataCite draft from a catalogue record (by its key), each
    /// value marked as coming from that catalogue.
    DraftFromRecord(String),
    /// Start a DataCite draft from a DataCite XML file (kernel 4), each
    /// value marked as coming from that file.
    DraftFromDataCiteXml(PathBuf),
    /// Check an open file against a NeXus application definition or base class.
    CheckNexus {
        doc: u64,
        definition: String,
    },
    /// How many years an embargo without an end date lasts.
    SetEmbargoYears(u32),
    /// Publish the open draft to a catalogue source (SciCat, InvenioRDM)
    /// with the account bound to that source.
    PublishDraft {
        source: String,
        /// Files to upload with the record (InvenioRDM).
        files: Vec<PathBuf>,
    },
    /// Open a workflow file in the Workflows tab.
    OpenWorkflow(PathBuf),
    /// Set a parameter of a node of the open workflow.
    SetNodeParam {
        node: u64,
        name: String,
        value: serde_json::Value,
    },
    /// Run the open workflow (only what changed recomputes).
    RunWorkflow,
    /// Start an empty workflow in the Workflows tab (asks first when the
    /// open one has unsaved changes).
    NewWorkflow,
    /// What becomes of the open workflow's unsaved changes.
    AnswerDiscard(DiscardAnswer),
    /// Change the open workflow (add, connect, move, undo…).
    EditWorkflow(crate::workflow::edit::Edit),
    /// Pause, resume, cancel or limit downloads.
    Queue(crate::transfer::queue::QueueAction),
    /// Choose the folder downloads go to.
    ChooseDownloadFolder,
    /// Downloads go to this folder from now on (remembered).
    SetDownloadFolder(PathBuf),
    /// Save the open workflow to a file.
    SaveWorkflow(PathBuf),
    /// Run the open workflow on a Slurm cluster (settings are remembered,
    /// the token is not).
    RunWorkflowOnCluster {
        cluster: crate::workflow::slurm::ClusterSettings,
        token: crate::auth::Secret,
    },
    /// Stop the cluster run (the job is cancelled on the cluster).
    CancelClusterRun,
    /// Add files matching a pattern (or one file) to those the workflow runs over.
    AddMapInputs(String),
    /// Add the finished downloads to the files the workflow runs over.
    AddDownloadedMapInputs,
    /// Add the local files open in the viewer to those the workflow runs over.
    AddOpenMapInputs,
    /// Take a file off the list the workflow runs over.
    RemoveMapInput(usize),
    /// Run the open workflow once per listed file.
    RunWorkflowMap,
    /// Stop running over files (after the file in progress).
    CancelWorkflowMap,
    /// Keep the values typed into the open draft as a named template.
    SaveTemplate(String),
    /// Fill the open draft from a template of its schema.
    ApplyTemplate(String),
    /// Set one field in many drafts (bulk edit); `None` clears it.
    BulkSet {
        ids: Vec<i64>,
        pointer: String,
        value: Option<serde_json::Value>,
    },
    /// Bring a tab to the front, opening it if it was closed.
    ShowTab(TabKind),
    /// Read netCDF variables through their CF attributes in views and
    /// exports (or show the raw stored values).
    SetCfConventions(bool),
    /// Bring the Nth tab (from 1) to the front, counting the tabs as the
    /// window shows them: strips left to right, each strip's tabs in order.
    ShowTabNumber(u8),
    /// Close the focused tab.
    CloseFocusedTab,
    /// Put every tab back where it starts.
    ResetLayout,
    SetTheme(ThemeChoice),
    ToggleCommandPalette,
    ClearRecentFiles,
    /// Show the log folder and version details.
    About,
    Quit,
}

/// A command as the palette and the menus list it.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    pub title: &'static str,
    pub shortcut: Option<Shortcut>,
    pub command: Command,
}

impl CommandSpec {
    const fn new(title: &'static str, shortcut: Option<Shortcut>, command: Command) -> Self {
        Self {
            title,
            shortcut,
            command,
        }
    }
}

/// Every command that makes sense without an argument, with its shortcut.
pub fn catalogue_of_commands() -> Vec<CommandSpec> {
    use Command as C;
    let mut v = vec![
        CommandSpec::new(
            "Open file…",
            Some(Shortcut::ctrl(Key::Letter('o'))),
            C::OpenFileDialog,
        ),
        CommandSpec::new("Open demo data", None, C::OpenDemo),
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
        CommandSpec::new("Clear recent files", None, C::ClearRecentFiles),
        CommandSpec::new("About Panorama", Some(Shortcut::plain(Key::F1)), C::About),
        CommandSpec::new(
            "Pause all downloads",
            None,
            C::Queue(crate::transfer::queue::QueueAction::PauseAll),
        ),
        CommandSpec::new(
            "Resume all downloads",
            None,
            C::Queue(crate::transfer::queue::QueueAction::ResumeAll),
        ),
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
            .find(|s| s.command == Command::ToggleCommandPalette)
            .and_then(|s| s.shortcut)
            .expect("palette has a shortcut");
        assert_eq!(palette.to_string(), "Ctrl+K");
    }

    #[test]
    fn every_tab_can_be_shown_from_the_palette() {
        let specs = catalogue_of_commands();
        for tab in TabKind::ALL {
            assert!(specs.iter().any(|s| s.command == Command::ShowTab(tab)));
        }
    }

    #[test]
    fn filter_matches_words_and_prefers_prefixes() {
        let specs = catalogue_of_commands();
        let hits = filter_commands(&specs, "theme dark");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].command, Command::SetTheme(ThemeChoice::Dark));
        let hits = filter_commands(&specs, "show");
        assert!(hits.len() >= 7);
        assert!(hits[0].title.starts_with("Show"));
        assert!(filter_commands(&specs, "no such thing").is_empty());
        assert_eq!(filter_commands(&specs, "").len(), specs.len());
    }
}
