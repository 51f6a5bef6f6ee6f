//! Typed values and types: what every view receives, validated once.

use std::fmt;

use serde::Serialize;

use super::DataError;

/// The type of a dataset or attribute, as the file declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum DType {
    Int {
        bytes: u8,
        signed: bool,
        big_endian: bool,
    },
    Float {
        bytes: u8,
        big_endian: bool,
    },
    /// Real and imaginary parts, `bytes` in total.
    Complex {
        bytes: u8,
    },
    Bool,
    Str {
        /// Length for fixed-length strings, `None` for variable length.
        fixed: Option<usize>,
        utf8: bool,
    },
    Enum {
        bytes: u8,
        signed: bool,
        members: Vec<(String, i64)>,
    },
    Compound {
        fields: Vec<(String, DType)>,
    },
    Array {
        base: Box<DType>,
        len: usize,
    },
    VarLen {
        base: Box<DType>,
    },
    Reference,
    /// A type Panorama cannot interpret (opaque, bitfield, time…): shown, not read.
    Other {
        description: String,
    },
}

impl DType {
    /// True for types that plots can use (integers, floats, booleans).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Self::Int { .. } | Self::Float { .. } | Self::Bool)
    }

    /// True for numbers and complex numbers (plotted one part at a time).
    pub fn is_plottable(&self) -> bool {
        self.is_numeric() || self.is_complex()
    }

    pub fn is_complex(&self) -> bool {
        matches!(self, Self::Complex { .. })
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let be = |f: &mut fmt::Formatter<'_>, big: bool| {
            if big {
                f.write_str(" (big-endian)")
            } else {
                Ok(())
            }
        };
        match self {
            Self::Int {
                bytes,
                signed,
                big_endian,
            } => {
                write!(f, "{}int{}", if *signed { "" } else { "u" }, bytes * 8)?;
                be(f, *big_endian)
            }
            Self::Float { bytes, big_endian } => {
                write!(f, "float{}", bytes * 8)?;
                be(f, *big_endian)
            }
            Self::Complex { bytes } => write!(f, "complex{}", bytes * 8),
            Self::Bool => f.write_str("bool"),
            Self::Str { fixed, utf8 } => {
                let enc = if *utf8 { "UTF-8" } else { "ASCII" };
                match fixed {
                    Some(n) => write!(f, "string[{n}] ({enc})"),
                    None => write!(f, "string ({enc})"),
                }
            }
            Self::Enum { members, .. } => {
                let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
                write!(f, "enum {{{}}}", names.join(", "))
            }
            Self::Compound { fields } => {
                let parts: Vec<String> = fields.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                write!(f, "compound {{{}}}", parts.join(", "))
            }
            Self::Array { base, len } => write!(f, "{base}[{len}]"),
            Self::VarLen { base } => write!(f, "vlen {base}"),
            Self::Reference => f.write_str("reference"),
            Self::Other { description } => f.write_str(description),
        }
    }
}

/// The elements of a value, in C order.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
    /// (re, im) pairs.
    Complex(Vec<(f64, f64)>),
    Str(Vec<String>),
    /// Elements of other types (compound rows, enums, arrays) rendered as text.
    Text(Vec<String>),
}

/// Which real numbers a view shows of complex values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ComplexPart {
    /// |z|
    #[default]
    Amplitude,
    /// arg z, in radians in (−π, π] (as numpy's `angle`).
    Phase,
    Real,
    Imaginary,
}

impl ComplexPart {
    pub const ALL: [Self; 4] = [Self::Amplitude, Self::Phase, Self::Real, Self::Imaginary];

    pub fn name(self) -> &'static str {
        match self {
            Self::Amplitude => "amplitude",
            Self::Phase => "phase",
            Self::Real => "real",
            Self::Imaginary => "imaginary",
        }
    }

    /// This part of `re + im·i`.
    pub fn of(self, (re, im): (f64, f64)) -> f64 {
        match self {
            Self::Amplitude => re.hypot(im),
            Self::Phase => im.atan2(re),
            Self::Real => re,
            Self::Imaginary => im,
        }
    }
}

/// `re + im·i` as the readout shows it: both parts, amplitude and phase.
pub fn complex_readout((re, im): (f64, f64)) -> String {
    format!(
        "{re} {} {}i   |z| = {}   arg = {} rad",
        if im.is_sign_negative() { '−' } else { '+' },
        im.abs(),
        ComplexPart::Amplitude.of((re, im)),
        ComplexPart::Phase.of((re, im)),
    )
}

