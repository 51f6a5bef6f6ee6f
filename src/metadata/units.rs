//! Units of the quantity fields: which can be converted into which.

/// Convert `value` from unit `from` to unit `to`; `None` when they measure
/// different things (or a unit is unknown).
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    if from == to {
        return Some(value);
    }
    // (unit, dimension, factor to the base unit, offset)
    const UNITS: [(&str, &str, f64, f64); 12] = [
        ("angstrom", "length", 1e-10, 0.0),
        ("nm", "length", 1e-9, 0.0),
        ("um", "length", 1e-6, 0.0),
        ("mm", "length", 1e-3, 0.0),
        ("m", "length", 1.0, 0.0),
        ("1/angstrom", "wavevector", 1e10, 0.0),
        ("1/nm", "wavevector", 1e9, 0.0),
        ("K", "temperature", 1.0, 0.0),
        ("degC", "temperature", 1.0, 273.15),
        ("eV", "energy", 1.0, 0.0),
        ("keV", "energy", 1e3, 0.0),
        ("meV", "energy", 1e-3, 0.0),
    ];
    let find = |u: &str| UNITS.iter().find(|x| x.0 == u);
    let (a, b) = (find(from)?, find(to)?);
    if a.1 != b.1 {
        return None;
    }
    let base = value * a.2 + a.3;
    Some((base - b.3) / b.2)
}

#[cfg(test)]
mod tests {
    use super::convert;

    #[test]
    fn conversions() {
        let close =
            |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9 * b.abs().max(1.0));
        assert!(close(convert(5.0, "angstrom", "nm"), 0.5));
        assert!(close(convert(0.3, "1/angstrom", "1/nm"), 3.0));
        assert!(close(convert(0.0, "degC", "K"), 273.15));
        assert!(close(convert(300.0, "K", "degC"), 26.85));
        assert_eq!(convert(1.0, "K", "nm"), None);
        assert_eq!(convert(1.0, "furlong", "nm"), None);
    }
}
