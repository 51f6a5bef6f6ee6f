//! The structured query: free text plus filters — a parameter with a value
//! or range and a unit, technique, facility, instrument, dates, access —
//! written in the search box's compact syntax
//! (`wavelength:1..2 Å technique:"x-ray diffraction" facility:ESRF after:2020`),
//! read back into the same syntax, translated into the PaNOSC search API's
//! filter, and applied here to the records of a source that cannot filter.

use super::{Access, Dataset};

/// A value or a range of a parameter; an open end is `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Range {
    /// One value, both ends.
    pub fn exactly(v: f64) -> Self {
        Self {
            min: Some(v),
            max: Some(v),
        }
    }

    /// Whether `v` lies in the range (ends included; an exact value within
    /// a relative 1e-9, as numbers read back from text are).
    pub fn holds(&self, v: f64) -> bool {
        let tol = |x: f64| 1e-9 * x.abs().max(1e-300);
        self.min.is_none_or(|a| v >= a - tol(a)) && self.max.is_none_or(|b| v <= b + tol(b))
    }
}

/// Open or under embargo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessFilter {
    Open,
    Embargoed,
    Restricted,
}

/// One filter of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// A scientific parameter (`wavelength:1..2 Å`, `temperature:<10 K`).
    Parameter {
        name: String,
        range: Range,
        unit: Option<String>,
    },
    Technique(String),
    Facility(String),
    Instrument(String),
    /// Made on or after this date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    After(String),
    /// Made on or before this date.
    Before(String),
    Access(AccessFilter),
}

/// Free text and filters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub text: String,
    pub filters: Vec<Filter>,
}

/// Why a query does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("“{key}:{value}” does not read: {expected}")]
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
    #[error("a quotation mark is not closed: add the closing \"")]
    OpenQuote,
}

/// A word of the syntax, and where in it a quoted part began (a colon
/// after that is no key's).
struct Word {
    text: String,
    quote_at: Option<usize>,
}

/// The words of the syntax: whitespace apart, a `"…"` kept whole (the
/// quotes gone, `\"` inside for a quote, `\\` for a backslash).
fn words(s: &str) -> Result<Vec<Word>, QueryError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote_at: Option<usize> = None;
    let mut in_quote = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Inside quotes, `\"` is a quote and `\\` a backslash.
            '\\' if in_quote && matches!(chars.peek(), Some('"' | '\\')) => {
                if let Some(next) = chars.next() {
                    cur.push(next);
                }
            }
            '"' => {
                in_quote = !in_quote;
                quote_at.get_or_insert(cur.len());
            }
            c if c.is_whitespace() && !in_quote => {
                if !cur.is_empty() || quote_at.is_some() {
                    out.push(Word {
                        text: std::mem::take(&mut cur),
                        quote_at: quote_at.take(),
                    });
                }
            }
            c => cur.push(c),
        }
    }
    if in_quote {
        return Err(QueryError::OpenQuote);
    }
    if !cur.is_empty() || quote_at.is_some() {
        out.push(Word {
            text: cur,
            quote_at,
        });
    }
    Ok(out)
}

/// A number as people type it (`1.5`, `1e-3`, `-2`); `None` for anything else.
fn number(s: &str) -> Option<f64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then_some(v)
}

/// `1..2`, `1..`, `..2`, `<2`, `>1`, `<=2`, `>=1` or `1.5`.
fn range(s: &str) -> Option<Range> {
    if let Some((a, b)) = s.split_once("..") {
        let min = if a.is_empty() { None } else { Some(number(a)?) };
        let max = if b.is_empty() { None } else { Some(number(b)?) };
        if min.is_none() && max.is_none() {
            return None;
        }
        return Some(Range { min, max });
    }
    for (prefix, lower) in [(">=", true), ("<=", false), (">", true), ("<", false)] {
        if let Some(rest) = s.strip_prefix(prefix) {
            let v = number(rest)?;
            return Some(if lower {
                Range {
                    min: Some(v),
                    max: None,
                }
            } else {
                Range {
                    min: None,
                    max: Some(v),
                }
            });
        }
    }
    number(s).map(Range::exactly)
}

/// `2020`, `2020-05` or `2020-05-17`.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
        _ => false,
    }
}

