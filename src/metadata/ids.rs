//! Identifiers people type wrong: ORCID iDs (ISO 7064 MOD 11-2 check digit),
//! ROR ids (Crockford base32 with a mod-97 checksum) and SPDX licences.

/// The 16-character ORCID iD in `xxxx-xxxx-xxxx-xxxx` form, from a bare iD or
/// an `https://orcid.org/…` link, when its check digit is right.
pub fn orcid(s: &str) -> Option<String> {
    let s = s.trim();
    let id = s
        .strip_prefix("https://orcid.org/")
        .or_else(|| s.strip_prefix("http://orcid.org/"))
        .unwrap_or(s);
    let digits: Vec<char> = id.chars().filter(|c| *c != '-').collect();
    if digits.len() != 16 || id.len() != 19 {
        return None;
    }
    if id
        .chars()
        .enumerate()
        .any(|(i, c)| (i % 5 == 4) != (c == '-'))
    {
        return None;
    }
    let mut total: u32 = 0;
    for c in &digits[..15] {
        total = (total + c.to_digit(10)?) * 2;
    }
    let check = (12 - total % 11) % 11;
    let expected = if check == 10 {
        'X'
    } else {
        char::from_digit(check, 10)?
    };
    (digits[15].to_ascii_uppercase() == expected).then(|| id.to_ascii_uppercase())
}

pub fn orcid_ok(s: &str) -> bool {
    orcid(s).is_some()
}

fn crockford(c: char) -> Option<u64> {
    let c = c.to_ascii_lowercase();
    let alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    alphabet.find(c).map(|i| i as u64)
}

/// The 9-character ROR id from a bare id or an `https://ror.org/…` link,
/// when its checksum is right.
pub fn ror(s: &str) -> Option<String> {
    let s = s.trim();
    let id = s
        .strip_prefix("https://ror.org/")
        .or_else(|| s.strip_prefix("http://ror.org/"))
        .unwrap_or(s)
        .to_ascii_lowercase();
    // ASCII only: the checksum split below is by bytes.
    if !id.is_ascii() || id.len() != 9 || !id.starts_with('0') {
        return None;
    }
    let (body, check) = id.split_at(7);
    let mut n: u64 = 0;
    for c in body.chars() {
        n = n * 32 + crockford(c)?;
    }
    let expected = 98 - ((n * 100) % 97);
    (check.parse::<u64>().ok()? == expected).then_some(id)
}

pub fn ror_ok(s: &str) -> bool {
    ror(s).is_some()
}

/// An SPDX licence id (`CC-BY-4.0`) or expression (`MIT OR Apache-2.0`).
pub fn spdx_ok(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty() && (spdx::license_id(s).is_some() || spdx::Expression::parse(s).is_ok())
}

/// SPDX licences most used for research data and software, for the picker
/// (any other valid id can be typed).
pub const COMMON_LICENCES: [&str; 12] = [
    "CC-BY-4.0",
    "CC0-1.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-ND-4.0",
    "ODbL-1.0",
    "ODC-By-1.0",
    "PDDL-1.0",
    "MIT",
    "Apache-2.0",
    "BSD-3-Clause",
    "GPL-3.0-or-later",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every identifier checker takes any text without panicking: strings
    /// of up to 40 characters drawn from digits, letters, separators,
    /// multi-byte letters, combining marks and emoji (typed into a form,
    /// each keystroke is checked and saved).
    #[test]
    fn identifier_checkers_take_any_unicode() {
        let alphabet: Vec<char> = "0a9X-/.:é ßö\u{301}🎉漢 \u{200b}htps:/orcid.org/ror.10.1234"
            .chars()
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..60_000 {
            #[allow(clippy::cast_possible_truncation)]
            let len = (next() % 41) as usize;
            #[allow(clippy::cast_possible_truncation)]
            let s: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let _ = orcid(&s);
            let _ = ror(&s);
            let _ = spdx_ok(&s);
            let _ = crate::catalogue::datacite::bare_doi(&s);
            // The ROR case that panicked: nine bytes, fewer characters.
            let _ = ror(&format!("0abcdé{s}"));
        }
        assert_eq!(ror("0abcdé12"), None);
        assert_eq!(ror("0abcdeé2"), None);
        assert_eq!(ror("https://ror.org/0ñ2345678"), None);
    }

    #[test]
    fn orcid_check_digits() {
        // Examples from ORCID's own documentation.
        assert_eq!(
            orcid("0000-0002-1825-0097").as_deref(),
            Some("0000-0002-1825-0097")
        );
        assert!(orcid_ok("https://orcid.org/0000-0001-5109-3700"));
        assert!(orcid_ok("0000-0002-1694-233X"));
        assert!(orcid_ok("0000-0002-1694-233x"));
        for bad in [
            "0000-0002-1825-0098",
            "0000000218250097",
            "0000-0002-1825-009",
            "0000-0002-1825-00971",
            "abcd-0002-1825-0097",
            "",
            "0000–0002–1825–0097",
        ] {
            assert!(!orcid_ok(bad), "{bad}");
        }
    }

    #[test]
    fn ror_checksums() {
        // HZDR and the European Spallation Source.
        assert!(ror_ok("https://ror.org/01zy2cs03"));
        assert!(ror_ok("01wv9cn34"));
        for bad in [
            "01zy2cs04",
            "https://ror.org/1zy2cs03",
            "01zy2cs0",
            "0lzy2cs03x",
            "",
        ] {
            assert!(!ror_ok(bad), "{bad}");
        }
    }

    #[test]
    fn spdx_ids_and_expressions() {
        assert!(spdx_ok("CC-BY-4.0"));
        assert!(spdx_ok("MIT OR Apache-2.0"));
        assert!(!spdx_ok("CC-BY-9.9"));
        assert!(!spdx_ok(""));
        for l in COMMON_LICENCES {
            assert!(spdx_ok(l), "{l}");
        }
    }
}
