//! The Workflows tab: open the example pipeline, run it, change a parameter
//! and run again; only what lies downstream is computed again.

mod common;

use common::gui::{settle, window};
use egui_kittest::kittest::Queryable;
use panorama::command::WorkflowCommand;

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
    // The window's run gives exactly what `panorama run` gives for the file.
    let gui = panorama::workflow::batch::results_json(
        h.state().state().workflow.last.as_ref().expect("a run"),
    );
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/workflows/normalise_and_sum.json"
    );
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_panorama"))
        .args(["run", file, "--json"])
        .env("PANORAMA_HOME", home.path())
        .output()
        .expect("panorama run");
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).expect("json");
    assert_eq!(gui, cli, "the headless run equals the window's");
    h.state_mut()
        .state_mut()
        .apply(WorkflowCommand::SetNodeParam {
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
    // Anti-aliased wires may differ in a handful of pixels between runs.
    h.snapshot_options(
        "workflow_run",
        &egui_kittest::SnapshotOptions::new().max_failed_pixels(24),
    );
}

/// A 1300×900 window on the Workflows tab with a new, empty workflow.
fn new_workflow(
    home: &std::path::Path,
) -> egui_kittest::Harness<'static, panorama::ui::app::PanoramaApp> {
    let mut h = window(home, 1300.0, 900.0);
    h.run_steps(4);
    h.get_by_label("Workflows").click();
    h.run_steps(4);
    h.get_by_label("New").click();
    h.run_steps(4);
    h
}

/// Press on `from`, move in steps, release on `to` (a mouse drag).
fn drag(
    h: &mut egui_kittest::Harness<'_, panorama::ui::app::PanoramaApp>,
    from: egui::Pos2,
    to: egui::Pos2,
) {
    h.drag_at(from);
    h.run_steps(2);
    for i in 1..=10 {
        let t = i as f32 / 10.0;
        h.hover_at(from + (to - from) * t);
        h.step();
    }
    h.drop_at(to);
    h.run_steps(3);
}

#[test]
fn a_graph_is_built_by_dragging_and_connecting_and_runs() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = new_workflow(home.path());
    // Two nodes dragged from the palette onto the canvas.
    let canvas = h
        .get_by_label("Click to add, or drag onto the canvas")
        .rect();
    let a_at = egui::pos2(canvas.right() + 120.0, 300.0);
    let b_at = egui::pos2(canvas.right() + 480.0, 300.0);
    let src = h.get_by_label("Evenly spaced values").rect().center();
    drag(&mut h, src, a_at);
    let src = h
        .get_by_label("Sum (along an axis, or all)")
        .rect()
        .center();
    drag(&mut h, src, b_at);
    let graph = |h: &egui_kittest::Harness<'_, panorama::ui::app::PanoramaApp>| {
        h.state()
            .state()
            .workflow
            .open
            .as_ref()
            .map(|e| e.graph.clone())
            .expect("open")
    };
    assert_eq!(graph(&h).nodes().count(), 2);
    // Wire linspace's output to the sum's input.
    let outs = h
        .get_all_by_label("out: array")
        .map(|n| n.rect())
        .collect::<Vec<_>>();
    let out = outs
        .iter()
        .min_by(|a, b| a.left().total_cmp(&b.left()))
        .copied()
        .expect("an output");
    let inp = h.get_by_label("a: array").rect();
    let out_pin = egui::pos2(out.right() + 3.0, out.center().y);
    let in_pin = egui::pos2(inp.left() - 14.0, inp.center().y);
    drag(&mut h, out_pin, in_pin);
    assert_eq!(graph(&h).edges().count(), 1, "connected");
    // Ctrl+drag from the input picks its wire up; dropped on empty canvas it is gone.
    h.event(egui::Event::ModifiersChanged(egui::Modifiers::COMMAND));
    drag(&mut h, in_pin, egui::pos2(in_pin.x, in_pin.y + 250.0));
    h.event(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
    h.run_steps(2);
    assert_eq!(
        graph(&h).edges().count(),
        0,
        "the wire was removed from the workflow"
    );
    h.get_by_label("Undo").click();
    h.run_steps(3);
    assert_eq!(graph(&h).edges().count(), 1, "and undo brings it back");
    // A loop is refused, with the reason shown.
    let sum_out = outs
        .iter()
        .max_by(|a, b| a.left().total_cmp(&b.left()))
        .copied()
        .expect("sum output");
    drag(
        &mut h,
        egui::pos2(sum_out.right() + 9.0, sum_out.center().y),
        in_pin,
    );
    h.get_by_label_contains("would make a loop");
    assert_eq!(graph(&h).edges().count(), 1);
    // Set the count of values in the node and run.
    h.get_by_value("11").click();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.event(egui::Event::Text("5".into()));
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
    let count = graph(&h)
        .nodes()
        .find(|(_, n)| n.kind == "linspace")
        .map(|(_, n)| n.params["count"].clone())
        .expect("linspace");
    assert_eq!(count, serde_json::json!(5));
    h.get_by_label("Run").click();
    settle(&mut h);
    // linspace(0, 1, 5) sums to 2.5; each node shows its result.
    h.get_by_label("= 2.5");
    h.get_by_label("= [5] array, 0 … 1");
    // Undo brings back 11 values; redo returns to 5.
    h.get_by_label("Undo").click();
    h.run_steps(3);
    assert_eq!(
        graph(&h)
            .nodes()
            .find(|(_, n)| n.kind == "linspace")
            .map(|(_, n)| n.params["count"].clone()),
        Some(serde_json::json!(11))
    );
    h.get_by_label("Redo").click();
    h.run_steps(3);
    // Anti-aliased wires may differ in a handful of pixels between runs.
    h.snapshot_options(
        "workflow_editor",
        &egui_kittest::SnapshotOptions::new().max_failed_pixels(24),
    );
}

