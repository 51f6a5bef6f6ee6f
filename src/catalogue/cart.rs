//! The cart: datasets collected from any mix of catalogues, to download,
//! cite or copy the PIDs of all at once. Kept as the records themselves, so
//! it is whole after a restart and offline.

use serde::{Deserialize, Serialize};

use super::{Dataset, bibtex, citation, ris};

/// How the cart's citations are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CitationFormat {
    /// One plain-text citation a line (DataCite's style).
    Text,
    BibTeX,
    Ris,
}

impl CitationFormat {
    pub const ALL: [Self; 3] = [Self::Text, Self::BibTeX, Self::Ris];

    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "citations",
            Self::BibTeX => "BibTeX",
            Self::Ris => "RIS",
        }
    }
}

/// The datasets collected, in the order they were added, each once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cart {
    pub items: Vec<Dataset>,
}

/// A file of a dataset in the cart, to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartFile {
    pub url: String,
    pub name: String,
    pub checksum: Option<String>,
    /// The dataset it belongs to, as the downloaded file remembers it.
    pub origin: crate::store::FileOrigin,
}

impl Cart {
    /// Add a dataset; false when it is there already (by its DOI/PID or key).
    pub fn add(&mut self, d: Dataset) -> bool {
        if self.contains(&d.key()) {
            return false;
        }
        self.items.push(d);
        true
    }

    /// Remove a dataset by its key; false when it was not there.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.items.len();
        self.items.retain(|d| d.key() != key);
        self.items.len() != before
    }

    pub fn contains(&self, key: &str) -> bool {
        self.items.iter().any(|d| d.key() == key)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The PIDs (DOIs as `https://doi.org/…`), one a line; datasets without
    /// one are left out.
    pub fn pids(&self) -> String {
        self.items
            .iter()
            .filter_map(|d| {
                d.normalized_doi()
                    .map(|doi| format!("https://doi.org/{doi}"))
                    .or_else(|| d.pid.clone().filter(|p| !p.trim().is_empty()))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every dataset's citation in `format`; BibTeX keys made unique
    /// (`smith2020`, `smith2020b`, …).
    pub fn citations(&self, format: CitationFormat) -> String {
        match format {
            CitationFormat::Text => self
                .items
                .iter()
                .map(citation)
                .collect::<Vec<_>>()
                .join("\n"),
            CitationFormat::Ris => self.items.iter().map(ris).collect::<String>(),
            CitationFormat::BibTeX => {
                let mut seen: std::collections::HashMap<String, usize> =
                    std::collections::HashMap::new();
                let mut out = String::new();
                for d in &self.items {
                    let entry = bibtex(d);
                    let key = entry
                        .strip_prefix("@misc{")
                        .and_then(|r| r.split(',').next())
                        .unwrap_or_default()
                        .to_owned();
                    let n = seen.entry(key.clone()).or_default();
                    *n += 1;
                    if *n > 1 {
                        // The second is `b`, the third `c`, … then `a27`, `a28`.
                        let suffix = match u8::try_from(*n - 1) {
                            Ok(i) if i < 26 => char::from(b'a' + i).to_string(),
                            _ => format!("a{n}"),
                        };
                        out.push_str(&entry.replacen(
                            &format!("@misc{{{key},"),
                            &format!("@misc{{{key}{suffix},"),
                            1,
                        ));
                    } else {
                        out.push_str(&entry);
                    }
                    out.push('\n');
                }
                out
            }
        }
    }

    /// Every file of the cart's datasets that can be downloaded, and the
    /// datasets whose file list is not known yet (their catalogue lists
    /// files only on their page).
    pub fn files(&self) -> (Vec<CartFile>, Vec<&Dataset>) {
        let mut files = Vec::new();
        let mut unlisted = Vec::new();
        for d in &self.items {
            let known: Vec<CartFile> = d
                .files
                .iter()
                .filter_map(|f| {
                    Some(CartFile {
                        url: f.url.clone()?,
                        name: f.name.clone(),
                        checksum: f.checksum.clone(),
                        origin: d.file_origin(f.url.as_deref()?),
                    })
                })
                .collect();
            if known.is_empty() {
                unlisted.push(d);
            }
            files.extend(known);
        }
        (files, unlisted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Creator, DataFile};

    fn ds(pid: &str, name: &str, year: &str) -> Dataset {
        Dataset {
            id: pid.into(),
            title: format!("Scan {pid}"),
            pid: Some(pid.into()),
            creators: vec![Creator {
                name: name.into(),
                orcid: None,
                affiliations: Vec::new(),
            }],
            created: Some(year.into()),
            sources: vec!["zenodo".into()],
            ..Dataset::default()
        }
    }

    /// Each dataset once, by any spelling of its DOI; PIDs as links; BibTeX
    /// keys unique; every citation there; files known and not.
    #[test]
    fn the_cart_holds_each_dataset_once_and_cites_them_all() {
        let mut cart = Cart::default();
        assert!(cart.add(ds("10.5281/zenodo.1", "Smith, Ann", "2020")));
        assert!(!cart.add(ds("doi:10.5281/ZENODO.1", "Smith, Ann", "2020")));
        let mut second = ds("10.5281/zenodo.2", "Smith, Bo", "2020");
        second.files = vec![DataFile {
            name: "a.h5".into(),
            url: Some("https://zenodo.org/a.h5".into()),
            checksum: Some("md5:00".into()),
            ..DataFile::default()
        }];
        assert!(cart.add(second));
        assert_eq!(cart.len(), 2);
        assert_eq!(
            cart.pids(),
            "https://doi.org/10.5281/zenodo.1\nhttps://doi.org/10.5281/zenodo.2"
        );
        let bib = cart.citations(CitationFormat::BibTeX);
        assert!(bib.contains("@misc{smith2020,"), "{bib}");
        assert!(bib.contains("@misc{smith2020b,"), "{bib}");
        assert_eq!(
            cart.citations(CitationFormat::Ris)
                .matches("TY  - DATA")
                .count(),
            2
        );
        assert_eq!(cart.citations(CitationFormat::Text).lines().count(), 2);
        let (files, unlisted) = cart.files();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].origin.dataset, "https://doi.org/10.5281/zenodo.2");
        assert_eq!(unlisted.len(), 1);
        assert!(cart.remove("10.5281/zenodo.1"));
        assert!(!cart.remove("10.5281/zenodo.1"));
        // Kept as JSON, read back whole.
        let json = serde_json::to_string(&cart).expect("json");
        assert_eq!(serde_json::from_str::<Cart>(&json).expect("back"), cart);
    }
}
