//! Data sources: local HDF5/NeXus files and remote ones (h5grove), behind one
//! trait shaped like h5web's providers. Views never know where data lives.

pub mod cache;
pub mod cf;
mod chunks;
pub mod export;
pub mod h5grove;
pub mod hdf5_library;
mod hdf5_raw;
pub mod local_hdf5;
pub mod nexus;
pub mod orso;
pub mod selection;
pub mod typed;
pub mod value;

use std::fmt;

use serde::Serialize;

pub use selection::Selection;
pub use typed::{Elem, Typed};
pub use value::{ComplexPart, DType, Data, Value, complex_readout};

/// Errors reading data, worded for the person looking at the file.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path} does not exist. Check the path, or pick the file again with File → Open")]
    NotFound { path: String },
    #[error(
        "{path} is not an HDF5 or NeXus file (no HDF5 signature found). Open a .h5, .hdf5 or .nxs file"
    )]
    NotHdf5 { path: String },
    #[error("could not read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no object at {object} in this file")]
    NoSuchObject { object: String },
    #[error("{object} is a {kind}, not a dataset: pick a dataset to see values")]
    NotADataset { object: String, kind: String },
    #[error("HDF5 could not read {object}: {message}. The rest of the file is still available")]
    Hdf5 { object: String, message: String },
    #[error(
        "{object} is compressed with {name} (filter {filter_id}), which this build does not include. The rest of the file is still available"
    )]
    MissingFilter {
        object: String,
        filter_id: i32,
        name: String,
    },
    #[error(
        "{object} holds {what}, which Panorama cannot read. The rest of the file is still available"
    )]
    Unsupported { object: String, what: String },
    #[error(
        "{object} holds {what}, which an export file of fixed-size elements cannot hold yet. The inspector and table show them"
    )]
    NotExportable { object: String, what: String },
    #[error("the selection “{selection}” does not fit: {reason}")]
    BadSelection { selection: String, reason: String },
    #[error(
        "{object} holds {elements} values, more than Panorama reads at once ({limit}). Select a slice"
    )]
    TooLarge {
        object: String,
        elements: u64,
        limit: u64,
    },
    #[error("{object}: the data is malformed ({message})")]
    Malformed { object: String, message: String },
    #[error("cancelled")]
    Cancelled,
    /// An answer too large or broken off (`net::read_limited`).
    #[error(transparent)]
    Body(#[from] crate::net::BodyError),
    #[error("the server answered {status} for {object}: {message}")]
    Remote {
        object: String,
        status: u16,
        message: String,
    },
}

/// What a data source can do; views check this instead of guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Capabilities {
    /// Reads slices without loading the whole dataset.
    pub partial_reads: bool,
    /// Has server-side statistics (min/max/mean).
    pub statistics: bool,
    /// Reads raw chunks directly (local files only).
    pub raw_chunks: bool,
}

/// A compression or other filter on a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterUse {
    pub id: i32,
    pub name: String,
    /// Whether this Panorama can decode it.
    pub available: bool,
}

impl fmt::Display for FilterUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.available {
            f.write_str(&self.name)
        } else {
            write!(f, "{} (id {}: not available)", self.name, self.id)
        }
    }
}

/// Layout and type of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatasetInfo {
    pub shape: Vec<u64>,
    pub dtype: DType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunks: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<FilterUse>,
    /// Bytes stored in the file, when known (for the compression ratio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill_value: Option<String>,
}

impl DatasetInfo {
    /// A dataset of `shape` and type `dtype`, stored plainly (no chunks, no
    /// filters): what tests and synthetic data describe.
    pub fn plain(shape: &[u64], dtype: DType) -> Self {
        Self {
            shape: shape.to_vec(),
            dtype,
            chunks: None,
            filters: Vec::new(),
            storage_size: None,
            fill_value: None,
        }
    }

    /// Number of elements (`u64::MAX` when the declared shape overflows, so
    /// every size guard refuses it).
    pub fn element_count(&self) -> u64 {
        saturating_product(self.shape.iter().copied())
    }

    /// Uncompressed size over stored size, when both are known.
    pub fn compression_ratio(&self, element_size: u64) -> Option<f64> {
        let stored = self.storage_size.filter(|&s| s > 0)?;
        Some(self.element_count().saturating_mul(element_size) as f64 / stored as f64)
    }