#[test]
fn a_detector_pipeline_shows_thumbnails_tables_and_fits() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = window(home.path(), 1400.0, 900.0);
    h.run_steps(4);
    h.get_by_label("Workflows").click();
    h.run_steps(4);
    h.get_by_label("Open example…").click();
    h.run_steps(3);
    h.get_by_label("image_to_iq_fit").click();
    h.run_steps(3);
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("last run computed 7 node(s)");
    h.get_by_label("= [400, 512] array, -7.9542 … 9987.6689");
    assert!(
        h.get_all_by_label("amplitude").count() >= 1,
        "the fit's table"
    );
    // The outputs (relative names in the example) went to a run folder of
    // their own under the data folder, never the working directory, with the
    // run's RO-Crate beside them; the status names the folder.
    assert!(!std::path::Path::new("i_of_q.csv").exists());
    let runs = panorama::paths::AppDirs::under(home.path())
        .data
        .join("runs");
    let dirs: Vec<_> = std::fs::read_dir(&runs)
        .expect("runs folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    for name in ["i_of_q.csv", "i_of_q.nxs", "ro-crate-metadata.json"] {
        assert!(
            dirs[0].join(name).is_file(),
            "{name} in {}",
            dirs[0].display()
        );
    }
    h.get_by_label(&format!("outputs and RO-Crate in {}", dirs[0].display()));
    if let Err(issues) = common::roc_validate(&dirs[0]) {
        panic!("the window's run crate: {issues}");
    }
    h.get_by_label("Open folder");
}

