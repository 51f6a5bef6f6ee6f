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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tab has its own page, titled with the tab's name, and every
    /// shortcut a page names is one the command catalogue has.
    #[test]
    fn every_tab_has_its_page_and_its_shortcuts_exist() {
        let shortcuts: Vec<String> = crate::command::catalogue_of_commands()
            .iter()
            .filter_map(|c| c.shortcut.map(|s| s.to_string()))
            .collect();
        for tab in TabKind::ALL {
            let text = page(tab);
            assert_eq!(
                text.lines().next(),
                Some(format!("# {}", tab.title()).as_str()),
                "{tab:?}"
            );
            for key in text
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|k| k.starts_with("Ctrl+") || k.starts_with('F'))
            {
                assert!(
                    shortcuts.iter().any(|s| s == key),
                    "{tab:?} names {key}, which no command has"
                );
            }
        }
    }
}
