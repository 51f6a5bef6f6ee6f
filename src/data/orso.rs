//! ORSO reflectivity text files (`.ort`, the reflectometry community's
//! exchange format, <https://www.reflectometry.org/file_format>): a YAML
//! header in `# ` lines, then columns of numbers, several data sets in one
//! file (each after a `# data_set:` line, its header what changes from the
//! first one's).
//!
//! Shown as NeXus would hold them, so the viewer's default plot, axes and
//! errors work unchanged:
//!
//! ```text
//! /                    @default = first data set, @orso_version
//! /<data set>          NXentry, the header as attributes (`data_source.owner.name`, …)
//!                      and as text (`@orso_header`)
//! /<data set>/data     NXdata, @signal R, @axes Qz, @SILX_style log
//! /<data set>/data/Qz  a column, @units, @physical_quantity, …
//! /<data set>/data/R_errors → sR (a link, the NeXus name of R's errors)
//! ```

use std::path::Path;

use yaml_rust2::Yaml;

use super::{
    Attribute, Capabilities, DType, Data, DataError, DataSource, DatasetInfo, Entity, EntityKind,
    Progress, Selection, Value,
};

/// The first characters of every ORSO text file.
pub const MAGIC: &str = "# # ORSO";

/// The largest `.ort` file read (text; the data are held in memory).
const MAX_BYTES: u64 = 512 << 20;

/// The most numbers held of one file (1 GiB of them).
const MAX_VALUES: usize = 1 << 27;

/// How deep the header's nesting is turned into attributes.
const MAX_DEPTH: usize = 16;

/// Whether the first bytes of a file are an ORSO text file's.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(MAGIC.as_bytes())
}

/// ORSO text files among the formats Panorama opens.
pub const FORMAT: super::FileFormat = super::FileFormat {
    name: "ORSO reflectivity",
    extensions: &["ort"],
    sniff,
    open: |path| Ok(Box::new(Orso::open(path)?)),
};

#[derive(Debug, Clone)]
struct Column {
    name: String,
    attributes: Vec<Attribute>,
    /// The column whose uncertainties this is (`error_of`).
    error_of: Option<String>,
    values: Vec<f64>,
}

#[derive(Debug, Clone)]
struct DataSet {
    name: String,
    attributes: Vec<Attribute>,
    columns: Vec<Column>,
}

/// An ORSO text file, read whole.
#[derive(Debug, Clone)]
pub struct Orso {
    label: String,
    version: String,
    sets: Vec<DataSet>,
}

fn malformed(path: &str, message: impl Into<String>) -> DataError {
    DataError::Malformed {
        object: path.to_owned(),
        message: message.into(),
    }
}

fn text_attr(name: &str, value: &str) -> Attribute {
    Attribute {
        name: name.to_owned(),
        dtype: DType::Str {
            fixed: None,
            utf8: true,
        },
        shape: vec![],
        value: Ok(Value::scalar(Data::Str(vec![value.to_owned()]))),
    }
}

/// A YAML scalar as text (keys, names).
fn yaml_text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A YAML scalar as an attribute of its type.
fn yaml_attr(name: String, y: &Yaml) -> Option<Attribute> {
    let (dtype, data) = match y {
        Yaml::Integer(i) => (
            DType::Int {
                bytes: 8,
                signed: true,
                big_endian: false,
            },
            Data::I64(vec![*i]),
        ),
        Yaml::Real(_) => (
            DType::Float {
                bytes: 8,
                big_endian: false,
            },
            Data::F64(vec![y.as_f64()?]),
        ),
        Yaml::Boolean(b) => (DType::Bool, Data::Bool(vec![*b])),
        Yaml::String(s) => {
            return Some(text_attr(&name, s));
        }
        _ => return None,
    };
    Some(Attribute {
        name,
        dtype,
        shape: vec![],
        value: Ok(Value::scalar(data)),
    })
}

