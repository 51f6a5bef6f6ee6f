//! Workflow files: JSON with `schema_version`, stable node ids and one line
//! per connection, so they diff well under version control. Older files are
//! migrated when read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Graph, NodeId, WorkflowError, library};

/// The version this Panorama writes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileNode {
    pub id: u64,
    pub kind: String,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    /// Where the editor drew it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<[f32; 2]>,
}

/// `"3.0 -> 5.1"`: output 0 of node 3 feeds input 1 of node 5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowFile {
    pub schema_version: u32,
    #[serde(default)]
    pub name: String,
    pub nodes: Vec<FileNode>,
    #[serde(default)]
    pub edges: Vec<String>,
}

fn bad(d: impl std::fmt::Display) -> WorkflowError {
    WorkflowError::File(d.to_string())
}

fn port(s: &str) -> Result<(NodeId, usize), WorkflowError> {
    let (n, p) = s
        .trim()
        .split_once('.')
        .ok_or_else(|| bad(format!("“{s}” is not NODE.PORT")))?;
    Ok((
        NodeId(
            n.parse()
                .map_err(|_| bad(format!("“{s}”: no node number")))?,
        ),
        p.parse()
            .map_err(|_| bad(format!("“{s}”: no port number")))?,
    ))
}

/// Version 0 files (before `schema_version`) listed connections as
/// `[["3:0", "5:1"], …]` under `connections`.
fn migrate(mut v: serde_json::Value) -> Result<serde_json::Value, WorkflowError> {
    let version = v
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    if version > u64::from(SCHEMA_VERSION) {
        return Err(bad(format!(
            "it was written by a newer Panorama (schema version {version}); update Panorama"
        )));
    }
    if version == 0 {
        let obj = v.as_object_mut().ok_or_else(|| bad("not a JSON object"))?;
        let connections = obj.remove("connections").unwrap_or_default();
        let edges: Vec<serde_json::Value> = connections
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let from = c.get(0)?.as_str()?.replace(':', ".");
                let to = c.get(1)?.as_str()?.replace(':', ".");
                Some(serde_json::Value::String(format!("{from} -> {to}")))
            })
            .collect();
        obj.insert("edges".into(), serde_json::Value::Array(edges));
        obj.insert("schema_version".into(), SCHEMA_VERSION.into());
    }
    Ok(v)
}

impl WorkflowFile {
    pub fn parse(text: &str) -> Result<Self, WorkflowError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        serde_json::from_value(migrate(v)?).map_err(bad)
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The graph, with every node kind known and every connection type-checked.
    pub fn to_graph(&self) -> Result<Graph, WorkflowError> {
        let mut g = Graph::default();
        for n in &self.nodes {
            let mut node = library::make(&n.kind)
                .ok_or_else(|| bad(format!("node {} is of an unknown kind “{}”", n.id, n.kind)))?;
            node.params.extend(n.params.clone());
            node.pos = n.position;
            g.insert(NodeId(n.id), node);
        }
        for e in &self.edges {
            let (from, to) = e
                .split_once("->")
                .ok_or_else(|| bad(format!("“{e}” is not FROM -> TO")))?;
            g.connect(port(from)?, port(to)?)?;
        }
        Ok(g)
    }

    pub fn from_graph(name: &str, g: &Graph) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            name: name.to_owned(),
            nodes: g
                .nodes()
                .map(|(id, n)| FileNode {
                    id: id.0,
                    kind: n.kind.clone(),
                    params: n.params.clone(),
                    position: n.pos,
                })
                .collect(),
            edges: g
                .edges()
                .map(|e| format!("{}.{} -> {}.{}", e.from.0.0, e.from.1, e.to.0.0, e.to.1))
                .collect(),
        }
    }
}

/// The `file` parameter of every node whose kind `kinds` accepts.
fn file_params(g: &Graph, kinds: fn(&str) -> bool) -> Vec<(NodeId, String)> {
    g.nodes()
        .filter(|(_, n)| kinds(&n.kind))
        .filter_map(|(id, n)| Some((id, n.params.get("file")?.as_str()?.to_owned())))
        .collect()
}

/// Input files named relative to the workflow file (as in the examples) are
/// found next to it.
pub fn resolve_inputs(g: &mut Graph, workflow_dir: &std::path::Path) {
    for (id, file) in file_params(g, super::library::reads_files) {
        let file = file.as_str();
        let p = std::path::Path::new(file);
        if file.is_empty() || p.is_absolute() || crate::net::is_web_url(file) || p.exists() {
            continue;
        }
        let beside = workflow_dir.join(p);
        let found = if file.contains(['*', '?', '[']) {
            super::stream::expand(&beside.display().to_string()).is_ok()
        } else {
            beside.exists()
        };
        if found {
            let _ = g.set_param(id, "file", beside.display().to_string().into());
        }
    }
}

