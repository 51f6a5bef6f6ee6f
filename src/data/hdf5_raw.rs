//! The few HDF5 calls the safe bindings do not offer: link targets, and
//! reading elements of any type (compound, enum, strings of any length) as
//! text. Every call runs under the bindings' global HDF5 lock.
//!
//! One file of about 950 lines on purpose: it is the only place with
//! `unsafe` HDF5 calls, so a review of memory safety reads one file.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_uint, c_void};

use hdf5::types::TypeDescriptor;

use super::DataError;
use super::typed::{Elem, Field, Typed, arr as take, decode_text};
use hdf5_sys::h5::{herr_t, hsize_t};
use hdf5_sys::h5a::H5Aread;
use hdf5_sys::h5d::{H5Dget_create_plist, H5Dget_space, H5Dget_type, H5Dread, H5Dwrite};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5l::{H5Lget_val, H5Lunpack_elink_val};
use hdf5_sys::h5p::{
    H5P_DEFAULT, H5Pclose, H5Pfill_value_defined, H5Pget_fill_time, H5Pget_fill_value,
};
use hdf5_sys::h5s::{H5S_ALL, H5S_SELECT_SET, H5Sclose, H5Screate_simple, H5Sselect_hyperslab};
use hdf5_sys::h5t::{H5Tclose, H5Treclaim};

/// Largest link value read (paths longer than this are cut).
const LINK_BUF: usize = 64 * 1024;

fn link_value(loc: hid_t, name: &str) -> Option<Vec<u8>> {
    let cname = CString::new(name).ok()?;
    let mut buf = vec![0u8; LINK_BUF];
    let rc = hdf5::sync::sync(|| unsafe {
        H5Lget_val(
            loc,
            cname.as_ptr(),
            buf.as_mut_ptr().cast::<c_void>(),
            buf.len(),
            H5P_DEFAULT,
        )
    });
    (rc >= 0).then_some(buf)
}

