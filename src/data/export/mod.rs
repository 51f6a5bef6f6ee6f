//! Writing a dataset, or a selection of it, to a file whose format follows
//! from its extension: `.npy` (exact dtype and shape), `.csv`/`.tsv` (1-D and
//! 2-D; one column per field of compound data), `.tiff` (2-D images) and
//! `.h5`/`.nxs` (the dataset with its attributes). The CLI's `export` and the
//! viewer's **Export data…** call [`export`]. Adding a format is one entry in
//! [`FORMATS`].

mod hdf5_file;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::typed::{Elem, Typed};
use super::{DataError, DataSource, Progress, Selection};

/// Errors exporting, worded for the person who asked for the file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Read(#[from] DataError),
    #[error(
        "Panorama cannot write “{extension}” files: name the output .npy, .csv, .tsv, .tiff, .h5 or .nxs"
    )]
    UnknownFormat { extension: String },
    #[error("{format} cannot hold this data: {reason}")]
    DoesNotFit {
        format: &'static str,
        reason: String,
    },
    #[error("could not write {path}: {source}. Check the folder exists and there is space left")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("HDF5 could not write {path}: {message}")]
    Hdf5 { path: String, message: String },
}

/// What a finished export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub path: PathBuf,
    pub format: &'static str,
    pub shape: Vec<usize>,
    pub bytes: u64,
}

/// What a format writer is given.
pub struct Request<'a> {
    pub source: &'a dyn DataSource,
    /// The dataset's path in the source.
    pub object: &'a str,
    pub selection: &'a Selection,
    pub data: &'a Typed,
    /// Where to write (a temporary name beside the final one).
    pub out: &'a Path,
}

/// One output format.
pub struct Format {
    pub name: &'static str,
    /// Lower-case file extensions without the dot.
    pub extensions: &'static [&'static str],
    pub write: fn(&Request) -> Result<(), ExportError>,
}

/// Every format `export` can write.
pub const FORMATS: &[Format] = &[
    Format {
        name: "NumPy .npy",
        extensions: &["npy"],
        write: write_npy,
    },
    Format {
        name: "CSV",
        extensions: &["csv"],
        write: |r| write_delimited(r, b','),
    },
    Format {
        name: "TSV",
        extensions: &["tsv", "tab"],
        write: |r| write_delimited(r, b'\t'),
    },
    Format {
        name: "TIFF",
        extensions: &["tiff", "tif"],
        write: write_tiff,
    },
    Format {
        name: "HDF5",
        extensions: &["h5", "hdf5", "hdf"],
        write: |r| write_hdf5(r, false),
    },
    Format {
        name: "NeXus",
        extensions: &["nxs", "nx5"],
        write: |r| write_hdf5(r, true),
    },
];

/// The format for an output path, by its extension.
pub fn format_for(out: &Path) -> Result<&'static Format, ExportError> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    FORMATS
        .iter()
        .find(|f| f.extensions.contains(&ext.as_str()))
        .ok_or(ExportError::UnknownFormat {
            extension: if ext.is_empty() {
                "(no extension)".into()
            } else {
                format!(".{ext}")
            },
        })
}

