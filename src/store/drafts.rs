//! Metadata drafts in the store. Every edit is its own transaction, so a
//! crash (even `kill -9`) loses nothing that was committed.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// A draft as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftRow {
    pub id: i64,
    pub title: String,
    pub schema: String,
    pub body: String,
    pub updated: i64,
    /// Edits that can be undone / redone.
    pub undo: i64,
    pub redo: i64,
}

/// One recorded edit: the field and its value before and after (JSON, or
/// `None` where the field was absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryStep {
    pub pointer: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Steps of a draft's history kept for undo; older ones are dropped.
pub const HISTORY_STEPS: i64 = 1000;

/// Step `seq` of a draft's history, if there is one.
fn history_step(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    seq: i64,
) -> Result<Option<HistoryStep>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT pointer, before, after FROM draft_history WHERE draft = ?1 AND seq = ?2",
            params![id, seq],
            |r| {
                Ok(HistoryStep {
                    pointer: r.get(0)?,
                    before: r.get(1)?,
                    after: r.get(2)?,
                })
            },
        )
        .optional()?)
}

impl Store {
    pub fn create_draft(
        &self,
        title: &str,
        schema: &str,
        body: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO drafts (title, schema, body, cursor, updated) VALUES (?1, ?2, ?3, 0, ?4)",
            params![title, schema, body, now],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftRow> {
        Ok(DraftRow {
            id: r.get(0)?,
            title: r.get(1)?,
            schema: r.get(2)?,
            body: r.get(3)?,
            updated: r.get(4)?,
            undo: r.get(5)?,
            redo: r.get(6)?,
        })
    }

    const DRAFT_COLUMNS: &'static str = "d.id, d.title, d.schema, d.body, d.updated,
        (SELECT COUNT(*) FROM draft_history h WHERE h.draft = d.id AND h.seq <= d.cursor),
        (SELECT COUNT(*) FROM draft_history h WHERE h.draft = d.id AND h.seq > d.cursor)";

    pub fn drafts(&self) -> Result<Vec<DraftRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM drafts d ORDER BY d.updated DESC, d.id DESC",
            Self::DRAFT_COLUMNS
        ))?;
        let rows = stmt.query_map([], Self::row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn draft(&self, id: i64) -> Result<Option<DraftRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {} FROM drafts d WHERE d.id = ?1",
                    Self::DRAFT_COLUMNS
                ),
                [id],
                Self::row,
            )
            .optional()?)
    }

    /// Save a new body and record the edit (dropping anything that could be redone).
    pub fn record_edit(
        &mut self,
        id: i64,
        body: &str,
        step: &HistoryStep,
        now: i64,
    ) -> Result<(), StoreError> {
        self.record_edit_merging(id, body, step, now, |_, _| false)
    }

    /// [`Self::record_edit`], or, when `merge` says so for the last step
    /// (the one undo takes back, with nothing to redo after it) and the
    /// time the draft last changed, that step extended to this edit: one
    /// undo then takes back both (a word typed key by key).
    pub fn record_edit_merging(
        &mut self,
        id: i64,
        body: &str,
        step: &HistoryStep,
        now: i64,
        merge: impl FnOnce(&HistoryStep, i64) -> bool,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let (cursor, updated): (i64, i64) = tx.query_row(
            "SELECT cursor, updated FROM drafts WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        // The step undo would take back, when nothing can be redone after it.
        let redoable: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM draft_history WHERE draft = ?1 AND seq > ?2)",
            params![id, cursor],
            |r| r.get(0),
        )?;
        let last = if redoable {
            None
        } else {
            history_step(&tx, id, cursor)?
        };
        if let Some(last) = last
            && last.pointer == step.pointer
            && merge(&last, updated)
        {
            tx.execute(
                "UPDATE draft_history SET after = ?3 WHERE draft = ?1 AND seq = ?2",
                params![id, cursor, step.after],
            )?;
            tx.execute(
                "UPDATE drafts SET body = ?2, updated = ?3 WHERE id = ?1",
                params![id, body, now],
            )?;
            tx.commit()?;
            return Ok(());
        }
        tx.execute(
            "DELETE FROM draft_history WHERE draft = ?1 AND seq > ?2",
            params![id, cursor],
        )?;
        tx.execute(
            "INSERT INTO draft_history (draft, seq, pointer, before, after) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, cursor + 1, step.pointer, step.before, step.after],
        )?;
        tx.execute(
            "DELETE FROM draft_history WHERE draft = ?1 AND seq <= ?2",
            params![id, cursor + 1 - HISTORY_STEPS],
        )?;
        tx.execute(
            "UPDATE drafts SET body = ?2, cursor = ?3, updated = ?4 WHERE id = ?1",
            params![id, body, cursor + 1, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Move one step back (`undo`) or forward in a draft's history: `apply`
    /// turns the step into the new body, saved in the same transaction.
    pub fn step_draft(
        &mut self,
        id: i64,
        undo: bool,
        now: i64,
        apply: impl FnOnce(&HistoryStep) -> Result<String, StoreError>,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let cursor: i64 = tx.query_row("SELECT cursor FROM drafts WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
        let seq = if undo { cursor } else { cursor + 1 };
        let step = history_step(&tx, id, seq)?;
        let Some(step) = step else {
            return Ok(false);
        };
        let body = apply(&step)?;
        let new_cursor = if undo { cursor - 1 } else { cursor + 1 };
        tx.execute(
            "UPDATE drafts SET body = ?2, cursor = ?3, updated = ?4 WHERE id = ?1",
            params![id, body, new_cursor, now],
        )?;
        tx.commit()?;
        Ok(true)
    }

    pub fn rename_draft(&self, id: i64, title: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE drafts SET title = ?2 WHERE id = ?1",
            params![id, title],
        )?;
        Ok(())
    }

    pub fn delete_draft(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM draft_history WHERE draft = ?1", [id])?;
        self.conn
            .execute("DELETE FROM drafts WHERE id = ?1", [id])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{HISTORY_STEPS, HistoryStep};

    /// The undo history of a draft stays bounded: after more edits than it
    /// keeps, undo goes back exactly that many steps and then stops.
    #[test]
    fn the_undo_history_is_bounded() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut store = crate::store::Store::open(&tmp.path().join("s.sqlite")).expect("store");
        let id = store.create_draft("t", "datacite", "{}", 0).expect("draft");
        let edits = HISTORY_STEPS + 25;
        for i in 0..edits {
            let step = HistoryStep {
                pointer: format!("/f{}", i % 7),
                before: Some(i.to_string()),
                after: Some((i + 1).to_string()),
            };
            store.record_edit(id, "{}", &step, i).expect("edit");
        }
        let row = store.drafts().expect("drafts").remove(0);
        assert_eq!(row.undo, HISTORY_STEPS);
        let mut undone = 0;
        while store
            .step_draft(id, true, 0, |_| Ok("{}".into()))
            .expect("undo")
        {
            undone += 1;
            assert!(undone <= edits, "undo never stops");
        }
        assert_eq!(undone, HISTORY_STEPS);
    }
}
