//! The few HDF5 calls the safe bindings do not offer: link targets, and
//! reading elements of any type (compound, enum, strings of any length) as
//! text. Every call runs under the bindings' global HDF5 lock.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_uint, c_void};

use hdf5::types::{OwnedDynValue, TypeDescriptor};
use hdf5_sys::h5a::H5Aread;
use hdf5_sys::h5d::H5Dread;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5l::{H5Lget_val, H5Lunpack_elink_val};
use hdf5_sys::h5p::H5P_DEFAULT;
use hdf5_sys::h5s::H5S_ALL;

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

/// Read all `count` elements of a dataset (`is_attr == false`) or attribute
/// as text, converting to the in-memory form of `desc`. Variable-length
/// memory HDF5 allocates is released when each element is dropped.
pub fn read_as_text(
    id: hid_t,
    is_attr: bool,
    desc: &TypeDescriptor,
    count: usize,
) -> Result<Vec<String>, String> {
    if contains_reference(desc) {
        return Err("object references are shown by type only".into());
    }
    // Read into C layout (aligned fields), which is what the value printer expects.
    let desc = &desc.to_c_repr();
    let mem = hdf5::Datatype::from_descriptor(desc).map_err(|e| e.to_string())?;
    let size = desc.size();
    let total = size
        .checked_mul(count)
        .ok_or_else(|| "the selection is too large to read".to_owned())?;
    let mut buf = vec![0u8; total];
    let rc = hdf5::sync::sync(|| unsafe {
        if is_attr {
            H5Aread(id, mem.id(), buf.as_mut_ptr().cast::<c_void>())
        } else {
            H5Dread(
                id,
                mem.id(),
                H5S_ALL,
                H5S_ALL,
                H5P_DEFAULT,
                buf.as_mut_ptr().cast::<c_void>(),
            )
        }
    });
    if rc < 0 {
        return Err("HDF5 could not convert this type for reading".into());
    }
    let mut out = Vec::with_capacity(count);
    for chunk in buf.chunks_exact(size.max(1)).take(count) {
        // Each element owns its bytes (and the vlen memory they point to).
        let owned =
            unsafe { OwnedDynValue::from_raw(desc.clone(), chunk.to_vec().into_boxed_slice()) };
        let text = owned.to_string();
        out.push(if is_string(desc) {
            unquote(&text)
        } else {
            text
        });
    }
    Ok(out)
}

/// The bindings' value printer cannot handle references (it aborts): refuse them.
fn contains_reference(desc: &TypeDescriptor) -> bool {
    match desc {
        TypeDescriptor::Reference(_) => true,
        TypeDescriptor::Compound(c) => c.fields.iter().any(|f| contains_reference(&f.ty)),
        TypeDescriptor::FixedArray(t, _) | TypeDescriptor::VarLenArray(t) => contains_reference(t),
        _ => false,
    }
}

fn is_string(desc: &TypeDescriptor) -> bool {
    matches!(
        desc,
        TypeDescriptor::FixedAscii(_)
            | TypeDescriptor::FixedUnicode(_)
            | TypeDescriptor::VarLenAscii
            | TypeDescriptor::VarLenUnicode
    )
}

/// The bindings print strings in Rust's debug form (`"a\"b"`); undo that.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return s.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('u') => {
                // \u{XXXX}
                let code: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                if let Some(ch) = u32::from_str_radix(&code, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unquote;

    #[test]
    fn unquote_reverses_debug_strings() {
        for s in [
            "plain",
            "with \"quotes\"",
            "tab\tnew\nline",
            "ünï ☃",
            "back\\slash",
            "",
        ] {
            assert_eq!(unquote(&format!("{s:?}")), s);
        }
        assert_eq!(unquote("no quotes"), "no quotes");
    }
}
