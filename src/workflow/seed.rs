//! A workflow started from what the viewer shows (**Use in a workflow**):
//! the dataset read from its file, the slice shown taken with a NumPy
//! selection, and a rectangular region of interest cut from it, as nodes
//! of a new graph with the same parameters.

use serde_json::json;

use super::{Graph, NodeId, WorkflowError, library};

/// What the viewer shows, as a workflow's first nodes take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The file (a local path or an h5grove URL).
    pub file: String,
    /// The dataset's path in the file.
    pub path: String,
    /// The slice shown, as a NumPy selection (`"3,:,:"`); `None`: all of it.
    pub selection: Option<String>,
    /// A region of the slice's last two axes: rows `[0]..[1]`, columns
    /// `[2]..[3]` (ends excluded).
    pub roi: Option<[u64; 4]>,
}

/// Canvas distance between the nodes laid out.
const STEP: f32 = 260.0;

impl Seed {
    /// The workflow's name: what it starts from (a remote file by its
    /// `file` parameter).
    pub fn name(&self) -> String {
        let file = url::Url::parse(&self.file)
            .ok()
            .filter(|u| u.scheme().starts_with("http"))
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "file")
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_else(|| self.file.clone());
        let file = file.rsplit(['/', '\\']).next().unwrap_or(&file).to_owned();
        format!("From {file} {}", self.path)
    }

    /// Whether the region can be cut before the slice is taken: the slice
    /// only picks positions on leading axes (a frame of a stack), so the
    /// region's rows and columns are the dataset's last two axes. Cut
    /// first, a large stack streams through the region frame by frame and
    /// only the region is held.
    fn region_first(&self) -> bool {
        self.selection
            .as_deref()
            .is_some_and(|s| s.split(',').all(|p| p.trim().parse::<u64>().is_ok()))
    }

    /// The graph: an HDF5 dataset node, then a slice node and a region
    /// node (those that apply, the region first when it can be), wired in
    /// a row.
    pub fn graph(&self) -> Result<Graph, WorkflowError> {
        let mut g = Graph::default();
        let mut x = 0.0;
        let mut add = |g: &mut Graph, kind: &str, params: &[(&str, serde_json::Value)]| {
            let mut node = library::make(kind)
                .ok_or_else(|| WorkflowError::Invalid(format!("no node kind {kind}")))?;
            for (k, v) in params {
                node.params.insert((*k).to_owned(), v.clone());
            }
            node.pos = Some([x, 0.0]);
            x += STEP;
            Ok::<NodeId, WorkflowError>(g.add(node))
        };
        let mut last = add(
            &mut g,
            "read_hdf5",
            &[("file", json!(self.file)), ("path", json!(self.path))],
        )?;
        let region = self.roi.map(|[r0, r1, c0, c1]| {
            [
                ("row_start", json!(r0)),
                ("row_end", json!(r1)),
                ("col_start", json!(c0)),
                ("col_end", json!(c1)),
            ]
        });
        let first = self.region_first();
        if first && let Some(params) = &region {
            let roi = add(&mut g, "roi", params)?;
            g.connect((last, 0), (roi, 0))?;
            last = roi;
        }
        if let Some(sel) = self.selection.as_deref().filter(|s| !s.trim().is_empty()) {
            let slice = add(&mut g, "slice", &[("selection", json!(sel))])?;
            g.connect((last, 0), (slice, 0))?;
            last = slice;
        }
        if !first && let Some(params) = &region {
            let roi = add(&mut g, "roi", params)?;
            g.connect((last, 0), (roi, 0))?;
        }
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::Seed;

    #[test]
    fn a_seed_lays_out_the_nodes_it_needs_in_a_row() {
        let seed = Seed {
            file: "/data/scan_0001.h5".into(),
            path: "/entry/data/data".into(),
            selection: Some("3,:,:".into()),
            roi: Some([2, 10, 4, 20]),
        };
        assert_eq!(seed.name(), "From scan_0001.h5 /entry/data/data");
        let g = seed.graph().expect("graph");
        let kinds: Vec<&str> = g.nodes().map(|(_, n)| n.kind.as_str()).collect();
        assert_eq!(kinds, ["read_hdf5", "slice", "roi"]);
        assert_eq!(g.edges().count(), 2);
        let roi = g.nodes().nth(2).expect("roi").1;
        assert_eq!(roi.params["row_end"], 10);
        // A frame of a stack: the region is cut first, frame by frame.
        let frame = Seed {
            selection: Some("3".into()),
            ..seed.clone()
        };
        let g = frame.graph().expect("graph");
        let kinds: Vec<&str> = g.nodes().map(|(_, n)| n.kind.as_str()).collect();
        assert_eq!(kinds, ["read_hdf5", "roi", "slice"]);
        let remote = Seed {
            file: "http://127.0.0.1:8888/data/?file=scans%2Fscan_7.h5".into(),
            ..seed.clone()
        };
        assert_eq!(remote.name(), "From scan_7.h5 /entry/data/data");
        let plain = Seed {
            selection: None,
            roi: None,
            ..seed
        };
        assert_eq!(plain.graph().expect("graph").nodes().count(), 1);
    }
}
