//! Running a graph: nodes in dependency order, independent ones in parallel,
//! each output cached by a hash of the node's kind, parameters and inputs, so
//! changing one parameter reruns only what lies downstream.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;
use tokio_util::sync::CancellationToken;

use super::library;
use super::value::{NodeError, Value};
use super::{Graph, NodeId, WorkflowError};

/// What a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub values: BTreeMap<NodeId, Arc<Value>>,
    /// Nodes that failed, with why (downstream nodes name the failed input).
    pub errors: BTreeMap<NodeId, String>,
    /// Nodes computed in this run (the rest came from the cache).
    pub computed: usize,
}

/// An engine keeps its cache between runs.
#[derive(Default)]
pub struct Engine {
    cache: HashMap<NodeId, (u64, Arc<Value>)>,
    /// Node evaluations over the engine's life.
    pub evaluations: usize,
}

fn key(kind: &str, params: &BTreeMap<String, serde_json::Value>, inputs: &[u64]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    kind.hash(&mut h);
    serde_json::to_string(params)
        .unwrap_or_default()
        .hash(&mut h);
    inputs.hash(&mut h);
    // A node that reads files reruns when one changes on disk (or a pattern
    // matches other files).
    for file in library::files_read(kind, params) {
        file.hash(&mut h);
        if let Ok(meta) = std::fs::metadata(&file) {
            meta.len().hash(&mut h);
            meta.modified().ok().hash(&mut h);
        }
    }
    h.finish()
}

impl Engine {
    /// Run every node. `progress` gets (done, total) after each level.
    pub fn run(
        &mut self,
        g: &Graph,
        cancel: &CancellationToken,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Outcome, WorkflowError> {
        // Kahn's algorithm, level by level.
        let mut indegree: BTreeMap<NodeId, usize> = g.nodes().map(|(id, _)| (id, 0)).collect();
        for e in g.edges() {
            *indegree.entry(e.to.0).or_default() += 1;
        }
        let total = indegree.len();
        let mut level: Vec<NodeId> = indegree
            .iter()
            .filter(|(_, d)| **d == 0)
            .map(|(id, _)| *id)
            .collect();
        let mut out = Outcome::default();
        let mut hashes: HashMap<NodeId, u64> = HashMap::new();
        let mut done = 0;
        while !level.is_empty() {
            if cancel.is_cancelled() {
                return Err(WorkflowError::Cancelled);
            }
            // Inputs and cache keys, then the work that is not cached, in parallel.
            let mut work = Vec::new();
            for id in &level {
                let Some(node) = g.node(*id) else { continue };
                let mut inputs = Vec::new();
                let mut input_hashes = Vec::new();
                let mut failed = None;
                for port in 0..node.inputs.len() {
                    match g.source_of(*id, port) {
                        Some((src, _)) => {
                            if out.errors.contains_key(&src) {
                                failed = Some(src);
                            }
                            inputs.push(out.values.get(&src).cloned());
                            input_hashes.push(hashes.get(&src).copied().unwrap_or(0));
                        }
                        None => {
                            inputs.push(None);
                            input_hashes.push(0);
                        }
                    }
                }
                if let Some(src) = failed {
                    out.errors
                        .insert(*id, format!("its input from node {} failed", src.0));
                    continue;
                }
                let k = key(&node.kind, &node.params, &input_hashes);
                hashes.insert(*id, k);
                match self.cache.get(id) {
                    Some((cached, v)) if *cached == k => {
                        out.values.insert(*id, v.clone());
                    }
                    _ => work.push((*id, k, node, inputs)),
                }
            }
            let results: Vec<(NodeId, u64, Result<Value, NodeError>)> = work
                .into_par_iter()
                .map(|(id, k, node, inputs)| {
                    (
                        id,
                        k,
                        library::eval_with(&node.kind, &node.params, &inputs, cancel),
                    )
                })
                .collect();
            for (id, k, r) in results {
                out.computed += 1;
                self.evaluations += 1;
                match r {
                    Ok(v) => {
                        let v = Arc::new(v);
                        self.cache.insert(id, (k, v.clone()));
                        out.values.insert(id, v);
                    }
                    Err(e) => {
                        self.cache.remove(&id);
                        out.errors.insert(id, e.to_string());
                    }
                }
            }
            done += level.len();
            progress(done, total);
            let mut next = Vec::new();
            for id in &level {
                for e in g.edges().filter(|e| e.from.0 == *id) {
                    if let Some(d) = indegree.get_mut(&e.to.0) {
                        *d -= 1;
                        if *d == 0 && !next.contains(&e.to.0) {
                            next.push(e.to.0);
                        }
                    }
                }
            }
            level = next;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain() -> (Graph, NodeId, NodeId, NodeId, NodeId) {
        let mut g = Graph::default();
        let x = g.add(library::make("linspace").expect("node"));
        let k = g.add(library::make("constant").expect("node"));
        let scaled = g.add(library::make("multiply").expect("node"));
        let total = g.add(library::make("sum").expect("node"));
        g.connect((x, 0), (scaled, 0)).expect("edge");
        g.connect((k, 0), (scaled, 1)).expect("edge");
        g.connect((scaled, 0), (total, 0)).expect("edge");
        (g, x, k, scaled, total)
    }

    #[test]
    fn runs_in_order_and_reuses_what_did_not_change() {
        let (mut g, _x, k, _scaled, total) = chain();
        let mut e = Engine::default();
        let none = CancellationToken::new();
        let out = e.run(&g, &none, &|_, _| {}).expect("run");
        // linspace 0..1 (11 values) sums to 5.5; times 1.
        assert_eq!(*out.values[&total], Value::Scalar(5.5));
        assert_eq!(out.computed, 4);
        // Nothing changed: nothing recomputed.
        let out = e.run(&g, &none, &|_, _| {}).expect("run");
        assert_eq!(out.computed, 0);
        // One parameter: only that node and what lies downstream.
        g.set_param(k, "value", json!(2.0)).expect("param");
        let out = e.run(&g, &none, &|_, _| {}).expect("run");
        assert_eq!(out.computed, 3, "constant, multiply, sum");
        assert_eq!(*out.values[&total], Value::Scalar(11.0));
        assert_eq!(e.evaluations, 7);
    }

    #[test]
    fn a_failing_branch_stops_only_what_depends_on_it() {
        let (mut g, x, _k, scaled, total) = chain();
        let bad = g.add(library::make("rebin").expect("node"));
        g.set_param(bad, "factor", json!(0)).expect("param");
        let after = g.add(library::make("sum").expect("node"));
        g.connect((x, 0), (bad, 0)).expect("edge");
        g.connect((bad, 0), (after, 0)).expect("edge");
        let out = Engine::default()
            .run(&g, &CancellationToken::new(), &|_, _| {})
            .expect("run");
        assert!(out.errors[&bad].contains("factor"), "{:?}", out.errors);
        assert!(out.errors[&after].contains("failed"), "{:?}", out.errors);
        assert!(out.values.contains_key(&total) && out.values.contains_key(&scaled));
    }

    #[test]
    fn cancelled_runs_stop() {
        let (g, ..) = chain();
        let cancel = CancellationToken::new();
        cancel.cancel();
        assert!(matches!(
            Engine::default().run(&g, &cancel, &|_, _| {}),
            Err(WorkflowError::Cancelled)
        ));
    }
}
