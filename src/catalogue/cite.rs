//! Citations of a dataset: plain text in the DataCite style, BibTeX and RIS.

use super::Dataset;

/// A plain-text citation in the DataCite style:
/// `Creators (Year). Title. Publisher. https://doi.org/PID`.
pub fn citation(d: &Dataset) -> String {
    let names: Vec<&str> = d.creators.iter().map(|c| c.name.as_str()).collect();
    let mut s = names.join("; ");
    if let Some(y) = d.year() {
        s.push_str(&format!(" ({y})"));
    }
    s.push_str(&format!(". {}.", d.title));
    if let Some(f) = &d.facility {
        s.push_str(&format!(" {f}."));
    }
    if let Some(doi) = d.normalized_doi() {
        s.push_str(&format!(" https://doi.org/{doi}"));
    }
    s
}

/// A BibTeX `@misc` entry (DataCite's recommended form for datasets).
pub fn bibtex(d: &Dataset) -> String {
    let esc = |t: &str| t.replace(['{', '}'], "");
    let key: String = d
        .creators
        .first()
        .map_or_else(
            || "dataset".into(),
            |c| c.name.split(',').next().unwrap_or("").trim().to_lowercase(),
        )
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        + &d.year().map(|y| y.to_string()).unwrap_or_default();
    let mut out = format!("@misc{{{key},\n  title = {{{}}},\n", esc(&d.title));
    if !d.creators.is_empty() {
        let names: Vec<String> = d.creators.iter().map(|c| esc(&c.name)).collect();
        out.push_str(&format!("  author = {{{}}},\n", names.join(" and ")));
    }
    if let Some(y) = d.year() {
        out.push_str(&format!("  year = {{{y}}},\n"));
    }
    if let Some(f) = &d.facility {
        out.push_str(&format!("  publisher = {{{}}},\n", esc(f)));
    }
    if let Some(doi) = d.normalized_doi() {
        out.push_str(&format!(
            "  doi = {{{doi}}},\n  url = {{https://doi.org/{doi}}},\n"
        ));
    }
    out.push('}');
    out.push('\n');
    out
}

/// An RIS record (type DATA).
pub fn ris(d: &Dataset) -> String {
    let mut out = String::from("TY  - DATA\n");
    out.push_str(&format!("TI  - {}\n", d.title));
    for c in &d.creators {
        out.push_str(&format!("AU  - {}\n", c.name));
    }
    if let Some(y) = d.year() {
        out.push_str(&format!("PY  - {y}\n"));
    }
    if let Some(f) = &d.facility {
        out.push_str(&format!("PB  - {f}\n"));
    }
    if let Some(doi) = d.normalized_doi() {
        out.push_str(&format!("DO  - {doi}\nUR  - https://doi.org/{doi}\n"));
    }
    out.push_str("ER  - \n");
    out
}
