//! Architecture rule: only `src/ui/` may use the GUI toolkit. Domain modules
//! (data, catalogue, metadata, workflow, auth, store, plot, …) stay usable from
//! the CLI and tests without a window. This test fails the build otherwise.

use std::path::{Path, PathBuf};

/// Crates that belong to the GUI layer.
const GUI_CRATES: &[&str] = &[
    "egui",
    "eframe",
    "egui_dock",
    "egui_plot",
    "egui_extras",
    "egui_snarl",
    "egui_kittest",
    "egui_wgpu",
    "rfd",
];

/// Lines in source files below `src/`, outside `src/ui/`, that name a GUI crate.
fn violations(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path != src.join("ui") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if let Some(krate) = GUI_CRATES.iter().find(|k| uses_crate(code, k)) {
                    found.push(format!(
                        "{}:{}: uses `{krate}`: move this code to src/ui/",
                        rel(src, &path).display(),
                        n + 1
                    ));
                }
            }
        }
    }
    found.sort();
    found
}

fn rel(src: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(src.parent().unwrap_or(src))
        .unwrap_or(path)
        .to_path_buf()
}

/// True if `code` refers to crate `krate` as a path (`krate::`) or import (`use krate`).
fn uses_crate(code: &str, krate: &str) -> bool {
    let bytes = code.as_bytes();
    code.match_indices(krate).any(|(i, _)| {
        let before_ok = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let rest = &code[i + krate.len()..];
        let path_use = rest.starts_with("::");
        let plain_use = code[..i].trim_end().ends_with("use")
            && rest
                .chars()
                .next()
                .is_none_or(|c| c == ';' || c == ' ' || c == ':');
        before_ok && (path_use || plain_use)
    })
}

#[test]
fn only_src_ui_uses_the_gui_toolkit() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut v = violations(&src);
    // The binary's entry point and the GUI layer are allowed to.
    v.retain(|l| !l.starts_with("src/main.rs"));
    assert!(v.is_empty(), "GUI code outside src/ui/:\n{}", v.join("\n"));
}

#[test]
fn the_check_catches_a_domain_module_that_imports_egui() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("data")).expect("mkdir");
    std::fs::create_dir_all(src.join("ui")).expect("mkdir");
    std::fs::write(
        src.join("data/plot_helper.rs"),
        "// egui:: in a comment is fine\nuse egui::Ui;\npub fn f(x: egui_plot::Line) {}\n",
    )
    .expect("write");
    std::fs::write(
        src.join("data/ok.rs"),
        "pub struct EguiLike; // uses egui::Ui in docs only\nfn regui() {}\n",
    )
    .expect("write");
    std::fs::write(src.join("ui/panel.rs"), "use egui::Ui;\n").expect("write");
    std::fs::write(src.join("store.rs"), "use eframe;\n").expect("write");
    let v = violations(&src);
    assert_eq!(
        v,
        [
            "src/data/plot_helper.rs:2: uses `egui`: move this code to src/ui/",
            "src/data/plot_helper.rs:3: uses `egui_plot`: move this code to src/ui/",
            "src/store.rs:1: uses `eframe`: move this code to src/ui/",
        ]
    );
}
