//! Drafts kept in the store: every edit saved at once with its history, so
//! undo/redo survive a restart and a crash loses no committed keystroke.

use serde_json::Value as J;

use super::{Draft, FieldValue, MetadataError, Origin};
use crate::store::{HistoryStep, Store, StoreError};

/// A draft as the editor shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftDoc {
    pub id: i64,
    pub title: String,
    pub draft: Draft,
    pub updated: i64,
    pub can_undo: bool,
    pub can_redo: bool,
}

/// History steps for whole-draft changes (removing an array item, a template).
const WHOLE: &str = "*";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn store_err(e: StoreError) -> MetadataError {
    MetadataError::Store(e.to_string())
}

fn encode<T: serde::Serialize>(v: &T) -> Result<String, MetadataError> {
    serde_json::to_string(v).map_err(|e| MetadataError::Store(e.to_string()))
}

fn decode_draft(body: &str) -> Result<Draft, MetadataError> {
    serde_json::from_str(body).map_err(|e| MetadataError::Store(format!("unreadable draft: {e}")))
}

pub fn create(store: &Store, title: &str, draft: &Draft) -> Result<i64, MetadataError> {
    store
        .create_draft(title, &draft.schema, &encode(draft)?, now())
        .map_err(store_err)
}

fn doc(row: crate::store::DraftRow) -> Result<DraftDoc, MetadataError> {
    Ok(DraftDoc {
        id: row.id,
        title: row.title,
        draft: decode_draft(&row.body)?,
        updated: row.updated,
        can_undo: row.undo > 0,
        can_redo: row.redo > 0,
    })
}

/// Every draft, newest first (unreadable ones are skipped).
pub fn list(store: &Store) -> Result<Vec<DraftDoc>, MetadataError> {
    Ok(store
        .drafts()
        .map_err(store_err)?
        .into_iter()
        .filter_map(|r| doc(r).ok())
        .collect())
}

pub fn open(store: &Store, id: i64) -> Result<DraftDoc, MetadataError> {
    doc(store
        .draft(id)
        .map_err(store_err)?
        .ok_or(MetadataError::NoDraft(id))?)
}

/// Change one field and save at once. `None` clears it.
pub fn set(
    store: &mut Store,
    id: i64,
    pointer: &str,
    value: Option<J>,
) -> Result<DraftDoc, MetadataError> {
    let mut d = open(store, id)?;
    let before = d.draft.fields.get(pointer).cloned();
    match value {
        Some(v) => d.draft.edit(pointer, v),
        None => d.draft.clear(pointer),
    }
    let after = d.draft.fields.get(pointer).cloned();
    if before == after {
        return Ok(d);
    }
    let step = HistoryStep {
        pointer: pointer.to_owned(),
        before: before.as_ref().map(encode).transpose()?,
        after: after.as_ref().map(encode).transpose()?,
    };
    // Typing goes into one undo step per word: a key extends the last step
    // when it edits the same text field soon after, and the text before it
    // did not end a word.
    let now = now();
    let merge = |last: &HistoryStep, updated: i64| {
        let text = |s: &Option<String>| {
            s.as_deref()
                .and_then(|s| serde_json::from_str::<FieldValue>(s).ok())
                .and_then(|f| f.value.as_str().map(str::to_owned))
        };
        match (text(&last.after), text(&step.after)) {
            (Some(was), Some(is)) => {
                now - updated <= TYPING_PAUSE_S
                    && !was.ends_with(char::is_whitespace)
                    && (is.starts_with(&was) || was.starts_with(&is))
            }
            _ => false,
        }
    };
    store
        .record_edit_merging(id, &encode(&d.draft)?, &step, now, merge)
        .map_err(store_err)?;
    open(store, id)
}

/// Seconds without a key after which typing starts a new undo step.
pub const TYPING_PAUSE_S: i64 = 2;

/// Replace the whole draft in one undoable step (remove an array item,
/// apply a template or values extracted from a file).
pub fn replace(store: &mut Store, id: i64, draft: &Draft) -> Result<DraftDoc, MetadataError> {
    let d = open(store, id)?;
    if &d.draft == draft {
        return Ok(d);
    }
    let step = HistoryStep {
        pointer: WHOLE.into(),
        before: Some(encode(&d.draft)?),
        after: Some(encode(draft)?),
    };
    store
        .record_edit(id, &encode(draft)?, &step, now())
        .map_err(store_err)?;
    open(store, id)
}

/// Fill fields from a file, template or catalogue without overwriting what a
/// person typed; one undoable step. Returns how many fields were filled.
pub fn prefill(
    store: &mut Store,
    id: i64,
    values: &[(String, J, Origin)],
) -> Result<(DraftDoc, usize), MetadataError> {
    let mut d = open(store, id)?.draft;
    let filled = values
        .iter()
        .filter(|(p, v, o)| d.prefill(p, v.clone(), o.clone()))
        .count();
    Ok((replace(store, id, &d)?, filled))
}

