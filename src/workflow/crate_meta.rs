//! Provenance of a run as an RO-Crate (Workflow Run Crate profile): the
//! workflow file and its checksum, the parameters set for the run, the
//! Panorama version, start and end times, and the results.

use serde_json::{Value as J, json};

/// What a run used and made.
pub struct RunRecord<'a> {
    pub workflow_name: &'a str,
    /// The workflow file's name inside the crate and its bytes.
    pub workflow_file: &'a str,
    pub workflow_bytes: &'a [u8],
    pub settings: &'a [String],
    pub results_file: &'a str,
    pub results_bytes: &'a [u8],
    pub started: chrono::DateTime<chrono::Utc>,
    pub ended: chrono::DateTime<chrono::Utc>,
    pub failed_nodes: usize,
    /// The SPDX licence id of the run's results.
    pub license: &'a str,
    /// The input files the run read.
    pub inputs: &'a [InputFile],
    /// The files its output nodes wrote inside the crate.
    pub outputs: &'a [OutputFile],
}

/// A file a run's output node wrote, inside the crate's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Its path relative to the crate's folder (`/`-separated).
    pub id: String,
    pub sha256: String,
    pub size: u64,
}

impl OutputFile {
    /// Describe `path` if it is a file inside `dir` (hashed as it is read,
    /// so a large output costs no memory).
    pub fn of(dir: &std::path::Path, path: &std::path::Path) -> Option<Self> {
        use sha2::Digest;
        use std::io::Read;
        let dir = std::fs::canonicalize(dir).ok()?;
        let path = std::fs::canonicalize(path).ok()?;
        let rel = path.strip_prefix(&dir).ok()?;
        let mut file = std::fs::File::open(&path).ok()?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        // A relative URI: each path segment percent-encoded.
        let id: Vec<String> = rel
            .components()
            .map(|c| {
                percent_encoding::utf8_percent_encode(
                    &c.as_os_str().to_string_lossy(),
                    crate::net::PATH_SEGMENT,
                )
                .to_string()
            })
            .collect();
        Some(Self {
            id: id.join("/"),
            sha256: format!("{:x}", hasher.finalize()),
            size,
        })
    }

    fn encoding(&self) -> &'static str {
        encoding_of(&self.id).unwrap_or("application/octet-stream")
    }
}

/// The licence a run's crate gives its results unless told otherwise.
pub const DEFAULT_LICENSE: &str = "CC-BY-4.0";

/// The profiles a run crate conforms to: (id, name, version).
const PROFILES: [(&str, &str, &str); 3] = [
    (
        "https://w3id.org/ro/wfrun/process/0.5",
        "Process Run Crate",
        "0.5",
    ),
    (
        "https://w3id.org/ro/wfrun/workflow/0.5",
        "Workflow Run Crate",
        "0.5",
    ),
    (
        "https://w3id.org/workflowhub/workflow-ro-crate/1.0",
        "Workflow RO-Crate",
        "1.0",
    ),
];

/// The Bioschemas profile the workflow file conforms to.
const COMPUTATIONAL_WORKFLOW: &str =
    "https://bioschemas.org/profiles/ComputationalWorkflow/1.0-RELEASE";

/// A time as the profiles want it: milliseconds and a `+hh:mm` offset.
fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// An input file a run read: where it is, and its checksum when local.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// An http(s) URL, or a local path.
    pub location: String,
    pub sha256: Option<String>,
    pub size: Option<u64>,
    /// The catalogue record it was downloaded from, when known.
    pub origin: Option<crate::store::FileOrigin>,
}

impl InputFile {
    /// Describe a file the run read (hashing it when it is local).
    pub fn of(location: &str) -> Self {
        if crate::net::is_web_url(location) {
            return Self {
                location: location.to_owned(),
                sha256: None,
                size: None,
                origin: None,
            };
        }
        let bytes = std::fs::read(location).ok();
        Self {
            location: std::fs::canonicalize(location)
                .map_or_else(|_| location.to_owned(), |p| p.display().to_string()),
            sha256: bytes.as_deref().map(sha256),
            size: bytes.map(|b| b.len() as u64),
            origin: None,
        }
    }

    /// Its id in the crate: the URL, or a `file://` URI.
    pub fn id(&self) -> String {
        if crate::net::is_web_url(&self.location) {
            self.location.clone()
        } else {
            url::Url::from_file_path(&self.location)
                .map_or_else(|()| self.location.clone(), |u| u.to_string())
        }
    }
}

