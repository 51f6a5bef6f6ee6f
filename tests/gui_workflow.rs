//! The Workflows tab: open the example pipeline, run it, change a parameter
//! and run again; only what lies downstream is computed again.

mod common;

use common::gui::{settle, window};
use egui_kittest::kittest::Queryable;
use panorama::command::Command;

#[test]
fn a_pipeline_runs_and_reruns_only_what_changed() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = window(home.path(), 1100.0, 900.0);
    h.run_steps(4);
    h.get_by_label("Workflows").click();
    h.run_steps(4);
    h.get_by_label_contains("No workflow open");
    h.get_by_label("Open example…").click();
    h.run_steps(3);
    h.get_by_label("normalise_and_sum").click();
    h.run_steps(3);
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("= 1212");
    h.get_by_label("last run computed 7 node(s)");
    h.state_mut().state_mut().apply(Command::SetNodeParam {
        node: 2,
        name: "value".into(),
        value: serde_json::json!(2.0),
    });
    h.run_steps(2);
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("= 2474.5");
    // The monitor, the division, the subtraction, the sum and the histogram.
    h.get_by_label("last run computed 5 node(s)");
    h.snapshot("workflow_run");
}