macro_rules! each_data {
    ($self:expr, $v:ident => $e:expr) => {
        match $self {
            Data::I8($v) => $e,
            Data::I16($v) => $e,
            Data::I32($v) => $e,
            Data::I64($v) => $e,
            Data::U8($v) => $e,
            Data::U16($v) => $e,
            Data::U32($v) => $e,
            Data::U64($v) => $e,
            Data::F32($v) => $e,
            Data::F64($v) => $e,
            Data::Bool($v) => $e,
            Data::Complex($v) => $e,
            Data::Str($v) => $e,
            Data::Text($v) => $e,
        }
    };
}

impl Data {
    pub fn len(&self) -> usize {
        each_data!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A value read from a dataset or attribute: shape and typed elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// Empty for a scalar.
    pub shape: Vec<usize>,
    pub data: Data,
}

impl Value {
    /// Build a value, checking that the shape matches the number of elements.
    pub fn new(shape: Vec<usize>, data: Data) -> Result<Self, DataError> {
        let expected = super::checked_product(shape.iter().copied());
        if expected != Some(data.len()) {
            return Err(DataError::Malformed {
                object: String::new(),
                message: format!("{} elements for shape {shape:?}", data.len()),
            });
        }
        Ok(Self { shape, data })
    }

    pub fn scalar(data: Data) -> Self {
        Self {
            shape: Vec::new(),
            data,
        }
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn is_numeric(&self) -> bool {
        !matches!(self.data, Data::Str(_) | Data::Text(_) | Data::Complex(_))
    }

    /// About how many bytes the elements take in memory.
    pub fn nbytes(&self) -> usize {
        match &self.data {
            Data::I8(v) => v.len(),
            Data::U8(v) => v.len(),
            Data::Bool(v) => v.len(),
            Data::I16(v) => v.len() * 2,
            Data::U16(v) => v.len() * 2,
            Data::I32(v) => v.len() * 4,
            Data::U32(v) => v.len() * 4,
            Data::F32(v) => v.len() * 4,
            Data::I64(v) => v.len() * 8,
            Data::U64(v) => v.len() * 8,
            Data::F64(v) => v.len() * 8,
            Data::Complex(v) => v.len() * 16,
            Data::Str(v) | Data::Text(v) => v.iter().map(|s| s.len() + 24).sum(),
        }
    }

    /// Complex values as one real part of them (float64, same shape);
    /// anything else as it is.
    pub fn complex_part(&self, part: ComplexPart) -> Self {
        match &self.data {
            Data::Complex(v) => Self {
                shape: self.shape.clone(),
                data: Data::F64(v.iter().map(|&z| part.of(z)).collect()),
            },
            _ => self.clone(),
        }
    }

    /// The elements as f64 for plotting (integers and booleans converted);
    /// `None` for strings and other non-numeric data. Complex gives magnitudes.
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        use rayon::prelude::*;
        // Large values convert on all cores.
        let par = self.len() >= 1 << 20;
        macro_rules! conv {
            ($v:expr, $f:expr) => {
                if par {
                    $v.par_iter().map($f).collect()
                } else {
                    $v.iter().map($f).collect()
                }
            };
        }
        let v = match &self.data {
            Data::I8(v) => conv!(v, |&x| f64::from(x)),
            Data::I16(v) => conv!(v, |&x| f64::from(x)),
            Data::I32(v) => conv!(v, |&x| f64::from(x)),
            Data::I64(v) => conv!(v, |&x| x as f64),
            Data::U8(v) => conv!(v, |&x| f64::from(x)),
            Data::U16(v) => conv!(v, |&x| f64::from(x)),
            Data::U32(v) => conv!(v, |&x| f64::from(x)),
            Data::U64(v) => conv!(v, |&x| x as f64),
            Data::F32(v) => conv!(v, |&x| f64::from(x)),
            Data::F64(v) => v.clone(),
            Data::Bool(v) => conv!(v, |&x| f64::from(u8::from(x))),
            Data::Complex(v) => conv!(v, |&(re, im)| re.hypot(im)),
            Data::Str(_) | Data::Text(_) => return None,
        };
        Some(v)
    }

    /// The elements as f64 in pieces of `n` (such as the frames of a stack),
    /// converted in parallel; `None` for non-numeric data.
    pub fn chunks_f64(&self, n: usize) -> Option<Vec<Vec<f64>>> {
        use rayon::prelude::*;
        let n = n.max(1);
        macro_rules! conv {
            ($v:expr) => {
                $v.par_chunks(n)
                    .map(|c| c.iter().map(|&x| x as f64).collect())
                    .collect()
            };
        }
        #[allow(clippy::cast_lossless)]
        let v = match &self.data {
            Data::I8(v) => conv!(v),
            Data::I16(v) => conv!(v),
            Data::I32(v) => conv!(v),
            Data::I64(v) => conv!(v),
            Data::U8(v) => conv!(v),
            Data::U16(v) => conv!(v),
            Data::U32(v) => conv!(v),
            Data::U64(v) => conv!(v),
            Data::F32(v) => conv!(v),
            Data::F64(v) => v.par_chunks(n).map(<[f64]>::to_vec).collect(),
            _ => self.to_f64()?.chunks(n).map(<[f64]>::to_vec).collect(),
        };
        Some(v)
    }

