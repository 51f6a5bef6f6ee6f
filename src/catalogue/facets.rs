//! Facets of search results (facility, instrument, technique, year,
//! licence, access, source): their values, counts and filters.

use super::{Access, Dataset};

/// Facet names, in the order they are shown.
pub const FACETS: [&str; 7] = [
    "facility",
    "instrument",
    "technique",
    "year",
    "license",
    "access",
    "source",
];

/// Every value of a facet for a dataset (a merged record is in several sources).
pub fn facet_values(d: &Dataset, facet: &str) -> Vec<String> {
    match facet {
        "source" => d.sources.clone(),
        other => facet_value(d, other).into_iter().collect(),
    }
}

/// The value of a facet for a dataset.
pub fn facet_value(d: &Dataset, facet: &str) -> Option<String> {
    match facet {
        "facility" => d.facility.clone(),
        "instrument" => d.instrument.clone(),
        "technique" => d.technique.clone(),
        "year" => d.year().map(|y| y.to_string()),
        "license" => d.license.clone(),
        "access" => Some(
            match d.access {
                Access::Open => "open",
                Access::Embargoed { .. } => "embargoed",
                Access::Restricted => "restricted",
            }
            .to_owned(),
        ),
        "source" => d.sources.first().cloned(),
        _ => None,
    }
}

/// Counts per value of each facet, most frequent first.
pub fn facet_counts<'a>(
    results: impl IntoIterator<Item = &'a Dataset> + Clone,
) -> Vec<(&'static str, Vec<(String, usize)>)> {
    FACETS
        .iter()
        .map(|&f| {
            let mut counts: std::collections::BTreeMap<String, usize> =
                std::collections::BTreeMap::new();
            for d in results.clone() {
                for v in facet_values(d, f) {
                    *counts.entry(v).or_default() += 1;
                }
            }
            let mut v: Vec<(String, usize)> = counts.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (f, v)
        })
        .collect()
}

/// Keep the datasets that match every `(facet, value)` filter.
pub fn apply_facets<'a>(results: &'a [Dataset], filters: &[(String, String)]) -> Vec<&'a Dataset> {
    results
        .iter()
        .filter(|d| {
            filters
                .iter()
                .all(|(f, v)| facet_values(d, f).iter().any(|x| x == v))
        })
        .collect()
}
