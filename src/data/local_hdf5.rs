//! Local HDF5/NeXus files through the statically linked HDF5 library.

use std::io::Read;
use std::path::{Path, PathBuf};

use hdf5::{LinkType, LocationType};

use super::{Capabilities, DataError, DataSource, Entity, EntityKind, join_path};

/// The 8-byte signature every HDF5 file carries at offset 0, 512, 1024, …
const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// A local HDF5 file, opened read-only.
pub struct LocalHdf5 {
    path: PathBuf,
    file: hdf5::File,
}

impl LocalHdf5 {
    /// Open a file read-only, after checking it really is HDF5 so a wrong file
    /// gets a plain message instead of an HDF5 error stack.
    pub fn open(path: &Path) -> Result<Self, DataError> {
        let shown = path.display().to_string();
        if !path.exists() {
            return Err(DataError::NotFound { path: shown });
        }
        if !has_hdf5_signature(path)? {
            return Err(DataError::NotHdf5 { path: shown });
        }
        let file = hdf5::File::open(path).map_err(|e| DataError::Hdf5 {
            object: shown,
            message: e.to_string(),
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn child(&self, group: &hdf5::Group, parent: &str, name: &str, link: LinkType) -> Entity {
        let path = join_path(parent, name);
        let kind = match group.loc_type_by_name(name) {
            Err(e) => EntityKind::Broken {
                reason: first_line(&e.to_string()),
            },
            Ok(t) => match link {
                LinkType::Soft => EntityKind::SoftLink {
                    target: describe_type(t),
                },
                LinkType::External => EntityKind::ExternalLink {
                    file: String::new(),
                    target: describe_type(t),
                },
                LinkType::Hard => self.kind_of(&path, t),
            },
        };
        Entity {
            name: name.to_owned(),
            path,
            kind,
            nx_class: None,
            children: Vec::new(),
        }
    }

    fn kind_of(&self, path: &str, t: LocationType) -> EntityKind {
        match t {
            LocationType::Group => EntityKind::Group,
            LocationType::Dataset => match self.file.dataset(path) {
                Ok(ds) => EntityKind::Dataset {
                    shape: ds.shape().iter().map(|&d| d as u64).collect(),
                    dtype: ds
                        .dtype()
                        .and_then(|t| t.to_descriptor())
                        .map(|d| d.to_string())
                        .unwrap_or_else(|_| "unsupported type".into()),
                },
                Err(e) => EntityKind::Broken {
                    reason: first_line(&e.to_string()),
                },
            },
            _ => EntityKind::Datatype,
        }
    }
}

fn describe_type(t: LocationType) -> String {
    match t {
        LocationType::Group => "group".into(),
        LocationType::Dataset => "dataset".into(),
        _ => "datatype".into(),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_owned()
}

impl DataSource for LocalHdf5 {
    fn label(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            partial_reads: true,
            statistics: false,
            raw_chunks: true,
        }
    }

    fn entity(&self, path: &str) -> Result<Entity, DataError> {
        let path = if path.is_empty() { "/" } else { path };
        let hdf = |e: hdf5::Error| DataError::Hdf5 {
            object: path.to_owned(),
            message: first_line(&e.to_string()),
        };
        let t = if path == "/" {
            LocationType::Group
        } else {
            self.file
                .loc_type_by_name(path)
                .map_err(|_| DataError::NoSuchObject {
                    object: path.to_owned(),
                })?
        };
        let name = path.rsplit('/').next().unwrap_or_default().to_owned();
        if t != LocationType::Group {
            return Ok(Entity {
                name,
                path: path.to_owned(),
                kind: self.kind_of(path, t),
                nx_class: None,
                children: Vec::new(),
            });
        }
        let group = self.file.group(path).map_err(hdf)?;
        let mut links = Vec::new();
        group
            .iter_visit_default(|name, info| {
                links.push((name.to_owned(), info.link_type));
                Ok(())
            })
            .map_err(hdf)?;
        let children = links
            .iter()
            .map(|(name, link)| self.child(&group, path, name, *link))
            .collect();
        Ok(Entity {
            name,
            path: path.to_owned(),
            kind: EntityKind::Group,
            nx_class: None,
            children,
        })
    }
}

/// True if the file has the HDF5 signature at one of the places HDF5 looks.
pub fn has_hdf5_signature(path: &Path) -> Result<bool, DataError> {
    let io = |source| DataError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut buf = [0u8; 8];
    let mut offset = 0u64;
    // HDF5 searches offsets 0, 512, 1024, 2048, … for the superblock.
    loop {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        match file.read_exact(&mut buf) {
            Ok(()) if &buf == SIGNATURE => return Ok(true),
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(io(e)),
        }
        offset = if offset == 0 { 512 } else { offset * 2 };
        if offset > (1 << 30) {
            return Ok(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path) -> PathBuf {
        let path = dir.join("sample.h5");
        let f = hdf5::File::create(&path).expect("create");
        let entry = f.create_group("entry").expect("group");
        entry
            .new_dataset::<f32>()
            .shape([3, 4])
            .create("data")
            .expect("dataset");
        entry.link_soft("/entry/data", "alias").expect("soft");
        entry.link_soft("/nowhere", "dangling").expect("soft");
        f.link_external("missing.h5", "/x", "ext")
            .expect("external");
        path
    }

    #[test]
    fn lists_children_with_kinds_and_broken_links() {
        let tmp = tempfile::tempdir().expect("tmp");
        let src = LocalHdf5::open(&sample(tmp.path())).expect("open");
        let root = src.entity("/").expect("root");
        let names: Vec<_> = root.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["entry", "ext"]);
        assert!(matches!(root.children[1].kind, EntityKind::Broken { .. }));

        let entry = src.entity("/entry").expect("entry");
        let by_name = |n: &str| {
            entry
                .children
                .iter()
                .find(|c| c.name == n)
                .map(|c| c.kind.clone())
                .expect(n)
        };
        assert_eq!(
            by_name("data"),
            EntityKind::Dataset {
                shape: vec![3, 4],
                dtype: "float32".into()
            }
        );
        assert!(matches!(by_name("alias"), EntityKind::SoftLink { .. }));
        assert!(matches!(by_name("dangling"), EntityKind::Broken { .. }));
        assert!(matches!(
            src.entity("/entry/none"),
            Err(DataError::NoSuchObject { .. })
        ));
    }

    #[test]
    fn a_text_file_named_h5_gets_a_plain_error() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("fake.h5");
        std::fs::write(&path, "not really hdf5").expect("write");
        let err = LocalHdf5::open(&path).err().expect("must fail");
        assert!(matches!(err, DataError::NotHdf5 { .. }));
        assert!(err.to_string().contains("is not an HDF5"));
        let missing = LocalHdf5::open(&tmp.path().join("none.h5"))
            .err()
            .expect("fail");
        assert!(matches!(missing, DataError::NotFound { .. }));
    }
}
