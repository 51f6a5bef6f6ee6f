//! Local HDF5/NeXus files through the statically linked HDF5 library.
//!
//! Over 800 lines: one `DataSource` (tree, attributes, values and the
//! parallel chunk fast path) whose parts share private helpers for types
//! and selections; its tests take a third of it.

use std::io::Read;
use std::path::{Path, PathBuf};

use hdf5::types::{FloatSize, IntSize, TypeDescriptor};
use hdf5::{LinkType, LocationType};

use super::{
    Attribute, Capabilities, DType, Data, DataError, DataSource, DatasetInfo, Entity, EntityKind,
    FilterUse, Progress, Selection, Value, hdf5_library, hdf5_raw, join_path,
};

/// The 8-byte signature every HDF5 file carries at offset 0, 512, 1024, …
const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Attribute values larger than this are not read for the inspector.
const MAX_ATTR_ELEMENTS: usize = 4096;
/// Non-numeric datasets (strings, compounds) larger than this must be sliced.
const MAX_TEXT_ELEMENTS: u64 = 1_000_000;

/// A local HDF5 file, opened read-only.
pub struct LocalHdf5 {
    path: PathBuf,
    file: hdf5::File,
    /// Whether numeric reads may take the parallel chunk reader.
    fast_path: bool,
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_owned()
}

fn hdf5_err(object: &str) -> impl Fn(hdf5::Error) -> DataError + '_ {
    move |e| DataError::Hdf5 {
        object: object.to_owned(),
        message: first_line(&e.to_string()),
    }
}

/// Map an HDF5 type to Panorama's type description.
pub fn dtype_of(t: &hdf5::Datatype) -> DType {
    let big_endian = matches!(t.byte_order(), hdf5::datatype::ByteOrder::BigEndian);
    match hdf5_raw::descriptor(t) {
        Ok(d) => from_descriptor(&d, big_endian),
        // Named in words: "16-byte floating-point numbers", "1-byte bit fields"…
        Err(e) => DType::Other {
            description: hdf5_raw::describe_unreadable_type(t.id(), &first_line(&e.to_string())),
        },
    }
}

fn int_bytes(s: IntSize) -> u8 {
    s as u8
}

fn from_descriptor(d: &TypeDescriptor, big_endian: bool) -> DType {
    match d {
        TypeDescriptor::Integer(s) => DType::Int {
            bytes: int_bytes(*s),
            signed: true,
            big_endian,
        },
        TypeDescriptor::Unsigned(s) => DType::Int {
            bytes: int_bytes(*s),
            signed: false,
            big_endian,
        },
        TypeDescriptor::Float(s) => DType::Float {
            bytes: match s {
                FloatSize::U2 => 2,
                FloatSize::U4 => 4,
                FloatSize::U8 => 8,
            },
            big_endian,
        },
        TypeDescriptor::Boolean => DType::Bool,
        TypeDescriptor::Enum(e) => DType::Enum {
            bytes: int_bytes(e.size),
            signed: e.signed,
            #[allow(clippy::cast_possible_wrap)]
            members: e
                .members
                .iter()
                .map(|m| (m.name.clone(), m.value as i64))
                .collect(),
        },
        TypeDescriptor::Compound(c) => {
            let fields: Vec<(String, DType)> = c
                .fields
                .iter()
                .map(|f| (f.name.clone(), from_descriptor(&f.ty, big_endian)))
                .collect();
            // h5py stores complex numbers as a compound {r, i} of two floats.
            if let [
                (r, DType::Float { bytes, .. }),
                (i, DType::Float { bytes: b2, .. }),
            ] = fields.as_slice()
                && r == "r"
                && i == "i"
                && bytes == b2
            {
                return DType::Complex { bytes: bytes * 2 };
            }
            DType::Compound { fields }
        }
        TypeDescriptor::FixedArray(b, n) => DType::Array {
            base: Box::new(from_descriptor(b, big_endian)),
            len: *n,
        },
        TypeDescriptor::FixedAscii(n) => DType::Str {
            fixed: Some(*n),
            utf8: false,
        },
        TypeDescriptor::FixedUnicode(n) => DType::Str {
            fixed: Some(*n),
            utf8: true,
        },
        TypeDescriptor::VarLenArray(b) => DType::VarLen {
            base: Box::new(from_descriptor(b, big_endian)),
        },
        TypeDescriptor::VarLenAscii => DType::Str {
            fixed: None,
            utf8: false,
        },
        TypeDescriptor::VarLenUnicode => DType::Str {
            fixed: None,
            utf8: true,
        },
        TypeDescriptor::Reference(_) => DType::Reference,
    }
}

/// A complex number as h5py stores it (a compound {r, i} of two floats);
/// HDF5 converts float32 parts to these float64 ones as it reads.
#[derive(hdf5::H5Type, Clone, Copy, Default)]
#[repr(C)]
struct ComplexPair {
    r: f64,
    i: f64,
}