/// Read `object` (or `selection` of it) from `source` and write it to `out`.
/// The file appears whole or not at all: it is written under a temporary
/// name and renamed when complete.
pub fn export(
    source: &dyn DataSource,
    object: &str,
    selection: &Selection,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Exported, ExportError> {
    export_view(source, object, selection, false, out, progress)
}

/// [`export`] of what a view shows: with `transpose`, a 2-D selection is
/// written with its two axes swapped (rows from a later axis than columns).
pub fn export_view(
    source: &dyn DataSource,
    object: &str,
    selection: &Selection,
    transpose: bool,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Exported, ExportError> {
    export_with(source, object, selection, (transpose, false), out, progress)
}

/// [`export_view`], with `(transpose, cf)`: with `cf`, a variable with CF
/// attributes (`_Unsigned`, `_FillValue`, `valid_range`, `scale_factor`, …)
/// is written as the values they mean (float64, missing ones NaN).
pub fn export_with(
    source: &dyn DataSource,
    object: &str,
    selection: &Selection,
    (transpose, cf): (bool, bool),
    out: &Path,
    progress: &dyn Progress,
) -> Result<Exported, ExportError> {
    let format = format_for(out)?;
    let rule = if cf {
        source
            .entity(object)
            .ok()
            .and_then(|e| super::cf::CfRule::of(&e))
    } else {
        None
    };
    let mut data = match rule {
        Some(rule) => {
            let v = rule.apply(&source.value(object, selection, progress)?);
            super::Typed::from_value(
                &v,
                &super::DType::Float {
                    bytes: 8,
                    big_endian: false,
                },
            )?
        }
        None => source.typed(object, selection, progress)?,
    };
    if transpose {
        data = data
            .transposed_2d()
            .ok_or_else(|| ExportError::DoesNotFit {
                format: format.name,
                reason: "only a 2-D slice can be written transposed".into(),
            })?;
    }
    if progress.cancelled() {
        return Err(DataError::Cancelled.into());
    }
    let mut part = out.as_os_str().to_owned();
    part.push(".partial");
    let part = PathBuf::from(part);
    let result = (format.write)(&Request {
        source,
        object,
        selection,
        data: &data,
        out: &part,
    })
    .and_then(|()| {
        std::fs::rename(&part, out).map_err(|source| ExportError::Write {
            path: out.display().to_string(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result?;
    let bytes = std::fs::metadata(out).map_or(0, |m| m.len());
    Ok(Exported {
        path: out.to_path_buf(),
        format: format.name,
        shape: data.shape.clone(),
        bytes,
    })
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Write {
        path: path.display().to_string(),
        source,
    }
}

/// The `.npy` header (format 1.0, or 3.0 for a header that is long or not
/// Latin-1), padded so the data starts at a multiple of 64 bytes.
pub fn npy_header(elem: &Elem, shape: &[usize]) -> Vec<u8> {
    let dims: String = match shape {
        [] => "()".to_owned(),
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dict = format!(
        "{{'descr': {}, 'fortran_order': False, 'shape': {dims}, }}",
        elem.npy_descr()
    );
    let v3 = !dict.is_ascii() || dict.len() > 60_000;
    let prefix = if v3 { 12 } else { 10 };
    let total = (prefix + dict.len() + 1).next_multiple_of(64);
    let mut text = dict.into_bytes();
    text.resize(total - prefix - 1, b' ');
    text.push(b'\n');
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"\x93NUMPY");
    if v3 {
        out.extend_from_slice(&[3, 0]);
        out.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
    } else {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&u16::try_from(text.len()).unwrap_or(u16::MAX).to_le_bytes());
    }
    out.extend_from_slice(&text);
    out
}

/// Flush a buffered file and make its bytes durable before the rename.
fn finish(f: std::io::BufWriter<std::fs::File>, path: &Path) -> Result<(), ExportError> {
    let io = io_err(path);
    f.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)
}

fn write_npy(r: &Request) -> Result<(), ExportError> {
    let io = io_err(r.out);
    let mut f = std::io::BufWriter::new(std::fs::File::create(r.out).map_err(&io)?);
    f.write_all(&npy_header(&r.data.elem, &r.data.shape))
        .map_err(&io)?;
    f.write_all(&r.data.bytes).map_err(&io)?;
    finish(f, r.out)
}

/// A field of a delimited file, quoted where it must be (RFC 4180).
fn cell(text: &str, sep: u8) -> String {
    if text
        .bytes()
        .any(|b| b == sep || b == b'"' || b == b'\n' || b == b'\r')
    {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn write_delimited(r: &Request, sep: u8) -> Result<(), ExportError> {
    let d = r.data;
    let name = if sep == b',' { "CSV" } else { "TSV" };
    let s = char::from(sep).to_string();
    let (rows, cols) = match d.shape.as_slice() {
        [] => (1, 1),
        [n] => (*n, 1),
        [n, m] => (*n, *m),
        _ => {
            return Err(ExportError::DoesNotFit {
                format: name,
                reason: format!(
                    "it holds 1-D and 2-D data, and this is {}-D: select a 1-D or 2-D slice",
                    d.shape.len()
                ),
            });
        }
    };
    let io = io_err(r.out);
    let mut f = std::io::BufWriter::new(std::fs::File::create(r.out).map_err(&io)?);
    if let Elem::Struct { fields, .. } = &d.elem {
        if cols != 1 {
            return Err(ExportError::DoesNotFit {
                format: name,
                reason: "a table of compound values must be 1-D: select one row or column".into(),
            });
        }
        let header: Vec<String> = fields.iter().map(|fl| cell(&fl.name, sep)).collect();
        writeln!(f, "{}", header.join(&s)).map_err(&io)?;
        for i in 0..rows {
            let line: Vec<String> = fields
                .iter()
                .map(|fl| cell(&d.field_text(i, fl), sep))
                .collect();
            writeln!(f, "{}", line.join(&s)).map_err(&io)?;
        }
    } else {
        for i in 0..rows {
            let line: Vec<String> = (0..cols)
                .map(|j| cell(&d.element_text(i * cols + j), sep))
                .collect();
            writeln!(f, "{}", line.join(&s)).map_err(&io)?;
        }
    }
    finish(f, r.out)
}

fn write_tiff(r: &Request) -> Result<(), ExportError> {
    use tiff::encoder::{TiffEncoder, colortype};
    let d = r.data;
    let [h, w] = d.shape.as_slice() else {
        return Err(ExportError::DoesNotFit {
            format: "TIFF",
            reason: format!(
                "an image is 2-D, and this is {}-D: select one image",
                d.shape.len()
            ),
        });
    };
    let (w, h) = (
        u32::try_from(*w).unwrap_or(u32::MAX),
        u32::try_from(*h).unwrap_or(u32::MAX),
    );
    let io = io_err(r.out);
    let file = std::fs::File::create(r.out).map_err(&io)?;
    let mut enc = TiffEncoder::new(std::io::BufWriter::new(file)).map_err(|e| tiff_err(r, &e))?;
    macro_rules! img {
        ($c:ty, $t:ty) => {{
            let px: Vec<$t> = d
                .bytes
                .chunks_exact(std::mem::size_of::<$t>())
                .map(|c| <$t>::from_le_bytes(c.try_into().unwrap_or_default()))
                .collect();
            enc.write_image::<$c>(w, h, &px)
        }};
    }
    let written = match &d.elem {
        Elem::Int {
            bytes: 1,
            signed: false,
        }
        | Elem::Bool => enc.write_image::<colortype::Gray8>(w, h, &d.bytes),
        Elem::Int {
            bytes: 1,
            signed: true,
        } => img!(colortype::GrayI8, i8),
        Elem::Int {
            bytes: 2,
            signed: false,
        } => img!(colortype::Gray16, u16),
        Elem::Int {
            bytes: 2,
            signed: true,
        } => img!(colortype::GrayI16, i16),
        Elem::Int {
            bytes: 4,
            signed: false,
        } => img!(colortype::Gray32, u32),
        Elem::Int {
            bytes: 4,
            signed: true,
        } => img!(colortype::GrayI32, i32),
        Elem::Int {
            bytes: 8,
            signed: false,
        } => img!(colortype::Gray64, u64),
        Elem::Int { bytes: 8, .. } => img!(colortype::GrayI64, i64),
        Elem::Float { bytes: 2 } => {
            let px: Vec<f32> = d
                .bytes
                .chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect();
            enc.write_image::<colortype::Gray32Float>(w, h, &px)
        }
        Elem::Float { bytes: 4 } => img!(colortype::Gray32Float, f32),
        Elem::Float { .. } => img!(colortype::Gray64Float, f64),
        other => {
            return Err(ExportError::DoesNotFit {
                format: "TIFF",
                reason: format!(
                    "a grey image holds numbers, not {}",
                    other.npy_descr().trim_matches('\'')
                ),
            });
        }
    };
    written.map_err(|e| tiff_err(r, &e))
}

fn tiff_err(r: &Request, e: &tiff::TiffError) -> ExportError {
    ExportError::Write {
        path: r.out.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn write_hdf5(r: &Request, nexus: bool) -> Result<(), ExportError> {
    let name = r
        .object
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("data");
    hdf5_file::write_copy(r, name, nexus).map_err(|message| ExportError::Hdf5 {
        path: r.out.display().to_string(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_headers_are_aligned_and_versioned() {
        let h = npy_header(&Elem::Float { bytes: 8 }, &[3, 4]);
        assert_eq!(h.len() % 64, 0);
        assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
        let text = String::from_utf8_lossy(&h[10..]);
        assert!(text.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }"));
        assert!(text.ends_with('\n'));
        let scalar = npy_header(&Elem::Bool, &[]);
        assert!(String::from_utf8_lossy(&scalar).contains("'shape': ()"));
        let one = npy_header(&Elem::Bool, &[5]);
        assert!(String::from_utf8_lossy(&one).contains("'shape': (5,)"));
        // Non-Latin-1 field names need format 3.0 (UTF-8 header).
        let s = Elem::Struct {
            fields: vec![super::super::typed::Field {
                name: "µ☃".into(),
                offset: 0,
                ty: Elem::Bool,
            }],
            size: 1,
        };
        let h3 = npy_header(&s, &[1]);
        assert_eq!(&h3[6..8], &[3, 0]);
        assert_eq!(h3.len() % 64, 0);
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(
            format_for(Path::new("a.NPY")).expect("npy").name,
            "NumPy .npy"
        );
        assert_eq!(format_for(Path::new("a.tif")).expect("tif").name, "TIFF");
        let err = format_for(Path::new("a.xlsx")).err().expect("refused");
        assert!(err.to_string().contains(".xlsx"), "{err}");
        assert!(format_for(Path::new("noext")).is_err());
        assert_eq!(cell("a,b", b','), "\"a,b\"");
        assert_eq!(cell("say \"x\"", b'\t'), "\"say \"\"x\"\"\"");
        assert_eq!(cell("plain", b','), "plain");
    }
}