/// The header's values as attributes named by their place
/// (`data_source.owner.name`, `…data_files.0.file`); `columns` and
/// `data_set` are left out (they are the datasets and the group's name).
fn flatten(prefix: &str, y: &Yaml, depth: usize, out: &mut Vec<Attribute>) {
    if depth > MAX_DEPTH {
        return;
    }
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match y {
        Yaml::Hash(h) => {
            for (k, v) in h {
                let Some(k) = yaml_text(k) else { continue };
                if depth == 0 && (k == "columns" || k == "data_set") {
                    continue;
                }
                flatten(&key(&k), v, depth + 1, out);
            }
        }
        Yaml::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&key(&i.to_string()), v, depth + 1, out);
            }
        }
        scalar => out.extend(yaml_attr(prefix.to_owned(), scalar)),
    }
}

/// `over` laid over `base`: mappings merged key by key, anything else
/// replaced (how a later data set's header changes the first one's).
fn merge(base: &mut Yaml, over: &Yaml) {
    match (base, over) {
        (Yaml::Hash(b), Yaml::Hash(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// How deep a header's YAML may nest (ORSO headers are a few levels deep).
const MAX_YAML_DEPTH: usize = 64;

/// Refuse a header that would take the YAML loader down: nesting past
/// [`MAX_YAML_DEPTH`] (the loader recurses) or aliases (each use copies
/// its node: a few lines can stand for billions). Walks the parser's
/// events one by one, without building anything.
fn check_yaml(s: &str) -> Result<(), String> {
    use yaml_rust2::Event;
    let mut parser = yaml_rust2::parser::Parser::new_from_str(s);
    let mut depth = 0usize;
    loop {
        let (event, _) = parser
            .next_token()
            .map_err(|e| format!("is not valid YAML: {e}"))?;
        match event {
            Event::StreamEnd => return Ok(()),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_YAML_DEPTH {
                    return Err(format!("nests deeper than {MAX_YAML_DEPTH} levels"));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::Alias(_) => {
                return Err("uses YAML aliases (*name), which ORSO headers do not".into());
            }
            _ => {}
        }
    }
}

/// One data set as it stands in the file: its header lines and its
/// columns of numbers.
struct Raw {
    header: String,
    /// Column by column (one vector of numbers each, not one per row).
    columns: Vec<Vec<f64>>,
    rows: usize,
}

impl Raw {
    fn new() -> Self {
        Self {
            header: String::new(),
            columns: Vec::new(),
            rows: 0,
        }
    }
}

/// Every line with its number and the data set it belongs to, counted as
/// orsopy counts them: a new one at every line starting `# data_set`
/// after the first.
fn lines_by_set(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut seen_data_set = false;
    let mut set = 0;
    text.lines().enumerate().map(move |(n, line)| {
        if line.starts_with("# data_set") {
            if seen_data_set {
                set += 1;
            }
            seen_data_set = true;
        }
        (set, n, line)
    })
}

/// The YAML of a header line (`# ` taken off); `None` for a row of numbers.
fn header_part(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('#')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// A data set's header as YAML, checked first ([`check_yaml`]); `which`
/// names the data set in errors.
fn load_yaml(s: &str, which: usize, label: &str) -> Result<Yaml, DataError> {
    check_yaml(s).map_err(|e| malformed(label, format!("the header of data set {which} {e}")))?;
    let docs = yaml_rust2::YamlLoader::load_from_str(s).map_err(|e| {
        malformed(
            label,
            format!("the header of data set {which} is not valid YAML: {e}"),
        )
    })?;
    Ok(docs.into_iter().next().unwrap_or(Yaml::Null))
}

/// The first data set's header of an ORSO text file, read as [`Orso`]
/// reads it, without its numbers (what the metadata editor takes from a
/// file).
pub fn first_header(text: &str, label: &str) -> Result<Yaml, DataError> {
    if !sniff(text.as_bytes()) {
        return Err(not_orso(label));
    }
    let header: String = lines_by_set(text)
        .take_while(|(set, _, _)| *set == 0)
        .filter_map(|(_, _, line)| header_part(line))
        .flat_map(|yaml| [yaml, "\n"])
        .collect();
    load_yaml(&header, 0, label)
}

fn not_orso(label: &str) -> DataError {
    malformed(
        label,
        "not an ORSO text file (it must start with “# # ORSO”)",
    )
}

/// The `# `-prefixed header lines and the columns of numbers, split into
/// data sets as orsopy splits them ([`lines_by_set`]).
fn split(text: &str, object: &str) -> Result<Vec<Raw>, DataError> {
    let mut sets = vec![Raw::new()];
    let mut values = 0usize;
    for (set, n, line) in lines_by_set(text) {
        if set == sets.len() {
            sets.push(Raw::new());
        }
        if let Some(yaml) = header_part(line) {
            let last = sets.len() - 1;
            sets[last].header.push_str(yaml);
            sets[last].header.push('\n');
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let current = sets.len() - 1;
        let set = &mut sets[current];
        let mut width = 0;
        for (k, t) in line.split_whitespace().enumerate() {
            let v = t
                .parse::<f64>()
                .map_err(|_| malformed(object, format!("line {}: “{t}” is not a number", n + 1)))?;
            if set.rows == 0 {
                set.columns.push(Vec::new());
            }
            match set.columns.get_mut(k) {
                Some(c) => c.push(v),
                None => {
                    return Err(malformed(
                        object,
                        format!(
                            "line {}: more numbers than the {} of the rows before",
                            n + 1,
                            set.columns.len()
                        ),
                    ));
                }
            }
            width = k + 1;
        }
        if width != set.columns.len() {
            return Err(malformed(
                object,
                format!(
                    "line {}: {width} numbers where the rows before have {}",
                    n + 1,
                    set.columns.len()
                ),
            ));
        }
        set.rows += 1;
        values += width;
        if values > MAX_VALUES {
            return Err(malformed(
                object,
                format!("more than {MAX_VALUES} numbers, more than Panorama holds of a text file"),
            ));
        }
    }
    Ok(sets)
}

/// The columns a header declares, as (name, attributes, error_of).
fn declared_columns(header: &Yaml) -> Vec<(String, Vec<Attribute>, Option<String>)> {
    let Some(columns) = header["columns"].as_vec() else {
        return Vec::new();
    };
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let field = |k: &str| yaml_text(&c[k]).filter(|s| !s.is_empty());
            let error_of = field("error_of");
            // An error column without a name is `s` + its column (orsopy's rule).
            let name = field("name")
                .or_else(|| error_of.as_ref().map(|e| format!("s{e}")))
                .unwrap_or_else(|| format!("column_{i}"));
            let mut attrs = Vec::new();
            if let Some(u) = field("unit") {
                attrs.push(text_attr("units", &u));
            }
            for k in [
                "physical_quantity",
                "dimension",
                "error_of",
                "error_type",
                "value_is",
                "distribution",
            ] {
                if let Some(v) = field(k) {
                    attrs.push(text_attr(k, &v));
                }
            }
            (name, attrs, error_of)
        })
        .collect()
}

/// A name usable as one part of a path.
fn path_part(name: &str) -> String {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| if c == '/' || c.is_control() { '_' } else { c })
        .collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "data_set".to_owned()
    } else {
        cleaned
    }
}

impl Orso {
    /// Read an ORSO text file whole.
    pub fn open(path: &Path) -> Result<Self, DataError> {
        let shown = path.display().to_string();
        let io = |source| DataError::Io {
            path: shown.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                DataError::NotFound {
                    path: shown.clone(),
                }
            } else {
                io(e)
            }
        })?;
        if meta.len() > MAX_BYTES {
            return Err(malformed(
                &shown,
                format!(
                    "{} bytes is more than an ORSO text file of {} MiB is read",
                    meta.len(),
                    MAX_BYTES >> 20
                ),
            ));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let label = path
            .file_name()
            .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
        Self::parse(&bytes, &label)
    }

    /// Read an ORSO text file from its bytes; `label` names it in errors.
    pub fn parse(bytes: &[u8], label: &str) -> Result<Self, DataError> {
        if !sniff(bytes) {
            return Err(not_orso(label));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|e| malformed(label, format!("the text is not UTF-8 ({e})")))?;
        let first_line = text.lines().next().unwrap_or_default();
        let version = first_line
            .split('|')
            .nth(1)
            .and_then(|v| v.split_whitespace().next())
            .unwrap_or_default()
            .to_owned();
        let raw = split(text, label)?;
        let first = load_yaml(&raw[0].header, 0, label)?;
        if first["columns"].as_vec().is_none() {
            return Err(malformed(label, "the header names no columns"));
        }
        let mut sets: Vec<DataSet> = Vec::new();
        for (i, r) in raw.iter().enumerate() {
            let mut header = first.clone();
            if i > 0 {
                let over = load_yaml(&r.header, i, label)?;
                merge(&mut header, &over);
            }
            let mut name =
                yaml_text(&header["data_set"]).map_or_else(|| i.to_string(), |n| path_part(&n));
            while sets.iter().any(|s| s.name == name) {
                name = format!("{name}_{i}");
            }
            let width = r.columns.len();
            let mut declared = declared_columns(&header);
            declared.truncate(width);
            for k in declared.len()..width {
                declared.push((format!("column_{k}"), Vec::new(), None));
            }
            let columns = declared
                .into_iter()
                .zip(r.columns.iter())
                .map(|((name, attributes, error_of), values)| Column {
                    name: path_part(&name),
                    attributes,
                    error_of,
                    values: values.clone(),
                })
                .collect();
            let mut attributes = vec![
                text_attr("NX_class", "NXentry"),
                text_attr("default", "data"),
            ];
            flatten("", &header, 0, &mut attributes);
            let mut text = String::new();
            if let Ok(()) = yaml_rust2::YamlEmitter::new(&mut text).dump(&header) {
                attributes.push(text_attr("orso_header", text.trim_start_matches("---\n")));
            }
            sets.push(DataSet {
                name,
                attributes,
                columns,
            });
        }
        Ok(Self {
            label: label.to_owned(),
            version,
            sets,
        })
    }

    fn set(&self, name: &str) -> Option<&DataSet> {
        self.sets.iter().find(|s| s.name == name)
    }

    /// What a path names: a data set's group, its NXdata, or a column
    /// (`link` when reached through `<signal>_errors`).
    fn lookup(&self, path: &str) -> Option<Node<'_>> {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [] => Some(Node::Root),
            [s] => self.set(s).map(Node::Set),
            [s, "data"] => self.set(s).map(Node::Data),
            [s, "data", c] => {
                let set = self.set(s)?;
                if let Some(col) = set.columns.iter().find(|col| col.name == *c) {
                    return Some(Node::Column(set, col, false));
                }
                let (of, col) = errors_link(set)?;
                (*c == format!("{of}_errors")).then_some(Node::Column(set, col, true))
            }
            _ => None,
        }
    }

    fn entity_of(&self, node: &Node<'_>, with_children: bool) -> Entity {
        let group = |name: &str, path: String, attributes: Vec<Attribute>| Entity {
            name: name.to_owned(),
            path,
            kind: EntityKind::Group,
            nx_class: None,
            attributes,
            children: Vec::new(),
        };
        let mut e = match node {
            Node::Root => {
                let mut attrs = vec![text_attr("NX_class", "NXroot")];
                if let Some(first) = self.sets.first() {
                    attrs.push(text_attr("default", &first.name));
                }
                attrs.push(text_attr("orso_version", &self.version));
                let mut e = group("", "/".into(), attrs);
                if with_children {
                    e.children = self
                        .sets
                        .iter()
                        .map(|s| self.entity_of(&Node::Set(s), false))
                        .collect();
                }
                e
            }
            Node::Set(s) => {
                let mut e = group(&s.name, format!("/{}", s.name), s.attributes.clone());
                if with_children {
                    e.children = vec![self.entity_of(&Node::Data(s), false)];
                }
                e
            }
            Node::Data(s) => {
                let mut attrs = vec![text_attr("NX_class", "NXdata")];
                if let Some(signal) = s.columns.get(1) {
                    attrs.push(text_attr("signal", &signal.name));
                    // Reflectivity spans decades: log scale (silx's and h5web's hint).
                    attrs.push(text_attr("SILX_style", r#"{"signal_scale_type": "log"}"#));
                }
                if let Some(axis) = s.columns.first() {
                    attrs.push(text_attr("axes", &axis.name));
                }
                let mut e = group("data", format!("/{}/data", s.name), attrs);
                if with_children {
                    e.children = s
                        .columns
                        .iter()
                        .map(|c| self.entity_of(&Node::Column(s, c, false), false))
                        .collect();
                    if let Some((of, col)) = errors_link(s) {
                        let name = format!("{of}_errors");
                        let mut link = group(&name, format!("/{}/data/{name}", s.name), Vec::new());
                        link.kind = EntityKind::SoftLink {
                            target: format!("/{}/data/{}", s.name, col.name),
                        };
                        e.children.push(link);
                    }
                }
                e
            }
            Node::Column(s, c, via_link) => {
                let name = match (via_link, errors_link(s)) {
                    (true, Some((of, _))) => format!("{of}_errors"),
                    _ => c.name.clone(),
                };
                Entity {
                    path: format!("/{}/data/{name}", s.name),
                    name,
                    kind: EntityKind::Dataset(DatasetInfo::plain(
                        &[c.values.len() as u64],
                        DType::Float {
                            bytes: 8,
                            big_endian: false,
                        },
                    )),
                    nx_class: None,
                    attributes: c.attributes.clone(),
                    children: Vec::new(),
                }
            }
        };
        e.nx_class = e.attr_text("NX_class");
        e
    }
}

/// The NeXus name for the signal's errors, when the signal (the second
/// column) has an error column of another name: (signal, error column).
fn errors_link(s: &DataSet) -> Option<(&str, &Column)> {
    let signal = s.columns.get(1)?;
    let col = s
        .columns
        .iter()
        .find(|c| c.error_of.as_deref() == Some(signal.name.as_str()))?;
    (col.name != format!("{}_errors", signal.name)).then_some((signal.name.as_str(), col))
}

enum Node<'a> {
    Root,
    Set(&'a DataSet),
    Data(&'a DataSet),
    /// A column, and whether it was reached by the `<signal>_errors` link.
    Column(&'a DataSet, &'a Column, bool),
}

impl DataSource for Orso {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            partial_reads: true,
            statistics: false,
            raw_chunks: false,
        }
    }

    fn entity(&self, path: &str) -> Result<Entity, DataError> {
        let node = self.lookup(path).ok_or_else(|| DataError::NoSuchObject {
            object: path.to_owned(),
        })?;
        Ok(self.entity_of(&node, true))
    }

    fn value(
        &self,
        path: &str,
        selection: &Selection,
        progress: &dyn Progress,
    ) -> Result<Value, DataError> {
        let c = match self.lookup(path) {
            Some(Node::Column(_, c, _)) => c,
            Some(_) => {
                return Err(DataError::NotADataset {
                    object: path.to_owned(),
                    kind: "group".into(),
                });
            }
            None => {
                return Err(DataError::NoSuchObject {
                    object: path.to_owned(),
                });
            }
        };
        if progress.cancelled() {
            return Err(DataError::Cancelled);
        }
        let resolved = selection.resolve(&[c.values.len() as u64])?;
        let values = match resolved.axes.first() {
            Some(&(start, count, step, _)) => {
                let at = |k: u64| usize::try_from(start + k * step).ok();
                (0..count)
                    .filter_map(|k| at(k).and_then(|i| c.values.get(i).copied()))
                    .collect()
            }
            None => c.values.clone(),
        };
        Value::new(resolved.shape(), Data::F64(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_SETS: &str = "# # ORSO reflectivity data file | 1.0 standard | YAML encoding | https://www.reflectometry.org/\n\
# data_source:\n\
#   owner: {name: A. Person}\n\
#   measurement:\n\
#     instrument_settings: {polarization: po, wavelength: {magnitude: 5.0, unit: angstrom}}\n\
# columns:\n\
# - {name: Qz, unit: 1/angstrom, physical_quantity: normal momentum transfer}\n\
# - {name: R}\n\
# - {error_of: R}\n\
# data_set: up\n\
# # Qz R sR\n\
0.01 1.0 0.1\n\
0.02 0.5 0.05\n\
# data_set: down\n\
# data_source:\n\
#   measurement:\n\
#     instrument_settings: {polarization: mo}\n\
0.01 0.9 0.09\n";

    fn attr<'a>(e: &'a Entity, name: &str) -> &'a Data {
        &e.attr(name)
            .and_then(|a| a.value.as_ref().ok())
            .unwrap_or_else(|| panic!("{name} in {:?}", e.attributes))
            .data
    }

    #[test]
    fn data_sets_columns_and_headers_read_as_groups_datasets_and_attributes() {
        let o = Orso::parse(TWO_SETS.as_bytes(), "t.ort").expect("parse");
        let root = o.entity("/").expect("root");
        let names: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["up", "down"]);
        assert_eq!(root.attr_text("default").as_deref(), Some("up"));
        assert_eq!(root.attr_text("orso_version").as_deref(), Some("1.0"));
        let up = o.entity("/up").expect("up");
        assert_eq!(
            up.attr_text("data_source.owner.name").as_deref(),
            Some("A. Person")
        );
        assert_eq!(
            attr(
                &up,
                "data_source.measurement.instrument_settings.wavelength.magnitude"
            ),
            &Data::F64(vec![5.0])
        );
        // The second data set's header changes the first's, key by key.
        let down = o.entity("/down").expect("down");
        let pol = "data_source.measurement.instrument_settings.polarization";
        assert_eq!(up.attr_text(pol).as_deref(), Some("po"));
        assert_eq!(down.attr_text(pol).as_deref(), Some("mo"));
        assert_eq!(
            down.attr_text("data_source.owner.name").as_deref(),
            Some("A. Person")
        );
        let data = o.entity("/up/data").expect("data");
        let kids: Vec<&str> = data.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(kids, ["Qz", "R", "sR", "R_errors"]);
        let qz = o.entity("/up/data/Qz").expect("Qz");
        assert_eq!(qz.attr_text("units").as_deref(), Some("1/angstrom"));
        let all = |p: &str| o.value(p, &Selection::all(), &super::super::NoProgress);
        assert_eq!(
            all("/up/data/R").expect("R").data,
            Data::F64(vec![1.0, 0.5])
        );
        assert_eq!(
            all("/up/data/R_errors").expect("errors").data,
            Data::F64(vec![0.1, 0.05])
        );
        assert_eq!(all("/down/data/R").expect("R").data, Data::F64(vec![0.9]));
        let one = o
            .value(
                "/up/data/Qz",
                &Selection::parse("1").expect("sel"),
                &super::super::NoProgress,
            )
            .expect("one");
        assert_eq!(
            (one.shape.clone(), one.data),
            (vec![], Data::F64(vec![0.02]))
        );
        // The NeXus default plot: R over Qz with its errors, on log scale.
        let plot = super::super::nexus::default_plot(&o, "/").expect("plot");
        assert_eq!(plot.signal, "/up/data/R");
        assert_eq!(plot.axes[0].path, "/up/data/Qz");
        assert_eq!(plot.errors.as_deref(), Some("/up/data/R_errors"));
        assert!(plot.log_scale);
        assert!(matches!(
            o.value("/up", &Selection::all(), &super::super::NoProgress),
            Err(DataError::NotADataset { .. })
        ));
        assert!(matches!(
            o.entity("/nope"),
            Err(DataError::NoSuchObject { .. })
        ));
    }

    /// orsopy's reading: a new data set at every `# data_set` line after
    /// the first, with or without rows between; Windows line ends, tabs,
    /// `nan`, and comments among the rows are read as it reads them.
    #[test]
    fn data_sets_split_where_orsopy_splits_them() {
        let text = "# # ORSO reflectivity data file | 1.0 standard | YAML encoding\r\n\
# columns:\r\n# - {name: Qz}\r\n# - {name: R}\r\n# data_set: a\r\n\
0.1\t1.0\r\n# # a comment among the rows\r\n0.2  nan\r\n\
# data_set: b\r\n# data_set: c\r\n0.3 inf\r\n";
        let o = Orso::parse(text.as_bytes(), "t.ort").expect("parse");
        let names: Vec<String> = o
            .entity("/")
            .expect("root")
            .children
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        let r = |p: &str| {
            o.value(p, &Selection::all(), &super::super::NoProgress)
                .expect(p)
                .to_f64()
                .expect("numbers")
        };
        assert_eq!(r("/a/data/Qz"), [0.1, 0.2]);
        let ra = r("/a/data/R");
        assert!(ra[0] == 1.0 && ra[1].is_nan(), "{ra:?}");
        assert!(o.entity("/b/data").expect("b").children.is_empty());
        assert_eq!(r("/c/data/R"), [f64::INFINITY]);
    }

    #[test]
    fn broken_files_are_refused_in_words() {
        let err = |text: &str| {
            Orso::parse(text.as_bytes(), "x.ort")
                .expect_err("refused")
                .to_string()
        };
        assert!(err("1.0 2.0 3.0\n").contains("must start with “# # ORSO”"));
        let head = "# # ORSO reflectivity data file | 1.0 standard | YAML encoding\n# columns:\n# - {name: Qz}\n# - {name: R}\n";
        assert!(err(&format!("{head}0.1 1.0\n0.2 x\n")).contains("line 6: “x” is not a number"));
        assert!(
            err(&format!("{head}0.1 1.0\n0.2\n"))
                .contains("line 6: 1 numbers where the rows before have 2")
        );
        assert!(err("# # ORSO\n# a: [unclosed\n").contains("not valid YAML"));
        assert!(err("# # ORSO\n# owner: x\n0.1 0.2\n").contains("names no columns"));
        assert!(
            err(&format!("{head}0.1 1.0\n0.2 1.0 3\n"))
                .contains("line 6: more numbers than the 2 of the rows before")
        );
        // A billion laughs, or nesting that would take the loader's stack.
        let laughs = "# # ORSO\n# a: &a [x, x, x, x, x, x, x, x, x]\n# b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n# c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
        assert!(err(laughs).contains("aliases"));
        let deep = format!("# # ORSO\n# x: {}\n", "[".repeat(100_000));
        let deep = err(&deep);
        assert!(deep.contains("recursion limit"), "{deep}");
        let block = format!("# # ORSO\n# {}1\n", "- ".repeat(100_000));
        let block = err(&block);
        assert!(block.contains("nests deeper than 64"), "{block}");
        // Hostile names never leave their group.
        let odd = format!("{head}# data_set: ../../etc\n0.1 1.0\n");
        let o = Orso::parse(odd.as_bytes(), "x.ort").expect("parse");
        assert_eq!(o.entity("/").expect("root").children[0].name, ".._.._etc");
    }
}
