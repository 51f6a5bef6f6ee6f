//! JSON Schemas as forms: the built-in schemas (DataCite 4.5, SciCat dataset,
//! InvenioRDM record, a reflectivity template), schemas users add, the form
//! model a schema becomes, and live validation with each error at its field.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as J};

use super::MetadataError;
use super::ids;

/// A schema Panorama knows by name.
#[derive(Debug, Clone)]
pub struct SchemaInfo {
    /// Short name: `datacite`, `scicat`, `invenio`, `reflectivity`, or a user file's stem.
    pub name: String,
    pub title: String,
    pub schema: J,
    /// Where it was read from (user schemas).
    pub path: Option<PathBuf>,
}

const BUILT_IN: [(&str, &str, &str); 4] = [
    (
        "datacite",
        "DataCite Metadata Schema 4.5",
        include_str!("../../assets/schemas/datacite-4.5.json"),
    ),
    (
        "scicat",
        "SciCat dataset (raw or derived)",
        include_str!("../../assets/schemas/scicat-dataset.json"),
    ),
    (
        "invenio",
        "InvenioRDM record",
        include_str!("../../assets/schemas/invenio-record.json"),
    ),
    (
        "reflectivity",
        "Reflectivity measurement (ORSO)",
        include_str!("../../assets/schemas/reflectivity.json"),
    ),
];

/// The built-in schemas.
pub fn built_in() -> Vec<SchemaInfo> {
    BUILT_IN
        .iter()
        .filter_map(|(name, title, text)| {
            Some(SchemaInfo {
                name: (*name).to_owned(),
                title: (*title).to_owned(),
                schema: serde_json::from_str(text).ok()?,
                path: None,
            })
        })
        .collect()
}

/// Read a schema file a user added.
pub fn load_file(path: &Path) -> Result<SchemaInfo, MetadataError> {
    let text = std::fs::read_to_string(path).map_err(|e| MetadataError::Schema {
        name: path.display().to_string(),
        detail: e.to_string(),
    })?;
    let schema: J = serde_json::from_str(&text).map_err(|e| MetadataError::Schema {
        name: path.display().to_string(),
        detail: format!("not JSON: {e}"),
    })?;
    // Compiling it once tells whether it is a usable schema.
    validator(&schema).map_err(|detail| MetadataError::Schema {
        name: path.display().to_string(),
        detail,
    })?;
    let name = path
        .file_stem()
        .map_or_else(|| "schema".into(), |s| s.to_string_lossy().into_owned());
    let title = schema
        .get("title")
        .and_then(J::as_str)
        .map_or_else(|| name.clone(), str::to_owned);
    Ok(SchemaInfo {
        name,
        title,
        schema,
        path: Some(path.to_path_buf()),
    })
}

/// Built-in schemas plus every `*.json` in `dir` (unreadable ones are
/// returned as errors next to the rest).
pub fn all(dir: Option<&Path>) -> (Vec<SchemaInfo>, Vec<MetadataError>) {
    let mut schemas = built_in();
    let mut errors = Vec::new();
    if let Some(dir) = dir
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for p in paths {
            match load_file(&p) {
                Ok(s) if schemas.iter().all(|b| b.name != s.name) => schemas.push(s),
                Ok(s) => errors.push(MetadataError::Schema {
                    name: p.display().to_string(),
                    detail: format!("the name “{}” is taken by a built-in schema", s.name),
                }),
                Err(e) => errors.push(e),
            }
        }
    }
    (schemas, errors)
}

/// Find a schema by name among `schemas`, or read it from a path.
pub fn find(schemas: &[SchemaInfo], name: &str) -> Result<SchemaInfo, MetadataError> {
    if let Some(s) = schemas.iter().find(|s| s.name == name) {
        return Ok(s.clone());
    }
    let p = Path::new(name);
    if p.exists() {
        return load_file(p);
    }
    Err(MetadataError::Schema {
        name: name.to_owned(),
        detail: format!(
            "no such schema; known: {}",
            schemas
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// How a text field is checked and edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextFormat {
    Plain,
    Date,
    DateTime,
    Email,
    Uri,
    Orcid,
    Ror,
    /// An SPDX licence identifier (picker).
    Spdx,
}

/// What kind of widget a field needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text {
        format: TextFormat,
        multiline: bool,
    },
    /// One of fixed values.
    Enum(Vec<J>),
    Number {
        integer: bool,
    },
    /// A number with a unit: an object `{value, unit}` (or the schema's names).
    Quantity {
        units: Vec<String>,
    },
    Bool,
    Object(Vec<Field>),
    Array(Box<Field>),
    /// An array of strings edited as a keyword list.
    Keywords,
    /// Alternatives (`oneOf`/`anyOf` of different shapes), with their titles.
    OneOf(Vec<(String, Field)>),
    /// Anything else: edited as JSON text.
    Json,
}

/// One field of a form. `key` is its property name (or `[]` for array items).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub key: String,
    pub title: String,
    pub description: Option<String>,
    pub required: bool,
    pub kind: Kind,
}

