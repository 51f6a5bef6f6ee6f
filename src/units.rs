//! Numbers for people, and the units Panorama converts between (a table:
//! the unit strings of catalogues and files arrive at run time, so no
//! compile-time dimension types; the quantities searched are listed here).

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

/// The units Panorama converts between: its name, how people write it,
/// what it measures, its factor to that quantity's base unit and offset.
const UNITS: &[(&str, &[&str], &str, f64, f64)] = &[
    (
        "angstrom",
        &["angstrom", "Angstrom", "Å", "\u{212b}", "ang"],
        "length",
        1e-10,
        0.0,
    ),
    ("nm", &["nm", "nanometre", "nanometer"], "length", 1e-9, 0.0),
    ("um", &["um", "µm", "μm", "micron"], "length", 1e-6, 0.0),
    ("mm", &["mm"], "length", 1e-3, 0.0),
    ("cm", &["cm"], "length", 1e-2, 0.0),
    ("m", &["m", "metre", "meter"], "length", 1.0, 0.0),
    (
        "1/angstrom",
        &["1/angstrom", "1/Å", "Å^-1", "angstrom^-1"],
        "wavevector",
        1e10,
        0.0,
    ),
    ("1/nm", &["1/nm", "nm^-1"], "wavevector", 1e9, 0.0),
    ("K", &["K", "kelvin"], "temperature", 1.0, 0.0),
    (
        "degC",
        &["degC", "°C", "celsius", "Celsius"],
        "temperature",
        1.0,
        273.15,
    ),
    ("meV", &["meV"], "energy", 1e-3, 0.0),
    ("eV", &["eV"], "energy", 1.0, 0.0),
    ("keV", &["keV"], "energy", 1e3, 0.0),
    ("MeV", &["MeV"], "energy", 1e6, 0.0),
    ("Pa", &["Pa", "pascal"], "pressure", 1.0, 0.0),
    ("hPa", &["hPa"], "pressure", 1e2, 0.0),
    ("kPa", &["kPa"], "pressure", 1e3, 0.0),
    ("MPa", &["MPa"], "pressure", 1e6, 0.0),
    ("mbar", &["mbar"], "pressure", 1e2, 0.0),
    ("bar", &["bar"], "pressure", 1e5, 0.0),
    ("T", &["T", "tesla"], "magnetic field", 1.0, 0.0),
    ("mT", &["mT"], "magnetic field", 1e-3, 0.0),
    ("us", &["us", "µs", "μs"], "time", 1e-6, 0.0),
    ("ms", &["ms"], "time", 1e-3, 0.0),
    ("s", &["s", "sec"], "time", 1.0, 0.0),
    ("min", &["min"], "time", 60.0, 0.0),
    ("h", &["h", "hour", "hours"], "time", 3600.0, 0.0),
];

fn unit_entry(
    u: &str,
) -> Option<&'static (
    &'static str,
    &'static [&'static str],
    &'static str,
    f64,
    f64,
)> {
    let u = u.trim();
    UNITS.iter().find(|e| e.1.contains(&u))
}

/// The name Panorama gives a unit however it is written (`Å` → `angstrom`,
/// `°C` → `degC`); `None` for a unit it does not know.
pub fn canonical(u: &str) -> Option<&'static str> {
    unit_entry(u).map(|e| e.0)
}

/// Whether Panorama knows the unit.
pub fn is_unit(u: &str) -> bool {
    unit_entry(u).is_some()
}

/// Convert `value` from unit `from` to unit `to`; `None` when they measure
/// different things (or a unit is unknown).
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    if from == to {
        return Some(value);
    }
    let (a, b) = (unit_entry(from)?, unit_entry(to)?);
    if a.2 != b.2 {
        return None;
    }
    let base = value * a.3 + a.4;
    Some((base - b.4) / b.3)
}

/// What a unit measures (`"length"`, `"energy"`, …), if Panorama knows it.
pub fn dimension(u: &str) -> Option<&'static str> {
    unit_entry(u).map(|e| e.2)
}