/// Read a container (dataset or attribute) whole, typed when numeric.
fn read_container(
    c: &hdf5::Container,
    is_attr: bool,
    dtype: &DType,
    shape: Vec<usize>,
) -> Result<Value, String> {
    let e = |e: hdf5::Error| first_line(&e.to_string());
    let n = super::checked_product(shape.iter().copied())
        .ok_or_else(|| "the shape is too large".to_owned())?;
    // Numbers into zeroed buffers of their native type (HDF5 converts).
    macro_rules! num {
        ($t:ty) => {
            hdf5_raw::read_native::<$t>(c.id(), is_attr, None, n)?
        };
    }
    let data = match dtype {
        DType::Int { bytes, signed, .. } => match (bytes, signed) {
            (1, true) => Data::I8(num!(i8)),
            (2, true) => Data::I16(num!(i16)),
            (4, true) => Data::I32(num!(i32)),
            (8, true) => Data::I64(num!(i64)),
            (1, false) => Data::U8(num!(u8)),
            (2, false) => Data::U16(num!(u16)),
            (4, false) => Data::U32(num!(u32)),
            (8, false) => Data::U64(num!(u64)),
            _ => return Err(format!("{bytes}-byte integers are not supported")),
        },
        DType::Float { bytes: 8, .. } => Data::F64(num!(f64)),
        DType::Float { .. } => Data::F32(num!(f32)),
        DType::Bool => Data::Bool(num!(bool)),
        DType::Complex { .. } => {
            Data::Complex(num!(ComplexPair).into_iter().map(|z| (z.r, z.i)).collect())
        }
        DType::Other { description } => return Err(format!("cannot read {description}")),
        other => {
            let desc = c
                .dtype()
                .and_then(|t| hdf5_raw::descriptor(&t))
                .map_err(e)?;
            let count = super::checked_product(shape.iter().copied())
                .ok_or_else(|| "the shape is too large".to_owned())?
                .max(1);
            if matches!(other, DType::Reference) {
                // Object references read as the paths they point to.
                let paths = hdf5_raw::read_reference_paths(c.id(), is_attr, &desc, count)?;
                return Value::new(shape, Data::Str(paths)).map_err(|e| e.to_string());
            }
            if !is_attr && let DType::Compound { fields } = other {
                // A table: one column per field (the last axis).
                let text = hdf5_raw::read_fields_as_text(c.id(), &desc, count)?;
                let mut shape = shape;
                shape.push(fields.len());
                return Value::new(shape, Data::Text(text)).map_err(|e| e.to_string());
            }
            let text = hdf5_raw::read_as_text(c.id(), is_attr, &desc, count)?;
            if matches!(other, DType::Str { .. }) {
                Data::Str(text)
            } else {
                Data::Text(text)
            }
        }
    };
    Value::new(shape, data).map_err(|e| e.to_string())
}

fn read_attribute(loc: &hdf5::Location, name: &str) -> Attribute {
    let attr = match loc.attr(name) {
        Ok(a) => a,
        Err(e) => {
            return Attribute {
                name: name.to_owned(),
                dtype: DType::Other {
                    description: "unreadable".into(),
                },
                shape: Vec::new(),
                value: Err(first_line(&e.to_string())),
            };
        }
    };
    let dtype = attr.dtype().map_or_else(
        |e| DType::Other {
            description: first_line(&e.to_string()),
        },
        |t| dtype_of(&t),
    );
    let shape = attr.shape();
    let count = super::checked_product(shape.iter().copied()).unwrap_or(usize::MAX);
    let value = if attr.space().is_ok_and(|s| s.is_null()) {
        Err("empty (null dataspace)".to_owned())
    } else if count > MAX_ATTR_ELEMENTS {
        Err(format!("{count} values, not shown"))
    } else {
        read_container(&attr, true, &dtype, shape.clone())
    };
    Attribute {
        name: name.to_owned(),
        dtype,
        shape: shape.iter().map(|&d| d as u64).collect(),
        value,
    }
}

fn attributes(loc: &hdf5::Location) -> Vec<Attribute> {
    loc.attr_names()
        .unwrap_or_default()
        .iter()
        .map(|n| read_attribute(loc, n))
        .collect()
}

fn nx_class(loc: &hdf5::Location) -> Option<String> {
    use hdf5::types::{VarLenAscii, VarLenUnicode};
    let attr = loc.attr("NX_class").ok()?;
    // The common encodings first (fast typed reads), then any string type.
    if let Ok(s) = attr.read_scalar::<VarLenUnicode>() {
        return Some(s.as_str().to_owned());
    }
    if let Ok(s) = attr.read_scalar::<VarLenAscii>() {
        return Some(s.as_str().to_owned());
    }
    read_attribute(loc, "NX_class").text()
}

fn filter_uses(filters: &[hdf5::filters::Filter]) -> Vec<FilterUse> {
    filters
        .iter()
        .map(|f| {
            let id = f.id();
            let name = hdf5_library::KNOWN_FILTERS
                .iter()
                .find(|k| k.0 == id)
                .map_or_else(|| format!("filter {id}"), |k| k.1.to_owned());
            FilterUse {
                id,
                name,
                available: hdf5::filters::Filter::get_info(id).decode_enabled,
            }
        })
        .collect()
}

fn dataset_info(ds: &hdf5::Dataset, full: bool) -> DatasetInfo {
    let datatype = ds.dtype();
    let dtype = datatype.as_ref().map_or_else(
        |e| DType::Other {
            description: first_line(&e.to_string()),
        },
        dtype_of,
    );
    let shape = ds.shape().iter().map(|&d| d as u64).collect();
    // Tree listings need only type and shape; the inspector gets the rest,
    // all from one copy of the creation properties.
    let dcpl = if full { ds.dcpl().ok() } else { None };
    let Some(dcpl) = dcpl else {
        return DatasetInfo {
            shape,
            dtype,
            chunks: None,
            filters: Vec::new(),
            storage_size: full.then(|| ds.storage_size()),
            fill_value: None,
        };
    };
    // The bindings' fill-value reader mis-handles strings inside compounds:
    // only numeric fill values are read.
    let fill_value = match &datatype {
        Ok(t) if dtype.is_numeric() => t
            .to_descriptor()
            .ok()
            .and_then(|d| dcpl.get_fill_value(&d).ok().flatten())
            .map(|v| v.to_string()),
        _ => None,
    };
    DatasetInfo {
        chunks: dcpl.chunk().map(|c| c.iter().map(|&d| d as u64).collect()),
        filters: filter_uses(&dcpl.filters()),
        storage_size: Some(ds.storage_size()),
        fill_value,
        shape,
        dtype,
    }
}

