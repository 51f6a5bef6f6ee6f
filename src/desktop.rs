//! What the desktop knows of Panorama: whether its file types are in the
//! shared MIME database and which application opens them, read from the
//! freedesktop.org files the package installs and the desktop's tools build
//! (`mime/globs2` from update-mime-database, `applications/mimeinfo.cache`
//! from update-desktop-database, and the user's `mimeapps.list`).

use std::path::{Path, PathBuf};

/// Panorama's desktop file.
pub fn desktop_id() -> String {
    format!("{}.desktop", crate::APP_ID)
}

/// The file types the package registers, each with a name pattern.
pub const FILE_TYPES: [(&str, &str); 3] = [
    ("application/x-nexus", "*.nxs"),
    ("application/x-hdf5", "*.h5"),
    ("text/x-orso", "*.ort"),
];

/// How one file type stands on this desktop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileType {
    pub mime: String,
    /// Files named like this are recognised as this type.
    pub known: bool,
    /// The application chosen for the type (a desktop id), if any.
    pub default_app: Option<String>,
    /// Panorama is among the applications that can open it.
    pub panorama_can_open: bool,
}

/// The freedesktop.org data folders, most important first:
/// `$XDG_DATA_HOME` (default `~/.local/share`), then `$XDG_DATA_DIRS`
/// (default `/usr/local/share:/usr/share`).
pub fn data_dirs() -> Vec<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let mut out = Vec::new();
    match env("XDG_DATA_HOME") {
        Some(h) => out.push(PathBuf::from(h)),
        None => {
            if let Some(home) = env("HOME") {
                out.push(PathBuf::from(home).join(".local/share"));
            }
        }
    }
    match env("XDG_DATA_DIRS") {
        Some(d) => out.extend(std::env::split_paths(&d)),
        None => out.extend(["/usr/local/share", "/usr/share"].map(PathBuf::from)),
    }
    out
}

/// The user's `mimeapps.list` files, most important first.
pub fn config_dirs() -> Vec<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let mut out = Vec::new();
    match env("XDG_CONFIG_HOME") {
        Some(h) => out.push(PathBuf::from(h)),
        None => {
            if let Some(home) = env("HOME") {
                out.push(PathBuf::from(home).join(".config"));
            }
        }
    }
    match env("XDG_CONFIG_DIRS") {
        Some(d) => out.extend(std::env::split_paths(&d)),
        None => out.push(PathBuf::from("/etc/xdg")),
    }
    out
}

/// Look up each of [`FILE_TYPES`] in the given folders.
pub fn file_types(config: &[PathBuf], data: &[PathBuf]) -> Vec<FileType> {
    let globs: Vec<(String, String)> = data
        .iter()
        .filter_map(|d| std::fs::read_to_string(d.join("mime/globs2")).ok())
        .flat_map(|text| {
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| {
                    let mut parts = l.split(':');
                    let _weight = parts.next()?;
                    Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // Defaults: mimeapps.list in config folders, then in data/applications
    // folders; then mimeinfo.cache's lists.
    let mut lists: Vec<PathBuf> = config.iter().map(|c| c.join("mimeapps.list")).collect();
    lists.extend(data.iter().map(|d| d.join("applications/mimeapps.list")));
    let caches: Vec<PathBuf> = data
        .iter()
        .map(|d| d.join("applications/mimeinfo.cache"))
        .collect();
    FILE_TYPES
        .iter()
        .map(|(mime, glob)| {
            let known = globs.iter().any(|(m, g)| m == mime && g == glob);
            let can_open: Vec<String> = caches
                .iter()
                .filter_map(|c| ini_value(c, "MIME Cache", mime))
                .flat_map(|v| split_list(&v))
                .collect();
            let chosen = lists
                .iter()
                .find_map(|l| ini_value(l, "Default Applications", mime))
                .and_then(|v| split_list(&v).into_iter().next());
            let panorama_can_open = can_open.contains(&desktop_id());
            FileType {
                mime: (*mime).to_owned(),
                known,
                default_app: chosen.or_else(|| can_open.first().cloned()),
                panorama_can_open,
            }
        })
        .collect()
}

fn split_list(v: &str) -> Vec<String> {
    v.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `key=value` in `[section]` of a desktop-entry-style file.
fn ini_value(file: &Path, section: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name == section;
        } else if inside
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_defaults_and_the_user_choice_are_read_from_the_desktop_files() {
        let tmp = tempfile::tempdir().expect("tmp");
        let data = tmp.path().join("share");
        let config = tmp.path().join("config");
        std::fs::create_dir_all(data.join("mime")).expect("mkdir");
        std::fs::create_dir_all(data.join("applications")).expect("mkdir");
        std::fs::create_dir_all(&config).expect("mkdir");
        std::fs::write(
            data.join("mime/globs2"),
            "# comment\n60:application/x-nexus:*.nxs\n60:application/x-hdf5:*.h5\n50:application/x-hdf:*.h5\n",
        )
        .expect("write");
        std::fs::write(
            data.join("applications/mimeinfo.cache"),
            "[MIME Cache]\napplication/x-nexus=org.panoramascience.Panorama.desktop;\napplication/x-hdf5=hdfview.desktop;org.panoramascience.Panorama.desktop;\n",
        )
        .expect("write");
        std::fs::write(
            config.join("mimeapps.list"),
            "[Added Associations]\napplication/x-hdf5=x.desktop;\n[Default Applications]\napplication/x-hdf5=silx.desktop;\n",
        )
        .expect("write");
        let t = file_types(&[config], &[data]);
        assert_eq!(t[0].mime, "application/x-nexus");
        assert!(t[0].known && t[0].panorama_can_open);
        assert_eq!(
            t[0].default_app.as_deref(),
            Some("org.panoramascience.Panorama.desktop")
        );
        assert!(t[1].known && t[1].panorama_can_open);
        // The user chose another viewer for .h5: that choice is reported.
        assert_eq!(t[1].default_app.as_deref(), Some("silx.desktop"));
        assert_eq!(t[2].mime, "text/x-orso");
        assert!(!t[2].known && !t[2].panorama_can_open && t[2].default_app.is_none());
    }
}