/// The unit a quantity is measured in at the base (`m`, `eV`, `K`, `Pa`,
/// `s`, `T`, `1/m`…): the one with factor 1 and no offset.
pub fn base_unit(dimension: &str) -> Option<&'static str> {
    UNITS
        .iter()
        .find(|e| e.2 == dimension && e.3 == 1.0 && e.4 == 0.0)
        .map(|e| e.0)
}

/// A value in the base unit of what its unit measures: `(dimension,
/// value)`; `None` for a unit Panorama does not know.
pub fn to_base(value: f64, unit: &str) -> Option<(&'static str, f64)> {
    let e = unit_entry(unit)?;
    Some((e.2, value * e.3 + e.4))
}

/// Whether a parameter of this name is a photon's wavelength or energy
/// (which convert into each other), not a neutron's.
pub fn is_photon_quantity(name: &str) -> bool {
    let n = name.to_lowercase();
    (n.contains("wavelength") || n.contains("energy")) && !n.contains("neutron")
}

/// A photon's energy times its wavelength, h·c, in eV·Å (CODATA 2018).
pub const HC_EV_ANGSTROM: f64 = 12_398.419_843_320_026;

/// Convert a parameter's value between units, and between a photon's
/// wavelength and energy where the parameter is one of those (by its name:
/// `wavelength`, `energy`, not of neutrons).
pub fn convert_quantity(name: &str, value: f64, from: &str, to: &str) -> Option<f64> {
    if let Some(v) = convert(value, from, to) {
        return Some(v);
    }
    let dims = (unit_entry(from)?.2, unit_entry(to)?.2);
    // A photon's wavelength and energy are positive: nothing else converts.
    if !is_photon_quantity(name) || value <= 0.0 {
        return None;
    }
    match dims {
        ("energy", "length") => {
            convert(HC_EV_ANGSTROM / convert(value, from, "eV")?, "angstrom", to)
        }
        ("length", "energy") => {
            convert(HC_EV_ANGSTROM / convert(value, from, "angstrom")?, "eV", to)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{canonical, convert, convert_quantity, human_bytes, is_unit, short};

    #[test]
    fn units_convert_however_they_are_written() {
        let close =
            |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1.0));
        assert!(close(convert(1.5, "Å", "nm"), 0.15));
        assert!(close(convert(1.5, "\u{212b}", "m"), 1.5e-10));
        assert!(close(convert(12.0, "keV", "eV"), 12_000.0));
        assert!(close(convert(-268.15, "°C", "K"), 5.0));
        assert!(close(convert(1.0, "bar", "mbar"), 1000.0));
        assert!(close(convert(101_325.0, "Pa", "bar"), 1.013_25));
        assert!(close(convert(2.0, "h", "min"), 120.0));
        assert!(close(convert(90.0, "s", "min"), 1.5));
        assert!(close(convert(500.0, "mT", "T"), 0.5));
        assert_eq!(convert(1.0, "K", "nm"), None);
        assert_eq!(convert(1.0, "furlong", "m"), None);
        assert_eq!(canonical("Å"), Some("angstrom"));
        assert!(is_unit("keV") && !is_unit("lysozyme"));
    }

    /// A 12.398 keV photon has a wavelength of 1 Å; a neutron's energy is
    /// not a photon's.
    #[test]
    fn a_photons_wavelength_and_energy_convert() {
        let close =
            |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1.0));
        assert!(close(
            convert_quantity("energy", 12.398_419_843_320_026, "keV", "Å"),
            1.0
        ));
        assert!(close(
            convert_quantity("wavelength", 0.1, "nm", "keV"),
            12.398_419_843_320_026
        ));
        assert!(close(
            convert_quantity("photon_energy", 17.5, "keV", "keV"),
            17.5
        ));
        assert_eq!(convert_quantity("neutron_energy", 25.0, "meV", "Å"), None);
        assert_eq!(convert_quantity("temperature", 1.0, "K", "Å"), None);
    }

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