/// Open a file for reading with evict-on-close: an object's metadata leaves
/// HDF5's cache when the object is closed, which makes walking files with
/// many objects much faster (less cache bookkeeping). HDF5 refuses a second
/// handle with another setting, so a file this process already has open
/// otherwise is opened plainly.
fn open_read_only(path: &Path) -> hdf5::Result<hdf5::File> {
    hdf5::File::with_options()
        .with_fapl(|p| p.evict_on_close(true))
        .open(path)
        .or_else(|_| hdf5::File::open(path))
}

/// HDF5 and NeXus files among the formats Panorama opens (the last one
/// tried: its own check finds a signature past a user block too).
pub const FORMAT: super::FileFormat = super::FileFormat {
    name: "HDF5 / NeXus",
    extensions: &[
        "h5", "hdf5", "hdf", "he5", "nxs", "nx5", "nxspe", "cxi", "nc", "nc4",
    ],
    sniff: |head| head.starts_with(b"\x89HDF\r\n\x1a\n"),
    open: |path| Ok(Box::new(LocalHdf5::open(path)?)),
};

impl LocalHdf5 {
    /// Open a file read-only, after checking it really is HDF5 so a wrong file
    /// gets a plain message instead of an HDF5 error stack.
    pub fn open(path: &Path) -> Result<Self, DataError> {
        hdf5_library::register_filters();
        let shown = path.display().to_string();
        if !path.exists() {
            return Err(DataError::NotFound { path: shown });
        }
        if !has_hdf5_signature(path)? {
            return Err(DataError::NotHdf5 { path: shown });
        }
        let file = open_read_only(path).map_err(hdf5_err(&shown))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            fast_path: true,
        })
    }

    /// Read every value through the HDF5 library's own reader (never the
    /// parallel chunk reader): the reference path, and a way out should the
    /// fast path ever disagree with it.
    #[must_use]
    pub fn library_only(mut self) -> Self {
        self.fast_path = false;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file whose bytes hold `ds`'s chunks, when the fast path may read
    /// them itself: the dataset's own file (an external link leads to
    /// another one), opened with the default POSIX driver and without a
    /// user block (chunk addresses are then plain file offsets).
    fn chunk_file(&self, ds: &hdf5::Dataset) -> Option<(std::fs::File, PathBuf)> {
        if !self.fast_path {
            return None;
        }
        let file = ds.file().ok()?;
        if file.fcpl().ok()?.userblock() != 0
            || !matches!(file.fapl().ok()?.driver(), hdf5::file::FileDriver::Sec2)
        {
            return None;
        }
        // HDF5's own open file, not the name reopened.
        let handle = hdf5_raw::file_handle(&file)?;
        Some((handle, PathBuf::from(file.filename())))
    }

    /// A child of a group as listed in the tree: kind, NeXus class, no attributes.
    #[allow(clippy::unused_self)] // one of the file's readers, beside the others
    fn child(&self, group: &hdf5::Group, parent: &str, name: &str, link: LinkType) -> Entity {
        let path = join_path(parent, name);
        let resolved = || group.loc_type_by_name(name);
        let mut nx = None;
        let kind = match link {
            LinkType::Soft => {
                let target = hdf5_raw::soft_link_target(group.id(), name).unwrap_or_default();
                match resolved() {
                    Ok(_) => EntityKind::SoftLink { target },
                    Err(_) => EntityKind::Broken {
                        reason: format!("soft link to {target}, which does not exist"),
                    },
                }
            }
            LinkType::External => {
                let (file, target) =
                    hdf5_raw::external_link_target(group.id(), name).unwrap_or_default();
                match resolved() {
                    Ok(_) => EntityKind::ExternalLink { file, target },
                    Err(_) => EntityKind::Broken {
                        reason: format!("external link to {file}:{target}, which cannot be opened"),
                    },
                }
            }
            // Open directly (datasets are the most common member): one object
            // header read per member instead of two.
            LinkType::Hard => {
                if let Ok(ds) = group.dataset(name) {
                    EntityKind::Dataset(dataset_info(&ds, false))
                } else if let Ok(g) = group.group(name) {
                    nx = nx_class(&g);
                    EntityKind::Group
                } else {
                    match group.loc_type_by_name(name) {
                        Ok(_) => EntityKind::Datatype,
                        Err(e) => EntityKind::Broken {
                            reason: first_line(&e.to_string()),
                        },
                    }
                }
            }
        };
        let nx_class = nx;
        Entity {
            name: name.to_owned(),
            path,
            kind,
            nx_class,
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    fn children(&self, group: &hdf5::Group, path: &str) -> Result<Vec<Entity>, DataError> {
        Ok(links(group, path)?
            .iter()
            .map(|(name, link)| self.child(group, path, name, *link))
            .collect())
    }
}

/// The members of a group by name, with their link types, in HDF5's order.
fn links(group: &hdf5::Group, path: &str) -> Result<Vec<(String, LinkType)>, DataError> {
    let mut links = Vec::new();
    group
        .iter_visit_default(|name, info| {
            links.push((name.to_owned(), info.link_type));
            Ok(())
        })
        .map_err(hdf5_err(path))?;
    Ok(links)
}

/// A walk in progress over a local file: what it reports to, and the groups
/// it has seen (by file and object token), so hard-link cycles end.
struct Walk<'a> {
    visit: &'a mut dyn FnMut(&Entity, usize),
    progress: &'a dyn Progress,
    ids: std::collections::HashSet<(u64, String)>,
    visits: usize,
}

impl Walk<'_> {
    /// Count one more object (see [`super::walk_step`]).
    fn step(&mut self, path: &str) -> Result<(), DataError> {
        super::walk_step(&mut self.visits, path, self.progress)
    }
}

