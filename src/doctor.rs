//! `panorama doctor`: tells what this machine offers Panorama and what is
//! missing, with a hint for each problem.

use std::fmt::Write as _;

use serde::Serialize;

use crate::auth::keystore;
use crate::data::hdf5_library;
use crate::paths::AppDirs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Works, with less than it could.
    Warn,
    /// Something required is missing.
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: String,
    pub checks: Vec<Check>,
}

/// GPU adapter found by the renderer, as the GUI would use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GpuInfo {
    pub adapter: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
}

fn check(name: &str, status: Status, detail: impl Into<String>, hint: Option<&str>) -> Check {
    Check {
        name: name.to_owned(),
        status,
        detail: detail.into(),
        hint: hint.map(str::to_owned),
    }
}

impl Report {
    /// False if anything required is missing (`panorama doctor` then exits non-zero).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    /// The report as aligned text.
    pub fn render(&self) -> String {
        let width = self.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let mut out = format!("Panorama {}\n", self.version);
        for c in &self.checks {
            let mark = match c.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            let _ = writeln!(out, "[{mark}] {:width$}  {}", c.name, c.detail);
            if let Some(h) = &c.hint {
                let _ = writeln!(out, "       {:width$}  hint: {h}", "");
            }
        }
        if self.passed() {
            out.push_str("\nEverything Panorama needs is here.\n");
        } else {
            out.push_str("\nSomething Panorama needs is missing: see the FAIL lines above.\n");
        }
        out
    }
}

fn dir_check(name: &str, path: &std::path::Path) -> Check {
    let probe = path.join(".panorama-write-test");
    let writable = std::fs::create_dir_all(path)
        .and_then(|()| std::fs::write(&probe, b"ok"))
        .and_then(|()| std::fs::remove_file(&probe));
    match writable {
        Ok(()) => check(name, Status::Ok, path.display().to_string(), None),
        Err(e) => check(
            name,
            Status::Fail,
            format!("{} is not writable: {e}", path.display()),
            Some("fix the folder's permissions or set PANORAMA_HOME to a writable folder"),
        ),
    }
}

/// Run every check. `gpu` is the renderer's probe (see `ui::gpu::probe`).
pub fn run(dirs: &AppDirs, gpu: Result<GpuInfo, String>) -> Report {
    let mut checks = vec![check(
        "HDF5 library",
        Status::Ok,
        format!("{} (linked statically)", hdf5_library::version()),
        None,
    )];
    for f in hdf5_library::filters() {
        let (status, detail, hint) = match (f.available, f.id, f.important) {
            (true, ..) => (Status::Ok, "available", None),
            (false, 1, _) => (
                Status::Fail,
                "missing",
                Some("rebuild Panorama with the hdf5 `zlib` feature"),
            ),
            (false, _, true) => (
                Status::Warn,
                "missing: datasets using it show which filter is needed",
                None,
            ),
            (false, _, false) => (Status::Ok, "not built in (rarely used)", None),
        };
        checks.push(check(
            &format!("filter {} ({})", f.id, f.name),
            status,
            detail,
            hint,
        ));
    }
    checks.push(match gpu {
        Ok(g) => check(
            "GPU adapter",
            Status::Ok,
            format!("{} via {} ({}, {})", g.adapter, g.backend, g.device_type, g.driver),
            None,
        ),
        Err(e) => check(
            "GPU adapter",
            Status::Fail,
            format!("none found: {e}"),
            Some("install a GPU driver, or Mesa's software renderer: apt-get install mesa-vulkan-drivers"),
        ),
    });
    let display = ["WAYLAND_DISPLAY", "DISPLAY"].iter().find_map(|v| {
        std::env::var(v)
            .ok()
            .filter(|s| !s.is_empty())
            .map(|s| format!("{v}={s}"))
    });
    checks.push(match display {
        Some(d) => check("display", Status::Ok, d, None),
        None => check(
            "display",
            Status::Warn,
            "no desktop session (neither WAYLAND_DISPLAY nor DISPLAY is set)",
            Some("the window needs a desktop session; the command-line tools work without one (or run under xvfb-run)"),
        ),
    });
    let keyring = keystore::probe();
    checks.push(match keyring.chosen {
        Some(b) => check("keyring", Status::Ok, b.describe(), None),
        None => check(
            "keyring",
            Status::Warn,
            format!(
                "no keyring: Secret Service: {}; keyutils: {}",
                keyring.secret_service.err().unwrap_or_default(),
                keyring.keyutils.err().unwrap_or_default()
            ),
            Some("sign-ins will not be remembered; start a Secret Service such as gnome-keyring"),
        ),
    });
    checks.push(file_types_check(&crate::desktop::file_types(
        &crate::desktop::config_dirs(),
        &crate::desktop::data_dirs(),
    )));
    checks.push(dir_check("config folder", &dirs.config));
    checks.push(dir_check("data folder", &dirs.data));
    checks.push(dir_check("cache folder", &dirs.cache));
    Report {
        version: crate::VERSION.to_owned(),
        checks,
    }
}