/// Target path of the soft link `name` in the group `loc`.
pub fn soft_link_target(loc: hid_t, name: &str) -> Option<String> {
    let buf = link_value(loc, name)?;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Some(String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// (file, path) of the external link `name` in the group `loc`.
pub fn external_link_target(loc: hid_t, name: &str) -> Option<(String, String)> {
    let buf = link_value(loc, name)?;
    let mut flags: c_uint = 0;
    let mut file: *const c_char = std::ptr::null();
    let mut path: *const c_char = std::ptr::null();
    let rc = hdf5::sync::sync(|| unsafe {
        H5Lunpack_elink_val(
            buf.as_ptr().cast::<c_void>(),
            buf.len(),
            &raw mut flags,
            &raw mut file,
            &raw mut path,
        )
    });
    if rc < 0 || file.is_null() || path.is_null() {
        return None;
    }
    // The pointers point into `buf`, which is still alive here.
    let (file, path) = unsafe { (CStr::from_ptr(file), CStr::from_ptr(path)) };
    Some((
        file.to_string_lossy().into_owned(),
        path.to_string_lossy().into_owned(),
    ))
}

/// Elements read in their C in-memory form (native byte order, aligned
/// fields). Variable-length memory HDF5 allocated for them is given back
/// when this is dropped.
pub struct RawElements {
    /// The in-memory (C) form of the type. Private: the vlen pointers in
    /// `buf` are only safe to follow under the type HDF5 wrote them with.
    desc: TypeDescriptor,
    mem: hdf5::Datatype,
    buf: Vec<u8>,
    count: usize,
}

impl RawElements {
    pub fn count(&self) -> usize {
        self.count
    }

    /// The in-memory (C) form of the type.
    pub fn desc(&self) -> &TypeDescriptor {
        &self.desc
    }

    /// Element `i` as text (strings of any encoding decoded, never failing).
    pub fn text(&self, i: usize) -> String {
        // SAFETY: the element was written by HDF5 under `self.desc`, and its
        // variable-length memory lives until `self` is dropped.
        unsafe { render(&self.desc, self.element(i), true) }
    }

    /// The top-level fields of element `i` of a compound, each as text.
    pub fn field_texts(&self, i: usize) -> Vec<String> {
        let TypeDescriptor::Compound(c) = &self.desc else {
            return vec![self.text(i)];
        };
        let e = self.element(i);
        c.fields
            .iter()
            .map(|f| {
                e.get(f.offset..f.offset + f.ty.size()).map_or_else(
                    || "?".to_owned(),
                    // SAFETY: as in `text`: a field of an element HDF5 wrote.
                    |b| unsafe { render(&f.ty, b, true) },
                )
            })
            .collect()
    }

    /// The bytes of element `i` (C layout).
    pub fn element(&self, i: usize) -> &[u8] {
        let size = self.desc.size();
        &self.buf[i * size..(i + 1) * size]
    }

    /// All elements' bytes, in C order.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for RawElements {
    fn drop(&mut self) {
        if !contains_vlen(&self.desc) || self.count == 0 {
            return;
        }
        let dims = [self.count as hsize_t];
        hdf5::sync::sync(|| unsafe {
            let space = H5Screate_simple(1, dims.as_ptr(), std::ptr::null());
            if space >= 0 {
                H5Treclaim(
                    self.mem.id(),
                    space,
                    H5P_DEFAULT,
                    self.buf.as_mut_ptr().cast::<c_void>(),
                );
                H5Sclose(space);
            }
        });
    }
}

fn contains_vlen(desc: &TypeDescriptor) -> bool {
    match desc {
        TypeDescriptor::VarLenArray(_)
        | TypeDescriptor::VarLenAscii
        | TypeDescriptor::VarLenUnicode => true,
        TypeDescriptor::Compound(c) => c.fields.iter().any(|f| contains_vlen(&f.ty)),
        TypeDescriptor::FixedArray(t, _) => contains_vlen(t),
        _ => false,
    }
}

/// A hyperslab of a dataset: per axis (start, count, step).
pub type Hyperslab<'a> = &'a [(u64, u64, u64)];

/// Read the elements of a dataset (`is_attr == false`, optionally only the
/// hyperslab `slab`) or of an attribute (whole) in the in-memory form of
/// `desc`. `count` is the number of elements selected.
pub fn read_raw(
    id: hid_t,
    is_attr: bool,
    desc: &TypeDescriptor,
    slab: Option<Hyperslab>,
    count: usize,
) -> Result<RawElements, String> {
    if contains_reference(desc) {
        return Err("object references are shown by type only".into());
    }
    let desc = desc.to_c_repr();
    let mem = hdf5::Datatype::from_descriptor(&desc).map_err(|e| e.to_string())?;
    let total = desc
        .size()
        .checked_mul(count)
        .ok_or_else(|| "the selection is too large to read".to_owned())?;
    let mut buf = vec![0u8; total];
    if count > 0 && read_into(id, is_attr, mem.id(), slab, count, &mut buf) < 0 {
        return Err("HDF5 could not convert this type for reading".into());
    }
    Ok(RawElements {
        desc,
        mem,
        buf,
        count,
    })
}

/// Read an attribute (whole), or a dataset (whole, or the hyperslab `slab`
/// of `count` elements), in the memory type `mem` into `buf`, which holds
/// exactly that many elements of it.
fn read_into(
    id: hid_t,
    is_attr: bool,
    mem: hid_t,
    slab: Option<Hyperslab>,
    count: usize,
    buf: &mut [u8],
) -> herr_t {
    use hdf5_sys::h5a::H5Aget_space;
    use hdf5_sys::h5s::{H5Sget_simple_extent_ndims, H5Sget_simple_extent_npoints};
    use hdf5_sys::h5t::H5Tget_size;
    let p = buf.as_mut_ptr().cast::<c_void>();
    // SAFETY: `buf` holds `count` elements of `mem`, checked against the
    // object's own dataspace (or the slab against its rank) before reading.
    hdf5::sync::sync(|| unsafe {
        let space = if is_attr {
            H5Aget_space(id)
        } else {
            H5Dget_space(id)
        };
        if space < 0 {
            return -1;
        }
        let fits = match slab {
            Some(slab) => usize::try_from(H5Sget_simple_extent_ndims(space)) == Ok(slab.len()),
            None => usize::try_from(H5Sget_simple_extent_npoints(space)) == Ok(count),
        };
        H5Sclose(space);
        if !fits || buf.len() != count.saturating_mul(H5Tget_size(mem)) {
            return -1;
        }
        if is_attr {
            H5Aread(id, mem, p)
        } else if let Some(slab) = slab {
            read_slab(id, mem, slab, count, p)
        } else {
            H5Dread(id, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, p)
        }
    })
}

/// Read numbers as the native type `T` into a zeroed buffer: an attribute
/// or a dataset whole, or the hyperslab `slab` (`count` elements). Places
/// HDF5 leaves alone (unwritten chunks whose fill time is "never") read as
/// zero, as h5py shows them, never as whatever memory held.
pub fn read_native<T: hdf5::H5Type + Copy + Default>(
    id: hid_t,
    is_attr: bool,
    slab: Option<Hyperslab>,
    count: usize,
) -> Result<Vec<T>, String> {
    let mem = hdf5::Datatype::from_type::<T>().map_err(|e| e.to_string())?;
    let mut out = vec![T::default(); count];
    if count == 0 {
        return Ok(out);
    }
    let bytes = std::mem::size_of_val(out.as_slice());
    // SAFETY: `out` is `bytes` long and `T` is a plain number type, so any
    // bytes HDF5 writes there are a valid `T`.
    let buf = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast::<u8>(), bytes) };
    if read_into(id, is_attr, mem.id(), slab, count, buf) < 0 {
        return Err("HDF5 could not read the values".into());
    }
    Ok(out)
}

