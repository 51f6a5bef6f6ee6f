//! Values with their exact element type: the bytes of every element in C
//! layout (little-endian, aligned fields), for exports that must keep the
//! file's types (`.npy` structured dtypes, fixed strings, float16, complex).
//! [`super::Value`] is what views plot; this is what `export` writes.

use std::fmt::Write as _;

use super::{DType, Data, DataError, Value};

/// One element's type, as NumPy would describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elem {
    Int {
        bytes: usize,
        signed: bool,
    },
    Float {
        bytes: usize,
    },
    /// Real and imaginary floats, `bytes` in total.
    Complex {
        bytes: usize,
    },
    Bool,
    /// A byte string of fixed length (NumPy `S`), NUL padded.
    Bytes(usize),
    /// A text of fixed length in characters (NumPy `U`, UTF-32).
    Utf32(usize),
    Struct {
        fields: Vec<Field>,
        size: usize,
    },
    Array {
        base: Box<Elem>,
        len: usize,
    },
}

/// A field of a structured element, at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub offset: usize,
    pub ty: Elem,
}

impl Elem {
    /// Bytes one element takes.
    pub fn size(&self) -> usize {
        match self {
            Self::Int { bytes, .. } | Self::Float { bytes } | Self::Complex { bytes } => *bytes,
            Self::Bool => 1,
            Self::Bytes(n) => *n,
            Self::Utf32(n) => n * 4,
            Self::Struct { size, .. } => *size,
            Self::Array { base, len } => base.size() * len,
        }
    }

    /// The NumPy array-protocol description (`'<f8'`, `[('a', '<i4'), …]`),
    /// as the `.npy` header writes it.
    pub fn npy_descr(&self) -> String {
        let order = |bytes: usize| if bytes == 1 { '|' } else { '<' };
        match self {
            Self::Int { bytes, signed } => {
                format!(
                    "'{}{}{bytes}'",
                    order(*bytes),
                    if *signed { 'i' } else { 'u' }
                )
            }
            Self::Float { bytes } => format!("'<f{bytes}'"),
            Self::Complex { bytes } => format!("'<c{bytes}'"),
            Self::Bool => "'|b1'".to_owned(),
            Self::Bytes(n) => format!("'|S{n}'"),
            Self::Utf32(n) => format!("'<U{n}'"),
            Self::Array { base, .. } => base.npy_descr(),
            Self::Struct { fields, size } => {
                let mut out = String::from("[");
                let mut pos = 0usize;
                let mut fields: Vec<&Field> = fields.iter().collect();
                fields.sort_by_key(|f| f.offset);
                for f in fields {
                    if f.offset > pos {
                        // Unnamed void fields are padding to NumPy.
                        let _ = write!(out, "('', '|V{}'), ", f.offset - pos);
                    }
                    let name = py_str(&f.name);
                    match &f.ty {
                        Self::Array { .. } => {
                            // Arrays of arrays: one subarray of all their dimensions.
                            let mut dims = Vec::new();
                            let mut base = &f.ty;
                            while let Self::Array { base: b, len } = base {
                                dims.push(len.to_string());
                                base = b;
                            }
                            let _ = write!(
                                out,
                                "({name}, {}, ({},)), ",
                                base.npy_descr(),
                                dims.join(", ")
                            );
                        }
                        t => {
                            let _ = write!(out, "({name}, {}), ", t.npy_descr());
                        }
                    }
                    pos = f.offset + f.ty.size();
                }
                if *size > pos {
                    let _ = write!(out, "('', '|V{}'), ", size - pos);
                }
                out.push(']');
                out
            }
        }
    }
}

