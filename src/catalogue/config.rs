//! Configured sources: [`SourceConfig`], the sources a new installation
//! searches, the `sources.json` file people edit and share, and the offline
//! rule.

use super::{SourceKind, datacite, demo, invenio, panosc, scicat};

/// A configured catalogue source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceConfig {
    pub id: String,
    pub name: String,
    pub kind: SourceKind,
    #[serde(default)]
    pub url: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The signed-in account whose tokens requests carry (see `auth::AccountBook`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The facility's h5grove service for this catalogue's files
    /// (`http://host/` serving the storage the records point into): HDF5
    /// files then open remotely, without downloading them first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h5grove: Option<String>,
}

fn yes() -> bool {
    true
}

/// The sources a new installation searches: the bundled demo catalogue, the
/// PaNOSC federated search (data.panosc.eu), Zenodo, RODARE and the public
/// SciCat instances of PSI and ESS; DataCite is listed but off.
pub fn default_sources() -> Vec<SourceConfig> {
    vec![
        SourceConfig {
            id: "demo".into(),
            name: "Demo catalogue".into(),
            kind: demo::KIND.kind(),
            url: String::new(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        SourceConfig {
            id: "panosc".into(),
            name: "PaNOSC".into(),
            kind: panosc::KIND.kind(),
            url: "https://data.panosc.eu/api".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        SourceConfig {
            id: "zenodo".into(),
            name: "Zenodo".into(),
            kind: invenio::KIND.kind(),
            url: "https://zenodo.org/api".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        SourceConfig {
            id: "rodare".into(),
            name: "RODARE".into(),
            kind: invenio::KIND.kind(),
            url: "https://rodare.hzdr.de/api".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        // Public SciCat instances: their published datasets need no account.
        SourceConfig {
            id: "psi".into(),
            name: "PSI (SciCat)".into(),
            kind: scicat::KIND.kind(),
            url: "https://dacat.psi.ch/api/v3".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        SourceConfig {
            id: "ess".into(),
            name: "ESS (SciCat)".into(),
            kind: scicat::KIND.kind(),
            url: "https://scicat.ess.eu/api/v3".into(),
            enabled: true,
            account: None,
            h5grove: None,
        },
        // Every DOI DataCite knows: broad, so off until wanted.
        SourceConfig {
            id: "datacite".into(),
            name: "DataCite".into(),
            kind: datacite::KIND.kind(),
            url: datacite::PUBLIC_API.into(),
            enabled: false,
            account: None,
            h5grove: None,
        },
    ]
}

/// The sources file in the configuration folder: the same list as the
/// Sources window, as JSON people can edit and share.
pub const SOURCES_FILE: &str = "sources.json";

/// Read `sources.json` from the configuration folder; `Ok(None)` when there
/// is none.
pub fn read_sources_file(config: &std::path::Path) -> Result<Option<Vec<SourceConfig>>, String> {
    let path = config.join(SOURCES_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let sources: Vec<SourceConfig> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(bad) = sources
        .iter()
        .find(|s| !s.kind.is_local() && !crate::net::is_web_url(&s.url))
    {
        return Err(format!(
            "{}: source “{}” needs an http or https URL",
            path.display(),
            bad.id
        ));
    }
    Ok(Some(sources))
}

/// Write the sources to `sources.json` in the configuration folder.
pub fn write_sources_file(
    config: &std::path::Path,
    sources: &[SourceConfig],
) -> Result<(), String> {
    let path = config.join(SOURCES_FILE);
    let text = serde_json::to_string_pretty(sources).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(config)
        .and_then(|()| std::fs::write(&path, text + "\n"))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// With `PANORAMA_OFFLINE=1` only local sources and loopback servers are searched
/// (workshops without network, and the test suite).
pub fn offline_blocks(cfg: &SourceConfig) -> bool {
    let offline = std::env::var("PANORAMA_OFFLINE").is_ok_and(|v| v == "1");
    offline
        && !cfg.kind.is_local()
        && !url::Url::parse(&cfg.url)
            .is_ok_and(|u| matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
}