/// `H5Dread` of a hyperslab into a buffer of `count` elements.
unsafe fn read_slab(
    ds: hid_t,
    mem_type: hid_t,
    slab: Hyperslab,
    count: usize,
    buf: *mut c_void,
) -> herr_t {
    let start: Vec<hsize_t> = slab.iter().map(|a| a.0).collect();
    let counts: Vec<hsize_t> = slab.iter().map(|a| a.1).collect();
    let steps: Vec<hsize_t> = slab.iter().map(|a| a.2.max(1)).collect();
    let dims = [count as hsize_t];
    unsafe {
        let file_space = H5Dget_space(ds);
        if file_space < 0 {
            return -1;
        }
        let mut rc = H5Sselect_hyperslab(
            file_space,
            H5S_SELECT_SET,
            start.as_ptr(),
            steps.as_ptr(),
            counts.as_ptr(),
            std::ptr::null(),
        );
        let mem_space = H5Screate_simple(1, dims.as_ptr(), std::ptr::null());
        if rc >= 0 && mem_space >= 0 {
            rc = H5Dread(ds, mem_type, mem_space, file_space, H5P_DEFAULT, buf);
        } else {
            rc = -1;
        }
        if mem_space >= 0 {
            H5Sclose(mem_space);
        }
        H5Sclose(file_space);
        rc
    }
}

/// Read all `count` elements of a dataset (`is_attr == false`) or attribute
/// as text. Strings of any encoding (even invalid UTF-8 or a multi-byte
/// character cut by a fixed length) are decoded without failing.
pub fn read_as_text(
    id: hid_t,
    is_attr: bool,
    desc: &TypeDescriptor,
    count: usize,
) -> Result<Vec<String>, String> {
    let raw = read_raw(id, is_attr, desc, None, count)?;
    Ok((0..raw.count()).map(|i| raw.text(i)).collect())
}

/// Each element's top-level fields as text, field after field: `count`
/// rows of as many cells as the compound `desc` has fields.
pub fn read_fields_as_text(
    id: hid_t,
    desc: &TypeDescriptor,
    count: usize,
) -> Result<Vec<String>, String> {
    let raw = read_raw(id, false, desc, None, count)?;
    if !matches!(raw.desc(), TypeDescriptor::Compound(_)) {
        return Err("not a compound type".into());
    }
    Ok((0..raw.count()).flat_map(|i| raw.field_texts(i)).collect())
}

/// The paths object references point to (`count` of them in a dataset, or
/// an attribute when `is_attr`): `(null reference)` for an empty one, and
/// `(region reference)` for references to parts of datasets.
pub fn read_reference_paths(
    id: hid_t,
    is_attr: bool,
    desc: &TypeDescriptor,
    count: usize,
) -> Result<Vec<String>, String> {
    use hdf5::types::Reference;
    use hdf5_sys::h5r::{H5R_type_t, H5Rdestroy, H5Rget_name, H5Rget_obj_name};
    let TypeDescriptor::Reference(kind) = desc else {
        return Err("not a reference type".into());
    };
    if matches!(kind, Reference::Region) {
        return Ok(vec!["(region reference)".into(); count]);
    }
    let mem = hdf5::Datatype::from_descriptor(desc).map_err(|e| e.to_string())?;
    let size = desc.size();
    let total = size
        .checked_mul(count)
        .ok_or_else(|| "the selection is too large to read".to_owned())?;
    let mut buf = vec![0u8; total];
    if count > 0 && read_into(id, is_attr, mem.id(), None, count, &mut buf) < 0 {
        return Err("HDF5 could not read the references".into());
    }
    let std = !matches!(kind, Reference::Object);
    let mut out = Vec::with_capacity(count);
    for chunk in buf.chunks_exact_mut(size.max(1)) {
        if chunk.iter().all(|&b| b == 0) {
            out.push("(null reference)".into());
            continue;
        }
        let mut name = vec![0u8; 4096];
        // SAFETY: `chunk` holds one reference as HDF5 wrote it; `name` has
        // room for the length passed; a standard reference is destroyed once.
        let n = hdf5::sync::sync(|| unsafe {
            let p = chunk.as_mut_ptr().cast::<c_void>();
            let n = if std {
                H5Rget_obj_name(p.cast(), H5P_DEFAULT, name.as_mut_ptr().cast(), name.len())
            } else {
                H5Rget_name(
                    id,
                    H5R_type_t::H5R_OBJECT1,
                    p,
                    name.as_mut_ptr().cast(),
                    name.len(),
                )
            };
            if std {
                H5Rdestroy(p.cast());
            }
            n
        });
        match usize::try_from(n) {
            Ok(n) if n > 0 => {
                let end = n.min(name.len());
                let end = name[..end].iter().position(|&b| b == 0).unwrap_or(end);
                out.push(decode_text(&name[..end]));
            }
            _ => out.push("(a reference HDF5 cannot follow)".into()),
        }
    }
    Ok(out)
}

