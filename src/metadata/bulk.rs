//! Bulk edit: which fields many drafts agree on and where they differ, and
//! one value set for all of them at once, previewed first.

use std::collections::BTreeSet;

use serde_json::Value as J;

use super::drafts::{self, DraftDoc};
use super::{Draft, MetadataError};
use crate::store::Store;

/// How the selected drafts compare at one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Agreement {
    /// Every draft has this value.
    Same(J),
    /// Values per draft, in the order given (`None`: empty there).
    Differ(Vec<Option<J>>),
}

/// Every field any of the drafts has, with how they compare.
pub fn compare(drafts: &[&Draft]) -> Vec<(String, Agreement)> {
    let pointers: BTreeSet<&String> = drafts.iter().flat_map(|d| d.fields.keys()).collect();
    pointers
        .into_iter()
        .map(|p| {
            let values: Vec<Option<J>> = drafts
                .iter()
                .map(|d| d.fields.get(p).map(|f| f.value.clone()))
                .collect();
            let agreement = match values.first() {
                Some(Some(first)) if values.iter().all(|v| v.as_ref() == Some(first)) => {
                    Agreement::Same(first.clone())
                }
                _ => Agreement::Differ(values),
            };
            (p.clone(), agreement)
        })
        .collect()
}

/// One line of the preview: a draft, and its value before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub id: i64,
    pub title: String,
    pub before: Option<J>,
    pub after: Option<J>,
}

/// What setting `pointer` to `value` (or clearing it) would change.
pub fn preview(docs: &[DraftDoc], pointer: &str, value: Option<&J>) -> Vec<Change> {
    docs.iter()
        .map(|d| Change {
            id: d.id,
            title: d.title.clone(),
            before: d.draft.fields.get(pointer).map(|f| f.value.clone()),
            after: value.cloned(),
        })
        .filter(|c| c.before != c.after)
        .collect()
}

/// Set `pointer` in every draft of `ids` (each change undoable in its draft).
/// Returns how many drafts changed.
pub fn apply(
    store: &mut Store,
    ids: &[i64],
    pointer: &str,
    value: Option<&J>,
) -> Result<usize, MetadataError> {
    let mut changed = 0;
    for id in ids {
        let before = drafts::open(store, *id)?;
        let after = drafts::set(store, *id, pointer, value.cloned())?;
        if before.draft != after.draft {
            changed += 1;
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn three_drafts_compared_previewed_and_set() {
        let mut store = Store::in_memory().expect("store");
        let mut ids = Vec::new();
        for (i, publisher) in ["HZDR", "HZDR", "ESS"].iter().enumerate() {
            let mut d = Draft::new("datacite");
            d.edit("/publisher/name", json!(publisher));
            d.edit("/titles/0/title", json!(format!("Run {i}")));
            d.edit("/publicationYear", json!("2024"));
            ids.push(drafts::create(&store, &format!("run {i}"), &d).expect("create"));
        }
        let docs: Vec<DraftDoc> = ids
            .iter()
            .map(|id| drafts::open(&store, *id).expect("open"))
            .collect();
        let refs: Vec<&Draft> = docs.iter().map(|d| &d.draft).collect();
        let cmp = compare(&refs);
        let at = |p: &str| cmp.iter().find(|(k, _)| k == p).map(|(_, a)| a.clone());
        assert_eq!(at("/publicationYear"), Some(Agreement::Same(json!("2024"))));
        assert!(matches!(at("/publisher/name"), Some(Agreement::Differ(v)) if v.len() == 3));
        let plan = preview(&docs, "/publisher/name", Some(&json!("HZDR")));
        assert_eq!(plan.len(), 1, "only the ESS draft changes");
        assert_eq!(plan[0].before, Some(json!("ESS")));
        assert_eq!(
            apply(&mut store, &ids, "/publisher/name", Some(&json!("HZDR"))).expect("apply"),
            1
        );
        let docs: Vec<DraftDoc> = ids
            .iter()
            .map(|id| drafts::open(&store, *id).expect("open"))
            .collect();
        let refs: Vec<&Draft> = docs.iter().map(|d| &d.draft).collect();
        assert!(
            compare(&refs)
                .iter()
                .any(|(k, a)| k == "/publisher/name" && *a == Agreement::Same(json!("HZDR")))
        );
        // Each draft can undo its own change.
        let back = drafts::undo(&mut store, ids[2]).expect("undo");
        assert_eq!(back.draft.fields["/publisher/name"].value, json!("ESS"));
    }
}