fn undo_redo(store: &mut Store, id: i64, undo: bool) -> Result<DraftDoc, MetadataError> {
    let current = open(store, id)?.draft;
    store
        .step_draft(id, undo, now(), |step| {
            let bad = |e: serde_json::Error| StoreError::Encode(e.to_string());
            let target = if undo { &step.before } else { &step.after };
            if step.pointer == WHOLE {
                return Ok(target.clone().unwrap_or_default());
            }
            let mut d = current.clone();
            match target {
                Some(v) => {
                    let f: FieldValue = serde_json::from_str(v).map_err(bad)?;
                    d.fields.insert(step.pointer.clone(), f);
                }
                None => {
                    d.fields.remove(&step.pointer);
                }
            }
            serde_json::to_string(&d).map_err(bad)
        })
        .map_err(store_err)?;
    open(store, id)
}

pub fn undo(store: &mut Store, id: i64) -> Result<DraftDoc, MetadataError> {
    undo_redo(store, id, true)
}

pub fn redo(store: &mut Store, id: i64) -> Result<DraftDoc, MetadataError> {
    undo_redo(store, id, false)
}

/// Lines of what changed between two drafts (`+`, `-`, `~`), for the review
/// before publishing.
pub fn diff(old: &Draft, new: &Draft) -> Vec<String> {
    let show = |v: &J| match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out = Vec::new();
    for (k, f) in &new.fields {
        match old.fields.get(k) {
            None => out.push(format!("+ {k}: {}", show(&f.value))),
            Some(o) if o.value != f.value => {
                out.push(format!("~ {k}: {} → {}", show(&o.value), show(&f.value)));
            }
            _ => {}
        }
    }
    for (k, f) in &old.fields {
        if !new.fields.contains_key(k) {
            out.push(format!("- {k}: {}", show(&f.value)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn edits_persist_and_undo_redo_across_reopen() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s.sqlite");
        let mut store = Store::open(&path).expect("store");
        let mut draft = Draft::new("datacite");
        draft.prefill(
            "/titles/0/title",
            json!("From the file"),
            Origin::File {
                file: "scan.nxs".into(),
                location: "/entry/title".into(),
            },
        );
        let id = create(&store, "Scan 1", &draft).expect("create");
        set(&mut store, id, "/publisher", Some(json!("HZDR"))).expect("edit");
        let d = set(&mut store, id, "/titles/0/title", Some(json!("Better"))).expect("edit");
        assert!(d.draft.fields["/titles/0/title"].edited);
        assert!(d.can_undo && !d.can_redo);
        drop(store);

        let mut store = Store::open(&path).expect("reopen");
        let d = undo(&mut store, id).expect("undo");
        assert_eq!(
            d.draft.fields["/titles/0/title"].value,
            json!("From the file")
        );
        assert!(!d.draft.fields["/titles/0/title"].edited);
        let d = undo(&mut store, id).expect("undo");
        assert!(!d.draft.fields.contains_key("/publisher"));
        assert!(!d.can_undo && d.can_redo);
        let d = redo(&mut store, id).expect("redo");
        assert_eq!(d.draft.fields["/publisher"].value, json!("HZDR"));
        // A new edit drops what could be redone.
        let d = set(&mut store, id, "/version", Some(json!("1"))).expect("edit");
        assert!(!d.can_redo);
        assert_eq!(
            d.draft.to_json(),
            json!({"titles": [{"title": "From the file"}], "publisher": "HZDR", "version": "1"})
        );
    }

    #[test]
    fn array_items_are_removed_in_one_undoable_step() {
        let mut store = Store::in_memory().expect("store");
        let mut draft = Draft::new("datacite");
        for (i, n) in ["Ada", "Bo", "Cy"].iter().enumerate() {
            draft.edit(&format!("/creators/{i}/name"), json!(n));
        }
        let id = create(&store, "x", &draft).expect("create");
        let mut d = open(&store, id).expect("open").draft;
        assert_eq!(d.len_of("/creators"), 3);
        d.remove_item("/creators", 1);
        let doc = replace(&mut store, id, &d).expect("replace");
        assert_eq!(
            doc.draft.to_json(),
            json!({"creators": [{"name": "Ada"}, {"name": "Cy"}]})
        );
        let back = undo(&mut store, id).expect("undo");
        assert_eq!(back.draft.len_of("/creators"), 3);
        assert_eq!(
            diff(&back.draft, &doc.draft).len(),
            2,
            "{:?}",
            diff(&back.draft, &doc.draft)
        );
    }
}