/// Deepest nesting a form unfolds (recursive schemas stop here and become JSON text).
const MAX_DEPTH: usize = 8;

fn resolve<'a>(root: &'a J, node: &'a J) -> &'a J {
    let mut cur = node;
    for _ in 0..16 {
        let Some(r) = cur.get("$ref").and_then(J::as_str) else {
            return cur;
        };
        let Some(target) = r.strip_prefix('#').and_then(|p| root.pointer(p)) else {
            return cur;
        };
        cur = target;
    }
    cur
}

/// Merge `allOf` parts and `$ref`s into one object schema view.
fn flatten(root: &J, node: &J, depth: usize) -> Map<String, J> {
    let node = resolve(root, node);
    let mut out = Map::new();
    if depth > MAX_DEPTH {
        return out;
    }
    if let Some(parts) = node.get("allOf").and_then(J::as_array) {
        for part in parts {
            merge_into(&mut out, flatten(root, part, depth + 1));
        }
    }
    if let Some(obj) = node.as_object() {
        let mut own = obj.clone();
        own.remove("allOf");
        merge_into(&mut out, own);
    }
    out
}

fn merge_into(into: &mut Map<String, J>, from: Map<String, J>) {
    for (k, v) in from {
        match (k.as_str(), into.get_mut(&k), v) {
            ("properties", Some(J::Object(a)), J::Object(b)) => a.extend(b),
            ("required", Some(J::Array(a)), J::Array(b)) => a.extend(b),
            (_, _, v) => {
                into.insert(k, v);
            }
        }
    }
}

fn type_of(s: &Map<String, J>) -> Option<String> {
    match s.get("type") {
        Some(J::String(t)) => Some(t.clone()),
        Some(J::Array(ts)) => ts
            .iter()
            .filter_map(J::as_str)
            .find(|t| *t != "null")
            .map(str::to_owned),
        _ => {
            if s.contains_key("properties") {
                Some("object".into())
            } else if s.contains_key("items") {
                Some("array".into())
            } else {
                None
            }
        }
    }
}

fn text_format(s: &Map<String, J>) -> TextFormat {
    let widget = s.get("x-panorama-widget").and_then(J::as_str);
    match (widget, s.get("format").and_then(J::as_str)) {
        (Some("orcid"), _) | (_, Some("orcid")) => TextFormat::Orcid,
        (Some("ror"), _) | (_, Some("ror")) => TextFormat::Ror,
        (Some("spdx"), _) | (_, Some("spdx")) => TextFormat::Spdx,
        (_, Some("date")) => TextFormat::Date,
        (_, Some("date-time" | "datetime")) => TextFormat::DateTime,
        (_, Some("email")) => TextFormat::Email,
        (_, Some("uri" | "url")) => TextFormat::Uri,
        _ => TextFormat::Plain,
    }
}

