//! The help pages, one per tab, bundled in the binary so they work offline
//! (`docs/help/<tab>.md`); `F1` shows the page of the tab in front.

use super::TabKind;

/// The help page of `tab`, in Markdown.
pub fn page(tab: TabKind) -> &'static str {
    match tab {
        TabKind::Welcome => include_str!("../../docs/help/welcome.md"),
        TabKind::Search => include_str!("../../docs/help/search.md"),
        TabKind::Files => include_str!("../../docs/help/files.md"),
        TabKind::Viewer => include_str!("../../docs/help/viewer.md"),
        TabKind::Metadata => include_str!("../../docs/help/metadata.md"),
        TabKind::Workflows => include_str!("../../docs/help/workflows.md"),
        TabKind::Accounts => include_str!("../../docs/help/accounts.md"),
        TabKind::Downloads => include_str!("../../docs/help/downloads.md"),
    }
}
