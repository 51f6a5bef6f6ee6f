//! Writing a dataset (exported values with their exact type and the
//! source's attributes) into a new HDF5 or NeXus file.

use hdf5::types::{CompoundField, CompoundType, FloatSize, IntSize, TypeDescriptor, VarLenUnicode};

use super::Request;
use crate::data::typed::Elem;
use crate::data::{Data, Value, hdf5_raw};

fn int_size(bytes: usize) -> Result<IntSize, String> {
    IntSize::from_int(bytes).ok_or_else(|| format!("{bytes}-byte integers"))
}

/// The HDF5 type of an exported element (`None` for text, written as
/// variable-length UTF-8 strings instead).
fn descriptor(e: &Elem) -> Result<Option<TypeDescriptor>, String> {
    let float = |bytes: usize| match bytes {
        2 => Ok(FloatSize::U2),
        4 => Ok(FloatSize::U4),
        8 => Ok(FloatSize::U8),
        b => Err(format!("{b}-byte floats")),
    };
    Ok(Some(match e {
        Elem::Int {
            bytes,
            signed: true,
        } => TypeDescriptor::Integer(int_size(*bytes)?),
        Elem::Int { bytes, .. } => TypeDescriptor::Unsigned(int_size(*bytes)?),
        Elem::Float { bytes } => TypeDescriptor::Float(float(*bytes)?),
        Elem::Complex { bytes } => {
            let half = bytes / 2;
            let part = TypeDescriptor::Float(float(half)?);
            TypeDescriptor::Compound(CompoundType {
                fields: vec![
                    CompoundField::new("r", part.clone(), 0, 0),
                    CompoundField::new("i", part, half, 1),
                ],
                size: *bytes,
            })
        }
        Elem::Bool => TypeDescriptor::Boolean,
        Elem::Bytes(n) => TypeDescriptor::FixedAscii(*n),
        Elem::Utf32(_) => return Ok(None),
        Elem::Struct { fields, size } => TypeDescriptor::Compound(CompoundType {
            fields: fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let ty = descriptor(&f.ty)?
                        .ok_or_else(|| "text inside compound values".to_owned())?;
                    Ok(CompoundField::new(&f.name, ty, f.offset, i))
                })
                .collect::<Result<Vec<_>, String>>()?,
            size: *size,
        }),
        Elem::Array { base, len } => TypeDescriptor::FixedArray(
            Box::new(descriptor(base)?.ok_or_else(|| "arrays of text".to_owned())?),
            *len,
        ),
    }))
}

/// Write `r.data` as dataset `name` into a new file at `r.out` (under
/// `/entry/data`, an NXentry and NXdata with `@signal`, for NeXus), with the
/// attributes the source gives for the dataset.
pub fn write_copy(r: &Request, name: &str, nexus: bool) -> Result<(), String> {
    let e = |e: hdf5::Error| e.to_string();
    // The 1.8 format or later: attributes larger than 64 KiB go to dense
    // storage instead of failing the export.
    let file = hdf5::File::with_options()
        .with_fapl(|p| p.libver_v18())
        .create(r.out)
        .map_err(e)?;
    let group = if nexus {
        let entry = file.create_group("entry").map_err(e)?;
        write_str_attr(&entry, "NX_class", "NXentry")?;
        write_str_attr(&entry, "default", "data")?;
        let data = entry.create_group("data").map_err(e)?;
        write_str_attr(&data, "NX_class", "NXdata")?;
        write_str_attr(&data, "signal", name)?;
        data
    } else {
        file.as_group().map_err(e)?
    };
    let d = r.data;
    let ds = match descriptor(&d.elem)? {
        Some(td) => {
            let ds = group
                .new_dataset_builder()
                .empty_as(&td)
                .shape(d.shape.as_slice())
                .create(name)
                .map_err(e)?;
            let mem = hdf5::Datatype::from_descriptor(&td).map_err(e)?;
            if !d.bytes.is_empty() {
                hdf5_raw::write_bytes(ds.id(), mem.id(), &d.bytes)?;
            }
            ds
        }
        None => {
            let text: Vec<VarLenUnicode> = (0..d.len())
                .map(|i| {
                    d.element_text(i)
                        .replace('\0', "")
                        .parse()
                        .unwrap_or_default()
                })
                .collect();
            let arr = ndarray::ArrayD::from_shape_vec(d.shape.clone(), text)
                .map_err(|x| x.to_string())?;
            group
                .new_dataset_builder()
                .with_data(&arr)
                .create(name)
                .map_err(e)?
        }
    };
    // Attributes that cannot be read from the source are left out, as the
    // inspector shows them (with the reason) in the source itself.
    if let Ok(entity) = r.source.entity(r.object) {
        for a in &entity.attributes {
            if let Ok(v) = &a.value {
                write_value_attr(&ds, &a.name, v, &a.dtype)?;
            }
        }
    }
    file.close().map_err(e)
}

fn write_str_attr(loc: &hdf5::Location, name: &str, value: &str) -> Result<(), String> {
    let v: VarLenUnicode = value.parse().map_err(|_| format!("the text of {name}"))?;
    loc.new_attr::<VarLenUnicode>()
        .create(name)
        .and_then(|a| a.write_scalar(&v))
        .map_err(|e| e.to_string())
}

/// A complex number as h5py writes it: a compound {r, i} of two floats.
#[derive(hdf5::H5Type, Clone, Copy)]
#[repr(C)]
struct Complex64 {
    r: f32,
    i: f32,
}

#[derive(hdf5::H5Type, Clone, Copy)]
#[repr(C)]
struct Complex128 {
    r: f64,
    i: f64,
}

/// An attribute from a read value: numbers keep their type (complex ones
/// their width, from `dtype`), strings and other text become UTF-8 strings.
fn write_value_attr(
    loc: &hdf5::Location,
    name: &str,
    v: &Value,
    dtype: &crate::data::DType,
) -> Result<(), String> {
    macro_rules! typed {
        ($vec:expr) => {{
            let arr = ndarray::ArrayD::from_shape_vec(v.shape.clone(), $vec.clone())
                .map_err(|e| e.to_string())?;
            loc.new_attr_builder()
                .with_data(&arr)
                .create(name)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }};
    }
    match &v.data {
        Data::I8(x) => typed!(x),
        Data::I16(x) => typed!(x),
        Data::I32(x) => typed!(x),
        Data::I64(x) => typed!(x),
        Data::U8(x) => typed!(x),
        Data::U16(x) => typed!(x),
        Data::U32(x) => typed!(x),
        Data::U64(x) => typed!(x),
        Data::F32(x) => typed!(x),
        Data::F64(x) => typed!(x),
        Data::Bool(x) => typed!(x),
        #[allow(clippy::cast_possible_truncation)]
        Data::Complex(z) if matches!(dtype, crate::data::DType::Complex { bytes: 8 }) => {
            let z: Vec<Complex64> = z
                .iter()
                .map(|&(r, i)| Complex64 {
                    r: r as f32,
                    i: i as f32,
                })
                .collect();
            typed!(z)
        }
        Data::Complex(z) => {
            let z: Vec<Complex128> = z.iter().map(|&(r, i)| Complex128 { r, i }).collect();
            typed!(z)
        }
        Data::Str(x) | Data::Text(x) => {
            let text: Vec<VarLenUnicode> = x
                .iter()
                .map(|s| s.replace('\0', "").parse().unwrap_or_default())
                .collect();
            typed!(text)
        }
    }
}