/// A Python string literal.
fn py_str(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Elements of one type in C order, little-endian.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed {
    /// Empty for a scalar.
    pub shape: Vec<usize>,
    pub elem: Elem,
    pub bytes: Vec<u8>,
}

impl Typed {
    /// Check that the bytes hold exactly `shape` elements of `elem`.
    pub fn new(shape: Vec<usize>, elem: Elem, bytes: Vec<u8>) -> Result<Self, DataError> {
        let n =
            super::checked_product(shape.iter().copied()).and_then(|n| n.checked_mul(elem.size()));
        if n != Some(bytes.len()) {
            return Err(DataError::Malformed {
                object: String::new(),
                message: format!(
                    "{} bytes for {shape:?} elements of {} bytes",
                    bytes.len(),
                    elem.size()
                ),
            });
        }
        Ok(Self { shape, elem, bytes })
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.elem.size().max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// A numeric value in its element type; `dtype` is the file's type, so
    /// that float16 (read as float32) is written as float16 again.
    pub fn from_value(v: &Value, dtype: &DType) -> Result<Self, DataError> {
        macro_rules! le {
            ($vec:expr, $elem:expr) => {{
                let mut bytes = Vec::with_capacity($vec.len() * $elem.size());
                for x in $vec {
                    bytes.extend_from_slice(&x.to_le_bytes());
                }
                ($elem, bytes)
            }};
        }
        let int = |bytes: usize, signed: bool| Elem::Int { bytes, signed };
        let (elem, bytes) = match &v.data {
            Data::I8(x) => le!(x, int(1, true)),
            Data::I16(x) => le!(x, int(2, true)),
            Data::I32(x) => le!(x, int(4, true)),
            Data::I64(x) => le!(x, int(8, true)),
            Data::U8(x) => le!(x, int(1, false)),
            Data::U16(x) => le!(x, int(2, false)),
            Data::U32(x) => le!(x, int(4, false)),
            Data::U64(x) => le!(x, int(8, false)),
            Data::F32(x) if matches!(dtype, DType::Float { bytes: 2, .. }) => {
                let halves: Vec<half::f16> = x.iter().map(|&f| half::f16::from_f32(f)).collect();
                le!(&halves, Elem::Float { bytes: 2 })
            }
            Data::F32(x) => le!(x, Elem::Float { bytes: 4 }),
            Data::F64(x) => le!(x, Elem::Float { bytes: 8 }),
            Data::Bool(x) => (Elem::Bool, x.iter().map(|&b| u8::from(b)).collect()),
            Data::Complex(x) => {
                let mut bytes = Vec::with_capacity(x.len() * 16);
                for (re, im) in x {
                    bytes.extend_from_slice(&re.to_le_bytes());
                    bytes.extend_from_slice(&im.to_le_bytes());
                }
                (Elem::Complex { bytes: 16 }, bytes)
            }
            Data::Str(x) => {
                let n = x
                    .iter()
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(1);
                let mut bytes = Vec::with_capacity(x.len() * n * 4);
                for s in x {
                    let mut k = 0;
                    for c in s.chars() {
                        bytes.extend_from_slice(&(c as u32).to_le_bytes());
                        k += 1;
                    }
                    bytes.resize(bytes.len() + (n - k) * 4, 0);
                }
                (Elem::Utf32(n), bytes)
            }
            Data::Text(_) => {
                return Err(DataError::Malformed {
                    object: String::new(),
                    message: "values shown as text have no exact type to export".into(),
                });
            }
        };
        Self::new(v.shape.clone(), elem, bytes)
    }

    /// The 2-D values with rows and columns swapped (`None` unless 2-D).
    pub fn transposed_2d(&self) -> Option<Self> {
        let [rows, cols] = self.shape.as_slice() else {
            return None;
        };
        let (rows, cols) = (*rows, *cols);
        let size = self.elem.size();
        let mut bytes = vec![0u8; self.bytes.len()];
        for r in 0..rows {
            for c in 0..cols {
                let from = (r * cols + c) * size;
                let to = (c * rows + r) * size;
                bytes[to..to + size].copy_from_slice(&self.bytes[from..from + size]);
            }
        }
        Some(Self {
            shape: vec![cols, rows],
            elem: self.elem.clone(),
            bytes,
        })
    }

    /// Element `i` as text (numbers exact, strings as they are; structured
    /// elements as `{a: 1, b: x}`).
    pub fn element_text(&self, i: usize) -> String {
        let size = self.elem.size();
        self.bytes
            .get(i * size..(i + 1) * size)
            .map(|b| elem_text(&self.elem, b))
            .unwrap_or_default()
    }

    /// One field's elements as text, for one column per field.
    pub fn field_text(&self, i: usize, field: &Field) -> String {
        let size = self.elem.size();
        let start = i * size + field.offset;
        self.bytes
            .get(start..start + field.ty.size())
            .map(|b| elem_text(&field.ty, b))
            .unwrap_or_default()
    }
}

/// The first `N` bytes of `b` as an array (zeros where `b` is shorter).
pub(super) fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = b.len().min(N);
    out[..n].copy_from_slice(&b[..n]);
    out
}

fn elem_text(e: &Elem, b: &[u8]) -> String {
    match e {
        Elem::Int { bytes, signed } => match (bytes, signed) {
            (1, true) => i8::from_le_bytes(arr(b)).to_string(),
            (2, true) => i16::from_le_bytes(arr(b)).to_string(),
            (4, true) => i32::from_le_bytes(arr(b)).to_string(),
            (_, true) => i64::from_le_bytes(arr(b)).to_string(),
            (1, false) => u8::from_le_bytes(arr(b)).to_string(),
            (2, false) => u16::from_le_bytes(arr(b)).to_string(),
            (4, false) => u32::from_le_bytes(arr(b)).to_string(),
            (_, false) => u64::from_le_bytes(arr(b)).to_string(),
        },
        Elem::Float { bytes: 2 } => half::f16::from_le_bytes(arr(b)).to_string(),
        Elem::Float { bytes: 4 } => f32::from_le_bytes(arr(b)).to_string(),
        Elem::Float { .. } => f64::from_le_bytes(arr(b)).to_string(),
        Elem::Complex { bytes } => {
            let h = bytes / 2;
            let (re, im) = if h == 4 {
                (
                    f64::from(f32::from_le_bytes(arr(b))),
                    f64::from(f32::from_le_bytes(arr(b.get(4..).unwrap_or_default()))),
                )
            } else {
                (
                    f64::from_le_bytes(arr(b)),
                    f64::from_le_bytes(arr(b.get(8..).unwrap_or_default())),
                )
            };
            format!("{re}{im:+}j")
        }
        Elem::Bool => (b.first().copied().unwrap_or(0) != 0).to_string(),
        Elem::Bytes(_) => {
            let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
            decode_text(&b[..end])
        }
        Elem::Utf32(_) => b
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(arr(c)))
            .take_while(|&c| c != 0)
            .filter_map(char::from_u32)
            .collect(),
        Elem::Struct { fields, .. } => {
            let parts: Vec<String> = fields
                .iter()
                .map(|f| {
                    let v = b
                        .get(f.offset..f.offset + f.ty.size())
                        .map(|fb| elem_text(&f.ty, fb))
                        .unwrap_or_default();
                    format!("{}: {v}", f.name)
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Elem::Array { base, .. } => {
            let parts: Vec<String> = b
                .chunks_exact(base.size().max(1))
                .map(|c| elem_text(base, c))
                .collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// Text of bytes that should be UTF-8: as UTF-8 where they are, otherwise
/// as Latin-1 (what old instrument software writes), never failing.
pub fn decode_text(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    // The valid UTF-8 runs as they are; each stray byte as Latin-1; a
    // multi-byte character cut off by a fixed length at the end as U+FFFD.
    let mut out = String::with_capacity(bytes.len());
    let mut chunks = bytes.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        out.push_str(chunk.valid());
        let bad = chunk.invalid();
        let cut_at_end = chunks.peek().is_none()
            && !bad.is_empty()
            && bad[0] >= 0xc0
            && std::str::from_utf8(bad).is_err_and(|e| e.error_len().is_none());
        if cut_at_end {
            out.push('\u{fffd}');
        } else {
            out.extend(bad.iter().map(|&b| char::from(b)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_numpy_protocol_strings_with_padding() {
        let s = Elem::Struct {
            fields: vec![
                Field {
                    name: "a".into(),
                    offset: 0,
                    ty: Elem::Int {
                        bytes: 1,
                        signed: true,
                    },
                },
                Field {
                    name: "it's".into(),
                    offset: 8,
                    ty: Elem::Array {
                        base: Box::new(Elem::Float { bytes: 8 }),
                        len: 3,
                    },
                },
            ],
            size: 40,
        };
        assert_eq!(
            s.npy_descr(),
            "[('a', '|i1'), ('', '|V7'), ('it\\'s', '<f8', (3,)), ('', '|V8'), ]"
        );
        assert_eq!(Elem::Utf32(5).npy_descr(), "'<U5'");
        let nested = Elem::Struct {
            fields: vec![Field {
                name: "m".into(),
                offset: 0,
                ty: Elem::Array {
                    base: Box::new(Elem::Array {
                        base: Box::new(Elem::Int {
                            bytes: 2,
                            signed: false,
                        }),
                        len: 3,
                    }),
                    len: 2,
                },
            }],
            size: 12,
        };
        assert_eq!(nested.npy_descr(), "[('m', '<u2', (2, 3,)), ]");
    }

    #[test]
    fn values_keep_their_type_and_float16_stays_float16() {
        let v = Value::new(vec![2], Data::F32(vec![1.5, -2.0])).expect("value");
        let t = Typed::from_value(
            &v,
            &DType::Float {
                bytes: 2,
                big_endian: false,
            },
        )
        .expect("typed");
        assert_eq!(t.elem, Elem::Float { bytes: 2 });
        assert_eq!(t.bytes, vec![0x00, 0x3e, 0x00, 0xc0]);
        assert_eq!(t.element_text(1), "-2");
        let s = Value::new(vec![2], Data::Str(vec!["µm".into(), "a".into()])).expect("s");
        let t = Typed::from_value(
            &s,
            &DType::Str {
                fixed: None,
                utf8: true,
            },
        )
        .expect("typed");
        assert_eq!(t.elem, Elem::Utf32(2));
        assert_eq!(t.element_text(0), "µm");
        assert_eq!(t.element_text(1), "a");
        assert!(Typed::new(vec![3], Elem::Bool, vec![0, 1]).is_err());
        let m = Typed::new(
            vec![2, 3],
            Elem::Int {
                bytes: 1,
                signed: false,
            },
            vec![1, 2, 3, 4, 5, 6],
        )
        .expect("2x3");
        let t = m.transposed_2d().expect("3x2");
        assert_eq!(t.shape, vec![3, 2]);
        assert_eq!(t.bytes, vec![1, 4, 2, 5, 3, 6]);
        assert!(t.transposed_2d().expect("back") == m);
    }
}