/// A parameter's value with its unit stuck to it (`2Å`, `10K`): the
/// number part and the unit, when the rest is a unit Panorama knows.
fn split_unit(value: &str) -> Option<(&str, &str)> {
    let at = value
        .char_indices()
        .rev()
        .take_while(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .last()
        .map(|(i, _)| i)?;
    let (v, u) = value.split_at(at);
    (!v.is_empty() && crate::units::is_unit(u)).then_some((v, u))
}

impl Query {
    /// Read the compact syntax. Words without a key are the free text;
    /// `name:value` with a number or range is a parameter, its unit the
    /// next word (or stuck to the number) when that is a unit. A word with
    /// a colon that is neither stays text (`doi:10.5281/zenodo.1239`).
    pub fn parse(s: &str) -> Result<Self, QueryError> {
        let words = words(s)?;
        let mut q = Self::default();
        let mut text: Vec<String> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let word = &words[i];
            let w = &word.text;
            i += 1;
            // A key is what comes before a colon outside quotes.
            let head = &w[..word.quote_at.unwrap_or(w.len())];
            let split = head.find(':').map(|at| (&w[..at], &w[at + 1..]));
            let Some((key, value)) = split else {
                text.push(w.clone());
                continue;
            };
            let value = value.to_owned();
            let lower = key.to_lowercase();
            let bad = |expected| QueryError::BadValue {
                key: key.to_owned(),
                value: value.clone(),
                expected,
            };
            match lower.as_str() {
                "technique" => q.filters.push(Filter::Technique(value)),
                "facility" => q.filters.push(Filter::Facility(value)),
                "instrument" => q.filters.push(Filter::Instrument(value)),
                "after" | "before" => {
                    if !is_date(&value) {
                        return Err(bad("a date is YYYY, YYYY-MM or YYYY-MM-DD"));
                    }
                    q.filters.push(if lower == "after" {
                        Filter::After(value)
                    } else {
                        Filter::Before(value)
                    });
                }
                "access" => q
                    .filters
                    .push(Filter::Access(match value.to_lowercase().as_str() {
                        "open" => AccessFilter::Open,
                        "embargoed" | "embargo" => AccessFilter::Embargoed,
                        "restricted" | "closed" => AccessFilter::Restricted,
                        _ => return Err(bad("access is open, embargoed or restricted")),
                    })),
                _ if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_alphanumeric() || "_-.".contains(c)) =>
                {
                    let (num, stuck) = match split_unit(&value) {
                        Some((v, u)) => (v.to_owned(), Some(u.to_owned())),
                        None => (value.clone(), None),
                    };
                    let Some(r) = range(&num) else {
                        // Not a number: a word with a colon, such as a DOI.
                        text.push(w.clone());
                        continue;
                    };
                    let unit = stuck.or_else(|| {
                        let next = words
                            .get(i)
                            .filter(|u| u.quote_at.is_none() && crate::units::is_unit(&u.text));
                        next.map(|u| {
                            i += 1;
                            u.text.clone()
                        })
                    });
                    q.filters.push(Filter::Parameter {
                        name: key.to_owned(),
                        range: r,
                        unit,
                    });
                }
                _ => text.push(w.clone()),
            }
        }
        // The free text as words (what every catalogue searches).
        q.text = text
            .iter()
            .flat_map(|t| t.split_whitespace())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(q)
    }

    /// The query in the compact syntax; [`Query::parse`] reads it back.
    pub fn to_syntax(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        if !self.text.is_empty() {
            out.extend(self.text.split_whitespace().map(quote_text));
        }
        for f in &self.filters {
            out.push(f.to_syntax());
        }
        out.join(" ")
    }

    /// Whether a record passes every filter ([`keeps`]).
    pub fn keeps(&self, d: &Dataset) -> bool {
        keeps(&self.filters, d)
    }

    /// The query written `syntax` with one more filter, in the syntax (the
    /// filter builder's "Add"); a filter already there is not doubled.
    pub fn adding(syntax: &str, f: Filter) -> Result<String, QueryError> {
        let mut q = Self::parse(syntax)?;
        if !q.filters.contains(&f) {
            q.filters.push(f);
        }
        Ok(q.to_syntax())
    }
}

/// How far around a value "Search for datasets with this value" looks: a
/// relative 5 %.
pub const SIMILAR_TOLERANCE: f64 = 0.05;

