//! Frame times of the window with a lot on screen: 5,000 merged search
//! results in the Search tab, and 20 workflow nodes each previewing a
//! 1,000,000-point result. Each frame is the whole UI pass plus the
//! tessellation of what it drew (what the CPU does before the GPU draws);
//! the pointer moves every frame, so nothing is skipped. Prints the median
//! and the 99th percentile per scene; with `PANORAMA_BENCH_OUT=FILE` also
//! writes them as JSON for `make bench`'s report.
//!
//!     cargo bench --bench frames

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "screen positions and sizes rounded to whole pixels"
)]

use std::time::Instant;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use panorama::command::WorkflowCommand;
use panorama::paths::AppDirs;
use panorama::runtime::Runtime;
use panorama::ui::PanoramaApp;

/// Frames timed per scene by `cargo bench`; none under `cargo test`.
fn frames() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        300
    } else {
        0
    }
}

fn window(home: &std::path::Path) -> Harness<'static, PanoramaApp> {
    let dirs = AppDirs::under(home);
    Harness::builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(move |cc| {
            PanoramaApp::new(cc.egui_ctx.clone(), Runtime::new().expect("rt"), dirs, None)
        })
}

fn settle(h: &mut Harness<'static, PanoramaApp>) {
    for _ in 0..20_000 {
        h.step();
        let s = h.state().state();
        if !s.busy() && s.tasks().snapshot().is_empty() {
            h.run_steps(5);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Milliseconds per frame: median and 99th percentile.
fn measure(h: &mut Harness<'static, PanoramaApp>) -> (f64, f64) {
    let n = frames();
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let x = 400.0 + (i % 200) as f32 * 3.0;
        h.hover_at(egui::pos2(x, 400.0 + (i % 7) as f32 * 40.0));
        let t0 = Instant::now();
        h.step();
        let shapes = h.output().shapes.clone();
        let ppp = h.output().pixels_per_point;
        std::hint::black_box(h.ctx.tessellate(shapes, ppp));
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

fn main() {
    // Under `cargo test` (no `--bench`) nothing is timed: the scenes take a
    // while to set up in a debug build, and timings there mean nothing.
    if frames() == 0 {
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let mut results = serde_json::Map::new();

    // 5,000 results from three sources, merged as the search merges them.
    let mut h = window(home.path());
    h.run_steps(5);
    {
        let s = h.state_mut().state_mut();
        let records = panorama::catalogue::synthetic::synthetic_records(5_000);
        let mut merged = Vec::new();
        for part in records.chunks(1_700) {
            panorama::catalogue::merge(&mut merged, part.to_vec());
        }
        s.search.show_results("neutron", merged);
    }
    h.run_steps(3);
    h.get_by_label("Search").click();
    h.run_steps(10);
    assert!(
        h.query_by_label_contains("5000 results").is_some(),
        "the results are on screen"
    );
    let (p50, p99) = measure(&mut h);
    println!("search, 5,000 merged results: median {p50:.2} ms, p99 {p99:.2} ms");
    results.insert("frame_search_5000_p50_ms".into(), p50.into());
    results.insert("frame_search_5000_p99_ms".into(), p99.into());
    drop(h);

    // 20 nodes, each showing a line of 1,000,000 values.
    let home = tempfile::tempdir().expect("home");
    let mut h = window(home.path());
    h.run_steps(5);
    {
        use panorama::workflow::edit::Edit;
        let s = h.state_mut().state_mut();
        s.apply(WorkflowCommand::NewWorkflow);
        for i in 0..20 {
            s.apply(WorkflowCommand::EditWorkflow(Edit::Add {
                kind: "linspace".into(),
                pos: [(i % 5) as f32 * 250.0, (i / 5) as f32 * 200.0],
            }));
        }
        for id in 1..=20 {
            s.apply(WorkflowCommand::SetNodeParam {
                node: id,
                name: "count".into(),
                value: serde_json::json!(1_000_000),
            });
        }
        s.apply(WorkflowCommand::RunWorkflow);
    }
    settle(&mut h);
    h.get_by_label("Workflows").click();
    h.run_steps(10);
    let previews = h.query_all_by_label_contains("= [1000000] array").count();
    assert_eq!(previews, 20, "every node shows its preview");
    let (p50, p99) = measure(&mut h);
    println!("workflow, 20 node previews of 1M points: median {p50:.2} ms, p99 {p99:.2} ms");
    results.insert("frame_workflow_20_previews_p50_ms".into(), p50.into());
    results.insert("frame_workflow_20_previews_p99_ms".into(), p99.into());

    if let Some(out) = std::env::var_os("PANORAMA_BENCH_OUT") {
        let _ = std::fs::write(out, serde_json::Value::Object(results).to_string());
    }
}
