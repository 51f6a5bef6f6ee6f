//! Metadata drafts: values with the place they came from, so nothing is
//! typed twice and every field can say where its value was found.

pub mod bulk;
pub mod datacite;
pub mod datacite_xml;
pub mod drafts;
pub mod extract;
pub mod ids;
pub mod nxdl;
pub mod publish;
pub mod schema;
pub mod templates;
pub mod units;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Errors of the metadata editor, worded for the person editing.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("The schema {name} cannot be used: {detail}")]
    Schema { name: String, detail: String },
    #[error("{path} could not be read: {detail}")]
    Read { path: String, detail: String },
    #[error("The draft could not be saved: {0}. Your last change is still on screen; try again")]
    Store(String),
    #[error("No draft {0}")]
    NoDraft(i64),
    #[error("Publishing to {target} failed: {detail}")]
    Publish { target: String, detail: String },
}

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
    /// Recorded by a workflow run (its inputs, software and parameters).
    Workflow {
        name: String,
    },
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

    /// The draft as one JSON document, for validation and export. Objects
    /// whose keys are all indices become arrays.
    pub fn to_json(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        for (pointer, field) in &self.fields {
            let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
            insert_at(&mut root, &parts, field.value.clone());
        }
        arrays(serde_json::Value::Object(root))
    }

    /// Remove a field and everything below it.
    pub fn clear(&mut self, pointer: &str) {
        let below = format!("{pointer}/");
        self.fields
            .retain(|k, _| k != pointer && !k.starts_with(&below));
    }

    /// How many items the array at `pointer` has in this draft.
    pub fn len_of(&self, pointer: &str) -> usize {
        let below = format!("{pointer}/");
        self.fields
            .keys()
            .filter_map(|k| k.strip_prefix(&below))
            .filter_map(|rest| rest.split('/').next()?.parse::<usize>().ok())
            .map(|i| i + 1)
            .max()
            .unwrap_or(0)
    }

    /// Remove item `index` of the array at `pointer`; later items move up.
    pub fn remove_item(&mut self, pointer: &str, index: usize) {
        let below = format!("{pointer}/");
        let old = std::mem::take(&mut self.fields);
        for (k, v) in old {
            let Some(rest) = k.strip_prefix(&below) else {
                self.fields.insert(k, v);
                continue;
            };
            let (head, tail) = rest.split_once('/').unwrap_or((rest, ""));
            match head.parse::<usize>() {
                Ok(i) if i == index => {}
                Ok(i) if i > index => {
                    let tail = if tail.is_empty() {
                        String::new()
                    } else {
                        format!("/{tail}")
                    };
                    self.fields.insert(format!("{below}{}{tail}", i - 1), v);
                }
                _ => {
                    self.fields.insert(k, v);
                }
            }
        }
    }

    /// The fields of a JSON document (leaves by pointer), e.g. a catalogue
    /// record, all with one origin.
    pub fn from_json(schema: &str, doc: &serde_json::Value, origin: &Origin) -> Self {
        let mut d = Self::new(schema);
        let mut leaves = Vec::new();
        leaves_of(doc, String::new(), &mut leaves);
        for (p, v) in leaves {
            d.prefill(&p, v, origin.clone());
        }
        d
    }
}

fn leaves_of(v: &serde_json::Value, at: String, out: &mut Vec<(String, serde_json::Value)>) {
    match v {
        serde_json::Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                leaves_of(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        // Arrays of scalars (keywords) are one field; arrays of objects unfold.
        serde_json::Value::Array(items) if items.iter().any(serde_json::Value::is_object) => {
            for (i, v) in items.iter().enumerate() {
                leaves_of(v, format!("{at}/{i}"), out);
            }
        }
        _ if !at.is_empty() => out.push((at, v.clone())),
        _ => {}
    }
}

/// Turn objects keyed `0`, `1`, … into arrays, recursively.
fn arrays(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let indexed: Option<Vec<(usize, serde_json::Value)>> = if m.is_empty() {
                None
            } else {
                m.iter()
                    .map(|(k, v)| k.parse::<usize>().ok().map(|i| (i, v.clone())))
                    .collect()
            };
            match indexed {
                Some(mut items) => {
                    items.sort_by_key(|(i, _)| *i);
                    serde_json::Value::Array(items.into_iter().map(|(_, v)| arrays(v)).collect())
                }
                None => {
                    serde_json::Value::Object(m.into_iter().map(|(k, v)| (k, arrays(v))).collect())
                }
            }
        }
        other => other,
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
