//! `panorama inspect`: a file's tree (or one object) with types, shapes,
//! attributes, link targets and the NeXus default plot, as text or stable JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::data::nexus::{self, DefaultPlot};
use crate::data::{DataError, DataSource, Entity, EntityKind, Progress, walk};

/// Version of the `--json` layout; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

/// One object as `inspect` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub depth: usize,
    #[serde(flatten)]
    pub entity: Entity,
}

/// What `inspect` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub source: String,
    pub path: String,
    /// Every object below `path` in depth-first order (children lists omitted).
    pub objects: Vec<Row>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_plot: Option<DefaultPlot>,
    /// Why there is no default plot, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_plot_problem: Option<String>,
}

/// Inspect `path` (a whole file for `/`) of a data source.
pub fn inspect(
    src: &dyn DataSource,
    path: &str,
    progress: &dyn Progress,
) -> Result<Report, DataError> {
    let mut objects = Vec::new();
    walk(
        src,
        path,
        &mut |e, depth| {
            let mut e = e.clone();
            e.children.clear();
            objects.push(Row { depth, entity: e });
        },
        progress,
    )?;
    let (default_plot, default_plot_problem) = match nexus::default_plot(src, path) {
        Ok(p) => (Some(p), None),
        Err(p) => (None, Some(p.0)),
    };
    Ok(Report {
        version: JSON_VERSION,
        source: src.label(),
        path: path.to_owned(),
        objects,
        default_plot,
        default_plot_problem,
    })
}

impl Report {
    /// The report as an indented tree.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for row in &self.objects {
            let e = &row.entity;
            let indent = "  ".repeat(row.depth);
            let name = if e.path == "/" { "/" } else { &e.name };
            let class = e
                .nx_class
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            let _ = writeln!(out, "{indent}{name}{class}  {}", e.kind);
            if let EntityKind::Dataset(d) = &e.kind {
                if let Some(c) = &d.chunks {
                    let dims: Vec<String> = c.iter().map(u64::to_string).collect();
                    let filters: Vec<String> = d.filters.iter().map(ToString::to_string).collect();
                    let _ = writeln!(
                        out,
                        "{indent}    chunks {}{}",
                        dims.join("×"),
                        if filters.is_empty() {
                            String::new()
                        } else {
                            format!(", filters: {}", filters.join(", "))
                        }
                    );
                }
            }
            for a in &e.attributes {
                let v = match &a.value {
                    Ok(_) => a.text().unwrap_or_default(),
                    Err(err) => format!("<{err}>"),
                };
                let v = fold(&v, 100);
                let _ = writeln!(out, "{indent}    @{} = {v}", a.name);
            }
        }
        match (&self.default_plot, &self.default_plot_problem) {
            (Some(p), _) => {
                let _ = writeln!(
                    out,
                    "\nNeXus default plot: {} (signal {})",
                    p.nxdata, p.signal
                );
                let dims: Vec<String> = p.shape.iter().map(u64::to_string).collect();
                let _ = writeln!(out, "  signal: {} [{}]", p.signal_label(), dims.join(" × "));
                for a in &p.axes {
                    let _ = writeln!(out, "  axis {}: {} ({} values)", a.dim, a.label(), a.len);
                }
                if let Some(e) = &p.errors {
                    let _ = writeln!(out, "  errors: {e}");
                }
                for w in &p.warnings {
                    let _ = writeln!(out, "  warning: {w}");
                }
            }
            (None, Some(problem)) => {
                let _ = writeln!(out, "\nNo NeXus default plot: {problem}");
            }
            (None, None) => {}
        }
        out
    }
}

/// Shorten long text to `max` characters with an ellipsis.
pub fn fold(s: &str, max: usize) -> String {
    let one_line = s.replace('\n', " ⏎ ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::NoProgress;
    use crate::data::local_hdf5::LocalHdf5;

    #[test]
    fn demo_file_tree_and_default_plot() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/demo/demo_spectrum1d.nxs");
        let src = LocalHdf5::open(&p).expect("open");
        let r = inspect(&src, "/", &NoProgress).expect("inspect");
        let paths: Vec<&str> = r.objects.iter().map(|o| o.entity.path.as_str()).collect();
        assert!(paths.contains(&"/entry/spectrum/counts"), "{paths:?}");
        let text = r.render();
        assert!(text.contains("spectrum [NXdata]"), "{text}");
        assert!(text.contains("@units = keV"), "{text}");
        assert!(
            text.contains("NeXus default plot: /entry/spectrum"),
            "{text}"
        );
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["version"], 1);
        assert_eq!(json["default_plot"]["signal"], "/entry/spectrum/counts");
    }

    #[test]
    fn hard_link_cycles_are_walked_once() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("cycle.h5");
        {
            let f = hdf5::File::create(&path).expect("create");
            let a = f.create_group("a").expect("a");
            a.create_group("b").expect("b");
            a.link_hard("/a", "b/back_to_a").expect("cycle");
        }
        let src = LocalHdf5::open(&path).expect("open");
        let r = inspect(&src, "/", &NoProgress).expect("inspect");
        assert!(r.objects.len() < 10, "{}", r.render());
        assert!(r.default_plot_problem.is_some());
    }

    #[test]
    fn fold_shortens_long_values() {
        assert_eq!(fold("short", 10), "short");
        assert_eq!(fold("abcdefghijkl", 5), "abcde…");
        assert_eq!(fold("a\nb", 10), "a ⏎ b");
    }
}