/// The files a graph's input nodes read, each with the catalogue record it
/// was downloaded from where `origin` knows it.
pub fn inputs_with_origins(
    g: &super::Graph,
    origin: &dyn Fn(&str) -> Option<crate::store::FileOrigin>,
) -> Vec<InputFile> {
    let mut inputs = inputs_of(g);
    for f in &mut inputs {
        f.origin = origin(&f.location);
    }
    inputs
}

/// What the store in `dirs` knows of where files came from (nothing when it
/// cannot be opened).
pub fn store_origins(
    dirs: &crate::paths::AppDirs,
) -> impl Fn(&str) -> Option<crate::store::FileOrigin> + use<> {
    let store = crate::store::Store::open(&dirs.database()).ok();
    move |path: &str| {
        store
            .as_ref()?
            .origin(std::path::Path::new(path))
            .ok()
            .flatten()
    }
}

/// The files a graph's input nodes read.
pub fn inputs_of(g: &super::Graph) -> Vec<InputFile> {
    let mut seen = Vec::new();
    for (_, n) in g.nodes() {
        for f in super::library::files_read(&n.kind, &n.params) {
            if !seen.iter().any(|x: &InputFile| x.location == f) {
                seen.push(InputFile::of(&f));
            }
        }
    }
    seen
}

/// The media type of a file, by its extension, where it is a common one.
fn encoding_of(name: &str) -> Option<&'static str> {
    let ext = name.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "csv" => "text/csv",
        "nxs" | "nx5" | "h5" | "hdf5" | "hdf" => "application/x-hdf5",
        "json" => "application/json",
        "tif" | "tiff" => "image/tiff",
        "npy" => "application/octet-stream",
        _ => return None,
    })
}

fn sha256(b: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(b))
}