/// The filter for datasets holding a value like `value` (in `unit`) of the
/// parameter `name`: `value` ± `tolerance` of it. `None` for a value that
/// is no finite number or a name the syntax cannot write.
pub fn similar(name: &str, value: f64, unit: &str, tolerance: f64) -> Option<Filter> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.".contains(c));
    if !valid || !value.is_finite() {
        return None;
    }
    let d = (value * tolerance).abs();
    // Three significant digits beyond the tolerance: the query reads well.
    let round = |x: f64| {
        if x == 0.0 {
            return 0.0;
        }
        // |log10| of a finite f64 is below 400: no truncation.
        #[allow(clippy::cast_possible_truncation)]
        let digits = 3 - x.abs().log10().floor() as i32;
        let f = 10f64.powi(digits.clamp(-300, 300));
        (x * f).round() / f
    };
    let unit = unit.trim();
    Some(Filter::Parameter {
        name: name.to_owned(),
        range: Range {
            min: Some(round(value - d)),
            max: Some(round(value + d)),
        },
        unit: (!unit.is_empty() && crate::units::is_unit(unit)).then(|| unit.to_owned()),
    })
}

/// What the filter builder asks for, as text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    Parameter,
    Technique,
    Facility,
    Instrument,
    After,
    Before,
    Access,
}

impl FilterKind {
    /// Every kind, in the order the builder lists them.
    pub const ALL: [Self; 7] = [
        Self::Parameter,
        Self::Technique,
        Self::Facility,
        Self::Instrument,
        Self::After,
        Self::Before,
        Self::Access,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Parameter => "parameter",
            Self::Technique => "technique",
            Self::Facility => "facility",
            Self::Instrument => "instrument",
            Self::After => "made after",
            Self::Before => "made before",
            Self::Access => "access",
        }
    }
}

/// The units the filter builder offers, by what they measure.
pub const BUILDER_UNITS: &[&str] = &[
    "", "Å", "nm", "µm", "mm", "eV", "keV", "meV", "K", "°C", "Pa", "mbar", "bar", "T", "mT", "s",
    "min", "h", "1/Å",
];

/// A filter from the builder's fields: for a parameter its name, the
/// lower and upper ends (either may be empty, for an open range; the same
/// number in both for one value) and a unit ("" for none); for the others
/// the value. Says what is wrong in the words of [`QueryError`].
pub fn build_filter(
    kind: FilterKind,
    name_or_value: &str,
    min: &str,
    max: &str,
    unit: &str,
) -> Result<Filter, QueryError> {
    let value = name_or_value.trim();
    let bad = |key: &str, v: &str, expected| QueryError::BadValue {
        key: key.to_owned(),
        value: v.to_owned(),
        expected,
    };
    Ok(match kind {
        FilterKind::Parameter => {
            let valid = !value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_-.".contains(c));
            if !valid {
                return Err(bad(
                    value,
                    "",
                    "a parameter's name is one word, such as wavelength or sample_temperature",
                ));
            }
            let reserved = [
                "technique",
                "facility",
                "instrument",
                "after",
                "before",
                "access",
            ];
            if reserved.contains(&value.to_lowercase().as_str()) {
                return Err(bad(
                    value,
                    "",
                    "that name is a kind of filter of its own: pick it in the list instead",
                ));
            }
            let end = |t: &str| -> Result<Option<f64>, QueryError> {
                let t = t.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                number(t).map(Some).ok_or_else(|| {
                    bad(
                        value,
                        t,
                        "the ends of a range are numbers, such as 1.5 or 2e-3",
                    )
                })
            };
            let (lo, hi) = (end(min)?, end(max)?);
            if lo.is_none() && hi.is_none() {
                return Err(bad(value, "", "give a value or a range: from, to, or both"));
            }
            if let (Some(a), Some(b)) = (lo, hi)
                && a > b
            {
                return Err(bad(
                    value,
                    &format!("{a}..{b}"),
                    "the range goes from the smaller number to the larger",
                ));
            }
            let unit = unit.trim();
            if !unit.is_empty() && !crate::units::is_unit(unit) {
                return Err(bad(
                    value,
                    unit,
                    "a unit Panorama knows, such as Å, keV, K or mbar",
                ));
            }
            Filter::Parameter {
                name: value.to_owned(),
                range: Range { min: lo, max: hi },
                unit: (!unit.is_empty()).then(|| unit.to_owned()),
            }
        }
        FilterKind::Technique | FilterKind::Facility | FilterKind::Instrument
            if value.is_empty() =>
        {
            return Err(bad(kind.label(), "", "type what it should be"));
        }
        FilterKind::Technique => Filter::Technique(value.to_owned()),
        FilterKind::Facility => Filter::Facility(value.to_owned()),
        FilterKind::Instrument => Filter::Instrument(value.to_owned()),
        FilterKind::After | FilterKind::Before => {
            if !is_date(value) {
                return Err(bad(
                    kind.label(),
                    value,
                    "a date is YYYY, YYYY-MM or YYYY-MM-DD",
                ));
            }
            if kind == FilterKind::After {
                Filter::After(value.to_owned())
            } else {
                Filter::Before(value.to_owned())
            }
        }
        FilterKind::Access => Filter::Access(match value.to_lowercase().as_str() {
            "open" => AccessFilter::Open,
            "embargoed" => AccessFilter::Embargoed,
            "restricted" => AccessFilter::Restricted,
            _ => {
                return Err(bad(
                    "access",
                    value,
                    "access is open, embargoed or restricted",
                ));
            }
        }),
    })
}