fn title_of(key: &str, s: &Map<String, J>) -> String {
    if let Some(t) = s.get("title").and_then(J::as_str) {
        return t.to_owned();
    }
    // camelCase and snake_case keys read as words.
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        if c == '_' {
            out.push(' ');
        } else if i > 0 && c.is_uppercase() {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The form of a schema: the root's fields.
pub fn form(schema: &J) -> Vec<Field> {
    match field(schema, schema, "", false, 0).kind {
        Kind::Object(fields) => fields,
        other => vec![Field {
            key: String::new(),
            title: "Value".into(),
            description: None,
            required: true,
            kind: other,
        }],
    }
}

fn field(root: &J, node: &J, key: &str, required: bool, depth: usize) -> Field {
    let s = flatten(root, node, depth);
    let title = title_of(key, &s);
    let description = s.get("description").and_then(J::as_str).map(str::to_owned);
    let mut kind = kind_of(root, &s, depth);
    if let Kind::Text { multiline, .. } = &mut kind
        && matches!(key, "description" | "abstract")
    {
        *multiline = true;
    }
    Field {
        key: key.to_owned(),
        title,
        description,
        required,
        kind,
    }
}

fn kind_of(root: &J, s: &Map<String, J>, depth: usize) -> Kind {
    if depth > MAX_DEPTH {
        return Kind::Json;
    }
    if s.get("x-panorama-widget").and_then(J::as_str) == Some("quantity") {
        let units = s
            .get("x-units")
            .and_then(J::as_array)
            .map(|u| u.iter().filter_map(J::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        return Kind::Quantity { units };
    }
    if let Some(values) = s.get("enum").and_then(J::as_array) {
        return Kind::Enum(values.clone());
    }
    if let Some(c) = s.get("const") {
        return Kind::Enum(vec![c.clone()]);
    }
    for alt in ["oneOf", "anyOf"] {
        if let Some(parts) = s.get(alt).and_then(J::as_array) {
            // Alternatives that are only formats of one string are one text field.
            let shapes: Vec<Map<String, J>> =
                parts.iter().map(|p| flatten(root, p, depth + 1)).collect();
            let all_text = shapes.iter().all(|p| {
                matches!(type_of(p).as_deref(), None | Some("string"))
                    && !p.contains_key("properties")
            });
            if all_text && type_of(s).as_deref() != Some("object") {
                return Kind::Text {
                    format: TextFormat::Plain,
                    multiline: false,
                };
            }
            let variants = parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let f = field(root, p, "", false, depth + 1);
                    let name = shapes[i]
                        .get("title")
                        .and_then(J::as_str)
                        .map_or_else(|| format!("Option {}", i + 1), str::to_owned);
                    (name, f)
                })
                .collect();
            return Kind::OneOf(variants);
        }
    }
    match type_of(s).as_deref() {
        Some("string") => Kind::Text {
            format: text_format(s),
            multiline: s.get("x-panorama-widget").and_then(J::as_str) == Some("textarea"),
        },
        Some("integer") => Kind::Number { integer: true },
        Some("number") => Kind::Number { integer: false },
        Some("boolean") => Kind::Bool,
        Some("array") => {
            let items = s.get("items").cloned().unwrap_or(J::Bool(true));
            let item_view = flatten(root, &items, depth + 1);
            let is_keywords = s.get("x-panorama-widget").and_then(J::as_str) == Some("keywords")
                || (type_of(&item_view).as_deref() == Some("string")
                    && !item_view.contains_key("enum")
                    && !item_view.contains_key("format"));
            if is_keywords {
                Kind::Keywords
            } else {
                Kind::Array(Box::new(field(root, &items, "[]", false, depth + 1)))
            }
        }
        Some("object") => {
            let required: Vec<&str> = s
                .get("required")
                .and_then(J::as_array)
                .map(|r| r.iter().filter_map(J::as_str).collect())
                .unwrap_or_default();
            let mut fields: Vec<Field> = s
                .get("properties")
                .and_then(J::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(k, v)| field(root, v, k, required.contains(&k.as_str()), depth + 1))
                        .collect()
                })
                .unwrap_or_default();
            // What must be filled comes first; otherwise the schema's order.
            fields.sort_by_key(|f| !f.required);
            Kind::Object(fields)
        }
        _ => Kind::Json,
    }
}

/// A validation error placed at a field (JSON pointer into the document).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub pointer: String,
    pub message: String,
}

fn validator(schema: &J) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .should_validate_formats(true)
        .with_format("orcid", ids::orcid_ok)
        .with_format("ror", ids::ror_ok)
        .with_format("spdx", ids::spdx_ok)
        .build(schema)
        .map_err(|e| e.to_string())
}

/// A compiled schema, for checking a document at every keystroke.
pub struct Checker {
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Checker")
    }
}

impl Checker {
    pub fn new(schema: &J) -> Result<Self, MetadataError> {
        let validator = validator(schema).map_err(|detail| MetadataError::Schema {
            name: schema
                .get("title")
                .and_then(J::as_str)
                .unwrap_or("schema")
                .to_owned(),
            detail,
        })?;
        Ok(Self { validator })
    }