/// The bytes of a fixed-length string up to its padding (NUL or, for
/// space-padded strings, what HDF5 already stripped).
fn fixed_bytes(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..end]
}

/// The bytes a variable-length string element points to.
///
/// # Safety
/// `b` must be an element read by [`read_raw`] whose [`RawElements`] is alive.
unsafe fn vlen_str_bytes(b: &[u8]) -> Option<&[u8]> {
    let ptr = usize::from_ne_bytes(b.get(..size_of::<usize>())?.try_into().ok()?);
    if ptr == 0 {
        return None;
    }
    // SAFETY: HDF5 wrote a pointer to a NUL-terminated string it allocated;
    // it lives until the RawElements is dropped.
    Some(unsafe { CStr::from_ptr(ptr as *const c_char) }.to_bytes())
}

/// The element count and base bytes of a variable-length sequence element.
///
/// # Safety
/// As for [`vlen_str_bytes`].
unsafe fn vlen_seq(b: &[u8], base_size: usize) -> Option<&[u8]> {
    let w = size_of::<usize>();
    let len = usize::from_ne_bytes(b.get(..w)?.try_into().ok()?);
    let ptr = usize::from_ne_bytes(b.get(w..2 * w)?.try_into().ok()?);
    if ptr == 0 || len == 0 {
        return Some(&[]);
    }
    let n = len.checked_mul(base_size)?;
    // SAFETY: HDF5 wrote `len` elements of the base type at `ptr`; they live
    // until the RawElements is dropped.
    Some(unsafe { std::slice::from_raw_parts(ptr as *const u8, n) })
}

fn int_text(b: &[u8], size: usize, signed: bool) -> (i128, String) {
    let v: i128 = match (size, signed) {
        (1, true) => i8::from_ne_bytes(take(b)).into(),
        (2, true) => i16::from_ne_bytes(take(b)).into(),
        (4, true) => i32::from_ne_bytes(take(b)).into(),
        (8, true) => i64::from_ne_bytes(take(b)).into(),
        (1, false) => u8::from_ne_bytes(take(b)).into(),
        (2, false) => u16::from_ne_bytes(take(b)).into(),
        (4, false) => u32::from_ne_bytes(take(b)).into(),
        _ => u64::from_ne_bytes(take(b)).into(),
    };
    (v, v.to_string())
}

