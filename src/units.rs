//! Numbers for people.

/// How much of `whole` `part` is, from 0 to 1 (0 for nothing to do).
pub fn fraction(part: u64, whole: u64) -> f32 {
    if whole == 0 {
        return 0.0;
    }
    // Within 0..=1, so nothing is lost to f32 but digits.
    #[allow(clippy::cast_possible_truncation)]
    let f = (part as f64 / whole as f64).min(1.0) as f32;
    f
}

/// A whole number read from a file (an axis index, a count) as an index:
/// `None` for negative, fractional, huge or NaN values.
pub fn whole_index(v: f64) -> Option<usize> {
    if !(v >= 0.0 && v.fract() == 0.0 && v < 1e15) {
        return None;
    }
    // Checked above: finite, whole and within range.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let i = v as usize;
    Some(i)
}

/// 1536 → "1.5 KiB".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A number in few characters (four decimals at most): 16321.5671, 0.0012, 1.235e-7.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.3e}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::{human_bytes, short};

    #[test]
    fn numbers_are_short() {
        assert_eq!(short(16_321.567_122_371_81), "16321.5671");
        assert_eq!(short(-41.398_280_940_949_92), "-41.3983");
        assert_eq!(short(2.5), "2.5");
        assert_eq!(short(1212.0), "1212");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1.234_56e-7), "1.235e-7");
        assert_eq!(short(9.87e12), "9.870e12");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