    /// Each error at the field it belongs to.
    pub fn check(&self, doc: &J) -> Vec<FieldError> {
        errors_of(&self.validator, doc)
    }
}

/// Check a document against a schema. Each error names the field it belongs
/// to: a missing required property is reported at that property.
pub fn validate(schema: &J, doc: &J) -> Result<Vec<FieldError>, MetadataError> {
    Ok(Checker::new(schema)?.check(doc))
}

fn errors_of(v: &jsonschema::Validator, doc: &J) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = v
        .iter_errors(doc)
        .map(|e| {
            let at = e.instance_path().as_str().to_owned();
            match e.kind() {
                jsonschema::error::ValidationErrorKind::Required { property } => FieldError {
                    pointer: format!("{at}/{}", property.as_str().unwrap_or_default()),
                    message: "required".into(),
                },
                _ => FieldError {
                    pointer: at,
                    message: plain_message(&e.to_string()),
                },
            }
        })
        .collect();
    errors.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    errors.dedup();
    errors
}

/// Shorten the validator's wording for a field label.
fn plain_message(m: &str) -> String {
    let m = m.trim();
    if m.len() > 160 {
        format!("{}…", m.chars().take(160).collect::<String>())
    } else {
        m.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn built_in_schemas_compile_and_make_forms() {
        let schemas = built_in();
        assert_eq!(schemas.len(), 4);
        for s in &schemas {
            validator(&s.schema).unwrap_or_else(|e| panic!("{}: {e}", s.name));
            assert!(!form(&s.schema).is_empty(), "{}", s.name);
        }
    }

    #[test]
    fn datacite_form_has_the_required_properties() {
        let dc = built_in()
            .into_iter()
            .find(|s| s.name == "datacite")
            .expect("dc");
        let f = form(&dc.schema);
        let required: Vec<&str> = f
            .iter()
            .filter(|f| f.required)
            .map(|f| f.key.as_str())
            .collect();
        for k in [
            "creators",
            "titles",
            "publisher",
            "publicationYear",
            "types",
        ] {
            assert!(required.contains(&k), "{k} in {required:?}");
        }
        let creators = f.iter().find(|f| f.key == "creators").expect("creators");
        let Kind::Array(item) = &creators.kind else {
            panic!("{:?}", creators.kind)
        };
        let Kind::Object(props) = &item.kind else {
            panic!("{:?}", item.kind)
        };
        assert!(props.iter().any(|p| p.key == "name" && p.required));
        assert!(props.iter().any(|p| p.key == "nameIdentifiers"));
        let types = f.iter().find(|f| f.key == "types").expect("types");
        let Kind::Object(t) = &types.kind else {
            panic!()
        };
        assert!(
            t.iter()
                .any(|p| p.key == "resourceTypeGeneral" && matches!(p.kind, Kind::Enum(_)))
        );
    }

    #[test]
    fn errors_land_on_their_fields() {
        let dc = built_in()
            .into_iter()
            .find(|s| s.name == "datacite")
            .expect("dc");
        let doc = json!({
            "titles": [{"title": "A"}],
            "creators": [{"affiliation": []}],
            "publicationYear": "2024",
            "types": {"resourceTypeGeneral": "Dataset"},
            "schemaVersion": "http://datacite.org/schema/kernel-4"
        });
        let errors = validate(&dc.schema, &doc).expect("validates");
        let at: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(at.contains(&"/publisher"), "{errors:?}");
        assert!(at.contains(&"/creators/0/name"), "{errors:?}");
    }

    #[test]
    fn identifier_formats_are_checked() {
        let schema = json!({
            "type": "object",
            "properties": {
                "orcid": {"type": "string", "format": "orcid"},
                "ror": {"type": "string", "format": "ror"},
                "license": {"type": "string", "format": "spdx"}
            }
        });
        let good = json!({"orcid": "0000-0002-1825-0097", "ror": "https://ror.org/01js2sh04", "license": "CC-BY-4.0"});
        assert!(validate(&schema, &good).expect("ok").is_empty());
        let bad =
            json!({"orcid": "0000-0002-1825-0098", "ror": "ror.org/xyz", "license": "CC-BY-9.9"});
        let errors = validate(&schema, &bad).expect("ok");
        assert_eq!(errors.len(), 3, "{errors:?}");
    }
}