impl LocalHdf5 {
    /// The walk of [`super::walk`] over an open group, each member opened
    /// once (the generic walk opens each object for its parent's listing,
    /// finds its type by name and opens it again for its own entity).
    fn walk_group(
        &self,
        group: &hdf5::Group,
        path: &str,
        depth: usize,
        walk: &mut Walk<'_>,
    ) -> Result<(), DataError> {
        walk.step(path)?;
        let links = links(group, path)?;
        let mut entity = Entity {
            name: path.rsplit('/').next().unwrap_or_default().to_owned(),
            path: path.to_owned(),
            kind: EntityKind::Group,
            nx_class: None,
            attributes: attributes(group),
            children: Vec::new(),
        };
        // The class from the attributes just read, not read a second time.
        entity.nx_class = entity.attr_text("NX_class");
        (walk.visit)(&entity, depth);
        if let Ok(info) = group.loc_info()
            && !walk.ids.insert((info.fileno, format!("{:?}", info.token)))
        {
            return Ok(());
        }
        if depth >= super::MAX_WALK_DEPTH {
            return Ok(());
        }
        for (name, link) in links {
            let child_path = join_path(path, &name);
            let member = match link {
                LinkType::Hard => hdf5_raw::open_member(group.id(), &name),
                _ => None,
            };
            match member {
                Some(hdf5_raw::Member::Dataset(ds)) => {
                    walk.step(&child_path)?;
                    let e = Entity {
                        name,
                        path: child_path,
                        kind: EntityKind::Dataset(dataset_info(&ds, true)),
                        nx_class: None,
                        attributes: attributes(&ds),
                        children: Vec::new(),
                    };
                    (walk.visit)(&e, depth + 1);
                }
                Some(hdf5_raw::Member::Group(g)) => {
                    // A group that fails to list is shown as broken; the walk goes on.
                    if let Err(err) = self.walk_group(&g, &child_path, depth + 1, walk) {
                        if matches!(err, DataError::Cancelled) {
                            return Err(err);
                        }
                        let broken = Entity {
                            name,
                            path: child_path,
                            kind: EntityKind::Broken {
                                reason: err.to_string(),
                            },
                            nx_class: nx_class(&g),
                            attributes: Vec::new(),
                            children: Vec::new(),
                        };
                        (walk.visit)(&broken, depth + 1);
                    }
                }
                // Links, named datatypes and members that do not open are
                // listed as the tree lists them.
                Some(hdf5_raw::Member::Other) | None => {
                    (walk.visit)(&self.child(group, path, &name, link), depth + 1);
                }
            }
        }
        Ok(())
    }

    /// The parallel chunk reader, when the dataset qualifies: chunked,
    /// little-endian numbers, filters among deflate/shuffle/bitshuffle+LZ4.
    fn read_chunks_parallel(
        &self,
        ds: &hdf5::Dataset,
        info: &DatasetInfo,
        path: &str,
        (rows, keep): (std::ops::Range<usize>, bool),
        progress: &dyn Progress,
    ) -> Option<Result<Value, DataError>> {
        let elem = match &info.dtype {
            DType::Int {
                bytes,
                big_endian: false,
                ..
            }
            | DType::Float {
                bytes: bytes @ (4 | 8),
                big_endian: false,
            } => usize::from(*bytes),
            _ => return None,
        };
        // The file type must be exactly the native one the bytes are copied
        // as (a 12-bit integer in 2 bytes, a shifted bit offset or another
        // float layout needs HDF5's conversion).
        let native = match &info.dtype {
            DType::Int { bytes, signed, .. } => match (bytes, signed) {
                (1, true) => hdf5::Datatype::from_type::<i8>(),
                (2, true) => hdf5::Datatype::from_type::<i16>(),
                (4, true) => hdf5::Datatype::from_type::<i32>(),
                (8, true) => hdf5::Datatype::from_type::<i64>(),
                (1, false) => hdf5::Datatype::from_type::<u8>(),
                (2, false) => hdf5::Datatype::from_type::<u16>(),
                (4, false) => hdf5::Datatype::from_type::<u32>(),
                _ => hdf5::Datatype::from_type::<u64>(),
            },
            DType::Float { bytes: 4, .. } => hdf5::Datatype::from_type::<f32>(),
            _ => hdf5::Datatype::from_type::<f64>(),
        };
        if ds.dtype().ok()? != native.ok()? {
            return None;
        }
        let chunk = ds.chunk()?;
        let steps = super::chunks::pipeline(&ds.filters())?;
        let file = self.chunk_file(ds)?;
        let shape: Vec<usize> = ds.shape();
        if chunk.len() != shape.len() || shape.is_empty() {
            return None;
        }
        if cfg!(target_endian = "big") {
            return None;
        }
        // A part of the first axis (`keep`: whether that axis stays in the result).
        if rows != (0..shape[0]) && chunk[1..] != shape[1..] {
            return None;
        }
        progress.report(0.0, "decoding chunks");
        let cancelled = || progress.cancelled();
        let n = super::checked_product(shape[1..].iter().copied())
            .and_then(|per_row| per_row.checked_mul(rows.len()))?;
        // Unallocated chunks read as the dataset's fill value.
        let fill = hdf5_raw::fill_value(ds.id(), elem);
        // Decode straight into the typed result (little-endian host).
        macro_rules! typed {
            ($t:ty, $variant:ident) => {{
                let mut v: Vec<$t> = vec![<$t>::default(); n];
                super::chunks::read_all_into(
                    (&file.0, &file.1),
                    ds,
                    &steps,
                    &shape,
                    &chunk,
                    rows.clone(),
                    (elem, fill.as_deref()),
                    path,
                    &cancelled,
                    bytemuck::cast_slice_mut(&mut v),
                )
                .map(|()| Data::$variant(v))
            }};
        }
        let data = match &info.dtype {
            DType::Int { bytes, signed, .. } => match (bytes, signed) {
                (1, true) => typed!(i8, I8),
                (2, true) => typed!(i16, I16),
                (4, true) => typed!(i32, I32),
                (8, true) => typed!(i64, I64),
                (1, false) => typed!(u8, U8),
                (2, false) => typed!(u16, U16),
                (4, false) => typed!(u32, U32),
                _ => typed!(u64, U64),
            },
            DType::Float { bytes: 4, .. } => typed!(f32, F32),
            _ => typed!(f64, F64),
        };
        progress.report(1.0, "done");
        let mut out_shape = shape;
        if keep {
            out_shape[0] = rows.len();
        } else {
            out_shape.remove(0);
        }
        Some(data.and_then(|d| Value::new(out_shape, d)))
    }
}

