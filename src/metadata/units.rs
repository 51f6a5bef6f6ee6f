//! Units of the quantity fields: which can be converted into which.

/// Convert `value` from unit `from` to unit `to`; `None` when they measure
/// different things (or a unit is unknown).
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    crate::units::convert(value, from, to)
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
