//! Where Panorama keeps its configuration, data and cache.
//!
//! The XDG base directories are used by default. `PANORAMA_HOME` moves all
//! three under one folder, which is what the tests and portable installs use.

use std::path::{Path, PathBuf};

/// The three folders Panorama writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDirs {
    /// Settings files (sources, accounts without secrets, layout).
    pub config: PathBuf,
    /// Offline index, drafts, logs.
    pub data: PathBuf,
    /// Downloaded and cached data that may be deleted at any time.
    pub cache: PathBuf,
    /// Where downloads go (the user's Downloads folder on desktops).
    pub downloads: PathBuf,
}

/// Errors while finding or creating the application folders.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error(
        "could not find a home folder to keep settings in; set PANORAMA_HOME to a writable folder"
    )]
    NoHome,
    #[error(
        "could not create {path}: {source}. Check that the folder is writable or set PANORAMA_HOME to another folder"
    )]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AppDirs {
    /// Folders from `PANORAMA_HOME` if set, otherwise the platform defaults.
    pub fn from_env() -> Result<Self, PathsError> {
        if let Some(home) = std::env::var_os("PANORAMA_HOME").filter(|h| !h.is_empty()) {
            return Ok(Self::under(Path::new(&home)));
        }
        let dirs = directories::ProjectDirs::from("org", "panoramascience", "panorama")
            .ok_or(PathsError::NoHome)?;
        let downloads = directories::UserDirs::new()
            .and_then(|u| u.download_dir().map(|d| d.join("Panorama")))
            .unwrap_or_else(|| dirs.data_dir().join("downloads"));
        Ok(Self {
            config: dirs.config_dir().to_path_buf(),
            data: dirs.data_dir().to_path_buf(),
            cache: dirs.cache_dir().to_path_buf(),
            downloads,
        })
    }

    /// All three folders under one root.
    pub fn under(root: &Path) -> Self {
        Self {
            config: root.join("config"),
            data: root.join("data"),
            cache: root.join("cache"),
            downloads: root.join("downloads"),
        }
    }

    /// The settings store and offline index (SQLite).
    pub fn database(&self) -> PathBuf {
        self.data.join("panorama.sqlite")
    }

    /// Folder for the rotating log files.
    pub fn logs(&self) -> PathBuf {
        self.data.join("logs")
    }

    /// Create every folder that does not exist yet.
    pub fn ensure(&self) -> Result<(), PathsError> {
        for path in [&self.config, &self.data, &self.cache, &self.logs()] {
            std::fs::create_dir_all(path).map_err(|source| PathsError::Create {
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// The folder with Panorama's bundled assets (demo data, icons, example workflows):
/// `PANORAMA_ASSETS` if set, then `../share/panorama/assets` next to the
/// executable (installed layout), then the source checkout.
pub fn assets_dir() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os("PANORAMA_ASSETS").filter(|d| !d.is_empty()) {
        candidates.push(PathBuf::from(dir));
    }
    if let Some(bin_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        candidates.push(bin_dir.join("../share/panorama/assets"));
    }
    candidates.push(PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets"
    )));
    candidates.into_iter().find(|d| d.is_dir())
}

/// The bundled demo data folder, if installed.
pub fn demo_dir() -> Option<PathBuf> {
    assets_dir().map(|a| a.join("demo")).filter(|d| d.is_dir())
}

/// The HDF5/NeXus files in a demo folder, sorted by name.
pub fn demo_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| {
                        ["nxs", "h5", "hdf5"].contains(&x.to_string_lossy().as_ref())
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Show a local folder in the desktop's file manager (`xdg-open`, `open` on
/// macOS, Explorer on Windows). Only existing folders are opened, never a
/// URL or a file that might run.
pub fn show_in_file_manager(dir: &Path) -> std::io::Result<()> {
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not a folder", dir.display()),
        ));
    }
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(program)
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
}

/// The file `step` places after `file` (before it, for a negative step)
/// among the files of its folder with the same extension, in name order
/// with numbers compared as numbers (`scan_9` before `scan_10`); `None` past
/// either end.
pub fn neighbour(file: &Path, step: i32) -> std::io::Result<Option<PathBuf>> {
    let (Some(dir), Some(ext)) = (file.parent(), file.extension()) else {
        return Ok(None);
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })?
    .filter_map(Result::ok)
    .map(|e| e.path())
    .filter(|p| p.is_file() && p.extension() == Some(ext))
    .collect();
    files.sort_by(|a, b| natural_order(&a.to_string_lossy(), &b.to_string_lossy()));
    let name = file.file_name();
    let Some(at) = files.iter().position(|p| p.file_name() == name) else {
        return Ok(None);
    };
    let to = i64::try_from(at).unwrap_or(i64::MAX) + i64::from(step);
    Ok(usize::try_from(to).ok().and_then(|i| files.get(i).cloned()))
}

/// Names compared with runs of digits as numbers.
fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x, y) {
            ((true, m), (true, n)) => {
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                m.len().cmp(&n.len()).then_with(|| m.cmp(n))
            }
            ((_, m), (_, n)) => m.cmp(n),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_next_file_of_a_series_comes_in_number_order() {
        let dir = tempfile::tempdir().expect("tmp");
        for n in [
            "scan_9.h5",
            "scan_10.h5",
            "scan_11.h5",
            "notes.txt",
            "scan_8.nxs",
        ] {
            std::fs::write(dir.path().join(n), b"").expect("write");
        }
        let at = |n: &str| dir.path().join(n);
        assert_eq!(
            neighbour(&at("scan_9.h5"), 1).expect("list"),
            Some(at("scan_10.h5"))
        );
        assert_eq!(
            neighbour(&at("scan_10.h5"), -1).expect("list"),
            Some(at("scan_9.h5"))
        );
        assert_eq!(neighbour(&at("scan_11.h5"), 1).expect("list"), None);
        assert_eq!(
            neighbour(&at("scan_9.h5"), -1).expect("list"),
            None,
            "other kinds are skipped"
        );
    }

    use super::*;

    #[test]
    fn under_puts_everything_below_the_root() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dirs = AppDirs::under(tmp.path());
        dirs.ensure().expect("create");
        for p in [&dirs.config, &dirs.data, &dirs.cache, &dirs.logs()] {
            assert!(p.starts_with(tmp.path()));
            assert!(p.is_dir(), "{} was not created", p.display());
        }
    }
}

/// Write a file so that a crash, a full disk or a kill at any moment leaves
/// either the old file or the new one, never half of one: the bytes go to a
/// temporary file beside it, are flushed to disk, and the temporary file is
/// renamed over the old one (then the folder is flushed, so the rename lasts).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod atomic_tests {
    use super::write_atomic;

    #[test]
    fn an_atomic_write_replaces_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("w.json");
        std::fs::write(&f, "old").expect("write");
        write_atomic(&f, b"new contents").expect("atomic");
        assert_eq!(std::fs::read_to_string(&f).expect("read"), "new contents");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(left.len(), 1, "only the file itself");
    }

    /// A write that cannot finish (here: the target is a folder, so the
    /// rename fails) leaves the old contents and no temporary file behind.
    #[test]
    fn a_failed_atomic_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).expect("dir");
        std::fs::write(target.join("inside"), "keep").expect("write");
        assert!(write_atomic(&target, b"new").is_err());
        assert_eq!(
            std::fs::read_to_string(target.join("inside")).expect("read"),
            "keep"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(left.len(), 1, "no temporary file left");
    }
}
