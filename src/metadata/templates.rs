//! Templates: values common to a beamline or proposal (publisher, licence,
//! facility, people), saved once and applied to new drafts, each applied
//! value marked as coming from the template.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as J;

use super::{Draft, MetadataError, Origin};
use crate::store::Store;

/// The template name of values a schema fixes (a `const`), which are not
/// copied into user templates.
pub const SCHEMA_DEFAULT: &str = "schema default";

/// Settings key of the template list.
const KEY: &str = "metadata.templates";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub schema: String,
    /// Values by JSON pointer.
    pub values: BTreeMap<String, J>,
}

impl Template {
    /// The values people typed or changed in a draft (not those read from
    /// files, which differ from dataset to dataset).
    pub fn from_draft(name: &str, draft: &Draft) -> Self {
        let values = draft
            .fields
            .iter()
            .filter(|(_, f)| {
                f.edited
                    || match &f.origin {
                        Origin::Person => true,
                        Origin::Template { name } => name != SCHEMA_DEFAULT,
                        _ => false,
                    }
            })
            .map(|(p, f)| (p.clone(), f.value.clone()))
            .collect();
        Self {
            name: name.trim().to_owned(),
            schema: draft.schema.clone(),
            values,
        }
    }

    /// The values with their origin, for [`super::drafts::prefill`].
    pub fn values(&self) -> Vec<(String, J, Origin)> {
        self.values
            .iter()
            .map(|(p, v)| {
                (
                    p.clone(),
                    v.clone(),
                    Origin::Template {
                        name: self.name.clone(),
                    },
                )
            })
            .collect()
    }
}

fn bad(e: impl std::fmt::Display) -> MetadataError {
    MetadataError::Store(e.to_string())
}

/// Every template (unreadable settings count as none).
pub fn list(store: &Store) -> Vec<Template> {
    store
        .get(KEY)
        .ok()
        .flatten()
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

/// Save a template, replacing one of the same name and schema.
pub fn save(store: &Store, t: &Template) -> Result<(), MetadataError> {
    if t.name.is_empty() {
        return Err(MetadataError::Store("a template needs a name".into()));
    }
    let mut all = list(store);
    all.retain(|x| !(x.name == t.name && x.schema == t.schema));
    all.push(t.clone());
    all.sort_by(|a, b| a.name.cmp(&b.name));
    store
        .set(KEY, &serde_json::to_string(&all).map_err(bad)?)
        .map_err(bad)
}

pub fn delete(store: &Store, name: &str, schema: &str) -> Result<(), MetadataError> {
    let mut all = list(store);
    all.retain(|x| !(x.name == name && x.schema == schema));
    store
        .set(KEY, &serde_json::to_string(&all).map_err(bad)?)
        .map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn templates_keep_typed_values_and_fill_without_overwriting() {
        let mut store = Store::in_memory().expect("store");
        let mut d = Draft::new("datacite");
        d.edit("/publisher/name", json!("HZDR"));
        d.edit("/rightsList/0/rightsIdentifier", json!("CC-BY-4.0"));
        d.prefill(
            "/titles/0/title",
            json!("From the file"),
            Origin::File {
                file: "a.nxs".into(),
                location: "/entry/title".into(),
            },
        );
        let t = Template::from_draft("POWTEX beamline", &d);
        assert_eq!(t.values.len(), 2, "file values stay out: {t:?}");
        save(&store, &t).expect("save");
        assert_eq!(list(&store), vec![t.clone()]);

        let mut fresh = Draft::new("datacite");
        fresh.edit("/publisher/name", json!("Typed by hand"));
        let id = super::super::drafts::create(&store, "new", &fresh).expect("create");
        let (doc, filled) =
            super::super::drafts::prefill(&mut store, id, &t.values()).expect("apply");
        assert_eq!(filled, 1, "what a person typed is kept");
        assert_eq!(
            doc.draft.fields["/publisher/name"].value,
            json!("Typed by hand")
        );
        assert_eq!(
            doc.draft.fields["/rightsList/0/rightsIdentifier"].origin,
            Origin::Template {
                name: "POWTEX beamline".into()
            }
        );
        delete(&store, "POWTEX beamline", "datacite").expect("delete");
        assert!(list(&store).is_empty());
    }
}
