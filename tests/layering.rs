//! Architecture rules that hold themselves: only `src/ui/` may use the GUI
//! toolkit, so domain modules (data, catalogue, metadata, workflow, auth,
//! store, plot, …) stay usable from the CLI and tests without a window; and
//! top-level modules follow a layer order (`LAYERS`): each uses only its own
//! layer and below, and no two modules use each other; and within each
//! module, its sub-modules use each other in no loop. The build fails
//! otherwise.

use std::path::{Path, PathBuf};

/// Crates that belong to the GUI layer.
const GUI_CRATES: &[&str] = &[
    "egui",
    "eframe",
    "egui_dock",
    "egui_plot",
    "egui_extras",
    "egui_snarl",
    "egui_commonmark",
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

/// The layers, lowest first. A module may use modules of its own layer or
/// below, never above; within a layer no two modules may use each other.
/// A new top-level module must be placed here (the test says so).
const LAYERS: &[&[&str]] = &[
    &["paths", "runtime", "units", "desktop"],
    // The single-window handoff sits on the user's private folders.
    &["instance"],
    // The store keeps plain rows (settings, drafts, the record index), so
    // it knows no domain type.
    &["net", "store"],
    // Clients take tokens as `net::credentials::TokenSource`; signing in
    // sits above them.
    &[
        "data",
        "catalogue",
        "transfer",
        "plot",
        "inspect",
        "logging",
    ],
    &["auth", "doctor"],
    &["metadata", "workflow"],
    // The state's slices own their commands; the command catalogue
    // (titles, shortcuts) lists them.
    &["state"],
    &["command"],
    &["bench"],
    &["ui"],
    &["cli"],
];

/// Pairs of modules in one layer that still use each other, with why; the
/// test fails when one of them is mended (so it leaves this list) and on
/// any new pair. None are left.
const KNOWN_CYCLES: &[(&str, &str, &str)] = &[];

/// Which top-level modules each top-level module of `src` names as
/// `crate::…` in code (comments left out): module → used module → first place.
fn module_uses(
    src: &Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
    let mut tops = Vec::new();
    for e in std::fs::read_dir(src).into_iter().flatten().flatten() {
        let p = e.path();
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if p.is_dir()
            || (p.extension().is_some_and(|x| x == "rs") && name != "lib" && name != "main")
        {
            tops.push(name);
        }
    }
    let mut uses = std::collections::BTreeMap::new();
    for top in &tops {
        let mut files = Vec::new();
        let dir = src.join(top);
        if dir.is_dir() {
            let mut stack = vec![dir];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "rs") {
                        files.push(p);
                    }
                }
            }
        } else {
            files.push(src.join(format!("{top}.rs")));
        }
        files.sort();
        let mut used = std::collections::BTreeMap::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for (i, _) in code.match_indices("crate::") {
                    let name: String = code[i + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if name != *top && tops.contains(&name) {
                        used.entry(name)
                            .or_insert_with(|| format!("{}:{}", rel(src, &f).display(), n + 1));
                    }
                }
            }
        }
        uses.insert(top.clone(), used);
    }
    uses
}