/// `ro-crate-metadata.json` for a run.
pub fn metadata(r: &RunRecord<'_>) -> J {
    let params: Vec<J> = r
        .settings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (name, value) = s.split_once('=').unwrap_or((s.as_str(), ""));
            json!({"@id": format!("#param-{i}"), "@type": "PropertyValue", "name": name, "value": value})
        })
        .collect();
    let mut param_ids: Vec<J> = (0..params.len())
        .map(|i| json!({"@id": format!("#param-{i}")}))
        .collect();
    let input_entities: Vec<J> = r
        .inputs
        .iter()
        .map(|f| {
            let mut e = json!({"@id": f.id(), "@type": "File", "name": f.location});
            if let Some(format) = encoding_of(&f.location) {
                e["encodingFormat"] = json!(format);
            }
            if let Some(h) = &f.sha256 {
                e["sha256"] = json!(h);
            }
            if let Some(n) = f.size {
                e["contentSize"] = json!(n.to_string());
            }
            if let Some(o) = &f.origin {
                // The dataset's PID, and where the file was downloaded from.
                e["identifier"] = json!(o.dataset);
                if crate::net::is_web_url(&o.url) {
                    e["url"] = json!(o.url);
                }
                e["isPartOf"] = json!({"@id": o.dataset});
            }
            e
        })
        .collect();
    // The catalogue records the inputs belong to.
    let mut datasets: Vec<J> = Vec::new();
    for o in r.inputs.iter().filter_map(|f| f.origin.as_ref()) {
        if !datasets.iter().any(|d| d["@id"] == o.dataset) {
            datasets.push(json!({
                "@id": o.dataset,
                "@type": "Dataset",
                "name": if o.title.is_empty() { o.dataset.clone() } else { o.title.clone() },
                "identifier": o.dataset,
            }));
        }
    }
    param_ids.extend(r.inputs.iter().map(|f| json!({"@id": f.id()})));
    let mut has_part = vec![
        json!({"@id": r.workflow_file}),
        json!({"@id": r.results_file}),
    ];
    // Every file entity is reachable from the root (the inputs by their URI).
    has_part.extend(r.inputs.iter().map(|f| json!({"@id": f.id()})));
    let mut results = vec![json!({"@id": r.results_file})];
    for o in r.outputs {
        has_part.push(json!({"@id": o.id}));
        results.push(json!({"@id": o.id}));
    }
    let output_entities: Vec<J> = r
        .outputs
        .iter()
        .map(|o| {
            json!({
                "@id": o.id,
                "@type": "File",
                "name": o.id,
                "encodingFormat": o.encoding(),
                "sha256": o.sha256,
                "contentSize": o.size.to_string()
            })
        })
        .collect();
    let license_id = format!("https://spdx.org/licenses/{}", r.license);
    let object = match param_ids.as_slice() {
        [one] => one.clone(),
        _ => J::Array(param_ids),
    };
    let mut graph = vec![
        json!({
            "@id": "ro-crate-metadata.json",
            "@type": "CreativeWork",
            "conformsTo": [
                {"@id": "https://w3id.org/ro/crate/1.1"},
                {"@id": "https://w3id.org/workflowhub/workflow-ro-crate/1.0"}
            ],
            "about": {"@id": "./"}
        }),
        json!({
            "@id": "./",
            "@type": "Dataset",
            "name": format!("Run of {}", r.workflow_name),
            "description": format!(
                "One run of the Panorama workflow “{}”: the workflow, its inputs, its results and when it ran.",
                r.workflow_name
            ),
            "datePublished": time(r.ended),
            "license": {"@id": license_id},
            "hasPart": has_part,
            "mainEntity": {"@id": r.workflow_file},
            "mentions": {"@id": "#run"},
            "conformsTo": PROFILES.iter().map(|p| json!({"@id": p.0})).collect::<Vec<_>>()
        }),
        json!({
            "@id": license_id,
            "@type": "CreativeWork",
            "name": r.license,
            "identifier": r.license
        }),
        json!({
            "@id": r.workflow_file,
            "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow"],
            "conformsTo": {"@id": COMPUTATIONAL_WORKFLOW},
            "name": r.workflow_name,
            "encodingFormat": "application/json",
            "sha256": sha256(r.workflow_bytes),
            "contentSize": r.workflow_bytes.len().to_string(),
            "programmingLanguage": {"@id": "#panorama-workflow"}
        }),
        json!({
            "@id": COMPUTATIONAL_WORKFLOW,
            "@type": "CreativeWork",
            "name": "Computational Workflow Profile",
            "version": "1.0-RELEASE"
        }),
        json!({
            "@id": "#panorama-workflow",
            "@type": "ComputerLanguage",
            "name": "Panorama workflow",
            "version": super::file::SCHEMA_VERSION.to_string()
        }),
        json!({
            "@id": "#panorama",
            "@type": "SoftwareApplication",
            "name": "Panorama",
            "version": crate::VERSION
        }),
        json!({
            "@id": "#run",
            "@type": "CreateAction",
            "name": format!("Run of {} with Panorama {}", r.workflow_name, crate::VERSION),
            "description": format!("Execution of {} by Panorama {}", r.workflow_file, crate::VERSION),
            "instrument": {"@id": r.workflow_file},
            "startTime": time(r.started),
            "endTime": time(r.ended),
            "actionStatus": if r.failed_nodes == 0 {
                "http://schema.org/CompletedActionStatus"
            } else {
                "http://schema.org/FailedActionStatus"
            },
            "object": object,
            "result": results
        }),
        json!({
            "@id": r.results_file,
            "@type": "File",
            "name": "Node results",
            "encodingFormat": "application/json",
            "sha256": sha256(r.results_bytes),
            "contentSize": r.results_bytes.len().to_string()
        }),
    ];
    graph.extend(PROFILES.iter().map(|(id, name, version)| {
        json!({"@id": id, "@type": "CreativeWork", "name": name, "version": version})
    }));
    graph.extend(params);
    graph.extend(input_entities);
    graph.extend(output_entities);
    graph.extend(datasets);
    // `sha256` is not a term of the RO-Crate 1.1 context: say what it means.
    json!({
        "@context": [
            "https://w3id.org/ro/crate/1.1/context",
            {"sha256": "http://schema.org/sha256"}
        ],
        "@graph": graph
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_ids_are_relative_uris_and_hashes_are_of_the_bytes() {
        let tmp = tempfile::tempdir().expect("tmp");
        let sub = tmp.path().join("plots and fits");
        std::fs::create_dir_all(&sub).expect("dir");
        let f = sub.join("I of q (final).csv");
        std::fs::write(&f, b"q,I\n").expect("write");
        let o = OutputFile::of(tmp.path(), &f).expect("inside");
        assert_eq!(o.id, "plots%20and%20fits/I%20of%20q%20%28final%29.csv");
        assert_eq!(o.size, 4);
        assert_eq!(o.sha256, sha256(b"q,I\n"));
        assert!(
            OutputFile::of(&sub, tmp.path()).is_none(),
            "outside the folder"
        );
    }
}
