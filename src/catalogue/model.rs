//! The common dataset model every catalogue client maps into.

use serde::{Deserialize, Serialize};

/// Who may read a dataset's files.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Access {
    #[default]
    Open,
    /// Files open after the given date (ISO 8601).
    Embargoed {
        until: String,
    },
    Restricted,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Creator {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orcid: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DataFile {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `algorithm:hex`, e.g. `md5:…`, `sha256:…`, `adler32:…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A file on this computer (shipped demo data, or downloaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<String>,
    /// Where the file opens remotely (an h5grove URL), without downloading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
}

/// File names the viewer opens (HDF5 and NeXus).
pub fn is_hdf5_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".h5", ".hdf5", ".hdf", ".nxs", ".nx5", ".nx", ".cxi", ".he5",
    ]
    .iter()
    .any(|e| lower.ends_with(e))
}

/// A scientific parameter with its unit, e.g. `pixel size = 0.031 mm`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub value: serde_json::Value,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
}

impl Parameter {
    /// `0.031311 mm`
    pub fn value_text(&self) -> String {
        let v = match &self.value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if self.unit.is_empty() {
            v
        } else {
            format!("{v} {}", self.unit)
        }
    }
}

/// How a record stands to another, in DataCite's words (`relationType`;
/// InvenioRDM's `relation_type` ids are the same in lower case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Relation {
    /// `IsDerivedFrom`: made from the other (SciCat's `inputDatasets`).
    DerivedFrom,
    /// `IsSourceOf`: the other was made from this one.
    SourceOf,
    /// `IsPartOf`: one part of the other (a collection, proposal, issue).
    PartOf,
    /// `HasPart`: the other is one of its parts.
    HasPart,
    /// `IsSupplementTo`: supplements the other (often its publication).
    SupplementTo,
    /// `IsSupplementedBy`: the other supplements this one.
    SupplementedBy,
}

impl Relation {
    pub const ALL: [Relation; 6] = [
        Relation::DerivedFrom,
        Relation::SourceOf,
        Relation::PartOf,
        Relation::HasPart,
        Relation::SupplementTo,
        Relation::SupplementedBy,
    ];

    /// DataCite's name of the relation.
    pub fn datacite(self) -> &'static str {
        match self {
            Relation::DerivedFrom => "IsDerivedFrom",
            Relation::SourceOf => "IsSourceOf",
            Relation::PartOf => "IsPartOf",
            Relation::HasPart => "HasPart",
            Relation::SupplementTo => "IsSupplementTo",
            Relation::SupplementedBy => "IsSupplementedBy",
        }
    }

    /// The relation named so by DataCite or InvenioRDM (any case); other
    /// relations (citations, versions) are not lineage.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.datacite().eq_ignore_ascii_case(name.trim()))
    }

    /// The same link seen from the other end.
    pub fn inverse(self) -> Self {
        match self {
            Relation::DerivedFrom => Relation::SourceOf,
            Relation::SourceOf => Relation::DerivedFrom,
            Relation::PartOf => Relation::HasPart,
            Relation::HasPart => Relation::PartOf,
            Relation::SupplementTo => Relation::SupplementedBy,
            Relation::SupplementedBy => Relation::SupplementTo,
        }
    }

    /// How the other record is to this one, in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Relation::DerivedFrom => "made from",
            Relation::SourceOf => "used to make",
            Relation::PartOf => "part of",
            Relation::HasPart => "has part",
            Relation::SupplementTo => "supplements",
            Relation::SupplementedBy => "supplemented by",
        }
    }
}

/// A record related to a dataset: its PID (a DOI, a SciCat PID, an ISSN…)
/// or, for a workflow run on this computer, the run's folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub relation: Relation,
    pub target: String,
    /// The other record's title, where the answer gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A workflow run's folder (with its RO-Crate and results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<std::path::PathBuf>,
}

impl Link {
    pub fn new(relation: Relation, target: &str) -> Self {
        Self {
            relation,
            target: target.trim().to_owned(),
            title: None,
            run: None,
        }
    }

    /// The target as compared with a record's DOI or PID: a DOI without its
    /// resolver, in lower case; anything else trimmed, in lower case.
    pub fn target_key(&self) -> String {
        pid_key(&self.target)
    }
}

/// A DOI or PID as compared: without a DOI resolver or `doi:`, lower case.
pub fn pid_key(pid: &str) -> String {
    let lower = pid.trim().to_ascii_lowercase();
    [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find_map(|p| lower.strip_prefix(p))
    .map_or_else(|| lower.clone(), str::to_owned)
}

/// A dataset as every view of Panorama sees it, whatever catalogue it came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Dataset {
    /// The record's id in its catalogue.
    #[serde(default)]
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub creators: Vec<Creator>,
    /// DOI or other persistent identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default)]
    pub access: Access,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technique: Option<String>,
    /// Proposal or project name at the facility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
    /// Creation or publication date (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    #[serde(default)]
    pub files: Vec<DataFile>,
    /// Which version of a versioned record this is, e.g. `2 (latest)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Related items: the proposal, publication or other records this dataset
    /// belongs to (their PIDs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Lineage: the records this one was made from, was used for, or
    /// belongs with, each with how ([`Link`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// The dataset's folder on the facility's storage (SciCat `sourceFolder`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// Ids of the catalogues this record was found in.
    #[serde(default)]
    pub sources: Vec<String>,
}

impl Dataset {
    /// A key that identifies the record across sources: its DOI, else its
    /// other persistent identifier, else source and id.
    pub fn key(&self) -> String {
        self.normalized_doi()
            .or_else(|| self.pid.as_ref().map(|p| p.trim().to_ascii_lowercase()))
            .unwrap_or_else(|| {
                format!(
                    "{}:{}",
                    self.sources.first().map_or("", String::as_str),
                    self.id
                )
            })
    }

    /// The record as the origin of a file downloaded from `url`: its DOI as
    /// a URL, else its PID, else its key.
    pub fn file_origin(&self, url: &str) -> crate::store::FileOrigin {
        crate::store::FileOrigin {
            dataset: self
                .normalized_doi()
                .map(|d| format!("https://doi.org/{d}"))
                .or_else(|| self.pid.clone().filter(|p| !p.trim().is_empty()))
                .unwrap_or_else(|| self.key()),
            title: self.title.clone(),
            source: self.sources.first().cloned().unwrap_or_default(),
            url: url.to_owned(),
        }
    }

    /// The year of `created`, if any.
    pub fn year(&self) -> Option<u32> {
        self.created.as_deref()?.get(..4)?.parse().ok()
    }

    /// A parameter by name (case-insensitive).
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Sum of the known file sizes.
    pub fn total_size(&self) -> u64 {
        self.files.iter().filter_map(|f| f.size).sum()
    }

    /// The DOI in lower case without a resolver prefix, used to merge
    /// duplicates found in several catalogues.
    pub fn normalized_doi(&self) -> Option<String> {
        let doi = pid_key(self.pid.as_deref()?);
        doi.starts_with("10.").then_some(doi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dois_normalize_across_spellings() {
        let mut d = Dataset {
            pid: Some("https://doi.org/10.5281/Zenodo.1239".into()),
            ..Dataset::default()
        };
        assert_eq!(d.normalized_doi().as_deref(), Some("10.5281/zenodo.1239"));
        d.pid = Some("doi:10.5281/zenodo.1239".into());
        assert_eq!(d.normalized_doi().as_deref(), Some("10.5281/zenodo.1239"));
        d.pid = Some("20.500.12345/abc".into());
        assert_eq!(d.normalized_doi(), None);
    }

    #[test]
    fn total_size_ignores_unknown_sizes() {
        let d = Dataset {
            files: vec![
                DataFile {
                    size: Some(10),
                    ..DataFile::default()
                },
                DataFile::default(),
                DataFile {
                    size: Some(5),
                    ..DataFile::default()
                },
            ],
            ..Dataset::default()
        };
        assert_eq!(d.total_size(), 15);
    }
}
