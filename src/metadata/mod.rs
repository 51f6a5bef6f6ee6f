//! Metadata drafts: values with the place they came from, so nothing is
//! typed twice and every field can say where its value was found.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where a field's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// Read from a file: the file and the HDF5 path or attribute.
    File {
        file: String,
        location: String,
    },
    Template {
        name: String,
    },
    Catalogue {
        source: String,
        record: String,
    },
    /// Typed by a person.
    Person,
}

/// One field of a draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldValue {
    pub value: serde_json::Value,
    pub origin: Origin,
    /// True once a person changed a value that came from elsewhere.
    pub edited: bool,
}

/// Metadata being written for one dataset, keyed by JSON pointer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Draft {
    pub schema: String,
    pub fields: BTreeMap<String, FieldValue>,
}

impl Draft {
    pub fn new(schema: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            fields: BTreeMap::new(),
        }
    }

    /// Fill a field from a file, template or catalogue without overwriting
    /// anything a person typed.
    pub fn prefill(&mut self, pointer: &str, value: serde_json::Value, origin: Origin) -> bool {
        match self.fields.get(pointer) {
            Some(f) if f.edited || f.origin == Origin::Person => false,
            _ => {
                self.fields.insert(
                    pointer.to_owned(),
                    FieldValue {
                        value,
                        origin,
                        edited: false,
                    },
                );
                true
            }
        }
    }

    /// A person sets a value; the original origin is kept and marked edited.
    pub fn edit(&mut self, pointer: &str, value: serde_json::Value) {
        self.fields
            .entry(pointer.to_owned())
            .and_modify(|f| {
                f.value = value.clone();
                f.edited = f.origin != Origin::Person;
            })
            .or_insert(FieldValue {
                value,
                origin: Origin::Person,
                edited: false,
            });
    }

    /// The draft as one JSON document, for validation and export.
    pub fn to_json(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        for (pointer, field) in &self.fields {
            let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
            insert_at(&mut root, &parts, field.value.clone());
        }
        serde_json::Value::Object(root)
    }
}

/// Put `value` at the nested key path `parts`, creating objects on the way.
fn insert_at(
    map: &mut serde_json::Map<String, serde_json::Value>,
    parts: &[&str],
    value: serde_json::Value,
) {
    match parts {
        [] => {}
        [last] => {
            map.insert((*last).to_owned(), value);
        }
        [first, rest @ ..] => {
            let slot = map
                .entry((*first).to_owned())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if !slot.is_object() {
                *slot = serde_json::Value::Object(serde_json::Map::new());
            }
            if let Some(inner) = slot.as_object_mut() {
                insert_at(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefill_never_overwrites_what_a_person_typed() {
        let mut d = Draft::new("datacite-4.5");
        let file = Origin::File {
            file: "scan.nxs".into(),
            location: "/entry/title".into(),
        };
        assert!(d.prefill("/titles/0/title", json!("From file"), file.clone()));
        d.edit("/titles/0/title", json!("Typed"));
        assert!(!d.prefill("/titles/0/title", json!("Again"), file.clone()));
        let f = &d.fields["/titles/0/title"];
        assert_eq!(f.value, json!("Typed"));
        assert!(f.edited);
        assert_eq!(f.origin, file);
    }

    #[test]
    fn to_json_nests_pointers() {
        let mut d = Draft::new("x");
        d.edit("/creator/name", json!("Ada"));
        d.edit("/year", json!(2026));
        assert_eq!(
            d.to_json(),
            json!({"creator": {"name": "Ada"}, "year": 2026})
        );
    }
}