/// A bit-field dataset (or a selection of it) as unsigned integers.
fn read_bitfield(
    ds: &hdf5::Dataset,
    path: &str,
    info: &DatasetInfo,
    selection: &Selection,
    size: usize,
) -> Result<super::Typed, DataError> {
    let resolved = selection.resolve(&info.shape)?;
    let count = resolved.count();
    if count > super::MAX_READ_BYTES / size as u64 {
        return Err(DataError::TooLarge {
            object: path.to_owned(),
            elements: count,
            limit: super::MAX_READ_BYTES / size as u64,
        });
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let slab = resolved.slab();
    let slab = (!slab.is_empty()).then_some(slab.as_slice());
    let bytes =
        hdf5_raw::read_bitfield(ds.id(), size, slab, count).map_err(|message| DataError::Hdf5 {
            object: path.to_owned(),
            message,
        })?;
    super::Typed::new(
        resolved.shape(),
        super::Elem::Int {
            bytes: size,
            signed: false,
        },
        bytes,
    )
}

/// Why a dataset's type has no value form, in words.
fn type_refusal(ds: &hdf5::Dataset, detail: &str) -> String {
    match ds.dtype() {
        Ok(t) => hdf5_raw::describe_unreadable_type(t.id(), &first_line(detail)),
        Err(_) => format!("a type HDF5 cannot describe ({})", first_line(detail)),
    }
}

impl LocalHdf5 {
    /// The dataset at `path` with its full info, refused plainly when it is
    /// no dataset or needs a filter this build lacks.
    fn readable_dataset(&self, path: &str) -> Result<(hdf5::Dataset, DatasetInfo), DataError> {
        let ds = match self.file.loc_type_by_name(path) {
            Ok(LocationType::Dataset) => self.file.dataset(path).map_err(hdf5_err(path))?,
            Ok(t) => {
                return Err(DataError::NotADataset {
                    object: path.to_owned(),
                    kind: format!("{t:?}").to_lowercase(),
                });
            }
            Err(_) => {
                return Err(DataError::NoSuchObject {
                    object: path.to_owned(),
                });
            }
        };
        let info = dataset_info(&ds, true);
        if let Some(f) = info.missing_filter() {
            return Err(DataError::MissingFilter {
                object: path.to_owned(),
                filter_id: f.id,
                name: f.name.clone(),
            });
        }
        Ok((ds, info))
    }
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

    fn children(&self, path: &str) -> Result<Vec<Entity>, DataError> {
        let group = self.file.group(path).map_err(hdf5_err(path))?;
        LocalHdf5::children(self, &group, path)
    }

    fn object_id(&self, path: &str) -> Option<String> {
        // Only groups can close a cycle.
        let info = self.file.group(path).ok()?.loc_info().ok()?;
        Some(format!("{}:{:?}", info.fileno, info.token))
    }

    fn walk_tree(
        &self,
        path: &str,
        visit: &mut dyn FnMut(&Entity, usize),
        progress: &dyn Progress,
    ) -> Option<Result<(), DataError>> {
        let path = if path.is_empty() { "/" } else { path };
        // Only a group is walked here; anything else is one entity.
        let group = self.file.group(path).ok()?;
        let mut walk = Walk {
            visit,
            progress,
            ids: std::collections::HashSet::new(),
            visits: 0,
        };
        Some(self.walk_group(&group, path, 0, &mut walk))
    }

    fn entity(&self, path: &str) -> Result<Entity, DataError> {
        let path = if path.is_empty() { "/" } else { path };
        let name = path.rsplit('/').next().unwrap_or_default().to_owned();
        let t = if path == "/" {
            LocationType::Group
        } else {
            match self.file.loc_type_by_name(path) {
                Ok(t) => t,
                Err(e) => {
                    // A link that exists but leads nowhere is shown as broken, not missing.
                    let (parent, leaf) = path.rsplit_once('/').unwrap_or(("/", path));
                    let parent = if parent.is_empty() { "/" } else { parent };
                    let exists = self.file.group(parent).is_ok_and(|g| g.link_exists(leaf));
                    if exists {
                        return Ok(Entity {
                            name,
                            path: path.to_owned(),
                            kind: EntityKind::Broken {
                                reason: first_line(&e.to_string()),
                            },
                            nx_class: None,
                            attributes: Vec::new(),
                            children: Vec::new(),
                        });
                    }
                    return Err(DataError::NoSuchObject {
                        object: path.to_owned(),
                    });
                }
            }
        };
        match t {
            LocationType::Group => {
                let group = self.file.group(path).map_err(hdf5_err(path))?;
                Ok(Entity {
                    name,
                    path: path.to_owned(),
                    kind: EntityKind::Group,
                    nx_class: nx_class(&group),
                    attributes: attributes(&group),
                    children: self.children(&group, path)?,
                })
            }
            LocationType::Dataset => {
                let ds = self.file.dataset(path).map_err(hdf5_err(path))?;
                Ok(Entity {
                    name,
                    path: path.to_owned(),
                    kind: EntityKind::Dataset(dataset_info(&ds, true)),
                    nx_class: None,
                    attributes: attributes(&ds),
                    children: Vec::new(),
                })
            }
            _ => Ok(Entity {
                name,
                path: path.to_owned(),
                kind: EntityKind::Datatype,
                nx_class: None,
                attributes: Vec::new(),
                children: Vec::new(),
            }),
        }
    }

    fn typed(
        &self,
        path: &str,
        selection: &Selection,
        progress: &dyn Progress,
    ) -> Result<super::Typed, DataError> {
        let (ds, info) = self.readable_dataset(path)?;
        if info.dtype.is_numeric() {
            let v = read_value(self, &ds, &info, path, selection, progress)?;
            return super::Typed::from_value(&v, &info.dtype);
        }
        if let Some(size) = hdf5_raw::bitfield_size(ds.id()) {
            return read_bitfield(&ds, path, &info, selection, size);
        }
        let unsupported = |what: String| DataError::Unsupported {
            object: path.to_owned(),
            what,
        };
        let desc = ds
            .dtype()
            .and_then(|t| hdf5_raw::descriptor(&t))
            .map_err(|e| unsupported(type_refusal(&ds, &e.to_string())))?;
        if hdf5_raw::contains_reference(&desc) {
            return Err(DataError::NotExportable {
                object: path.to_owned(),
                what: "object references".into(),
            });
        }
        if ds.space().is_ok_and(|s| s.is_null()) {
            return super::Typed::new(vec![0], super::Elem::Bool, Vec::new());
        }
        let resolved = selection.resolve(&info.shape)?;
        let count = resolved.count();
        let limit = super::MAX_READ_BYTES / desc.size().max(1) as u64;
        if count > limit {
            return Err(DataError::TooLarge {
                object: path.to_owned(),
                elements: count,
                limit,
            });
        }
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let slab = resolved.slab();
        progress.report(0.0, "reading");
        let slab = (!slab.is_empty()).then_some(slab.as_slice());
        let raw = hdf5_raw::read_raw(ds.id(), false, &desc, slab, count).map_err(|message| {
            DataError::Hdf5 {
                object: path.to_owned(),
                message,
            }
        })?;
        let typed = hdf5_raw::to_typed(&raw, resolved.shape()).map_err(|what| {
            DataError::NotExportable {
                object: path.to_owned(),
                what,
            }
        })?;
        progress.report(1.0, "done");
        Ok(typed)
    }

    fn value(
        &self,
        path: &str,
        selection: &Selection,
        progress: &dyn Progress,
    ) -> Result<Value, DataError> {
        let (ds, info) = self.readable_dataset(path)?;
        read_value(self, &ds, &info, path, selection, progress)
    }
}

/// The values of an opened dataset (`info` its full info) for a selection:
/// the parallel chunk reader where it may be used, HDF5's reader otherwise.
fn read_value(
    src: &LocalHdf5,
    ds: &hdf5::Dataset,
    info: &DatasetInfo,
    path: &str,
    selection: &Selection,
    progress: &dyn Progress,
) -> Result<Value, DataError> {
    if let Some(size) = hdf5_raw::bitfield_size(ds.id()) {
        let t = read_bitfield(ds, path, info, selection, size)?;
        // Little-endian unsigned integers, as h5grove's binary answers.
        let as_uint = DType::Int {
            bytes: u8::try_from(size).unwrap_or(8),
            signed: false,
            big_endian: false,
        };
        return super::h5grove::decode_bin(&t.bytes, &as_uint, t.shape, path);
    }
    if let DType::Other { .. } = info.dtype {
        let why = ds.dtype().and_then(|t| t.to_descriptor()).err();
        return Err(DataError::Unsupported {
            object: path.to_owned(),
            what: type_refusal(ds, &why.map(|e| e.to_string()).unwrap_or_default()),
        });
    }
    if ds.space().is_ok_and(|s| s.is_null()) {
        return Value::new(vec![0], Data::F64(Vec::new()));
    }
    let resolved = selection.resolve(&info.shape)?;
    let count = resolved.count();
    let out_shape = resolved.shape();
    if count > super::max_read_elements(&info.dtype) {
        return Err(DataError::TooLarge {
            object: path.to_owned(),
            elements: count,
            limit: super::max_read_elements(&info.dtype),
        });
    }
    if !info.dtype.is_plottable() {
        if !selection.is_all() || count > MAX_TEXT_ELEMENTS {
            return Err(DataError::TooLarge {
                object: path.to_owned(),
                elements: count,
                limit: MAX_TEXT_ELEMENTS,
            });
        }
        return read_container(ds, false, &info.dtype, out_shape).map_err(|message| {
            DataError::Hdf5 {
                object: path.to_owned(),
                message,
            }
        });
    }
    if count > 0
        && info.dtype.is_numeric()
        && let Some(rows) = leading_rows(selection, &resolved)
        && let Some(v) = src.read_chunks_parallel(ds, info, path, rows, progress)
    {
        return v;
    }
    if info.shape.is_empty() || selection.is_all() && count <= 1 << 20 {
        progress.report(0.0, "reading");
        let v = read_container(ds, false, &info.dtype, out_shape).map_err(|message| {
            DataError::Hdf5 {
                object: path.to_owned(),
                message,
            }
        })?;
        progress.report(1.0, "done");
        return Ok(v);
    }
    read_numeric_slabs(ds, path, &info.dtype, &resolved, progress)
}

/// The part of the first axis a selection reads when it takes all of every
/// other axis (a whole read, or a run of frames), and whether that axis stays
/// in the result: the reads that decode chunks in parallel.
fn leading_rows(
    selection: &Selection,
    resolved: &super::selection::Resolved,
) -> Option<(std::ops::Range<usize>, bool)> {
    let first = resolved.axes.first()?;
    if selection.0.len() > 1 || first.2 != 1 {
        return None;
    }
    let start = usize::try_from(first.0).ok()?;
    let end = start.checked_add(usize::try_from(first.1).ok()?)?;
    Some((start..end, first.3))
}

/// Read a numeric selection in slabs along the first kept axis, reporting
/// progress and stopping early when cancelled.
fn read_numeric_slabs(
    ds: &hdf5::Dataset,
    path: &str,
    dtype: &DType,
    resolved: &super::selection::Resolved,
    progress: &dyn Progress,
) -> Result<Value, DataError> {
    let axes = &resolved.axes;
    let slab_axis = axes.iter().position(|a| a.3 && a.1 > 1);
    let (n_slabs, per) = match slab_axis {
        Some(i) if resolved.count() > 4 << 20 => {
            let len = axes[i].1;
            let n = len.min(32);
            (n, len.div_ceil(n))
        }
        _ => (1, 0),
    };
    macro_rules! read_vec {
        ($t:ty) => {{
            let mut out: Vec<$t> =
                Vec::with_capacity(usize::try_from(resolved.count()).unwrap_or(0));
            for k in 0..n_slabs {
                if progress.cancelled() {
                    return Err(DataError::Cancelled);
                }
                // This slab: (start, count, step) per axis (an index is a count of 1).
                let sel: Vec<(u64, u64, u64)> = axes
                    .iter()
                    .enumerate()
                    .map(|(i, &(start, count, step, _))| {
                        if Some(i) == slab_axis && n_slabs > 1 {
                            let s = k * per;
                            (start + s * step, per.min(count.saturating_sub(s)), step)
                        } else {
                            (start, count, step)
                        }
                    })
                    .collect();
                let n = usize::try_from(super::saturating_product(sel.iter().map(|a| a.1)))
                    .unwrap_or(usize::MAX);
                let part = hdf5_raw::read_native::<$t>(ds.id(), false, Some(&sel), n).map_err(
                    |message| DataError::Hdf5 {
                        object: path.to_owned(),
                        message,
                    },
                )?;
                out.extend(part);
                progress.report((k + 1) as f32 / n_slabs as f32, "reading");
            }
            out
        }};
    }
    macro_rules! read_typed {
        ($t:ty, $variant:ident) => {
            Data::$variant(read_vec!($t))
        };
    }
    let data = match dtype {
        DType::Int { bytes, signed, .. } => match (bytes, signed) {
            (1, true) => read_typed!(i8, I8),
            (2, true) => read_typed!(i16, I16),
            (4, true) => read_typed!(i32, I32),
            (8, true) => read_typed!(i64, I64),
            (1, false) => read_typed!(u8, U8),
            (2, false) => read_typed!(u16, U16),
            (4, false) => read_typed!(u32, U32),
            _ => read_typed!(u64, U64),
        },
        DType::Float { bytes: 8, .. } => read_typed!(f64, F64),
        DType::Float { .. } => read_typed!(f32, F32),
        DType::Complex { .. } => Data::Complex(
            read_vec!(ComplexPair)
                .into_iter()
                .map(|z| (z.r, z.i))
                .collect(),
        ),
        _ => read_typed!(bool, Bool),
    };
    Value::new(resolved.shape(), data)
}

/// True if the file has the HDF5 signature at one of the places HDF5 looks.
pub fn has_hdf5_signature(path: &Path) -> Result<bool, DataError> {
    use std::io::{Seek, SeekFrom};
    let io = |source| DataError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut buf = [0u8; 8];
    let mut offset = 0u64;
    // HDF5 searches offsets 0, 512, 1024, 2048, … for the superblock.
    loop {
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
    use crate::data::NoProgress;

    fn sample(dir: &Path) -> PathBuf {
        let path = dir.join("sample.h5");
        let f = hdf5::File::create(&path).expect("create");
        let entry = f.create_group("entry").expect("group");
        entry
            .new_attr::<hdf5::types::VarLenUnicode>()
            .create("NX_class")
            .expect("attr")
            .write_scalar(
                &"NXentry"
                    .parse::<hdf5::types::VarLenUnicode>()
                    .expect("str"),
            )
            .expect("write");
        let data: Vec<f32> = (0..12).map(|i| i as f32).collect();
        entry
            .new_dataset_builder()
            .with_data(&ndarray::Array2::from_shape_vec((3, 4), data).expect("shape"))
            .create("data")
            .expect("dataset");
        entry.link_soft("/entry/data", "alias").expect("soft");
        entry.link_soft("/nowhere", "dangling").expect("soft");
        f.link_external("missing.h5", "/x", "ext")
            .expect("external");
        path
    }

    #[test]
    fn lists_children_with_kinds_classes_and_broken_links() {
        let tmp = tempfile::tempdir().expect("tmp");
        let src = LocalHdf5::open(&sample(tmp.path())).expect("open");
        let root = src.entity("/").expect("root");
        let names: Vec<_> = root.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["entry", "ext"]);
        assert_eq!(root.children[0].nx_class.as_deref(), Some("NXentry"));
        assert!(
            matches!(&root.children[1].kind, EntityKind::Broken { reason } if reason.contains("missing.h5:/x")),
            "{:?}",
            root.children[1].kind
        );

        let entry = src.entity("/entry").expect("entry");
        assert_eq!(entry.attr_text("NX_class").as_deref(), Some("NXentry"));
        let by_name = |n: &str| {
            entry
                .children
                .iter()
                .find(|c| c.name == n)
                .map(|c| c.kind.clone())
                .expect(n)
        };
        assert_eq!(by_name("data").to_string(), "float32 [3 × 4]");
        assert_eq!(
            by_name("alias"),
            EntityKind::SoftLink {
                target: "/entry/data".into()
            }
        );
        assert!(
            matches!(by_name("dangling"), EntityKind::Broken { reason } if reason.contains("/nowhere"))
        );
        assert!(matches!(
            src.entity("/entry/none"),
            Err(DataError::NoSuchObject { .. })
        ));
        // Following a soft link gives the target dataset under the link's name.
        let alias = src.entity("/entry/alias").expect("alias");
        assert!(alias.dataset().is_some());
        assert!(matches!(
            src.entity("/entry/dangling").expect("shown").kind,
            EntityKind::Broken { .. }
        ));
    }

    #[test]
    fn frames_of_a_chunked_stack_are_decoded_in_parallel_like_a_plain_read() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("stack.h5");
        {
            let f = hdf5::File::create(&path).expect("create");
            let data: Vec<u16> = (0..60).collect();
            let arr = ndarray::Array3::from_shape_vec((5, 3, 4), data).expect("shape");
            // One frame per chunk, and two frames per chunk (cut at the end).
            for (name, chunk) in [("one", [1, 3, 4]), ("two", [2, 3, 4])] {
                f.new_dataset_builder()
                    .with_data(&arr)
                    .chunk(chunk)
                    .deflate(3)
                    .create(name)
                    .expect("dataset");
            }
        }
        let src = LocalHdf5::open(&path).expect("open");
        for name in ["/one", "/two"] {
            for (sel, shape, first) in [
                ("1:4", vec![3, 3, 4], 12u16),
                ("4:5", vec![1, 3, 4], 48),
                ("3", vec![3, 4], 36),
                ("0:5", vec![5, 3, 4], 0),
            ] {
                let v = src
                    .value(name, &Selection::parse(sel).expect("sel"), &NoProgress)
                    .expect("frames");
                assert_eq!(v.shape, shape, "{name}[{sel}]");
                let n: usize = shape.iter().product();
                let want: Vec<u16> = (first..first + u16::try_from(n).expect("small")).collect();
                assert_eq!(v.data, Data::U16(want), "{name}[{sel}]");
            }
        }
    }

    #[test]
    fn reads_values_with_selections() {
        let tmp = tempfile::tempdir().expect("tmp");
        let src = LocalHdf5::open(&sample(tmp.path())).expect("open");
        let all = src
            .value("/entry/data", &Selection::all(), &NoProgress)
            .expect("all");
        assert_eq!(all.shape, vec![3, 4]);
        assert_eq!(all.data, Data::F32((0..12).map(|i| i as f32).collect()));
        let row = src
            .value(
                "/entry/data",
                &Selection::parse("1,1:3").expect("sel"),
                &NoProgress,
            )
            .expect("row");
        assert_eq!(row.shape, vec![2]);
        assert_eq!(row.data, Data::F32(vec![5.0, 6.0]));
        let strided = src
            .value(
                "/entry/data",
                &Selection::parse("::2,3").expect("sel"),
                &NoProgress,
            )
            .expect("strided");
        assert_eq!(strided.data, Data::F32(vec![3.0, 11.0]));
        assert!(matches!(
            src.value("/entry", &Selection::all(), &NoProgress),
            Err(DataError::NotADataset { .. })
        ));
        assert!(matches!(
            src.value(
                "/entry/data",
                &Selection::parse("5").expect("sel"),
                &NoProgress
            ),
            Err(DataError::BadSelection { .. })
        ));
    }

    #[test]
    fn parallel_chunk_decoding_matches_hdf5_including_edge_chunks() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("chunks.h5");
        let data: Vec<f32> = (0..35).map(|i| i as f32 * 1.5).collect();
        {
            let f = hdf5::File::create(&path).expect("create");
            f.new_dataset_builder()
                .with_data(&ndarray::Array2::from_shape_vec((5, 7), data.clone()).expect("shape"))
                .chunk([2, 3])
                .shuffle()
                .deflate(4)
                .create("z")
                .expect("dataset");
        }
        let src = LocalHdf5::open(&path).expect("open");
        let fast = src
            .value("/z", &Selection::all(), &NoProgress)
            .expect("parallel");
        // A partial selection goes through HDF5's own filter pipeline.
        let slow = src
            .value("/z", &Selection::parse("0:5").expect("sel"), &NoProgress)
            .expect("hdf5");
        assert_eq!(fast.data, Data::F32(data));
        assert_eq!(fast, slow);
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