/// One element (C layout) as text. Strings are quoted when nested in a
/// compound, array or sequence, plain at the top.
///
/// # Safety
/// Where `desc` has variable-length parts, `b` must be an element HDF5
/// wrote under `desc` whose [`RawElements`] is alive (the parts are
/// pointers into memory HDF5 allocated).
unsafe fn render(desc: &TypeDescriptor, b: &[u8], top: bool) -> String {
    let quote = |s: String| if top { s } else { format!("{s:?}") };
    match desc {
        TypeDescriptor::Integer(s) => int_text(b, *s as usize, true).1,
        TypeDescriptor::Unsigned(s) => int_text(b, *s as usize, false).1,
        TypeDescriptor::Float(s) => match *s as usize {
            2 => half::f16::from_ne_bytes(take(b)).to_string(),
            4 => f32::from_ne_bytes(take(b)).to_string(),
            _ => f64::from_ne_bytes(take(b)).to_string(),
        },
        TypeDescriptor::Boolean => (b.first().copied().unwrap_or(0) != 0).to_string(),
        TypeDescriptor::Enum(e) => {
            let (v, text) = int_text(b, e.size as usize, e.signed);
            e.members
                .iter()
                .find(|m| {
                    if e.signed {
                        #[allow(clippy::cast_possible_wrap)]
                        let mv = i128::from(m.value as i64);
                        mv == v
                    } else {
                        i128::from(m.value) == v
                    }
                })
                .map_or(text, |m| m.name.clone())
        }
        TypeDescriptor::Compound(c) => {
            let parts: Vec<String> = c
                .fields
                .iter()
                .map(|f| {
                    let end = f.offset + f.ty.size();
                    let v = b
                        .get(f.offset..end)
                        // SAFETY: a field of this element, under its own type.
                        .map_or_else(|| "?".to_owned(), |fb| unsafe { render(&f.ty, fb, false) });
                    format!("{}: {v}", f.name)
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        TypeDescriptor::FixedArray(t, n) => {
            let size = t.size().max(1);
            let parts: Vec<String> = b
                .chunks_exact(size)
                .take(*n)
                // SAFETY: an item of this element, under its own type.
                .map(|e| unsafe { render(t, e, false) })
                .collect();
            format!("[{}]", parts.join(", "))
        }
        TypeDescriptor::FixedAscii(_) | TypeDescriptor::FixedUnicode(_) => {
            quote(decode_text(fixed_bytes(b)))
        }
        TypeDescriptor::VarLenAscii | TypeDescriptor::VarLenUnicode => {
            // SAFETY: the caller's contract.
            quote(
                unsafe { vlen_str_bytes(b) }
                    .map(decode_text)
                    .unwrap_or_default(),
            )
        }
        TypeDescriptor::VarLenArray(t) => {
            let size = t.size().max(1);
            // SAFETY: the caller's contract.
            let items = unsafe { vlen_seq(b, size) }.unwrap_or_default();
            let parts: Vec<String> = items
                .chunks_exact(size)
                // SAFETY: an item of this element, under its own type.
                .map(|e| unsafe { render(t, e, false) })
                .collect();
            format!("[{}]", parts.join(", "))
        }
        TypeDescriptor::Reference(_) => "(reference)".to_owned(),
    }
}

/// The exact element type of a C-layout type, or why it has none (a
/// variable-length member, a reference).
fn elem_of(desc: &TypeDescriptor) -> Result<Elem, String> {
    Ok(match desc {
        TypeDescriptor::Integer(s) => Elem::Int {
            bytes: *s as usize,
            signed: true,
        },
        TypeDescriptor::Unsigned(s) => Elem::Int {
            bytes: *s as usize,
            signed: false,
        },
        TypeDescriptor::Float(s) => Elem::Float { bytes: *s as usize },
        TypeDescriptor::Boolean => Elem::Bool,
        TypeDescriptor::Enum(e) => Elem::Int {
            bytes: e.size as usize,
            signed: e.signed,
        },
        TypeDescriptor::Compound(c) => {
            // h5py's complex numbers: a compound {r, i} of two equal floats.
            if let [r, i] = c.fields.as_slice()
                && r.name == "r"
                && i.name == "i"
                && matches!(r.ty, TypeDescriptor::Float(_))
                && r.ty == i.ty
                && r.offset == 0
                && i.offset == r.ty.size()
                && c.size == 2 * r.ty.size()
            {
                return Ok(Elem::Complex { bytes: c.size });
            }
            let fields = c
                .fields
                .iter()
                .map(|f| {
                    Ok(Field {
                        name: f.name.clone(),
                        offset: f.offset,
                        ty: elem_of(&f.ty)?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            Elem::Struct {
                fields,
                size: c.size,
            }
        }
        TypeDescriptor::FixedArray(t, n) => Elem::Array {
            base: Box::new(elem_of(t)?),
            len: *n,
        },
        TypeDescriptor::FixedAscii(n) | TypeDescriptor::FixedUnicode(n) => Elem::Bytes(*n),
        TypeDescriptor::VarLenAscii | TypeDescriptor::VarLenUnicode => {
            return Err("variable-length strings inside compound or array values".into());
        }
        TypeDescriptor::VarLenArray(_) => return Err("variable-length sequences".into()),
        TypeDescriptor::Reference(_) => return Err("object references".into()),
    })
}

/// The elements with their exact type, `shape` being the selection's.
/// Variable-length strings become fixed-length ones as long as the longest
/// (bytes for ASCII, characters for UTF-8); a dataset of an array type gets
/// the array as its last axis, as NumPy reads it.
pub fn to_typed(raw: &RawElements, mut shape: Vec<usize>) -> Result<Typed, String> {
    let bad = |e: DataError| e.to_string();
    match &raw.desc {
        TypeDescriptor::VarLenAscii => {
            let items: Vec<&[u8]> = (0..raw.count())
                // SAFETY: elements HDF5 wrote under this type; `raw` is alive.
                .map(|i| unsafe { vlen_str_bytes(raw.element(i)) }.unwrap_or_default())
                .collect();
            let n = items.iter().map(|b| b.len()).max().unwrap_or(0).max(1);
            let mut bytes = Vec::with_capacity(items.len() * n);
            for b in items {
                bytes.extend_from_slice(b);
                bytes.resize(bytes.len() + n - b.len(), 0);
            }
            Typed::new(shape, Elem::Bytes(n), bytes).map_err(bad)
        }
        TypeDescriptor::VarLenUnicode => {
            let items: Vec<String> = (0..raw.count())
                .map(|i| {
                    // SAFETY: as above.
                    unsafe { vlen_str_bytes(raw.element(i)) }
                        .map(decode_text)
                        .unwrap_or_default()
                })
                .collect();
            let v = super::Value::new(shape, super::Data::Str(items)).map_err(bad)?;
            Typed::from_value(
                &v,
                &super::DType::Str {
                    fixed: None,
                    utf8: true,
                },
            )
            .map_err(bad)
        }
        desc => {
            let mut elem = elem_of(desc)?;
            while let Elem::Array { base, len } = elem {
                shape.push(len);
                elem = *base;
            }
            Typed::new(shape, elem, raw.bytes().to_vec()).map_err(bad)
        }
    }
}

/// The byte size of a dataset's type when it is a bit field (which NumPy,
/// like h5py, reads as unsigned integers of that size).
pub fn bitfield_size(ds: hid_t) -> Option<usize> {
    use hdf5_sys::h5t::{H5T_class_t, H5Tget_class, H5Tget_size};
    hdf5::sync::sync(|| unsafe {
        let t = H5Dget_type(ds);
        if t < 0 {
            return None;
        }
        let found = matches!(H5Tget_class(t), H5T_class_t::H5T_BITFIELD).then(|| H5Tget_size(t));
        H5Tclose(t);
        found.filter(|&s| matches!(s, 1 | 2 | 4 | 8))
    })
}

/// Read a bit-field dataset (or the hyperslab `slab`, `count` elements) as
/// little-endian bytes of `size` per element.
pub fn read_bitfield(
    ds: hid_t,
    size: usize,
    slab: Option<Hyperslab>,
    count: usize,
) -> Result<Vec<u8>, String> {
    use hdf5_sys::h5t::{H5T_order_t, H5Tcopy, H5Tset_order};
    let total = size
        .checked_mul(count)
        .ok_or_else(|| "the selection is too large to read".to_owned())?;
    let mut buf = vec![0u8; total];
    if count == 0 {
        return Ok(buf);
    }
    // The file's bit field type in little-endian order: HDF5 swaps bytes only.
    let mem = hdf5::sync::sync(|| unsafe {
        let file_type = H5Dget_type(ds);
        if file_type < 0 {
            return -1;
        }
        let mem = H5Tcopy(file_type);
        H5Tclose(file_type);
        if mem >= 0 && H5Tset_order(mem, H5T_order_t::H5T_ORDER_LE) < 0 {
            H5Tclose(mem);
            return -1;
        }
        mem
    });
    if mem < 0 {
        return Err("HDF5 could not read the bit field".into());
    }
    let rc = read_into(ds, false, mem, slab, count, &mut buf);
    hdf5::sync::sync(|| unsafe { H5Tclose(mem) });
    if rc < 0 {
        return Err("HDF5 could not read the bit field".into());
    }
    Ok(buf)
}

/// The type's description, with enumeration values as numbers: the
/// bindings read member values as raw bytes, which for a big-endian or a
/// negative member gives another number than the one stored.
pub fn descriptor(t: &hdf5::Datatype) -> hdf5::Result<TypeDescriptor> {
    let mut desc = t.to_descriptor()?;
    hdf5::sync::sync(|| fix_enum_values(t.id(), &mut desc));
    Ok(desc)
}

fn fix_enum_values(t: hid_t, desc: &mut TypeDescriptor) {
    use hdf5_sys::h5t::{H5T_order_t, H5Tget_member_type, H5Tget_order, H5Tget_super};
    // SAFETY (all calls): `t` is a valid type id for the call's duration;
    // every id opened here is closed here.
    match desc {
        TypeDescriptor::Enum(e) => {
            let size = e.size as usize;
            let base = unsafe { H5Tget_super(t) };
            if base < 0 {
                return;
            }
            let big = matches!(unsafe { H5Tget_order(base) }, H5T_order_t::H5T_ORDER_BE);
            unsafe { H5Tclose(base) };
            for m in &mut e.members {
                let raw = m.value.to_le_bytes();
                let mut bytes = [0u8; 8];
                bytes[..size].copy_from_slice(&raw[..size]);
                if big {
                    bytes[..size].reverse();
                }
                let mut v = u64::from_le_bytes(bytes);
                if e.signed && size < 8 && bytes[size - 1] & 0x80 != 0 {
                    v |= u64::MAX << (size * 8);
                }
                m.value = v;
            }
        }
        TypeDescriptor::Compound(c) => {
            for f in &mut c.fields {
                let Ok(i) = c_uint::try_from(f.index) else {
                    continue;
                };
                let mt = unsafe { H5Tget_member_type(t, i) };
                if mt >= 0 {
                    fix_enum_values(mt, &mut f.ty);
                    unsafe { H5Tclose(mt) };
                }
            }
        }
        TypeDescriptor::FixedArray(b, _) | TypeDescriptor::VarLenArray(b) => {
            let base = unsafe { H5Tget_super(t) };
            if base >= 0 {
                fix_enum_values(base, b);
                unsafe { H5Tclose(base) };
            }
        }
        _ => {}
    }
}

/// A type with no value form, in words: the class and size HDF5 reports
/// (a 128-bit float, the time class, opaque bytes…).
pub fn describe_unreadable_type(t: hid_t, detail: &str) -> String {
    use hdf5_sys::h5t::{H5T_class_t, H5Tget_class, H5Tget_size};
    let (class, size) = hdf5::sync::sync(|| unsafe { (H5Tget_class(t), H5Tget_size(t)) });
    match class {
        H5T_class_t::H5T_FLOAT => format!(
            "{}-bit floating-point numbers (NumPy has no portable form for them either)",
            size * 8
        ),
        H5T_class_t::H5T_INTEGER => format!("{}-bit integers", size * 8),
        H5T_class_t::H5T_TIME => {
            "values of the HDF5 time class (which NumPy cannot represent either)".to_owned()
        }
        H5T_class_t::H5T_OPAQUE => format!("{size}-byte opaque values"),
        H5T_class_t::H5T_BITFIELD => format!("{size}-byte bit fields"),
        H5T_class_t::H5T_ARRAY => format!("multi-dimensional array elements ({detail})"),
        H5T_class_t::H5T_COMPOUND => {
            format!("compound values with a member of a kind it does not read ({detail})")
        }
        _ => format!("values of a type it does not know ({detail})"),
    }
}

/// Write all of a dataset from `bytes` in the memory type `mem`.
pub fn write_bytes(ds: hid_t, mem: hid_t, bytes: &[u8]) -> Result<(), String> {
    let rc = hdf5::sync::sync(|| unsafe {
        H5Dwrite(
            ds,
            mem,
            H5S_ALL,
            H5S_ALL,
            H5P_DEFAULT,
            bytes.as_ptr().cast::<c_void>(),
        )
    });
    if rc < 0 {
        return Err("HDF5 could not write the values".into());
    }
    Ok(())
}

/// A handle of its own on the file HDF5 has open for `file` (POSIX driver:
/// a duplicate of HDF5's own descriptor), so raw chunk bytes are read from
/// exactly the file whose chunk addresses HDF5 gave, even if the file was
/// renamed or replaced on disk since it was opened.
pub fn file_handle(file: &hdf5::File) -> Option<std::fs::File> {
    use hdf5_sys::h5f::{H5Fget_access_plist, H5Fget_vfd_handle};
    use std::os::fd::FromRawFd;
    let fd = hdf5::sync::sync(|| unsafe {
        let fapl = H5Fget_access_plist(file.id());
        if fapl < 0 {
            return -1;
        }
        let mut handle: *mut c_void = std::ptr::null_mut();
        let rc = H5Fget_vfd_handle(file.id(), fapl, &raw mut handle);
        H5Pclose(fapl);
        if rc < 0 || handle.is_null() {
            return -1;
        }
        // SAFETY: with the POSIX (sec2) driver, the only one the caller
        // accepts, the handle points to the file's `int` descriptor.
        libc::dup(*handle.cast::<std::ffi::c_int>())
    });
    // SAFETY: `fd` is a fresh duplicate that nothing else owns.
    (fd >= 0).then(|| unsafe { std::fs::File::from_raw_fd(fd) })
}

/// The dataset's fill value in its file type (what unallocated chunks
/// read as), or `None` when it is zero or undefined.
pub fn fill_value(ds: hid_t, elem: usize) -> Option<Vec<u8>> {
    use hdf5_sys::h5d::{H5D_FILL_VALUE_UNDEFINED, H5D_fill_value_t};
    let mut buf = vec![0u8; elem];
    let ok = hdf5::sync::sync(|| unsafe {
        let dcpl = H5Dget_create_plist(ds);
        if dcpl < 0 {
            return false;
        }
        let mut status = H5D_FILL_VALUE_UNDEFINED;
        // With fill time "never", HDF5 leaves unwritten chunks alone: they
        // read as the zeroed buffer h5py passes, not as the fill value.
        let mut when = hdf5_sys::h5d::H5D_fill_time_t::H5D_FILL_TIME_ALLOC;
        let never = H5Pget_fill_time(dcpl, &raw mut when) >= 0
            && matches!(when, hdf5_sys::h5d::H5D_fill_time_t::H5D_FILL_TIME_NEVER);
        let mut ok = !never
            && H5Pfill_value_defined(dcpl, &raw mut status) >= 0
            && !matches!(status, H5D_fill_value_t::H5D_FILL_VALUE_UNDEFINED);
        if ok {
            let t = H5Dget_type(ds);
            ok = t >= 0 && H5Pget_fill_value(dcpl, t, buf.as_mut_ptr().cast::<c_void>()) >= 0;
            if t >= 0 {
                H5Tclose(t);
            }
        }
        H5Pclose(dcpl);
        ok
    });
    (ok && buf.iter().any(|&b| b != 0)).then_some(buf)
}

/// References are shown by type only (their targets are not resolved yet).
pub fn contains_reference(desc: &TypeDescriptor) -> bool {
    match desc {
        TypeDescriptor::Reference(_) => true,
        TypeDescriptor::Compound(c) => c.fields.iter().any(|f| contains_reference(&f.ty)),
        TypeDescriptor::FixedArray(t, _) | TypeDescriptor::VarLenArray(t) => contains_reference(t),
        _ => false,
    }
}

/// A member of a group, opened once whatever kind of object it is.
pub enum Member {
    Dataset(hdf5::Dataset),
    Group(hdf5::Group),
    /// A named datatype (or another kind of object): nothing to open further.
    Other,
}

/// Open the member `name` of the group `loc` (a dataset or a group), with
/// one object-header read; `None` when it cannot be opened.
pub fn open_member(loc: hid_t, name: &str) -> Option<Member> {
    use hdf5_sys::h5i::{H5I_DATASET, H5I_GROUP, H5Iget_type};
    use hdf5_sys::h5o::{H5Oclose, H5Oopen};
    let cname = CString::new(name).ok()?;
    hdf5::sync::sync(|| {
        let id = unsafe { H5Oopen(loc, cname.as_ptr(), H5P_DEFAULT) };
        if id < 0 {
            return None;
        }
        // `from_id` takes over the handle HDF5 just gave us.
        match unsafe { H5Iget_type(id) } {
            H5I_DATASET => unsafe { hdf5::from_id::<hdf5::Dataset>(id) }
                .ok()
                .map(Member::Dataset),
            H5I_GROUP => unsafe { hdf5::from_id::<hdf5::Group>(id) }
                .ok()
                .map(Member::Group),
            _ => {
                unsafe { H5Oclose(id) };
                Some(Member::Other)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_any_encoding_decodes_without_failing() {
        assert_eq!(decode_text("µm ünï ☃".as_bytes()), "µm ünï ☃");
        // Latin-1 from old instrument software.
        assert_eq!(decode_text(b"Temp\xe9rature"), "Température");
        // A fixed length that cuts a multi-byte character.
        assert_eq!(decode_text(b"ab\xe6\x97"), "ab\u{fffd}");
        assert_eq!(decode_text(b"\xc3"), "\u{fffd}");
        // One stray byte does not turn the valid UTF-8 around it into Latin-1.
        assert_eq!(decode_text(b"\xc2\xb5m\xff"), "µmÿ");
        assert_eq!(decode_text(b""), "");
    }

    #[test]
    fn elements_render_from_c_layout() {
        // SAFETY (every render here): fixed-size types, no pointers followed.
        let render = |d: &TypeDescriptor, b: &[u8], top: bool| unsafe { render(d, b, top) };
        use hdf5::types::{EnumMember, EnumType, IntSize};
        let e = TypeDescriptor::Enum(EnumType {
            size: IntSize::U1,
            signed: false,
            members: vec![
                EnumMember {
                    name: "OFF".into(),
                    value: 0,
                },
                EnumMember {
                    name: "ON".into(),
                    value: 1,
                },
            ],
        });
        assert_eq!(render(&e, &[1], true), "ON");
        assert_eq!(render(&e, &[7], true), "7");
        let fixed = TypeDescriptor::FixedAscii(4);
        assert_eq!(render(&fixed, b"de\0\0", true), "de");
        assert_eq!(render(&fixed, b"de\0\0", false), "\"de\"");
        let arr = TypeDescriptor::FixedArray(Box::new(TypeDescriptor::Integer(IntSize::U2)), 2);
        assert_eq!(render(&arr, &[1, 0, 0xff, 0xff], true), "[1, -1]");
        assert_eq!(
            render(
                &TypeDescriptor::Float(hdf5::types::FloatSize::U2),
                &[0, 0x3c],
                true
            ),
            "1"
        );
    }
}