/// Put the relative file names of output nodes inside `dir` (a run's
/// folder), so a run never writes into the working directory. Returns the
/// files the outputs will write; a relative name that climbs out of the
/// folder (`../x.csv`) is refused.
pub fn resolve_outputs(
    g: &mut Graph,
    dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>, WorkflowError> {
    let mut out = Vec::new();
    for (id, file) in file_params(g, super::library::writes_files) {
        let file = file.as_str();
        let p = std::path::Path::new(file);
        if file.trim().is_empty() {
            continue;
        }
        if !p.is_absolute()
            && p.components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return Err(WorkflowError::Invalid(format!(
                "node {} writes “{file}”, outside the run's folder: name a file inside it, or give a full path",
                id.0
            )));
        }
        let target = if p.is_absolute() {
            p.to_path_buf()
        } else {
            dir.join(p)
        };
        if !p.is_absolute() {
            let _ = g.set_param(id, "file", target.display().to_string().into());
        }
        out.push(target);
    }
    Ok(out)
}

/// Apply `node.param=value` settings (value as JSON, else as text).
pub fn apply_settings(g: &mut Graph, settings: &[String]) -> Result<(), WorkflowError> {
    for s in settings {
        let (target, value) = s
            .split_once('=')
            .ok_or_else(|| bad(format!("“{s}” is not NODE.PARAM=VALUE")))?;
        let (node, param) = target
            .split_once('.')
            .ok_or_else(|| bad(format!("“{target}” is not NODE.PARAM")))?;
        let id = NodeId(
            node.parse()
                .map_err(|_| bad(format!("“{node}” is not a node number")))?,
        );
        let v = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
        g.set_param(id, param, v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_resolve_inside_the_run_folder_and_never_climb_out() {
        let mut g = Graph::default();
        let csv = g.add(library::make("export_csv").expect("node"));
        let dir = std::path::Path::new("/runs/001");
        let out = resolve_outputs(&mut g, dir).expect("inside");
        assert_eq!(out, vec![dir.join("result.csv")]);
        assert_eq!(
            g.node(csv)
                .and_then(|n| n.params.get("file"))
                .and_then(|v| v.as_str()),
            Some("/runs/001/result.csv")
        );
        g.set_param(csv, "file", "../../elsewhere.csv".into())
            .expect("param");
        let err = resolve_outputs(&mut g, dir).expect_err("outside");
        assert!(
            err.to_string().contains("outside the run's folder"),
            "{err}"
        );
        // A full path is the person's own choice.
        g.set_param(csv, "file", "/data/mine.csv".into())
            .expect("param");
        assert_eq!(
            resolve_outputs(&mut g, dir).expect("absolute"),
            vec![std::path::PathBuf::from("/data/mine.csv")]
        );
    }

    const V1: &str = r#"{
  "schema_version": 1,
  "name": "dark subtraction",
  "nodes": [
    {"id": 1, "kind": "linspace", "params": {"start": 0.0, "stop": 10.0, "count": 11}},
    {"id": 2, "kind": "constant", "params": {"value": 1.0}},
    {"id": 3, "kind": "subtract"},
    {"id": 4, "kind": "sum"}
  ],
  "edges": ["1.0 -> 3.0", "2.0 -> 3.1", "3.0 -> 4.0"]
}"#;

    #[test]
    fn files_round_trip_and_old_ones_migrate() {
        let f = WorkflowFile::parse(V1).expect("v1");
        let g = f.to_graph().expect("graph");
        assert_eq!(g.nodes().count(), 4);
        let again = WorkflowFile::from_graph("dark subtraction", &g);
        assert_eq!(
            WorkflowFile::parse(&again.to_text()).expect("reparse"),
            again
        );
        assert_eq!(again.edges, f.edges);

        let v0 = r#"{"name": "old", "nodes": [
            {"id": 1, "kind": "constant"}, {"id": 2, "kind": "scale"}],
            "connections": [["1:0", "2:0"]]}"#;
        let f = WorkflowFile::parse(v0).expect("migrated");
        assert_eq!(f.schema_version, SCHEMA_VERSION);
        assert_eq!(f.edges, vec!["1.0 -> 2.0"]);
        f.to_graph().expect("graph");
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        for (text, says) in [
            ("{", "not JSON"),
            (r#"{"schema_version": 99, "nodes": []}"#, "newer Panorama"),
            (
                r#"{"schema_version": 1, "nodes": [{"id": 1, "kind": "teleport"}]}"#,
                "unknown kind",
            ),
            (
                r#"{"schema_version": 1, "nodes": [{"id": 1, "kind": "sum"}], "edges": ["1.0 -> 1.0"]}"#,
                "loop",
            ),
            (
                r#"{"schema_version": 1, "nodes": [], "edges": ["x"]}"#,
                "FROM -> TO",
            ),
        ] {
            let err = WorkflowFile::parse(text)
                .and_then(|f| f.to_graph())
                .expect_err(text);
            assert!(err.to_string().contains(says), "{text}: {err}");
        }
    }
}