/// A parameter's name as filters compare it: `photon_energy` is the
/// record's "Photon energy".
pub fn parameter_name(n: &str) -> String {
    n.to_lowercase().replace('_', " ")
}

/// Whether a record passes every one of `filters`. A record that does not
/// say (no such parameter, no date) cannot be said to match: it is left out.
pub fn keeps(filters: &[Filter], d: &Dataset) -> bool {
    filters.iter().all(|f| f.keeps(d) == Some(true))
}

/// A word of free text as the syntax writes it: quoted when it would read
/// as something else.
fn quote_text(w: &str) -> String {
    if w.contains(':') || w.contains('"') || w.is_empty() {
        format!("\"{}\"", escape(w))
    } else {
        w.to_owned()
    }
}

/// Text for inside quotes: backslashes and quotes escaped.
fn escape(t: &str) -> String {
    t.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A filter's value as the syntax writes it.
fn quote_value(v: &str) -> String {
    if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c == '"') {
        format!("\"{}\"", escape(v))
    } else {
        v.to_owned()
    }
}

/// A number written so it reads back the same.
fn num(v: f64) -> String {
    format!("{v}")
}

impl Filter {
    /// The filter in the compact syntax.
    pub fn to_syntax(&self) -> String {
        match self {
            Self::Parameter { name, range, unit } => {
                let r = match (range.min, range.max) {
                    (Some(a), Some(b)) if a == b => num(a),
                    (Some(a), Some(b)) => format!("{}..{}", num(a), num(b)),
                    (Some(a), None) => format!("{}..", num(a)),
                    (None, Some(b)) => format!("..{}", num(b)),
                    (None, None) => "..".into(),
                };
                match unit {
                    Some(u) => format!("{name}:{r} {u}"),
                    None => format!("{name}:{r}"),
                }
            }
            Self::Technique(v) => format!("technique:{}", quote_value(v)),
            Self::Facility(v) => format!("facility:{}", quote_value(v)),
            Self::Instrument(v) => format!("instrument:{}", quote_value(v)),
            Self::After(d) => format!("after:{d}"),
            Self::Before(d) => format!("before:{d}"),
            Self::Access(a) => format!(
                "access:{}",
                match a {
                    AccessFilter::Open => "open",
                    AccessFilter::Embargoed => "embargoed",
                    AccessFilter::Restricted => "restricted",
                }
            ),
        }
    }

    /// Whether the record passes: `Some(true)` or `Some(false)`, or `None`
    /// when the record does not say (no such parameter, no date).
    pub fn keeps(&self, d: &Dataset) -> Option<bool> {
        let same = |a: &str, b: &str| a.to_lowercase().contains(&b.to_lowercase());
        match self {
            Self::Parameter { name, range, unit } => {
                let wanted = parameter_name(name);
                let p = d
                    .parameters
                    .iter()
                    .find(|p| parameter_name(&p.name) == wanted)?;
                let v = p.value.as_f64()?;
                let v = match unit {
                    Some(u) if !p.unit.is_empty() => {
                        crate::units::convert_quantity(name, v, &p.unit, u)?
                    }
                    _ => v,
                };
                Some(range.holds(v))
            }
            Self::Technique(t) => Some(same(d.technique.as_deref()?, t)),
            Self::Facility(f) => Some(same(d.facility.as_deref()?, f)),
            Self::Instrument(i) => Some(same(d.instrument.as_deref()?, i)),
            Self::After(day) => Some(d.created.as_deref()? >= day.as_str()),
            // A date "before 2020" keeps all of 2020's days that start so.
            Self::Before(day) => {
                let c = d.created.as_deref()?;
                Some(c <= day.as_str() || c.starts_with(day.as_str()))
            }
            Self::Access(a) => Some(matches!(
                (a, &d.access),
                (AccessFilter::Open, Access::Open)
                    | (AccessFilter::Embargoed, Access::Embargoed { .. })
                    | (AccessFilter::Restricted, Access::Restricted)
            )),
        }
    }
}