    /// The first filter that cannot be decoded here, if any.
    pub fn missing_filter(&self) -> Option<&FilterUse> {
        self.filters.iter().find(|f| !f.available)
    }
}

/// What an object in the file is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntityKind {
    Group,
    Dataset(DatasetInfo),
    Datatype,
    SoftLink {
        target: String,
    },
    ExternalLink {
        file: String,
        target: String,
    },
    /// A link whose target cannot be opened; shown, never fatal.
    Broken {
        reason: String,
    },
}

/// An attribute with its value (or why the value cannot be read).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribute {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<u64>,
    #[serde(serialize_with = "ser_attr_value")]
    pub value: Result<Value, String>,
}

fn ser_attr_value<S: serde::Serializer>(
    v: &Result<Value, String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Ok(v) => v.to_json().serialize(s),
        Err(e) => serde_json::json!({ "error": e }).serialize(s),
    }
}

impl Attribute {
    /// The value as text (strings unquoted), or the reason it is unreadable.
    pub fn text(&self) -> Option<String> {
        let v = self.value.as_ref().ok()?;
        Some(if v.shape.is_empty() || v.len() == 1 {
            v.element_text(0)
        } else {
            v.preview(8)
        })
    }
}

/// One object in a file. Groups carry their direct children (without the
/// children's own children); every entity carries its attributes when read
/// through [`DataSource::entity`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub name: String,
    /// Absolute HDF5 path, `/` for the root.
    pub path: String,
    #[serde(flatten)]
    pub kind: EntityKind,
    /// The NeXus class (`@NX_class`) when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nx_class: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Entity>,
}

impl Entity {
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// A text attribute such as `units` or `long_name`.
    pub fn attr_text(&self, name: &str) -> Option<String> {
        self.attr(name)?.text()
    }

    pub fn dataset(&self) -> Option<&DatasetInfo> {
        match &self.kind {
            EntityKind::Dataset(d) => Some(d),
            _ => None,
        }
    }

    pub fn is_group(&self) -> bool {
        self.kind == EntityKind::Group
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Group => f.write_str("group"),
            Self::Dataset(d) => {
                let dims: Vec<String> = d.shape.iter().map(u64::to_string).collect();
                if dims.is_empty() {
                    write!(f, "{} scalar", d.dtype)
                } else {
                    write!(f, "{} [{}]", d.dtype, dims.join(" × "))
                }
            }
            Self::Datatype => f.write_str("named datatype"),
            Self::SoftLink { target } => write!(f, "soft link → {target}"),
            Self::ExternalLink { file, target } => write!(f, "external link → {file}:{target}"),
            Self::Broken { reason } => write!(f, "broken link ({reason})"),
        }
    }
}

/// Progress and cancellation for long reads. [`crate::runtime::TaskContext`]
/// implements it; the CLI uses [`NoProgress`].
pub trait Progress: Sync {
    fn report(&self, fraction: f32, message: &str);
    fn cancelled(&self) -> bool;
}

/// For callers that neither show progress nor cancel.
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _fraction: f32, _message: &str) {}
    fn cancelled(&self) -> bool {
        false
    }
}

impl Progress for crate::runtime::TaskContext {
    fn report(&self, fraction: f32, message: &str) {
        self.progress(fraction, message);
    }
    fn cancelled(&self) -> bool {
        self.is_cancelled()
    }
}

/// The product of dimensions from a file or server, `None` on overflow.
pub fn checked_product(dims: impl IntoIterator<Item = usize>) -> Option<usize> {
    dims.into_iter().try_fold(1usize, usize::checked_mul)
}

/// The product of dimensions, `u64::MAX` on overflow (larger than any limit).
pub fn saturating_product(dims: impl IntoIterator<Item = u64>) -> u64 {
    dims.into_iter()
        .try_fold(1u64, u64::checked_mul)
        .unwrap_or(u64::MAX)
}

/// Most bytes read in one request (1 GiB): larger reads must slice.
pub const MAX_READ_BYTES: u64 = 1 << 30;