/// What breaks the layer order: uses of a higher layer, pairs that use
/// each other, and modules in no layer.
fn layer_violations(src: &Path, layers: &[&[&str]], known: &[(&str, &str, &str)]) -> Vec<String> {
    let level = |m: &str| layers.iter().position(|l| l.contains(&m));
    let uses = module_uses(src);
    let mut found = Vec::new();
    for (m, used) in &uses {
        let Some(lm) = level(m) else {
            found.push(format!(
                "src/{m}: in no layer: add it to LAYERS in tests/layering.rs"
            ));
            continue;
        };
        for (u, at) in used {
            match level(u) {
                Some(lu) if lu > lm => found.push(format!(
                    "{at}: `{m}` uses `{u}`, a higher layer: move the shared part down"
                )),
                Some(lu) if lu == lm && m < u && uses[u].contains_key(m) => {
                    let listed = known
                        .iter()
                        .any(|(a, b, _)| (a, b) == (&m.as_str(), &u.as_str()));
                    if !listed {
                        found.push(format!(
                            "{at} and {}: `{m}` and `{u}` use each other",
                            uses[u][m]
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    for (a, b, _) in known {
        let still = uses.get(*a).is_some_and(|x| x.contains_key(*b))
            && uses.get(*b).is_some_and(|x| x.contains_key(*a));
        if !still {
            found.push(format!(
                "`{a}` and `{b}` no longer use each other: take them off KNOWN_CYCLES"
            ));
        }
    }
    found.sort();
    found
}

#[test]
fn modules_use_only_their_layer_and_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let v = layer_violations(&src, LAYERS, KNOWN_CYCLES);
    assert!(v.is_empty(), "the layer order is broken:\n{}", v.join("\n"));
}

#[test]
fn the_layer_check_catches_an_upward_use_and_a_cycle() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("net")).expect("mkdir");
    std::fs::write(
        src.join("net/mod.rs"),
        "use crate::auth::Secret; // crate::ui in a comment\n",
    )
    .expect("write");
    std::fs::write(
        src.join("auth.rs"),
        "pub struct Secret; fn f() { crate::net::get(); }\n",
    )
    .expect("write");
    std::fs::write(src.join("data.rs"), "use crate::store::Store;\n").expect("write");
    std::fs::write(src.join("store.rs"), "fn f(_: crate::data::Value) {}\n").expect("write");
    std::fs::write(src.join("extra.rs"), "\n").expect("write");
    let layers: &[&[&str]] = &[&["net"], &["auth"], &["data", "store"]];
    assert_eq!(
        layer_violations(&src, layers, &[]),
        [
            "src/data.rs:1 and src/store.rs:1: `data` and `store` use each other",
            "src/extra: in no layer: add it to LAYERS in tests/layering.rs",
            "src/net/mod.rs:1: `net` uses `auth`, a higher layer: move the shared part down",
        ]
    );
    // A listed pair is allowed while it lasts, and must leave the list after.
    assert!(
        layer_violations(&src, layers, &[("data", "store", "why")])
            .iter()
            .all(|l| !l.contains("`data` and `store`"))
    );
    std::fs::write(src.join("store.rs"), "\n").expect("write");
    assert!(
        layer_violations(&src, layers, &[("data", "store", "why")])
            .iter()
            .any(|l| l.contains("no longer use each other"))
    );
}

/// A file's code without comments and without its test module (tests may
/// use what they like).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        out.push_str(line.split("//").next().unwrap_or(""));
        out.push('\n');
    }
    out
}

/// The names a path prefix such as `super::` leads to in `code`: the
/// first segment after it, or each item of a `{…}` list after it.
fn names_after(code: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (i, _) in code.match_indices(prefix) {
        // Only where the prefix starts a path (not `super::super::` read
        // from its second half, nor `x::crate::`).
        if code[..i].ends_with("::") {
            continue;
        }
        let rest = &code[i + prefix.len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let list = list.split('}').next().unwrap_or("");
            names.extend(list.split(',').map(ident));
        } else {
            names.push(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// For each module that is a folder, its sub-modules that use each other in
/// a loop (through `super::…` or `crate::module::…`), one line per loop.
fn sub_module_loops(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut tops: Vec<PathBuf> = std::fs::read_dir(src)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    tops.sort();
    for dir in tops {
        let top = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Sub-module name → its files, with how many `super::` reach `top`.
        let mut subs: std::collections::BTreeMap<String, Vec<(PathBuf, usize)>> =
            std::collections::BTreeMap::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let rel = p.strip_prefix(&dir).unwrap_or(&p).to_path_buf();
                let parts: Vec<String> = rel
                    .with_extension("")
                    .iter()
                    .map(|c| c.to_string_lossy().into_owned())
                    .collect();
                if parts == ["mod"] {
                    continue;
                }
                let depth = parts.len() - usize::from(parts.last().is_some_and(|l| l == "mod"));
                subs.entry(parts[0].clone()).or_default().push((p, depth));
            }
        }
        let mut uses: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
            std::collections::BTreeMap::new();
        for (name, files) in &subs {
            let used = uses.entry(name.as_str()).or_default();
            for (file, depth) in files {
                let code = code_of(file);
                let to_top = "super::".repeat(*depth);
                let mut names = names_after(&code, &format!("crate::{top}::"));
                names.extend(
                    names_after(&code, &to_top)
                        .into_iter()
                        .filter(|n| n != "super"),
                );
                for n in names {
                    if let Some((other, _)) = subs.get_key_value(&n)
                        && other != name
                    {
                        used.insert(other.as_str());
                    }
                }
            }
        }
        // Modules that reach each other form one loop.
        let reach = |from: &str| -> std::collections::BTreeSet<&str> {
            let mut seen = std::collections::BTreeSet::new();
            let mut todo = vec![from];
            while let Some(m) = todo.pop() {
                for &n in uses.get(m).into_iter().flatten() {
                    if seen.insert(n) {
                        todo.push(n);
                    }
                }
            }
            seen
        };
        let mut reported: Vec<std::collections::BTreeSet<&str>> = Vec::new();
        for m in uses.keys() {
            let loop_: std::collections::BTreeSet<&str> = reach(m)
                .into_iter()
                .filter(|n| reach(n).contains(m))
                .collect();
            if !loop_.is_empty() && !reported.contains(&loop_) {
                found.push(format!(
                    "src/{top}: {} use each other in a loop: move what they share into one \
                     of them, below the others",
                    loop_.iter().copied().collect::<Vec<_>>().join(", ")
                ));
                reported.push(loop_);
            }
        }
    }
    found
}

#[test]
fn sub_modules_use_each_other_in_no_loop() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let v = sub_module_loops(&src);
    assert!(v.is_empty(), "{}", v.join("\n"));
}

#[test]
fn the_loop_check_sees_grouped_and_nested_uses_and_ignores_tests() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("wf/library")).expect("mkdir");
    std::fs::write(src.join("wf/mod.rs"), "pub mod a; pub mod b; pub mod c;\n").expect("write");
    std::fs::write(src.join("wf/value.rs"), "pub struct V;\n").expect("write");
    // a → b through a grouped use, b → library through crate::wf::…,
    // library/x.rs → a through super::super.
    std::fs::write(src.join("wf/a.rs"), "use super::{value::V,\n b};\n").expect("write");
    std::fs::write(src.join("wf/b.rs"), "fn f() { crate::wf::library::g(); }\n").expect("write");
    std::fs::write(src.join("wf/library/mod.rs"), "pub mod x;\n").expect("write");
    std::fs::write(
        src.join("wf/library/x.rs"),
        "use super::super::a; // super::value in a comment\n",
    )
    .expect("write");
    // A test module may use anything.
    std::fs::write(
        src.join("wf/value.rs"),
        "pub struct V;\n#[cfg(test)]\nmod tests {\n    use super::super::a;\n}\n",
    )
    .expect("write");
    assert_eq!(
        sub_module_loops(&src),
        [
            "src/wf: a, b, library use each other in a loop: move what they share into one of \
          them, below the others"
        ]
    );
    std::fs::write(src.join("wf/library/x.rs"), "use super::super::value::V;\n").expect("write");
    assert!(sub_module_loops(&src).is_empty());
}
