//! The CF conventions for packed and masked variables, as netCDF files
//! write them: `_Unsigned = "true"` (a signed integer type holding unsigned
//! values), `_FillValue` and `missing_value` (missing), `valid_min`,
//! `valid_max`, `valid_range` (outside is missing) and `scale_factor` /
//! `add_offset` (packed: value × scale + offset). Applied the way the netCDF4
//! library applies them (`set_auto_maskandscale`), which tests compare
//! against; missing values become NaN. The inspector keeps showing the raw
//! values and attributes.

use super::{Attribute, Data, Entity, Value};

/// What the CF attributes of one variable ask for.
#[derive(Clone, Debug, PartialEq)]
pub struct CfRule {
    /// Read the signed integers as unsigned ones of the same size.
    pub unsigned: bool,
    /// Values that mean "missing" (`_FillValue`, `missing_value`).
    pub missing: Vec<f64>,
    pub valid_min: Option<f64>,
    pub valid_max: Option<f64>,
    pub scale: Option<f64>,
    pub offset: Option<f64>,
}

/// Numbers of an attribute (text attributes parsed as numbers when they are).
fn numbers(a: &Attribute) -> Vec<f64> {
    let Ok(v) = &a.value else {
        return Vec::new();
    };
    if let Some(n) = v.to_f64() {
        return n;
    }
    (0..v.len())
        .filter_map(|i| v.element_text(i).trim().parse::<f64>().ok())
        .collect()
}

/// An integer read as the unsigned integer of `bytes` bytes with the same bits.
fn as_unsigned(x: f64, bytes: u32) -> f64 {
    if x >= 0.0 {
        return x;
    }
    x + 2f64.powi(i32::try_from(bytes * 8).unwrap_or(64))
}

fn signed_bytes(d: &Data) -> Option<u32> {
    match d {
        Data::I8(_) => Some(1),
        Data::I16(_) => Some(2),
        Data::I32(_) => Some(4),
        Data::I64(_) => Some(8),
        _ => None,
    }
}

impl CfRule {
    /// The rule of a dataset, when it has any CF attribute that changes its
    /// values.
    pub fn of(e: &Entity) -> Option<Self> {
        let info = e.dataset()?;
        if !info.dtype.is_numeric() {
            return None;
        }
        let first = |name: &str| e.attr(name).and_then(|a| numbers(a).first().copied());
        let unsigned = e
            .attr_text("_Unsigned")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("true"))
            && matches!(info.dtype, super::DType::Int { signed: true, .. });
        let mut missing: Vec<f64> = ["_FillValue", "missing_value"]
            .iter()
            .filter_map(|n| e.attr(n))
            .flat_map(numbers)
            .filter(|x| x.is_finite())
            .collect();
        missing.dedup();
        let range = e.attr("valid_range").map(numbers).filter(|r| r.len() == 2);
        let (valid_min, valid_max) = match range {
            Some(r) => (Some(r[0]), Some(r[1])),
            None => (first("valid_min"), first("valid_max")),
        };
        let rule = Self {
            unsigned,
            missing,
            valid_min,
            valid_max,
            scale: first("scale_factor").filter(|s| s.is_finite()),
            offset: first("add_offset").filter(|o| o.is_finite()),
        };
        (rule.unsigned
            || !rule.missing.is_empty()
            || rule.valid_min.is_some()
            || rule.valid_max.is_some()
            || rule.scale.is_some()
            || rule.offset.is_some())
        .then_some(rule)
    }

    /// The rule in words, e.g. "read as unsigned; −1 is missing; outside
    /// 0 … 10000 is missing; × 0.01".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.unsigned {
            parts.push("read as unsigned (_Unsigned)".to_owned());
        }
        if !self.missing.is_empty() {
            let v: Vec<String> = self.missing.iter().map(ToString::to_string).collect();
            parts.push(format!("{} is missing", v.join(", ")));
        }
        match (self.valid_min, self.valid_max) {
            (Some(a), Some(b)) => parts.push(format!("outside {a} … {b} is missing")),
            (Some(a), None) => parts.push(format!("below {a} is missing")),
            (None, Some(b)) => parts.push(format!("above {b} is missing")),
            (None, None) => {}
        }
        match (self.scale, self.offset) {
            (Some(s), Some(o)) => parts.push(format!("× {s} + {o}")),
            (Some(s), None) => parts.push(format!("× {s}")),
            (None, Some(o)) => parts.push(format!("+ {o}")),
            (None, None) => {}
        }
        parts.join("; ")
    }

    /// The values as the rule reads them (f64; missing ones NaN).
    pub fn apply(&self, v: &Value) -> Value {
        let bytes = signed_bytes(&v.data).filter(|_| self.unsigned);
        let fix = |x: f64| bytes.map_or(x, |b| as_unsigned(x, b));
        // The attributes are written in the variable's own (signed) type.
        let missing: Vec<f64> = self.missing.iter().map(|&m| fix(m)).collect();
        let (lo, hi) = (self.valid_min.map(fix), self.valid_max.map(fix));
        let (scale, offset) = (self.scale.unwrap_or(1.0), self.offset.unwrap_or(0.0));
        let raw = v.to_f64().unwrap_or_default();
        let out: Vec<f64> = raw
            .into_iter()
            .map(|x| {
                let x = fix(x);
                let gone = missing.contains(&x)
                    || lo.is_some_and(|lo| x < lo)
                    || hi.is_some_and(|hi| x > hi);
                if gone { f64::NAN } else { x * scale + offset }
            })
            .collect();
        Value {
            shape: v.shape.clone(),
            data: Data::F64(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_shorts_are_read_unsigned_with_their_fill_and_range() {
        let rule = CfRule {
            unsigned: true,
            missing: vec![-1.0],
            valid_min: Some(0.0),
            valid_max: Some(-6.0),
            scale: Some(0.5),
            offset: None,
        };
        let v = Value {
            shape: vec![4],
            data: Data::I16(vec![-1, -7, 100, -100]),
        };
        let out = rule.apply(&v).to_f64().expect("numbers");
        // −1 → 65535 (the fill), −7 → 65529 (inside 0 … 65530), 100,
        // −100 → 65436.
        assert!(out[0].is_nan());
        assert_eq!(out[1], 65529.0 * 0.5);
        assert_eq!(out[2], 50.0);
        assert_eq!(out[3], 65436.0 * 0.5);
        assert!(rule.describe().contains("unsigned"));
    }
}