#[test]
fn a_workflow_runs_over_many_files_each_with_its_crate() {
    let home = tempfile::tempdir().expect("tmp");
    // The second file was downloaded from a catalogue record.
    let scans = common::two_scans(home.path());
    let mut h = window(home.path(), 1200.0, 900.0);
    h.run_steps(4);
    h.get_by_label("Workflows").click();
    h.run_steps(4);
    h.get_by_label("Open example…").click();
    h.run_steps(3);
    h.get_by_label("sum_frames").click();
    h.run_steps(3);
    h.get_by_label("Run over files…").click();
    h.run_steps(3);
    h.get_by_label_contains("read by Frames of many files (node 1)");
    let field = h
        .get_all_by_label("File or pattern")
        .find(|n| {
            egui_kittest::kittest::NodeT::accesskit_node(n).role()
                == egui::accesskit::Role::TextInput
        })
        .expect("the pattern field");
    field.focus();
    h.run_steps(2);
    h.event(egui::Event::Text(
        scans.path().join("scan_*.nxs").display().to_string(),
    ));
    h.run_steps(2);
    h.get_by_label("Add").click();
    h.run_steps(3);
    settle(&mut h);
    // What the list is drawn from: the second file's catalogue record.
    let inputs: Vec<(String, Option<String>)> = h
        .state()
        .state()
        .workflow
        .map
        .inputs
        .iter()
        .map(|i| {
            (
                i.path.rsplit('/').next().unwrap_or_default().to_owned(),
                i.dataset.clone(),
            )
        })
        .collect();
    assert_eq!(
        inputs,
        [
            ("scan_001.nxs".to_owned(), None),
            (
                "scan_002.nxs".to_owned(),
                Some("Stack from the beamline".to_owned())
            )
        ],
        "the files and where they came from"
    );
    h.get_by_label("scan_001.nxs");
    h.get_by_label("local file");
    h.get_by_label("from Stack from the beamline");
    h.get_by_label("Run over 2 files").click();
    settle(&mut h);
    assert_eq!(h.query_all_by_label("done").count(), 2);
    // Each run has its folder with results and a crate; the second names
    // the dataset its input came from.
    let runs = h
        .state()
        .state()
        .workflow
        .map
        .out_dir
        .clone()
        .expect("out dir");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(runs.join("002-scan_002/ro-crate-metadata.json")).expect("crate"),
    )
    .expect("json");
    let graph = meta["@graph"].as_array().expect("graph");
    assert!(
        graph
            .iter()
            .any(|e| e["identifier"] == "https://doi.org/10.5281/zenodo.42"
                && e["@id"]
                    .as_str()
                    .is_some_and(|i| i.ends_with("scan_002.nxs"))),
        "{meta}"
    );
    assert!(runs.join("001-scan_001/results.json").exists());
}

/// A node dragged from the palette lands where it is dropped, also on a
/// zoomed-out canvas; its title moves it.
#[test]
fn a_dropped_node_lands_under_the_pointer_at_any_zoom() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = new_workflow(home.path());
    let palette = h
        .get_by_label("Click to add, or drag onto the canvas")
        .rect();
    let middle = egui::pos2(palette.right() + 420.0, 450.0);
    // Zoom the canvas out about its middle.
    h.hover_at(middle);
    h.run_steps(2);
    for _ in 0..4 {
        h.event(egui::Event::Zoom(0.85));
        h.run_steps(2);
    }
    h.run_steps(4);
    let drop = egui::pos2(palette.right() + 600.0, 600.0);
    let src = h.get_by_label("Evenly spaced values").rect().center();
    drag(&mut h, src, drop);
    h.run_steps(4);
    // The canvas draws in its own (zoomed) coordinates; the harness reports
    // widgets there, so the title goes to the screen through the canvas's
    // transform.
    let on_screen = |h: &egui_kittest::Harness<'_, panorama::ui::app::PanoramaApp>| {
        let [k, x, y] = panorama::ui::report::get(&h.ctx)
            .canvas
            .expect("canvas shown");
        let r = h.get_by_label_contains("· Evenly spaced values").rect();
        egui::Rect::from_min_max(
            egui::pos2(r.min.x * k + x, r.min.y * k + y),
            egui::pos2(r.max.x * k + x, r.max.y * k + y),
        )
    };
    let title = on_screen(&h);
    assert!(
        title.expand(30.0).contains(drop),
        "dropped at {drop:?}, the node's title is at {title:?}"
    );
    // Dragging the title moves the node.
    let from = title.center();
    let to = from + egui::vec2(-150.0, -120.0);
    drag(&mut h, from, to);
    h.run_steps(4);
    let moved = on_screen(&h);
    assert!(
        (moved.center() - to).length() < 30.0,
        "dragged by its title to {to:?}, the title is at {:?}",
        moved.center()
    );
}