    /// A 2-D value with its axes swapped (`None` unless it is 2-D).
    pub fn transposed_2d(&self) -> Option<Self> {
        let [h, w] = self.shape.as_slice() else {
            return None;
        };
        let (h, w) = (*h, *w);
        fn tr<T: Clone>(v: &[T], h: usize, w: usize) -> Vec<T> {
            let mut out = Vec::with_capacity(v.len());
            for c in 0..w {
                for r in 0..h {
                    out.push(v[r * w + c].clone());
                }
            }
            out
        }
        if self.len() != h * w {
            return None;
        }
        let data = match &self.data {
            Data::I8(v) => Data::I8(tr(v, h, w)),
            Data::I16(v) => Data::I16(tr(v, h, w)),
            Data::I32(v) => Data::I32(tr(v, h, w)),
            Data::I64(v) => Data::I64(tr(v, h, w)),
            Data::U8(v) => Data::U8(tr(v, h, w)),
            Data::U16(v) => Data::U16(tr(v, h, w)),
            Data::U32(v) => Data::U32(tr(v, h, w)),
            Data::U64(v) => Data::U64(tr(v, h, w)),
            Data::F32(v) => Data::F32(tr(v, h, w)),
            Data::F64(v) => Data::F64(tr(v, h, w)),
            Data::Bool(v) => Data::Bool(tr(v, h, w)),
            Data::Complex(v) => Data::Complex(tr(v, h, w)),
            Data::Str(v) => Data::Str(tr(v, h, w)),
            Data::Text(v) => Data::Text(tr(v, h, w)),
        };
        Some(Self {
            shape: vec![w, h],
            data,
        })
    }

    /// One element as a number (`None` past the end or for text).
    #[allow(clippy::cast_lossless)]
    pub fn element_f64(&self, i: usize) -> Option<f64> {
        match &self.data {
            Data::I8(v) => v.get(i).map(|&x| x as f64),
            Data::I16(v) => v.get(i).map(|&x| x as f64),
            Data::I32(v) => v.get(i).map(|&x| x as f64),
            Data::I64(v) => v.get(i).map(|&x| x as f64),
            Data::U8(v) => v.get(i).map(|&x| x as f64),
            Data::U16(v) => v.get(i).map(|&x| x as f64),
            Data::U32(v) => v.get(i).map(|&x| x as f64),
            Data::U64(v) => v.get(i).map(|&x| x as f64),
            Data::F32(v) => v.get(i).map(|&x| x as f64),
            Data::F64(v) => v.get(i).copied(),
            Data::Bool(v) => v.get(i).map(|&x| f64::from(u8::from(x))),
            Data::Complex(v) => v.get(i).map(|&(re, im)| re.hypot(im)),
            Data::Str(_) | Data::Text(_) => None,
        }
    }

    /// One element as text, for tables and attribute lists.
    pub fn element_text(&self, i: usize) -> String {
        fn g<T: ToString>(v: &[T], i: usize) -> String {
            v.get(i).map(ToString::to_string).unwrap_or_default()
        }
        match &self.data {
            Data::I8(v) => g(v, i),
            Data::I16(v) => g(v, i),
            Data::I32(v) => g(v, i),
            Data::I64(v) => g(v, i),
            Data::U8(v) => g(v, i),
            Data::U16(v) => g(v, i),
            Data::U32(v) => g(v, i),
            Data::U64(v) => g(v, i),
            Data::F32(v) => g(v, i),
            Data::F64(v) => g(v, i),
            Data::Bool(v) => g(v, i),
            Data::Complex(v) => v
                .get(i)
                .map(|(re, im)| format!("{re}{im:+}i"))
                .unwrap_or_default(),
            Data::Str(v) | Data::Text(v) => v.get(i).cloned().unwrap_or_default(),
        }
    }

    /// A one-line summary, long values folded: `[1, 2, 3, … 100 values]`.
    pub fn preview(&self, max_items: usize) -> String {
        if self.shape.is_empty() {
            return self.element_text(0);
        }
        let n = self.len();
        let shown: Vec<String> = (0..n.min(max_items))
            .map(|i| self.element_text(i))
            .collect();
        if n > max_items {
            format!("[{}, … {n} values]", shown.join(", "))
        } else {
            format!("[{}]", shown.join(", "))
        }
    }

