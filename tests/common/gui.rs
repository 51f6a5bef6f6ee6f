//! The window under egui_kittest, for the GUI tests.

use std::path::Path;

use egui_kittest::Harness;
use panorama::paths::AppDirs;
use panorama::runtime::Runtime;
use panorama::ui::PanoramaApp;

/// The whole window over a fresh home folder, rendered by wgpu.
pub fn window(home: &Path, width: f32, height: f32) -> Harness<'static, PanoramaApp> {
    let dirs = AppDirs::under(home);
    Harness::builder()
        .with_size([width, height])
        .wgpu()
        .build_eframe(move |cc| {
            PanoramaApp::new(cc.egui_ctx.clone(), Runtime::new().expect("rt"), dirs, None)
        })
}

/// Type `text` key by key into the field with focus, a frame between keys.
pub fn type_slowly(h: &mut Harness<'_, PanoramaApp>, text: &str) {
    for c in text.chars() {
        h.event(egui::Event::Text(c.to_string()));
        h.run_steps(1);
    }
}

/// Search only the bundled catalogue (offline, as in a workshop).
pub fn bundled_catalogue_only(h: &mut Harness<'_, PanoramaApp>) {
    let demo = panorama::catalogue::default_sources()
        .into_iter()
        .filter(|s| s.id == "demo")
        .collect();
    h.state_mut().state_mut().set_sources(demo);
}

/// Step until no background work is left (then a few frames more).
pub fn settle(h: &mut Harness<'_, PanoramaApp>) {
    for _ in 0..3000 {
        h.step();
        let s = h.state().state();
        if !s.busy() && s.tasks().snapshot().is_empty() {
            h.run_steps(3);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("background work never settled");
}

/// The graph of the workflow open in the Workflows tab.
pub fn open_graph<'h>(h: &'h Harness<'_, PanoramaApp>) -> &'h panorama::workflow::Graph {
    &h.state()
        .state()
        .workflow
        .open
        .as_ref()
        .expect("a workflow")
        .graph
}

/// The kinds of the open workflow's nodes, in id order.
pub fn workflow_kinds(h: &Harness<'_, PanoramaApp>) -> Vec<String> {
    open_graph(h).nodes().map(|(_, n)| n.kind.clone()).collect()
}
