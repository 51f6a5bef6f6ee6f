//! Exporting data from an open document (`DocumentsCommand::ExportData`): on the
//! blocking pool with progress and cancel, a notification when it ends.

use std::path::PathBuf;

use super::documents::DocumentsState;
use super::{Cx, Level};
use crate::data::Selection;

impl DocumentsState {
    /// Write `path` of document `doc` (the part `selection` picks, its two
    /// axes swapped when `transpose`) to `to`, in the background.
    pub(super) fn export_data(
        &mut self,
        doc: u64,
        path: &str,
        selection: Selection,
        transpose: bool,
        to: PathBuf,
        cx: &mut Cx<'_>,
    ) {
        let Some(source) = self.document(doc).and_then(|d| d.source.clone()) else {
            cx.notify(
                Level::Warning,
                "Nothing exported",
                "The file is not open (any more). Open it again, then export.",
            );
            return;
        };
        let object = path.to_owned();
        // As the views show it: with the CF conventions when they are on.
        let cf = self.cf_conventions;
        let name = to.file_name().map_or_else(
            || to.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let key = to.clone();
        let handle = cx
            .tasks
            .spawn_blocking(&format!("Exporting {name}"), move |ctx| {
                crate::data::export::export_with(
                    source.as_ref(),
                    &object,
                    &selection,
                    (transpose, cf),
                    &to,
                    &ctx,
                )
            });
        self.exports.push(key, handle);
    }

    pub(super) fn poll_exports(&mut self, cx: &mut Cx<'_>) {
        for (_, result) in self.exports.drain_ready() {
            match result {
                Ok(done) => {
                    let dims: Vec<String> = done.shape.iter().map(usize::to_string).collect();
                    cx.notify(
                        Level::Info,
                        "Exported",
                        format!(
                            "{} ({}, [{}], {} bytes)",
                            done.path.display(),
                            done.format,
                            dims.join(" × "),
                            done.bytes
                        ),
                    );
                }
                Err(crate::runtime::TaskError::Cancelled) => {}
                Err(e) => cx.notify(Level::Error, "Export failed", e.to_string()),
            }
        }
    }

    /// Whether an export is still running.
    pub fn exporting(&self) -> bool {
        !self.exports.is_empty()
    }
}