/// Whether a double-click on a NeXus, HDF5 or ORSO file opens Panorama.
/// Not registered is a warning: everything works from the window and the
/// command line.
fn file_types_check(types: &[crate::desktop::FileType]) -> Check {
    let ours = crate::desktop::desktop_id();
    let unknown: Vec<&str> = types
        .iter()
        .filter(|t| !t.known)
        .map(|t| t.mime.as_str())
        .collect();
    let not_ours: Vec<String> = types
        .iter()
        .filter(|t| t.known && t.default_app.as_deref() != Some(ours.as_str()))
        .map(|t| match &t.default_app {
            Some(app) => format!("{} opens in {app}", t.mime),
            None => format!("{} opens in no application", t.mime),
        })
        .collect();
    if unknown.is_empty() && not_ours.is_empty() {
        return check(
            "file types",
            Status::Ok,
            format!(
                "{} open in Panorama",
                types
                    .iter()
                    .map(|t| t.mime.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
        );
    }
    let mut detail = Vec::new();
    if !unknown.is_empty() {
        detail.push(format!(
            "not registered with the desktop: {}",
            unknown.join(", ")
        ));
    }
    detail.extend(not_ours);
    let hint = if unknown.is_empty() {
        "to open them in Panorama by double-click: xdg-mime default org.panoramascience.Panorama.desktop application/x-nexus application/x-hdf5 text/x-orso"
    } else {
        "install the Panorama package (make deb), or register the types by hand: xdg-mime install packaging/org.panoramascience.Panorama.mime.xml"
    };
    check("file types", Status::Warn, detail.join("; "), Some(hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_gpu_fails_with_a_hint() {
        let tmp = tempfile::tempdir().expect("tmp");
        let r = run(&AppDirs::under(tmp.path()), Err("no Vulkan ICD".into()));
        assert!(!r.passed());
        let text = r.render();
        assert!(text.contains("[FAIL] GPU adapter"), "{text}");
        assert!(text.contains("mesa-vulkan-drivers"), "{text}");
        assert!(text.contains("HDF5 library"));
    }

    #[test]
    fn file_types_not_registered_or_opened_elsewhere_warn_with_what_to_run() {
        use crate::desktop::FileType;
        let t = |mime: &str, known: bool, app: Option<&str>| FileType {
            mime: mime.into(),
            known,
            default_app: app.map(Into::into),
            panorama_can_open: app.is_some(),
        };
        let ours = Some("org.panoramascience.Panorama.desktop");
        let ok = file_types_check(&[t("application/x-nexus", true, ours)]);
        assert_eq!(ok.status, Status::Ok, "{ok:?}");
        let c = file_types_check(&[
            t("application/x-nexus", false, None),
            t("application/x-hdf5", true, Some("silx.desktop")),
        ]);
        assert_eq!(c.status, Status::Warn);
        assert!(
            c.detail
                .contains("not registered with the desktop: application/x-nexus"),
            "{c:?}"
        );
        assert!(
            c.detail
                .contains("application/x-hdf5 opens in silx.desktop"),
            "{c:?}"
        );
        assert!(
            c.hint
                .as_deref()
                .is_some_and(|h| h.contains("xdg-mime install"))
        );
    }

    #[test]
    fn an_unwritable_folder_fails() {
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("a-file");
        std::fs::write(&file, b"x").expect("write");
        // A folder below a regular file cannot be created.
        let c = dir_check("data folder", &file.join("sub"));
        assert_eq!(c.status, Status::Fail);
    }
}