/// Most elements of `dtype` read in one request.
pub fn max_read_elements(dtype: &DType) -> u64 {
    let size = match dtype {
        DType::Int { bytes, .. } | DType::Float { bytes, .. } | DType::Complex { bytes } => {
            u64::from(*bytes).max(4)
        }
        DType::Bool => 1,
        _ => 16,
    };
    MAX_READ_BYTES / size
}

/// A source of hierarchical data. One implementation per kind of storage;
/// adding one never touches the UI.
pub trait DataSource: Send + Sync {
    /// A short name for tabs and breadcrumbs (file name or URL).
    fn label(&self) -> String;
    fn capabilities(&self) -> Capabilities;
    /// The object at `path` with its attributes and, for groups, its direct children.
    fn entity(&self, path: &str) -> Result<Entity, DataError>;
    /// Values of the dataset at `path`, for a selection.
    fn value(
        &self,
        path: &str,
        selection: &Selection,
        progress: &dyn Progress,
    ) -> Result<Value, DataError>;
    /// The direct members of the group at `path` (kind, type, shape, NeXus
    /// class), without reading attributes. Sources may answer faster than `entity`.
    fn children(&self, path: &str) -> Result<Vec<Entity>, DataError> {
        Ok(self.entity(path)?.children)
    }
    /// Values of the dataset at `path` with their exact element type, for
    /// exports. Sources that read only plottable numbers give those.
    fn typed(
        &self,
        path: &str,
        selection: &Selection,
        progress: &dyn Progress,
    ) -> Result<Typed, DataError> {
        let info = self
            .entity(path)?
            .dataset()
            .cloned()
            .ok_or_else(|| DataError::NotADataset {
                object: path.to_owned(),
                kind: "group".into(),
            })?;
        let v = self.value(path, selection, progress)?;
        Typed::from_value(&v, &info.dtype).map_err(|e| match e {
            DataError::Malformed { message, .. } => DataError::Unsupported {
                object: path.to_owned(),
                what: format!("{} ({message})", info.dtype),
            },
            e => e,
        })
    }
    /// Every object path in the source, when the source can list them in
    /// one go with cycles already cut (walks then descend only into these).
    fn all_paths(&self) -> Option<Vec<String>> {
        None
    }
    /// An id of the object behind `path` that is the same for every hard link
    /// to it, so walks can stop at cycles. `None` where the source cannot tell.
    fn object_id(&self, _path: &str) -> Option<String> {
        None
    }
    /// [`walk`] done by the source itself, each object opened once, where
    /// that is faster than asking for one entity after another. It visits
    /// the same entities in the same order; `None` leaves the walk to [`walk`].
    fn walk_tree(
        &self,
        _path: &str,
        _visit: &mut dyn FnMut(&Entity, usize),
        _progress: &dyn Progress,
    ) -> Option<Result<(), DataError>> {
        None
    }
}

/// Deepest group a walk descends into when the source cannot detect cycles.
pub const MAX_WALK_DEPTH: usize = 64;

