//! The real binary in a real X11 window (Xvfb, Mesa's software Vulkan), in a
//! fresh home folder and with no desktop portal, driven by xdotool as a
//! person drives it: pointer moves, clicks, wheel notches and keys with real
//! frames between them. The window reports what it shows through
//! `PANORAMA_REPORT` (plot ranges, where the image is drawn, widget places,
//! the focused field); pictures are checked in screenshots of the screen.
//! Covers what the harness cannot see: the spectrum opens on 1–20 keV, a
//! zoomed and panned image is drawn where its axes say, typing "ESRF" into
//! Publisher Name keeps every key, and Export CSV without a portal writes
//! the file through the built-in dialog; a second launch hands its file to
//! the open window. With `PANORAMA_LIVE_SHOTS=screenshots`
//! it retakes the README's screenshots of these views from the real window.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "screen positions and sizes rounded to whole pixels"
)]

mod common;

use std::time::{Duration, Instant};

use common::live::{App, Display, demo, need, range};
use serde_json::Value as J;

#[test]
fn the_real_window_shows_and_does_what_it_says() {
    for tool in ["Xvfb", "xdotool", "xwd"] {
        need(tool);
    }
    let display = Display::start();

    // A new user's first start offers the guided tour on the Search tab,
    // its first step outlining the search box; Skip tour closes it.
    let mut app = App::launch_first(&display);
    app.wait_for("the guided tour", |r| {
        r["widgets"].get("button:Skip tour").is_some() && r["widgets"].get("field:search").is_some()
    });
    app.settle();
    app.shot("guided_tour");
    app.click_widget("button:Skip tour");
    app.wait_for("the tour closed", |r| {
        r["widgets"].get("button:Skip tour").is_none()
    });
    // F1: the help page of the tab in front (Search), bundled; Escape closes it.
    app.keys(&["key", "F1"]);
    app.wait_for("the help page", |r| {
        r["widgets"].get("window:help:Search").is_some()
    });
    app.settle();
    app.shot("help_search");
    app.keys(&["key", "Escape"]);
    app.wait_for("the help page closed", |r| {
        r["widgets"].get("window:help:Search").is_none()
    });
    drop(app);

    // The spectrum opens on its whole range, 1–20 keV.
    let mut app = App::launch(&display, &[&demo("demo_spectrum1d.nxs")]);
    let r = app.wait_for("the line plot", |r| r["view"] == "line");
    let (x0, x1) = range(&r, "x_range");
    assert!(x0 <= 1.0 && x1 >= 20.0, "x range {x0}…{x1} covers 1–20 keV");
    app.shot("viewer_line");

    // Export CSV with no portal: the built-in dialog, Return saves.
    app.click_widget("button:Export CSV…");
    std::thread::sleep(Duration::from_millis(1500));
    app.shot("export_builtin_dialog");
    // The name field has the focus with the name selected: Return saves.
    app.keys(&["key", "--delay", "200", "Return"]);
    let csv = app.home.path().join("downloads/counts.csv");
    let t0 = Instant::now();
    while !csv.exists() && t0.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let text = std::fs::read_to_string(&csv).expect("Export CSV wrote downloads/counts.csv");
    assert_eq!(text.lines().count(), 2049, "header and 2048 rows");

    // A second launch (a double-click in the file manager) hands its file to
    // this window and ends; the window shows the file.
    let out = app.launch_again(&[&demo("demo_stack3d.nxs")]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "second launch: {said}");
    assert!(
        said.contains("opened 1 in the window already open"),
        "{said}"
    );
    app.wait_for("the handed-over stack", |r| r["view"] == "image");
    drop(app);

    // A zoomed and panned image is drawn where its axes say.
    let file = demo("demo_image2d.nxs");
    let r = common::image::h5py_datasets(&file, &["/entry/image/intensity"]);
    let z: Vec<Vec<f64>> = serde_json::from_value(r[0].clone()).expect("z");
    let (lo, hi) = common::image::percentiles(&z);
    let mut app = App::launch(&display, &[&file]);
    app.wait_for("the image", |r| {
        r["view"] == "image" && r["image_extent"].is_array()
    });
    let r = app.settle();
    app.shot("viewer_image");
    let ppp = r["pixels_per_point"].as_f64().unwrap_or(1.0) as f32;
    let to_screen = |r: &J, x: f64, y: f64| -> (f32, f32) {
        let f: Vec<f32> = (0..4)
            .map(|i| r["frame"][i].as_f64().unwrap_or(0.0) as f32)
            .collect();
        let (x0, x1) = range(r, "x_range");
        let (y0, y1) = range(r, "y_range");
        (
            f[0] + (f[2] - f[0]) * ((x - x0) / (x1 - x0)) as f32,
            f[3] - (f[3] - f[1]) * ((y - y0) / (y1 - y0)) as f32,
        )
    };
    let (px, py) = to_screen(&r, -1.0, 1.0);
    // In from the side, as a hand moves a mouse.
    app.move_to(app.screen(px - 40.0, py, ppp));
    app.move_to(app.screen(px, py, ppp));
    for _ in 0..4 {
        app.xdotool(&["click", "4"]);
        std::thread::sleep(Duration::from_millis(120));
    }
    let zoomed = app.settle();
    let (zx0, zx1) = range(&zoomed, "x_range");
    assert!(zx1 - zx0 < 8.0, "zoomed in with the wheel: x {zx0}…{zx1}");
    // Drag an eighth of the plot to the left.
    let f: Vec<f32> = (0..4)
        .map(|i| zoomed["frame"][i].as_f64().unwrap_or(0.0) as f32)
        .collect();
    let mid = (f32::midpoint(f[0], f[2]), f32::midpoint(f[1], f[3]));
    app.move_to(app.screen(mid.0, mid.1, ppp));
    app.xdotool(&["mousedown", "1"]);
    for i in 1..=10 {
        let x = mid.0 - (f[2] - f[0]) / 8.0 * i as f32 / 10.0;
        app.move_to(app.screen(x, mid.1, ppp));
    }
    app.xdotool(&["mouseup", "1"]);
    // The pointer leaves the plot, so nothing is drawn over the picture.
    app.move_to((1, 1));
    let panned = app.settle();
    let (px0, _) = range(&panned, "x_range");
    assert!(px0 > zx0, "panned: x from {zx0} to {px0}");

    app.shot("viewer_image_zoomed");
    let (w, _h, shot) = app.screenshot();
    let extent: Vec<f64> = (0..4)
        .map(|i| panned["image_extent"][i].as_f64().unwrap_or(f64::NAN))
        .collect();
    let (rows, cols) = (z.len(), z[0].len());
    let (mut matched, mut tried) = (0, 0);
    for i in 1..5 {
        for j in 1..5 {
            let (x0, x1) = range(&panned, "x_range");
            let (y0, y1) = range(&panned, "y_range");
            let x = x0 + (x1 - x0) * f64::from(i) / 5.0;
            let y = y0 + (y1 - y0) * f64::from(j) / 5.0;
            // The pixel under (x, y) by the image's extent (row 0 at the first y).
            let fx = (x - extent[0].min(extent[1])) / (extent[1] - extent[0]).abs();
            let fy = (y - extent[2].min(extent[3])) / (extent[3] - extent[2]).abs();
            if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) {
                continue;
            }
            let col = ((fx * cols as f64) as usize).min(cols - 1);
            let row = ((fy * rows as f64) as usize).min(rows - 1);
            let (sx, sy) = to_screen(&panned, x, y);
            let (sx, sy) = app.screen(sx, sy, ppp);
            let p = (sy as usize * w + sx as usize) * 3;
            let got = [shot[p], shot[p + 1], shot[p + 2]];
            let near = common::image::shows_value_colour(got, &z, (row, col), (lo, hi));
            tried += 1;
            if near {
                matched += 1;
            }
        }
    }
    assert!(tried >= 12, "{tried} points on the image");
    assert!(
        matched * 5 >= tried * 4,
        "only {matched} of {tried} points show their value's colour"
    );
    drop(app);

    // Typing "ESRF" into Publisher Name keeps every key and the focus.
    let mut app = App::launch(&display, &[]);
    app.click_widget("tab:Metadata");
    app.click_widget("button:New draft");
    app.click_widget("field:/publisher/name");
    app.keys(&["type", "--delay", "150", "ESRF"]);
    let r = app.settle();
    app.shot("metadata_typing");
    assert_eq!(r["focused"], "Name", "focus stays in Publisher Name");
    let store =
        panorama::store::Store::open(&app.home.path().join("data/panorama.sqlite")).expect("store");
    let drafts = panorama::metadata::drafts::list(&store).expect("drafts");
    let name = drafts.iter().find_map(|d| {
        d.draft
            .fields
            .get("/publisher/name")
            .map(|f| f.value.clone())
    });
    assert_eq!(name, Some(J::from("ESRF")));
    drop(app);

    // Three drafts, two from HZDR and one from ESS; Bulk edit shows where
    // they differ and previews setting the publisher in all.
    let mut app = App::launch(&display, &[]);
    app.click_widget("tab:Metadata");
    for publisher in ["HZDR", "HZDR", "ESS"] {
        app.click_widget("button:New draft");
        app.click_widget("field:/publisher/name");
        app.keys(&["type", "--delay", "120", publisher]);
        app.settle();
    }
    app.click_widget("button:Bulk edit…");
    // The open draft (the newest) is ticked; tick the two others.
    let r = app.wait_for("the drafts", |r| {
        r["widgets"]
            .as_object()
            .is_some_and(|w| w.keys().filter(|k| k.starts_with("bulk draft:")).count() == 3)
    });
    let mut ticks: Vec<(i64, String)> = r["widgets"]
        .as_object()
        .map(|w| {
            w.keys()
                .filter_map(|k| Some((k.strip_prefix("bulk draft:")?.parse().ok()?, k.clone())))
                .collect()
        })
        .unwrap_or_default();
    ticks.sort();
    for (_, name) in &ticks[..2] {
        app.click_widget(name);
    }
    app.click_widget("bulk field:/publisher/name");
    app.click_widget("field:bulk value");
    app.keys(&["key", "ctrl+a", "BackSpace"]);
    app.keys(&["type", "--delay", "120", "HZDR"]);
    app.wait_for("the preview", |r| {
        r["widgets"]
            .get("label:Preview: 1 draft(s) change")
            .is_some()
    });
    app.move_to((1, 1));
    app.settle();
    app.shot("metadata_bulk_edit");
    drop(app);

    // A graph built by hand: two nodes dragged from the palette, wired
    // output to input, run.
    let mut app = App::launch(&display, &[]);
    app.click_widget("tab:Workflows");
    app.click_widget("button:New workflow");
    let (palette, ppp) = app.rect_of("palette:Evenly spaced values");
    let from = (
        f32::midpoint(palette[0], palette[2]),
        f32::midpoint(palette[1], palette[3]),
    );
    app.drag(from, (palette[2] + 140.0, 300.0), ppp);
    app.wait_for("the first node", |r| r["workflow_nodes"] == 1);
    let (sum, _) = app.rect_of("palette:Sum (along an axis, or all)");
    let from = (f32::midpoint(sum[0], sum[2]), f32::midpoint(sum[1], sum[3]));
    app.drag(from, (palette[2] + 480.0, 300.0), ppp);
    app.wait_for("the second node", |r| r["workflow_nodes"] == 2);
    let input = app.find_widget("in:");
    let node = input.split(':').nth(1).unwrap_or_default().to_owned();
    let r = app.settle();
    let output = r["widgets"]
        .as_object()
        .and_then(|w| {
            w.keys()
                .find(|k| k.starts_with("out:") && !k.starts_with(&format!("out:{node}:")))
                .cloned()
        })
        .expect("the first node's output");
    let (out, _) = app.rect_of(&output);
    let (inp, _) = app.rect_of(&input);
    app.drag(
        (out[2] + 3.0, f32::midpoint(out[1], out[3])),
        (inp[0] - 14.0, f32::midpoint(inp[1], inp[3])),
        ppp,
    );
    app.wait_for("the wire", |r| r["workflow_wires"] == 1);
    app.click_widget("button:Run");
    app.wait_for("the run", |r| {
        r["widgets"].get("label:computed 2").is_some()
    });
    app.move_to((1, 1));
    app.settle();
    app.shot("workflow_editor");
    drop(app);

    // One workflow run over two stacks, one of them downloaded from a
    // catalogue dataset (its origin recorded as a download records it).
    let home = tempfile::tempdir().expect("home");
    let scans = common::two_scans(home.path());
    let mut app = App::launch_in(&display, home, &[]);
    app.open_example("sum_frames");
    app.click_widget("button:Run over files…");
    app.click_widget("field:File or pattern");
    let pattern = scans.path().join("scan_*.nxs").display().to_string();
    app.keys(&["type", "--delay", "30", &pattern]);
    app.click_widget("button:Add");
    app.click_widget("button:Run over files");
    app.wait_for("both runs", |r| {
        ["scan_001.nxs", "scan_002.nxs"]
            .iter()
            .all(|f| r["widgets"].get(format!("map done:{f}")).is_some())
    });
    app.move_to((1, 1));
    app.settle();
    app.shot("workflow_map");
    let runs = std::fs::read_dir(app.home.path().join("data/runs"))
        .ok()
        .and_then(|mut d| d.next())
        .and_then(Result::ok)
        .map(|e| e.path())
        .expect("a folder of the runs");
    assert!(
        runs.join("002-scan_002/ro-crate-metadata.json").exists(),
        "each run has its crate in {}",
        runs.display()
    );
    drop(app);

    // The demo data opened from the welcome page: the main window.
    let mut app = App::launch(&display, &[]);
    app.click_widget("button:Open demo data");
    app.wait_for("the demo image", |r| {
        r["view"] == "image" && r["image_extent"].is_array()
    });
    app.move_to((1, 1));
    app.settle();
    app.shot("main_window");
    // The command palette, filtered by typing.
    app.keys(&["key", "ctrl+k"]);
    app.keys(&["type", "--delay", "120", "open"]);
    app.settle();
    app.shot("command_palette");
    app.keys(&["key", "Escape"]);
    drop(app);

    // Offline, a search of the bundled catalogue, and a dataset page.
    let mut app = App::launch(&display, &[]);
    app.click_widget("tab:Search");
    app.click_widget("field:search");
    app.keys(&["type", "--delay", "120", "Aurora"]);
    app.keys(&["key", "Return"]);
    let title = "card:Ring pattern of a calibrant powder, Aurora beamtime";
    app.click_widget(title);
    app.move_to((1, 1));
    app.settle();
    app.shot("search_dataset_page");
    drop(app);

    // The example workflow run in the window: every node computed.
    let mut app = App::launch(&display, &[]);
    app.open_example("normalise_and_sum");
    app.click_widget("button:Run");
    app.wait_for("the run", |r| {
        r["widgets"].get("label:computed 7").is_some()
    });
    app.move_to((1, 1));
    app.settle();
    app.shot("workflow_run");

    // kill -9 while editing: the workflow comes back at the next start.
    app.click_widget("palette:Number");
    app.wait_for("a node added", |r| r["workflow_nodes"] == 8);
    let _ = app.child.kill();
    let _ = app.child.wait();
    let home = std::mem::replace(&mut app.home, tempfile::tempdir().expect("tmp"));
    drop(app);
    let mut app = App::launch_in(&display, home, &[]);
    app.click_widget("tab:Workflows");
    let r = app.wait_for("the workflow restored", |r| r["workflow_nodes"].is_number());
    assert_eq!(
        r["workflow_nodes"], 8,
        "the node added before the kill is there"
    );
    drop(app);

    // Reflectivity on a log scale: the y range is in decades of R ≤ 1.
    let mut app = App::launch(&display, &[&demo("demo_reflectivity_orso.nxs")]);
    app.wait_for("the line plot", |r| r["view"] == "line");
    let (_, lin_hi) = range(&app.settle(), "y_range");
    app.click_widget("checkbox:Log scale");
    app.move_to((1, 1));
    let r = app.settle();
    let (lo, hi) = range(&r, "y_range");
    assert!(
        hi < 1.0 && lo < -3.0,
        "log10 y from {lo} to {hi} (linear top {lin_hi})"
    );
    app.shot("viewer_line_log");
    // Search as you type in the Files panel, then a string table.
    app.click_widget("tab:Files");
    app.click_widget("field:files filter");
    app.keys(&["type", "--delay", "120", "qz err"]);
    app.click_widget("object:/entry/reflectivity/Qz_errors");
    let r = app.wait_for("the found object selected", |r| {
        r["selected"] == "/entry/reflectivity/Qz_errors"
    });
    assert_eq!(r["selected"], "/entry/reflectivity/Qz_errors");
    app.move_to((1, 1));
    app.settle();
    app.shot("files_search");
    app.click_widget("field:files filter");
    app.keys(&["key", "ctrl+a", "BackSpace"]);
    app.keys(&["type", "--delay", "120", "columns"]);
    // Clicked once the tree shows only what the filter finds (a click on
    // the rows of a frame before lands on another row).
    app.wait_for("the filtered tree", |r| {
        let w = &r["widgets"];
        w.get("object:/entry/orso_header/columns").is_some()
            && w.get("object:/entry/reflectivity/Qz_errors").is_none()
    });
    app.settle();
    app.click_widget("object:/entry/orso_header/columns");
    app.wait_for("the string table", |r| {
        r["selected"] == "/entry/orso_header/columns"
    });
    app.move_to((1, 1));
    app.settle();
    app.shot("viewer_tree_table");
    drop(app);

    // A DataCite draft filled from the open file.
    let mut app = App::launch(&display, &[&demo("demo_spectrum1d.nxs")]);
    app.wait_for("the line plot", |r| r["view"] == "line");
    app.click_widget("tab:Metadata");
    app.click_widget("checkbox:fill from file");
    app.click_widget("button:New draft");
    app.wait_for("the title field", |r| {
        r["widgets"].get("field:/titles/0/title").is_some()
    });
    app.move_to((1, 1));
    app.settle();
    app.shot("metadata_editor");
    let store =
        panorama::store::Store::open(&app.home.path().join("data/panorama.sqlite")).expect("store");
    let drafts = panorama::metadata::drafts::list(&store).expect("drafts");
    let title = drafts.iter().find_map(|d| {
        d.draft
            .fields
            .get("/titles/0/title")
            .map(|f| f.value.clone())
    });
    assert_eq!(
        title,
        Some(J::from("XRF spectrum (demo)")),
        "filled from the file"
    );
    drop(app);

    // The detector pipeline example run in the window: thumbnails, tables, fits.
    let mut app = App::launch(&display, &[]);
    app.open_example("image_to_iq_fit");
    app.click_widget("button:Run");
    app.wait_for("the run", |r| {
        r["widgets"].get("label:computed 7").is_some()
    });
    app.move_to((1, 1));
    app.settle();
    app.shot("workflow_detector_pipeline");
    drop(app);

    // A file that is not HDF5: a notification in plain words, its details
    // one click away.
    let broken = tempfile::tempdir().expect("tmp");
    let bad = broken.path().join("broken.nxs");
    std::fs::write(&bad, "this is not HDF5").expect("write");
    let mut app = App::launch(&display, &[&bad]);
    app.click_widget("button:Details");
    let r = app.wait_for("the details", |r| r["widgets"].get("button:Hide").is_some());
    assert!(r["widgets"].get("button:Hide").is_some());
    app.move_to((1, 1));
    app.settle();
    app.shot("error_notification");
    drop(app);

    // A line with error bars, a fit and its background.
    let peaks = tempfile::tempdir().expect("tmp");
    let file = peaks.path().join("peaks.nxs");
    common::peaks::write(&file);
    let mut app = App::launch(&display, &[&file]);
    app.wait_for("the line plot", |r| r["view"] == "line");
    app.move_to((1, 1));
    let r = app.settle();
    let (x0, x1) = range(&r, "x_range");
    assert!(x0 <= 0.0 && x1 >= 9.75, "x {x0}…{x1} covers the 40 points");
    app.shot("viewer_line_error_bars");
    drop(app);

    // An ORSO reflectivity file (orsopy's example): R against Qz on a log
    // scale, with its error bars.
    let orso = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/orso/prist5_10K_m_025.Rqz.ort");
    let mut app = App::launch(&display, &[&orso]);
    app.wait_for("the reflectivity", |r| r["view"] == "line");
    app.move_to((1, 1));
    let r = app.settle();
    let (y0, y1) = range(&r, "y_range");
    assert!(y1 - y0 > 2.0, "log10 R over decades: {y0}…{y1}");
    app.shot("viewer_orso");
    drop(app);

    // A stack shown as time against x: time picked for the rows, the y
    // slider moved through the spot.
    let mut app = App::launch(&display, &[&demo("demo_stack3d.nxs")]);
    app.wait_for("the stack", |r| r["widgets"].get("combo:Rows").is_some());
    let before = range(&app.settle(), "y_range");
    app.click_widget("combo:Rows");
    let r = app.wait_for("the axes", |r| {
        r["widgets"]
            .as_object()
            .is_some_and(|w| w.keys().any(|k| k.starts_with("axis:Rows:time")))
    });
    let time = r["widgets"]
        .as_object()
        .and_then(|w| w.keys().find(|k| k.starts_with("axis:Rows:time")).cloned())
        .expect("time");
    app.click_widget(&time);
    let r = app.wait_for("a y slider", |r| {
        r["widgets"]
            .as_object()
            .is_some_and(|w| w.keys().any(|k| k.starts_with("slider:y")))
    });
    let after = range(&app.settle(), "y_range");
    assert_ne!(before, after, "the rows are time now");
    // Half-way along the slider's rail: through the middle of y.
    let slider = r["widgets"]
        .as_object()
        .and_then(|w| {
            w.iter()
                .find(|(k, _)| k.starts_with("slider:y"))
                .map(|(_, v)| v.clone())
        })
        .expect("slider");
    let s = |i: usize| slider[i].as_f64().unwrap_or_default() as f32;
    let ppp = r["pixels_per_point"].as_f64().unwrap_or(1.0) as f32;
    app.move_to(app.screen(s(0) + 50.0, f32::midpoint(s(1), s(3)), ppp));
    // Pressed for a few frames, as a hand does.
    app.xdotool(&["mousedown", "1"]);
    std::thread::sleep(Duration::from_millis(300));
    app.move_to(app.screen(s(0) + 51.0, f32::midpoint(s(1), s(3)), ppp));
    app.xdotool(&["mouseup", "1"]);
    app.move_to((1, 1));
    app.settle();
    app.shot("viewer_stack_axes");
    drop(app);

    // A region of interest dragged over the spot of the demo stack in the
    // real window: measured, and summed through every frame.
    let mut app = App::launch(&display, &[&demo("demo_stack3d.nxs")]);
    app.wait_for("the stack", |r| r["widgets"].get("roi:Rectangle").is_some());
    app.click_widget("roi:Rectangle");
    let r = app.settle();
    let img = &r["image_screen"];
    let c = |i: usize| img[i].as_f64().unwrap_or_default() as f32;
    let ppp = r["pixels_per_point"].as_f64().unwrap_or(1.0) as f32;
    let at = |fx: f32, fy: f32| (c(0) + (c(2) - c(0)) * fx, c(3) - (c(3) - c(1)) * fy);
    app.drag(at(0.62, 0.38), at(0.86, 0.62), ppp);
    let r = app.wait_for("the region through the frames", |r| {
        r["rois"][0]["per_frame"].is_array()
    });
    let count = r["rois"][0]["stats"][0].as_f64().unwrap_or_default();
    assert!(count > 100.0, "the region holds pixels: {}", r["rois"]);
    assert_eq!(r["rois"][0]["per_frame"].as_array().map(Vec::len), Some(24));
    app.move_to((1, 1));
    app.settle();
    app.shot("viewer_roi");
    drop(app);

    // A dataset found with the Files filter and dragged onto the line plot
    // in the real window is drawn over it.
    let mut app = App::launch(&display, &[&file]);
    app.wait_for("the line plot", |r| r["view"] == "line");
    app.click_widget("field:files filter");
    app.keys(&["type", "counts_err"]);
    // Typed to the end: only the one dataset listed (while "counts" alone
    // is typed, two are, and the row moves when the other goes).
    app.wait_for("the filter typed", |r| {
        let w = &r["widgets"];
        w.get("object:/entry/data/counts_errors").is_some()
            && w.get("object:/entry/data/counts").is_none()
    });
    app.settle();
    let (row, ppp) = app.rect_of("object:/entry/data/counts_errors");
    let r = app.settle();
    let frame = &r["frame"];
    let f = |i: usize| frame[i].as_f64().unwrap_or_default() as f32;
    app.drag(
        (f32::midpoint(row[0], row[2]), f32::midpoint(row[1], row[3])),
        (f32::midpoint(f(0), f(2)), f32::midpoint(f(1), f(3))),
        ppp,
    );
    let r = app.wait_for("the line drawn over the plot", |r| {
        r["lines"].as_array().is_some_and(|l| {
            l.iter()
                .any(|l| l["name"] == "peaks.nxs › /entry/data/counts_errors")
        })
    });
    let drawn = r["lines"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|l| l["name"] == "peaks.nxs › /entry/data/counts_errors")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(drawn["points"], 40, "{drawn}");
    drop(app);

    // A session bus that takes connections and never answers (the keyring
    // probe then waits 5 s for the Secret Service): the window still comes
    // up as fast as without one.
    let bus_dir = tempfile::tempdir().expect("tmp");
    let socket = bus_dir.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bus socket");
    std::thread::Builder::new()
        .name("silent bus".into())
        .spawn(move || {
            let mut held = Vec::new();
            for c in listener.incoming().flatten() {
                held.push(c);
            }
        })
        .expect("bus thread");
    let t0 = Instant::now();
    let app = App::launch(&display, &[]);
    let plain = t0.elapsed();
    drop(app);
    let address = format!("unix:path={}", socket.display());
    let t0 = Instant::now();
    let app = App::launch_with(
        &display,
        tempfile::tempdir().expect("home"),
        &[],
        &[("DBUS_SESSION_BUS_ADDRESS", &address)],
    );
    let stuck = t0.elapsed();
    drop(app);
    assert!(
        stuck < plain + Duration::from_secs(3),
        "with a stuck session bus the window took {stuck:?} (without: {plain:?})"
    );
}