    /// The value as JSON (numbers stay numbers), for `panorama inspect --json`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        let items: Vec<J> = match &self.data {
            Data::Str(v) | Data::Text(v) => v.iter().cloned().map(J::from).collect(),
            Data::Bool(v) => v.iter().map(|&b| J::from(b)).collect(),
            Data::I64(v) => v.iter().map(|&x| J::from(x)).collect(),
            Data::U64(v) => v.iter().map(|&x| J::from(x)).collect(),
            Data::Complex(_) => (0..self.len())
                .map(|i| J::from(self.element_text(i)))
                .collect(),
            _ => self
                .to_f64()
                .unwrap_or_default()
                .into_iter()
                .map(|x| {
                    serde_json::Number::from_f64(x)
                        .map_or_else(|| J::from(x.to_string()), J::Number)
                })
                .collect(),
        };
        if self.shape.is_empty() {
            items.into_iter().next().unwrap_or(J::Null)
        } else {
            J::Array(items)
        }
    }
}

#[cfg(test)]
mod tests {
    /// The four parts as numpy gives them (`abs`, `angle`, `real`, `imag`
    /// of `[3+4j, -1-0j, -2j, 1e-300+0j]`).
    #[test]
    fn complex_parts_are_what_numpy_gives() {
        let v = Value {
            shape: vec![4],
            data: Data::Complex(vec![(3.0, 4.0), (-1.0, -0.0), (0.0, -2.0), (1e-300, 0.0)]),
        };
        let part = |p: ComplexPart| v.complex_part(p).to_f64().expect("f64");
        assert_eq!(part(ComplexPart::Amplitude), vec![5.0, 1.0, 2.0, 1e-300]);
        let phase = part(ComplexPart::Phase);
        let numpy = [
            0.927_295_218_001_612_2,
            -std::f64::consts::PI,
            -std::f64::consts::FRAC_PI_2,
            0.0,
        ];
        for (a, b) in phase.iter().zip(numpy) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
        assert_eq!(part(ComplexPart::Real), vec![3.0, -1.0, 0.0, 1e-300]);
        assert_eq!(part(ComplexPart::Imaginary), vec![4.0, -0.0, -2.0, 0.0]);
        assert_eq!(
            complex_readout((3.0, -4.0)),
            "3 − 4i   |z| = 5   arg = -0.9272952180016122 rad"
        );
        // Real data passes unchanged.
        let real = Value {
            shape: vec![2],
            data: Data::F32(vec![1.0, 2.0]),
        };
        assert_eq!(real.complex_part(ComplexPart::Phase), real);
    }

    use super::*;

    #[test]
    fn a_2d_value_transposes() {
        let v = Value::new(vec![2, 3], Data::U16(vec![1, 2, 3, 4, 5, 6])).expect("value");
        let t = v.transposed_2d().expect("2-D");
        assert_eq!(t.shape, vec![3, 2]);
        assert_eq!(t.data, Data::U16(vec![1, 4, 2, 5, 3, 6]));
        assert_eq!(t.transposed_2d().expect("2-D"), v);
        assert!(
            Value::new(vec![6], Data::U16(vec![0; 6]))
                .expect("1-D")
                .transposed_2d()
                .is_none()
        );
    }

    #[test]
    fn types_read_well() {
        let t = DType::Int {
            bytes: 2,
            signed: true,
            big_endian: true,
        };
        assert_eq!(t.to_string(), "int16 (big-endian)");
        let c = DType::Compound {
            fields: vec![
                (
                    "x".into(),
                    DType::Float {
                        bytes: 8,
                        big_endian: false,
                    },
                ),
                (
                    "name".into(),
                    DType::Str {
                        fixed: None,
                        utf8: true,
                    },
                ),
            ],
        };
        assert_eq!(c.to_string(), "compound {x: float64, name: string (UTF-8)}");
    }

    #[test]
    fn values_check_their_shape_and_convert() {
        assert!(Value::new(vec![2, 3], Data::I32(vec![0; 5])).is_err());
        let v = Value::new(vec![2, 2], Data::U8(vec![1, 2, 3, 4])).expect("value");
        assert_eq!(v.to_f64(), Some(vec![1.0, 2.0, 3.0, 4.0]));
        assert_eq!(v.preview(3), "[1, 2, 3, … 4 values]");
        let s = Value::scalar(Data::Str(vec!["hello".into()]));
        assert_eq!(s.preview(3), "hello");
        assert_eq!(s.to_json(), serde_json::json!("hello"));
        assert!(s.to_f64().is_none());
    }
}