/// The first and the last instant of a date of the syntax (`2020`,
/// `2020-05`, `2020-05-17`), as ISO 8601 times in UTC: what `after:` and
/// `before:` mean to a catalogue that takes times.
pub fn date_bounds(day: &str) -> Option<(String, String)> {
    if !is_date(day) {
        return None;
    }
    let parts: Vec<u32> = day.split('-').filter_map(|p| p.parse().ok()).collect();
    let (y, m, d) = match parts.as_slice() {
        [y] => (*y, None, None),
        [y, m] => (*y, Some(*m), None),
        [y, m, d] => (*y, Some(*m), Some(*d)),
        _ => return None,
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let last_day = |m: u32| match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let (m0, m1) = m.map_or((1, 12), |m| (m, m));
    if !(1..=12).contains(&m0) {
        return None;
    }
    let (d0, d1) = d.map_or((1, last_day(m1)), |d| (d, d));
    if d0 == 0 || d1 > last_day(m1) {
        return None;
    }
    Some((
        format!("{y:04}-{m0:02}-{d0:02}T00:00:00.000Z"),
        format!("{y:04}-{m1:02}-{d1:02}T23:59:59.999Z"),
    ))
}

/// The window of `after:` and `before:` filters together, as (first,
/// last) instants; an open end is `None`. `None` when there is neither.
pub fn date_window(filters: &[Filter]) -> Option<(Option<String>, Option<String>)> {
    let (mut begin, mut end): (Option<String>, Option<String>) = (None, None);
    for f in filters {
        match f {
            Filter::After(day) => {
                if let Some((first, _)) = date_bounds(day) {
                    begin = Some(begin.map_or(first.clone(), |b| b.max(first)));
                }
            }
            Filter::Before(day) => {
                if let Some((_, last)) = date_bounds(day) {
                    end = Some(end.map_or(last.clone(), |e| e.min(last)));
                }
            }
            _ => {}
        }
    }
    (begin.is_some() || end.is_some()).then_some((begin, end))
}

/// The free text and `clauses` of an Elasticsearch query string (what
/// InvenioRDM's `q` and DataCite's `query` read), all required: the text
/// in parentheses, so its own operators stay its own.
pub fn query_string(text: &str, clauses: &[String]) -> String {
    let text = text.trim();
    let mut parts = Vec::new();
    if !text.is_empty() {
        parts.push(if clauses.is_empty() {
            text.to_owned()
        } else {
            format!("({text})")
        });
    }
    parts.extend(clauses.iter().cloned());
    parts.join(" AND ")
}

/// The PaNOSC search API's name of a unit (it converts units by these names).
fn panosc_unit(u: &str) -> String {
    match crate::units::canonical(u) {
        Some("angstrom") => "angstrom".into(),
        Some("degC") => "celsius".into(),
        Some("K") => "kelvin".into(),
        Some(c) => c.to_owned(),
        None => u.to_owned(),
    }
}

/// The PaNOSC search API's filter for a query's filters (the free text
/// goes apart, as the federated service's `query`): one scoped `include`
/// of `parameters` per parameter, of `techniques` per technique, the
/// instrument and its facility, dates and access in `where`; `limit` and
/// `skip` for paging.
pub fn panosc_filter(filters: &[Filter], limit: usize, skip: usize) -> serde_json::Value {
    use serde_json::{Value as J, json};
    // Whole numbers as integers, as the API's documentation writes them.
    let n = |v: f64| -> J {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            #[allow(clippy::cast_possible_truncation)]
            let i = v as i64;
            json!(i)
        } else {
            json!(v)
        }
    };
    let mut include: Vec<J> = Vec::new();
    let mut wheres: Vec<J> = Vec::new();
    for f in filters {
        match f {
            Filter::Parameter { name, range, unit } => {
                let value = match (range.min, range.max) {
                    (Some(a), Some(b)) if a == b => n(a),
                    (Some(a), Some(b)) => json!({"between": [n(a), n(b)]}),
                    (Some(a), None) => json!({"gte": n(a)}),
                    (None, Some(b)) => json!({"lte": n(b)}),
                    (None, None) => continue,
                };
                let mut and = vec![json!({"name": name}), json!({"value": value})];
                if let Some(u) = unit {
                    and.push(json!({"unit": panosc_unit(u)}));
                }
                include.push(json!({
                    "relation": "parameters",
                    "scope": {"where": {"and": and}},
                }));
            }
            Filter::Technique(t) => include.push(json!({
                "relation": "techniques",
                "scope": {"where": {"name": t}},
            })),
            Filter::Instrument(i) => include.push(json!({
                "relation": "instrument",
                "scope": {"where": {"name": i}},
            })),
            Filter::Facility(fac) => include.push(json!({
                "relation": "instrument",
                "scope": {"where": {"facility": fac}},
            })),
            Filter::After(d) => wheres.push(json!({"creationDate": {"gte": d}})),
            Filter::Before(d) => wheres.push(json!({"creationDate": {"lte": d}})),
            Filter::Access(a) => wheres.push(json!({"isPublic": *a == AccessFilter::Open})),
        }
    }
    // Whatever was not asked for by a filter, the answer still carries.
    for relation in ["files", "techniques", "instrument", "parameters", "samples"] {
        if !include.iter().any(|i| i["relation"] == relation) {
            include.push(json!(relation));
        }
    }
    let mut filter = json!({"include": include, "limit": limit});
    if skip > 0 {
        filter["skip"] = json!(skip);
    }
    match wheres.len() {
        0 => {}
        1 => filter["where"] = wheres.remove(0),
        _ => filter["where"] = json!({"and": wheres}),
    }
    filter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_of_the_search_box_reads() {
        let q = Query::parse(
            r#"wavelength:1..2 Å technique:"x-ray diffraction" facility:ESRF after:2020 lysozyme"#,
        )
        .expect("reads");
        assert_eq!(q.text, "lysozyme");
        assert_eq!(
            q.filters,
            [
                Filter::Parameter {
                    name: "wavelength".into(),
                    range: Range {
                        min: Some(1.0),
                        max: Some(2.0)
                    },
                    unit: Some("Å".into()),
                },
                Filter::Technique("x-ray diffraction".into()),
                Filter::Facility("ESRF".into()),
                Filter::After("2020".into()),
            ]
        );
        // Written back, it reads the same.
        assert_eq!(Query::parse(&q.to_syntax()).expect("again"), q);
    }

    #[test]
    fn ranges_units_and_words_with_colons() {
        let q =
            Query::parse("temperature:<10 K energy:>=5keV doi:10.5281/zenodo.1239 x:3").expect("q");
        assert_eq!(q.text, "doi:10.5281/zenodo.1239");
        assert_eq!(
            q.filters[0],
            Filter::Parameter {
                name: "temperature".into(),
                range: Range {
                    min: None,
                    max: Some(10.0)
                },
                unit: Some("K".into())
            }
        );
        assert_eq!(
            q.filters[1],
            Filter::Parameter {
                name: "energy".into(),
                range: Range {
                    min: Some(5.0),
                    max: None
                },
                unit: Some("keV".into())
            }
        );
        assert_eq!(
            q.filters[2],
            Filter::Parameter {
                name: "x".into(),
                range: Range::exactly(3.0),
                unit: None
            }
        );
    }

    #[test]
    fn what_does_not_read_says_why() {
        assert_eq!(
            Query::parse("after:20x").err().map(|e| e.to_string()),
            Some("“after:20x” does not read: a date is YYYY, YYYY-MM or YYYY-MM-DD".into())
        );
        assert!(matches!(
            Query::parse("access:maybe"),
            Err(QueryError::BadValue { .. })
        ));
        assert_eq!(Query::parse("title \"open"), Err(QueryError::OpenQuote));
    }

    /// Random text never panics, and whatever reads is written back into
    /// syntax that reads the same (syntax → query → syntax → query).
    #[test]
    fn the_parser_is_fuzzed_and_round_trips() {
        const ALPHABET: &[&str] = &[
            "a",
            "Z",
            "é",
            "1",
            "2.5",
            "-",
            ".",
            "..",
            ":",
            "\"",
            "\\",
            " ",
            "  ",
            "<",
            ">",
            "=",
            "K",
            "Å",
            "keV",
            "nm",
            "e",
            "after",
            "technique",
            "access",
            "open",
            "2020",
            "wavelength",
            "\t",
            "ü",
            "/",
            "_",
            "1e3",
            "NaN",
            "inf",
        ];
        let mut r = crate::catalogue::synthetic::Lcg(7);
        for _ in 0..20_000 {
            let n = r.next(12);
            let s: String = (0..n).map(|_| ALPHABET[r.next(ALPHABET.len())]).collect();
            let Ok(q) = Query::parse(&s) else {
                continue;
            };
            let written = q.to_syntax();
            let again = Query::parse(&written)
                .unwrap_or_else(|e| panic!("{s:?} → {written:?} does not read: {e}"));
            assert_eq!(again, q, "{s:?} → {written:?}");
        }
    }

    fn record(params: &[(&str, f64, &str)]) -> Dataset {
        Dataset {
            title: "r".into(),
            parameters: params
                .iter()
                .map(|(n, v, u)| super::super::Parameter {
                    name: (*n).into(),
                    value: serde_json::json!(v),
                    unit: (*u).into(),
                })
                .collect(),
            created: Some("2021-06-01".into()),
            facility: Some("ESRF".into()),
            ..Dataset::default()
        }
    }

    /// Filtered here, in the record's own units: 12 keV is 1.03 Å.
    #[test]
    fn records_are_filtered_in_their_own_units() {
        let q = Query::parse("wavelength:1..2 Å").expect("q");
        assert!(q.keeps(&record(&[("wavelength", 0.15, "nm")])));
        assert!(!q.keeps(&record(&[("wavelength", 0.25, "nm")])));
        // A photon energy where the record gives energy for the wavelength.
        let q = Query::parse("energy:10..14 keV").expect("q");
        assert!(q.keeps(&record(&[("energy", 12_000.0, "eV")])));
        assert!(!q.keeps(&record(&[("energy", 8.0, "keV")])));
        let q = Query::parse("temperature:<10 K").expect("q");
        assert!(q.keeps(&record(&[("temperature", -268.0, "degC")])));
        assert!(!q.keeps(&record(&[("temperature", 20.0, "degC")])));
        // A record that does not give the parameter cannot be said to match.
        assert!(!q.keeps(&record(&[])));
        let q = Query::parse("photon_energy:17..18 keV").expect("q");
        assert!(q.keeps(&record(&[("photon energy", 17.5, "keV")])));
        let q = Query::parse("facility:esrf after:2021 before:2021").expect("q");
        assert!(q.keeps(&record(&[])));
        let q = Query::parse("after:2022").expect("q");
        assert!(!q.keeps(&record(&[])));
    }

    fn recorded(name: &str) -> serde_json::Value {
        let path = format!(
            "{}/tests/fixtures/panosc/filters/{name}.filter.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
    }

    /// The builder's fields make the filter the syntax would, and what
    /// does not read says why; adding to a query keeps its text and does
    /// not double a filter.
    #[test]
    fn the_builder_makes_the_filters_the_syntax_reads() {
        let p = build_filter(FilterKind::Parameter, "wavelength", "1", "2", "Å").expect("p");
        assert_eq!(
            Query::parse("wavelength:1..2 Å").expect("q").filters,
            std::slice::from_ref(&p)
        );
        let open = build_filter(FilterKind::Parameter, "temperature", "", "10", "K").expect("p");
        assert_eq!(open.to_syntax(), "temperature:..10 K");
        let q = Query::adding("lysozyme facility:ESRF", p.clone()).expect("adds");
        assert_eq!(q, "lysozyme facility:ESRF wavelength:1..2 Å");
        assert_eq!(Query::adding(&q, p).expect("again"), q);
        let d = build_filter(FilterKind::After, "2020-05", "", "", "").expect("date");
        assert_eq!(d, Filter::After("2020-05".into()));
        for (kind, v, lo, hi, u) in [
            (FilterKind::Parameter, "", "1", "2", ""),
            (FilterKind::Parameter, "two words", "1", "2", ""),
            (FilterKind::Parameter, "wavelength", "", "", "Å"),
            (FilterKind::Parameter, "wavelength", "2", "1", "Å"),
            (FilterKind::Parameter, "wavelength", "one", "", "Å"),
            (FilterKind::Parameter, "wavelength", "1", "", "furlong"),
            (FilterKind::After, "May 2020", "", "", ""),
            (FilterKind::Access, "public-ish", "", "", ""),
            (FilterKind::Facility, " ", "", "", ""),
            (FilterKind::Parameter, "Technique", "1", "2", ""),
        ] {
            let e = build_filter(kind, v, lo, hi, u).expect_err(v);
            assert!(matches!(e, QueryError::BadValue { .. }), "{v}: {e}");
        }
        for u in BUILDER_UNITS.iter().filter(|u| !u.is_empty()) {
            assert!(crate::units::is_unit(u), "{u}");
        }
    }

    /// A value found in a file becomes a range around it in its unit,
    /// written so the syntax reads it back; what cannot be a filter is none.
    #[test]
    fn a_value_in_a_file_becomes_a_search_around_it() {
        let f = similar("wavelength", 1.5406, "Å", SIMILAR_TOLERANCE).expect("filter");
        assert_eq!(f.to_syntax(), "wavelength:1.464..1.618 Å");
        assert_eq!(Query::parse(&f.to_syntax()).expect("reads").filters, [f]);
        let neg = similar("temperature", -20.0, "°C", 0.1).expect("filter");
        assert_eq!(neg.to_syntax(), "temperature:-22..-18 °C");
        // An unknown unit is left out, not written as a word of text.
        let f = similar("counts", 10.0, "arb", 0.1).expect("filter");
        assert_eq!(f.to_syntax(), "counts:9..11");
        assert!(similar("two words", 1.0, "K", 0.1).is_none());
        assert!(similar("x", f64::NAN, "K", 0.1).is_none());
    }

    /// `after:` and `before:` as a catalogue's time window: a year, a
    /// month (February of a leap year) and a day; nonsense is none.
    #[test]
    fn dates_are_windows_of_time() {
        let b = |d: &str| date_bounds(d).map(|(a, b)| format!("{a} {b}"));
        assert_eq!(
            b("2020").as_deref(),
            Some("2020-01-01T00:00:00.000Z 2020-12-31T23:59:59.999Z")
        );
        assert_eq!(
            b("2024-02").as_deref(),
            Some("2024-02-01T00:00:00.000Z 2024-02-29T23:59:59.999Z")
        );
        assert_eq!(
            b("1900-02").as_deref(),
            Some("1900-02-01T00:00:00.000Z 1900-02-28T23:59:59.999Z")
        );
        assert_eq!(
            b("2021-06-30").as_deref(),
            Some("2021-06-30T00:00:00.000Z 2021-06-30T23:59:59.999Z")
        );
        for bad in ["2021-13", "2021-06-31", "2021-00", "20", "x"] {
            assert_eq!(b(bad), None, "{bad}");
        }
    }

    /// The PaNOSC filter carries each recorded example's scoped include as
    /// the search API's own documentation writes it.
    #[test]
    fn the_panosc_filter_is_the_recorded_one() {
        let f = panosc_filter(
            &Query::parse("temperature:<80 degC").expect("q").filters,
            10,
            0,
        );
        let mut want =
            recorded("dataset-04-query-datasets-where-temperature-is-below-80-c")["include"][0]
                .clone();
        // `lte` for "at most", where the example says `lt`: the search box's
        // ranges hold their ends.
        want["scope"]["where"]["and"][1] = serde_json::json!({"value": {"lte": 80}});
        assert_eq!(f["include"][0], want);
        let f = panosc_filter(
            &Query::parse("technique:\"x-ray absorption\"")
                .expect("q")
                .filters,
            10,
            0,
        );
        assert_eq!(
            f["include"][0],
            recorded("dataset-01-query-datasets-acquired-using-x-ray-absorption")["include"][0]
        );
        let f = panosc_filter(
            &Query::parse("wavelength:1000..1100 nm").expect("q").filters,
            5,
            10,
        );
        assert_eq!(
            f["include"][0],
            recorded("document-02-query-documents-where-wavelength-is-1000-1100-nm")["include"][0]
        );
        assert_eq!(
            (f["limit"].clone(), f["skip"].clone()),
            (5.into(), 10.into())
        );
        // The relations the answer needs are asked for once each.
        let relations: Vec<String> = f["include"]
            .as_array()
            .expect("include")
            .iter()
            .map(|i| {
                i.get("relation")
                    .unwrap_or(i)
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            relations,
            ["parameters", "files", "techniques", "instrument", "samples"]
        );
    }
}