/// A quick flick: the press and the first moves arrive in one frame, the
/// pointer already over the next palette entries. The entry under the press
/// is the one that lands on the canvas.
#[test]
fn a_quick_flick_picks_up_the_entry_under_the_press() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = new_workflow(home.path());
    let palette = h
        .get_by_label("Click to add, or drag onto the canvas")
        .rect();
    let src = h.get_by_label("Evenly spaced values").rect().center();
    let below = h.get_by_label("HDF5 dataset").rect().center();
    let drop = egui::pos2(palette.right() + 500.0, 500.0);
    // Press, and before the next frame the pointer is two entries lower:
    // both events in one frame (the harness's own queue would give each
    // event a frame of its own, which a busy real window does not).
    h.input_mut().events.extend([
        egui::Event::PointerButton {
            pos: src,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: egui::Modifiers::NONE,
        },
        egui::Event::PointerMoved(below),
    ]);
    h.step();
    for i in 1..=6 {
        let t = i as f32 / 6.0;
        h.hover_at(below + (drop - below) * t);
        h.step();
    }
    h.drop_at(drop);
    h.run_steps(4);
    let kinds = common::gui::workflow_kinds(&h);
    assert_eq!(kinds, ["linspace"], "the flick added {kinds:?}");
}

/// Shrinking the window to 900×600 and growing it back leaves every node of
/// the example on the canvas.
#[test]
fn nodes_come_back_on_canvas_after_the_window_shrinks_and_grows() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = window(home.path(), 1300.0, 900.0);
    h.run_steps(4);
    h.get_by_label("Workflows").click();
    h.run_steps(4);
    h.get_by_label("Open example…").click();
    h.run_steps(3);
    h.get_by_label("normalise_and_sum").click();
    h.run_steps(6);
    h.set_size(egui::vec2(900.0, 600.0));
    h.run_steps(6);
    h.get_by_label("Open example…").click();
    h.run_steps(3);
    h.get_by_label("normalise_and_sum").click();
    h.run_steps(6);
    h.set_size(egui::vec2(1300.0, 900.0));
    h.run_steps(6);
    let palette = h
        .get_by_label("Click to add, or drag onto the canvas")
        .rect();
    let [k, x, y] = panorama::ui::report::get(&h.ctx)
        .canvas
        .expect("canvas shown");
    let screen =
        egui::Rect::from_min_max(egui::pos2(palette.right(), 0.0), egui::pos2(1300.0, 900.0));
    let titles: Vec<egui::Rect> = h
        .query_all_by_label_contains(" · ")
        .map(|n| n.rect())
        .collect();
    assert!(titles.len() >= 7, "{} node titles", titles.len());
    for r in titles {
        let r = egui::Rect::from_min_max(
            egui::pos2(r.min.x * k + x, r.min.y * k + y),
            egui::pos2(r.max.x * k + x, r.max.y * k + y),
        );
        assert!(
            screen.contains_rect(r),
            "a node at {r:?} is off the canvas {screen:?}"
        );
    }
}

/// New over unsaved changes asks first; Cancel keeps the graph, Discard
/// starts over.
#[test]
fn new_over_unsaved_changes_asks_first() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = new_workflow(home.path());
    h.get_by_label("Number").click();
    h.run_steps(4);
    h.get_by_label("· unsaved");
    let nodes = |h: &egui_kittest::Harness<'_, panorama::ui::app::PanoramaApp>| {
        h.state()
            .state()
            .workflow
            .open
            .as_ref()
            .map_or(0, |e| e.graph.nodes().count())
    };
    assert_eq!(nodes(&h), 1);
    h.get_by_label("New").click();
    h.run_steps(4);
    h.get_by_label("Save the changes first?");
    h.get_by_label("Cancel").click();
    h.run_steps(4);
    assert!(h.query_by_label("Save the changes first?").is_none());
    assert_eq!(nodes(&h), 1, "Cancel kept the graph");
    h.get_by_label("New").click();
    h.run_steps(4);
    h.get_by_label("Discard changes").click();
    h.run_steps(4);
    assert_eq!(nodes(&h), 0, "Discard started over");
}
