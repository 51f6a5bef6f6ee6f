//! Data sources: local HDF5/NeXus files and remote ones (h5grove), behind one
//! trait shaped like h5web's providers. Views never know where data lives.

pub mod hdf5_library;
pub mod local_hdf5;

use std::fmt;

use serde::Serialize;

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
    #[error("HDF5 could not read {object}: {message}. The rest of the file is still available")]
    Hdf5 { object: String, message: String },
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

/// What an object in the file is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntityKind {
    Group,
    Dataset {
        shape: Vec<u64>,
        dtype: String,
    },
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

/// One object in a file, with its direct children if it is a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    pub children: Vec<Entity>,
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Group => f.write_str("group"),
            Self::Dataset { shape, dtype } => {
                let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
                if dims.is_empty() {
                    write!(f, "{dtype} scalar")
                } else {
                    write!(f, "{dtype} [{}]", dims.join(" × "))
                }
            }
            Self::Datatype => f.write_str("named datatype"),
            Self::SoftLink { target } => write!(f, "soft link → {target}"),
            Self::ExternalLink { file, target } => write!(f, "external link → {file}:{target}"),
            Self::Broken { reason } => write!(f, "broken link ({reason})"),
        }
    }
}

/// A source of hierarchical data. One implementation per kind of storage;
/// adding one never touches the UI.
pub trait DataSource: Send + Sync {
    /// A short name for tabs and breadcrumbs (file name or URL).
    fn label(&self) -> String;
    fn capabilities(&self) -> Capabilities;
    /// The object at `path` with its direct children (children are not expanded).
    fn entity(&self, path: &str) -> Result<Entity, DataError>;
}

/// Join a group path and a member name into an absolute HDF5 path.
pub fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() || parent == "/" {
        format!("/{name}")
    } else {
        format!("{}/{name}", parent.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_path_handles_root_and_trailing_slashes() {
        assert_eq!(join_path("/", "entry"), "/entry");
        assert_eq!(join_path("", "entry"), "/entry");
        assert_eq!(join_path("/entry/", "data"), "/entry/data");
        assert_eq!(join_path("/entry", "data"), "/entry/data");
    }

    #[test]
    fn kinds_read_well() {
        let k = EntityKind::Dataset {
            shape: vec![4096, 4096],
            dtype: "float32".into(),
        };
        assert_eq!(k.to_string(), "float32 [4096 × 4096]");
        let s = EntityKind::Dataset {
            shape: vec![],
            dtype: "string".into(),
        };
        assert_eq!(s.to_string(), "string scalar");
    }
}