/// Every object in the file (kind, type, shape, NeXus class; no attributes),
/// for search-as-you-type. Hard-link cycles are listed once; links not followed.
pub fn list_all(src: &dyn DataSource, progress: &dyn Progress) -> Result<Vec<Entity>, DataError> {
    let mut out = Vec::new();
    let mut stack = vec![("/".to_owned(), 0usize)];
    let mut seen = std::collections::HashSet::new();
    // Where the source cannot tell objects apart, the paths it lists (each
    // object once) bound the walk; failing that, a depth no real file reaches.
    let known: Option<std::collections::HashSet<String>> =
        src.all_paths().map(|p| p.into_iter().collect());
    while let Some((path, depth)) = stack.pop() {
        if progress.cancelled() {
            return Err(DataError::Cancelled);
        }
        if let Some(id) = src.object_id(&path)
            && !seen.insert(id)
        {
            continue;
        }
        if path != "/" && known.as_ref().is_some_and(|k| !k.contains(&path)) {
            continue;
        }
        if depth > MAX_WALK_DEPTH {
            continue;
        }
        // An unreadable group is skipped; its siblings are still listed.
        let Ok(children) = src.children(&path) else {
            continue;
        };
        for c in children {
            if known.as_ref().is_some_and(|k| !k.contains(&c.path)) {
                continue;
            }
            if out.len() >= MAX_WALK_OBJECTS {
                break;
            }
            if c.kind == EntityKind::Group {
                stack.push((c.path.clone(), depth + 1));
            }
            out.push(c);
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Walk the tree below `path` depth-first, calling `visit` with each entity
/// (with attributes; children lists empty, as each child is visited in turn)
/// and its depth. Hard-link cycles are visited once; soft and external links
/// are listed, not followed.
pub fn walk(
    src: &dyn DataSource,
    path: &str,
    visit: &mut dyn FnMut(&Entity, usize),
    progress: &dyn Progress,
) -> Result<(), DataError> {
    if let Some(done) = src.walk_tree(path, visit, progress) {
        return done;
    }
    walk_generic(src, path, visit, progress)
}

/// [`walk`] asking the source for one entity after another (what sources
/// without their own walk get).
pub fn walk_generic(
    src: &dyn DataSource,
    path: &str,
    visit: &mut dyn FnMut(&Entity, usize),
    progress: &dyn Progress,
) -> Result<(), DataError> {
    let mut seen = Seen {
        ids: std::collections::HashSet::new(),
        known: src.all_paths().map(|p| p.into_iter().collect()),
        visits: 0,
    };
    walk_inner(src, path, 0, visit, &mut seen, progress)
}

/// What a walk has seen: object ids (cycles), the paths the source lists
/// when it can (each object once), and how many objects were visited.
struct Seen {
    ids: std::collections::HashSet<String>,
    known: Option<std::collections::HashSet<String>>,
    visits: usize,
}

/// Most objects one walk visits: beyond this a source that cannot tell
/// objects apart is taken to loop.
pub const MAX_WALK_OBJECTS: usize = 2_000_000;

/// One more object visited by a walk: stop when cancelled, or past
/// [`MAX_WALK_OBJECTS`] (more than any real file holds: the file may loop).
pub(crate) fn walk_step(
    visits: &mut usize,
    path: &str,
    progress: &dyn Progress,
) -> Result<(), DataError> {
    if progress.cancelled() {
        return Err(DataError::Cancelled);
    }
    *visits += 1;
    if *visits > MAX_WALK_OBJECTS {
        return Err(DataError::Malformed {
            object: path.to_owned(),
            message: format!(
                "more than {MAX_WALK_OBJECTS} objects were listed, so the walk stopped (the file may loop)"
            ),
        });
    }
    Ok(())
}

fn walk_inner(
    src: &dyn DataSource,
    path: &str,
    depth: usize,
    visit: &mut dyn FnMut(&Entity, usize),
    seen: &mut Seen,
    progress: &dyn Progress,
) -> Result<(), DataError> {
    walk_step(&mut seen.visits, path, progress)?;
    let mut e = src.entity(path)?;
    let children = std::mem::take(&mut e.children);
    visit(&e, depth);
    // Only groups close cycles (and asking for a dataset's id costs a failed open).
    if e.is_group()
        && let Some(id) = src.object_id(path)
        && !seen.ids.insert(id)
    {
        return Ok(());
    }
    // Sources that cannot tell objects apart: only into the paths they list
    // (each object once), and never deeper than real files go.
    if depth >= MAX_WALK_DEPTH {
        return Ok(());
    }
    for c in &children {
        if seen.known.as_ref().is_some_and(|k| !k.contains(&c.path)) {
            continue;
        }
        match c.kind {
            EntityKind::Group | EntityKind::Dataset(_) => {
                // A child that fails to read is shown as broken; the walk goes on.
                if let Err(err) = walk_inner(src, &c.path, depth + 1, visit, seen, progress) {
                    if matches!(err, DataError::Cancelled) {
                        return Err(err);
                    }
                    let mut broken = c.clone();
                    broken.kind = EntityKind::Broken {
                        reason: err.to_string(),
                    };
                    visit(&broken, depth + 1);
                }
            }
            _ => visit(c, depth + 1),
        }
    }
    Ok(())
}

/// Open a data source from what a user typed: a local path, or an h5grove URL
/// (`http://host:port/?file=NAME`; a bearer token is taken from `PANORAMA_TOKEN`
/// when set).
pub fn open(location: &str) -> Result<Box<dyn DataSource>, DataError> {
    open_with_auth(location, None)
}

/// [`open`], sending the tokens of a signed-in account to a remote server.
pub fn open_with_auth(
    location: &str,
    auth: Option<crate::net::credentials::SharedTokens>,
) -> Result<Box<dyn DataSource>, DataError> {
    if crate::net::is_web_url(location) {
        let token = std::env::var("PANORAMA_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
            .map(crate::net::credentials::Secret::new);
        return Ok(Box::new(
            h5grove::H5Grove::from_url(location, token)?.with_auth(auth),
        ));
    }
    open_local(std::path::Path::new(location))
}

/// A kind of local file Panorama reads: how it is recognised and opened.
/// To read another format: a source file here with its `FORMAT`, and one
/// line in [`FILE_FORMATS`].
pub struct FileFormat {
    pub name: &'static str,
    /// File name extensions, without the dot, for the open dialog.
    pub extensions: &'static [&'static str],
    /// Whether a file's first bytes ([`SNIFF_BYTES`]) are of this format.
    pub sniff: fn(&[u8]) -> bool,
    pub open: fn(&std::path::Path) -> Result<Box<dyn DataSource>, DataError>,
}

/// How many bytes of a file the formats' `sniff` look at.
pub const SNIFF_BYTES: usize = 64;

/// Every local file format. HDF5 comes last: a file no other format
/// recognises by its content or its extension is opened as HDF5, which
/// says plainly when it is not.
pub const FILE_FORMATS: &[FileFormat] = &[orso::FORMAT, local_hdf5::FORMAT];

/// Open a local file in the format its first bytes show (or, failing
/// that, its extension names).
pub fn open_local(path: &std::path::Path) -> Result<Box<dyn DataSource>, DataError> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    if let Ok(f) = std::fs::File::open(path) {
        // An unreadable file is the chosen format's to report.
        let _ = f.take(SNIFF_BYTES as u64).read_to_end(&mut head);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let format = FILE_FORMATS
        .iter()
        .find(|f| (f.sniff)(&head))
        .or_else(|| {
            FILE_FORMATS
                .iter()
                .find(|f| ext.as_deref().is_some_and(|e| f.extensions.contains(&e)))
        })
        .unwrap_or(&FILE_FORMATS[FILE_FORMATS.len() - 1]);
    (format.open)(path)
}

/// Join a group path and a member name into an absolute HDF5 path.
pub fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() || parent == "/" {
        format!("/{name}")
    } else {
        format!("{}/{name}", parent.trim_end_matches('/'))
    }
}

/// Resolve a relative NeXus path (`data`, `../x`, `/entry/data`) against a group.
pub fn resolve_path(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_and_resolve() {
        assert_eq!(join_path("/", "entry"), "/entry");
        assert_eq!(join_path("", "entry"), "/entry");
        assert_eq!(join_path("/entry/", "data"), "/entry/data");
        assert_eq!(resolve_path("/entry", "data"), "/entry/data");
        assert_eq!(resolve_path("/entry/data", "../sample"), "/entry/sample");
        assert_eq!(resolve_path("/entry", "/other/x"), "/other/x");
        assert_eq!(resolve_path("/", ".."), "/");
    }

    #[test]
    fn shape_products_never_wrap() {
        assert_eq!(checked_product([3usize, 4]), Some(12));
        assert_eq!(checked_product([usize::MAX, 2]), None);
        assert_eq!(saturating_product([1u64 << 40, 1 << 40]), u64::MAX);
        let info = DatasetInfo {
            shape: vec![1 << 33, 1 << 33, 1 << 33],
            dtype: DType::Bool,
            chunks: None,
            filters: Vec::new(),
            storage_size: Some(1),
            fill_value: None,
        };
        assert_eq!(info.element_count(), u64::MAX);
        assert!(info.element_count() > max_read_elements(&info.dtype));
    }

    #[test]
    fn kinds_read_well() {
        let k = EntityKind::Dataset(DatasetInfo::plain(
            &[4096, 4096],
            DType::Float {
                bytes: 4,
                big_endian: false,
            },
        ));
        assert_eq!(k.to_string(), "float32 [4096 × 4096]");
    }
}
