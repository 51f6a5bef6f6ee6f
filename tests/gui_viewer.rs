//! The viewer driven by clicks on the bundled demo files: default plots,
//! tree navigation, view switching. Snapshots in `tests/snapshots/`.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "screen positions and sizes rounded to whole pixels"
)]

mod common;

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use panorama::paths::AppDirs;
use panorama::runtime::Runtime;
use panorama::ui::PanoramaApp;

fn demo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo")
        .join(name)
}

/// The app as `panorama FILE` starts it.
fn open(home: &Path, file: &Path) -> Harness<'static, PanoramaApp> {
    open_with(home, file, true)
}

fn open_with(home: &Path, file: &Path, gpu: bool) -> Harness<'static, PanoramaApp> {
    let dirs = AppDirs::under(home);
    let file = file.display().to_string();
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_eframe(move |cc| {
            let app = PanoramaApp::new(
                cc.egui_ctx.clone(),
                Runtime::new().expect("runtime"),
                dirs,
                Some(file),
            );
            // As the real window does: images coloured by the WGSL shader.
            if gpu {
                app.with_gpu(cc.wgpu_render_state.as_ref())
            } else {
                app
            }
        });
    settle(&mut h);
    h
}

/// The window drawn now, and where an image of `(rows, columns)` pixels
/// is: the colour at pixel (row, column), row 0 at the bottom (an
/// increasing pixel axis).
fn pixel_colours(
    h: &mut Harness<'_, PanoramaApp>,
    (rows, cols): (f32, f32),
) -> impl Fn(f32, f32) -> [u8; 3] + use<> {
    let report = panorama::ui::report::get(&h.ctx);
    let [l, t, r, b] = report.image_screen.expect("the image's place");
    let ppp = report.pixels_per_point;
    let img = h.render().expect("render");
    move |row, col| {
        let x = l + (r - l) * (col + 0.5) / cols;
        let y = b - (b - t) * (row + 0.5) / rows;
        let px = img.get_pixel((x * ppp) as u32, (y * ppp) as u32);
        [px[0], px[1], px[2]]
    }
}

/// Show `path` of the first open file in the viewer, and wait until it is drawn.
fn select(h: &mut Harness<'_, PanoramaApp>, path: &str) {
    let doc = h.state().state().documents.open[0].id;
    h.state_mut()
        .run(panorama::command::DocumentsCommand::Select {
            doc,
            path: path.into(),
        });
    settle(h);
    h.run_steps(4);
}

/// Step until no background work is left and the status bar is idle.
fn settle(h: &mut Harness<'_, PanoramaApp>) {
    for _ in 0..3000 {
        h.step();
        let app = h.state();
        if !app.state().busy() && app.state().tasks().snapshot().is_empty() {
            h.run_steps(3);
            let app = h.state();
            if !app.state().busy() && app.state().tasks().snapshot().is_empty() {
                return;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("background work never settled");
}

#[test]
fn a_spectrum_opens_on_its_line_plot_with_axis_labels() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = open(home.path(), &demo("demo_spectrum1d.nxs"));
    let t = h
        .state()
        .state()
        .documents
        .selected
        .clone()
        .expect("selected");
    assert_eq!(t.path, "/entry/spectrum/counts");
    h.get_by_label("energy (keV)");
    h.get_by_label("/entry/spectrum/counts");
    // The alternatives to the line view are offered.
    h.get_by_label("Table");
    h.snapshot("viewer_line_spectrum");
    h.get_by_label("Table").click();
    settle(&mut h);
    h.get_by_label("2048 rows × 1 columns");
    h.snapshot("viewer_table_spectrum");
}

#[test]
fn an_image_opens_with_colormap_controls() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = open(home.path(), &demo("demo_image2d.nxs"));
    h.get_by_label("Lock aspect").click();
    h.run_steps(3);
    h.snapshot("viewer_image");
}

#[test]
fn images_colour_the_same_on_the_cpu() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = open_with(home.path(), &demo("demo_image2d.nxs"), false);
    assert!(!h.state().panels_gpu_images());
    h.snapshot("viewer_image_cpu");
}

#[test]
fn a_stack_scrubs_frames() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = open(home.path(), &demo("demo_stack3d.nxs"));
    h.get_by_label("Stack");
    h.snapshot("viewer_stack");
}

#[test]
fn a_stack_shows_any_two_axes_with_a_slider_for_the_other() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = open(home.path(), &demo("demo_stack3d.nxs"));
    // Rows: the time axis instead of y; y gets the slider.
    let rows = h
        .get_all_by_role(egui::accesskit::Role::ComboBox)
        .nth(2)
        .expect("the rows chooser");
    rows.click();
    h.run_steps(3);
    h.get_all_by_label_contains("time")
        .last()
        .expect("the time axis in the list")
        .click();
    h.run_steps(3);
    settle(&mut h);
    // One slider now, for y; time runs down the image.
    let sliders = sliders(&h);
    assert_eq!(sliders.len(), 1, "{sliders:?}");
    assert!(sliders[0].starts_with('y'), "{sliders:?}");
    // Through the moving spot: y index 62, typed into the slider's field.
    set_slider(&mut h, 0, "62");
    h.get_by_value("62");
    h.snapshot("viewer_stack_axes");
}

#[test]
fn the_tree_opens_groups_and_shows_attributes() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = open(home.path(), &demo("demo_reflectivity_orso.nxs"));
    h.get_by_label("Files").click();
    settle(&mut h);
    let icon = panorama::ui::panels::files::nx_icon;
    h.get_by_label(&format!("{} entry", icon(Some("NXentry"))))
        .click();
    settle(&mut h);
    h.get_by_label(&format!("{} orso_header", icon(Some("NXcollection"))))
        .click();
    settle(&mut h);
    let t = h
        .state()
        .state()
        .documents
        .selected
        .clone()
        .expect("selected");
    assert_eq!(t.path, "/entry/orso_header");
    h.get_by_label("▦ columns").click();
    settle(&mut h);
    assert_eq!(
        h.state()
            .state()
            .documents
            .selected
            .as_ref()
            .map(|t| t.path.as_str()),
        Some("/entry/orso_header/columns")
    );
    // A string array is shown as a table.
    h.get_by_label("4 rows × 1 columns");
    h.snapshot("viewer_string_table");
}

#[test]
fn search_as_you_type_finds_objects_anywhere_in_the_file() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = open(home.path(), &demo("demo_reflectivity_orso.nxs"));
    h.get_by_label("Files").click();
    settle(&mut h);
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(2);
    h.event(egui::Event::Text("qz err".into()));
    h.run_steps(2);
    settle(&mut h);
    // Found in a group that was never expanded, by every word of the query.
    h.get_by_label("▦ /entry/reflectivity/Qz_errors").click();
    settle(&mut h);
    assert_eq!(
        h.state()
            .state()
            .documents
            .selected
            .as_ref()
            .map(|t| t.path.as_str()),
        Some("/entry/reflectivity/Qz_errors")
    );
    assert!(
        h.query_by_label("▦ /entry/reflectivity/R").is_none(),
        "R does not match"
    );
    h.snapshot("files_search");
}

#[test]
fn the_line_view_switches_to_log_scale() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = open(home.path(), &demo("demo_reflectivity_orso.nxs"));
    h.get_by_label("Log scale").click();
    settle(&mut h);
    h.snapshot("viewer_line_log_reflectivity");
}

/// The workshop trainee's task in the window: find a dataset by its project,
/// see authors with ORCIDs, the PID, files and size, open the image.
#[test]
fn a_trainee_goes_from_search_to_a_plotted_image() {
    let home = tempfile::tempdir().expect("tmp");
    let dirs = AppDirs::under(home.path());
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_eframe(move |cc| {
            PanoramaApp::new(
                cc.egui_ctx.clone(),
                Runtime::new().expect("runtime"),
                dirs,
                None,
            )
            .with_gpu(cc.wgpu_render_state.as_ref())
        });
    h.run();
    // Offline, as in a workshop: only the bundled catalogue.
    common::gui::bundled_catalogue_only(&mut h);
    h.get_by_label("Search").click();
    h.run();
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(2);
    h.event(egui::Event::Text("Aurora".into()));
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    h.get_by_label_contains("[Demo catalogue] ok");
    // A facet narrows the results at once.
    h.get_by_label_contains("HZDR (").click();
    settle(&mut h);
    h.get_by_label("Ring pattern of a calibrant powder, Aurora beamtime")
        .click();
    settle(&mut h);
    h.get_by_label("PID");
    h.get_by_label("10.5555/panorama-demo.0001");
    assert!(h.get_all_by_label_contains("ORCID ").count() >= 1);
    h.get_by_label("0.031311 mm");
    h.get_by_label_contains("Files (1,");
    h.snapshot("search_dataset_page");
    h.get_by_label("Open").click();
    settle(&mut h);
    assert_eq!(
        h.state()
            .state()
            .documents
            .selected
            .as_ref()
            .map(|t| t.path.as_str()),
        Some("/entry/image/intensity")
    );
}

#[test]
fn a_line_shows_error_bars_and_its_auxiliary_signals() {
    let home = tempfile::tempdir().expect("tmp");
    let file = home.path().join("peaks.nxs");
    common::peaks::write(&file);
    let mut h = open(home.path(), &file);
    settle(&mut h);
    // The legend names the auxiliary signals next to the signal.
    h.get_by_label("fit");
    h.get_by_label("background");
    h.snapshot("viewer_line_error_bars");
}

/// The Eiger-style master (external links into bitshuffle-LZ4, gzip and
/// plain data files, written by h5py) shows what h5py reads: the value
/// under the pointer and the colour range of the first frame.
#[test]
fn an_eiger_master_shows_the_values_h5py_reads() {
    let home = tempfile::tempdir().expect("home");
    let work = tempfile::tempdir().expect("work");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/venv/bin/python");
    let made = std::process::Command::new(&python)
        .arg(root.join("tests/tools/gen_layouts.py"))
        .arg(work.path())
        .output()
        .expect("gen_layouts");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let master = work.path().join("eiger/master.h5");
    // h5py's view of frame 0 of the bitshuffle-LZ4 data file, through the link.
    let reference = std::process::Command::new(&python)
        .arg("-c")
        .arg(
            "import sys, json, h5py, hdf5plugin, numpy as np\n\
             f = h5py.File(sys.argv[1], 'r')\n\
             a = f['/entry/data/data_000001'][0]\n\
             lo, hi = np.percentile(a, [0.5, 99.5], method='nearest')\n\
             print(json.dumps({'frame': a.tolist(), 'lo': float(lo), 'hi': float(hi)}))",
        )
        .arg(&master)
        .output()
        .expect("h5py");
    assert!(
        reference.status.success(),
        "{}",
        String::from_utf8_lossy(&reference.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&reference.stdout).expect("json");
    let frame: Vec<Vec<f64>> = serde_json::from_value(r["frame"].clone()).expect("frame");

    let mut h = open(home.path(), &master);
    // The master's NXdata names data_000001 as its signal: the default plot.
    let doc = h.state().state().documents.open[0].id;
    h.state_mut()
        .state_mut()
        .apply(panorama::command::DocumentsCommand::Select {
            doc,
            path: "/entry/data/data_000001".into(),
        });
    settle(&mut h);
    let short = panorama::ui::views::image::short;
    h.get_by_label(&format!(
        "colour range {} to {}",
        short(r["lo"].as_f64().expect("lo")),
        short(r["hi"].as_f64().expect("hi"))
    ));
    // Hover over the middle of the plot: the readout names a pixel and the
    // value h5py has there.
    let hint = h.get_by_label("Hover the image to read values.").rect();
    let top = h.get_by_label("Export data…").rect();
    let at = egui::pos2(hint.left() + 200.0, f32::midpoint(top.bottom(), hint.top()));
    for _ in 0..3 {
        h.hover_at(at);
        h.run_steps(2);
    }
    // A label keeps its text as the accesskit value.
    let readout = egui_kittest::kittest::NodeT::accesskit_node(&h.get_by_label_contains("pixel ["))
        .value()
        .unwrap_or_default();
    let inner = readout
        .split_once("pixel [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map_or_else(
            || panic!("pixel [r, c] in {readout:?}"),
            |(rc, _)| rc.to_owned(),
        );
    let (row, col) = inner.split_once(", ").expect("r, c");
    let (row, col): (usize, usize) = (row.parse().expect("row"), col.parse().expect("col"));
    let value: f64 = readout
        .rsplit("value = ")
        .next()
        .and_then(|v| v.trim().parse().ok())
        .expect("value");
    assert_eq!(value, frame[row][col], "{readout}");

    // Export data… writes what h5py reads: the frame shown, as .npy.
    let out = work.path().join("frame0.npy");
    h.state_mut()
        .state_mut()
        .apply(panorama::command::DocumentsCommand::ExportData {
            doc,
            path: "/entry/data/data_000001".into(),
            selection: panorama::data::Selection::parse("0").expect("sel"),
            transpose: false,
            to: out.clone(),
        });
    settle(&mut h);
    let same = std::process::Command::new(&python)
        .arg("-c")
        .arg(
            "import sys, h5py, hdf5plugin, numpy as np\n\
             a = h5py.File(sys.argv[1], 'r')['/entry/data/data_000001'][0]\n\
             b = np.load(sys.argv[2])\n\
             sys.exit(0 if a.dtype == b.dtype and np.array_equal(a, b) else 1)",
        )
        .arg(&master)
        .arg(&out)
        .status()
        .expect("compare");
    assert!(same.success(), "the exported frame equals h5py's");
    assert!(
        h.state()
            .state()
            .notifications
            .iter()
            .any(|n| n.title == "Exported"),
        "the export is reported"
    );
}

/// Scroll the wheel over `at`, a notch per frame, as a mouse does.
fn wheel(h: &mut Harness<'_, PanoramaApp>, at: egui::Pos2, notches: i32) {
    h.hover_at(at);
    h.run_steps(2);
    for _ in 0..notches.abs() {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: egui::vec2(0.0, notches.signum() as f32),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(2);
    }
    // Smooth scrolling spends the wheel over a few more frames.
    h.run_steps(30);
}

/// Press at `from`, move over several frames to `to`, release.
fn drag(h: &mut Harness<'_, PanoramaApp>, from: egui::Pos2, to: egui::Pos2) {
    h.hover_at(from);
    h.run_steps(2);
    h.drag_at(from);
    h.run_steps(2);
    for i in 1..=10 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.run_steps(1);
    }
    h.drop_at(to);
    h.run_steps(5);
}

/// Where data point (x, y) is on screen, by the plot's reported range.
fn on_screen(r: &panorama::ui::report::ViewReport, x: f64, y: f64) -> egui::Pos2 {
    let [l, t, rr, b] = r.frame;
    let fx = (x - r.x_range[0]) / (r.x_range[1] - r.x_range[0]);
    let fy = (y - r.y_range[0]) / (r.y_range[1] - r.y_range[0]);
    egui::pos2(l + (rr - l) * fx as f32, b - (b - t) * fy as f32)
}

fn readout(h: &Harness<'_, PanoramaApp>) -> (usize, usize, f64, f64, f64) {
    let text = egui_kittest::kittest::NodeT::accesskit_node(&h.get_by_label_contains("pixel ["))
        .value()
        .unwrap_or_default();
    let field = |name: &str| -> f64 {
        text.split(name)
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {text:?}"))
    };
    let inner = text
        .split_once("pixel [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map_or_else(
            || panic!("pixel [r, c] in {text:?}"),
            |(rc, _)| rc.to_owned(),
        );
    let (row, col) = inner.split_once(", ").expect("r, c");
    (
        row.parse().expect("row"),
        col.parse().expect("col"),
        field("x = "),
        field("y = "),
        field("value = "),
    )
}

/// Zoomed in with the wheel and panned by dragging, the picture stays on
/// its axes: under the pointer the readout names the pixel whose axis
/// values h5py reads there, with h5py's value, and the colour drawn there
/// is that value's colour — on the GPU path and on the CPU path.
#[test]
fn a_zoomed_and_panned_image_stays_registered_to_its_axes() {
    let file = demo("demo_image2d.nxs");
    let r = common::image::h5py_datasets(
        &file,
        &["/entry/image/intensity", "/entry/image/x", "/entry/image/y"],
    );
    let z: Vec<Vec<f64>> = serde_json::from_value(r[0].clone()).expect("z");
    let xs: Vec<f64> = serde_json::from_value(r[1].clone()).expect("x");
    let ys: Vec<f64> = serde_json::from_value(r[2].clone()).expect("y");
    let (lo, hi) = common::image::percentiles(&z);

    for gpu in [true, false] {
        let home = tempfile::tempdir().expect("home");
        let mut h = open_with(home.path(), &file, gpu);
        let report = panorama::ui::report::get(&h.ctx);
        assert_eq!(report.view, "image");
        // Zoom about (−1, 1) mm, beside the central spot and its rings
        // (many colours), until the picture reaches far past the plot.
        let at = on_screen(&report, -1.0, 1.0);
        wheel(&mut h, at, 8);
        let zoomed = panorama::ui::report::get(&h.ctx);
        let width = zoomed.x_range[1] - zoomed.x_range[0];
        assert!(width < 8.0, "zoomed in: x {:?}", zoomed.x_range);
        // Pan by dragging a third of the plot to the left.
        let [l, t, rr, b] = zoomed.frame;
        let mid = egui::pos2(f32::midpoint(l, rr), f32::midpoint(t, b));
        drag(&mut h, mid, mid - egui::vec2((rr - l) / 8.0, 0.0));
        let panned = panorama::ui::report::get(&h.ctx);
        assert!(
            panned.x_range[0] > zoomed.x_range[0],
            "panned: {:?}",
            panned.x_range
        );

        let mut matched = 0;
        let mut tried = 0;
        for i in 1..5 {
            for j in 1..5 {
                let p = egui::pos2(l + (rr - l) * i as f32 / 5.0, t + (b - t) * j as f32 / 5.0);
                for _ in 0..3 {
                    h.hover_at(p);
                    h.run_steps(2);
                }
                let (row, col, x, y, value) = readout(&h);
                // The readout's pixel is h5py's pixel at the readout's axis values…
                let step_x = (xs[1] - xs[0]).abs();
                let step_y = (ys[1] - ys[0]).abs();
                assert!(
                    (xs[col] - x).abs() <= step_x,
                    "x {x} vs column {col} at {}",
                    xs[col]
                );
                assert!(
                    (ys[row] - y).abs() <= step_y,
                    "y {y} vs row {row} at {}",
                    ys[row]
                );
                assert_eq!(value as f32, z[row][col] as f32, "value at [{row}, {col}]");
                // …and the colour on screen there is that value's colour.
                // The pointer leaves (the harness draws a cursor with a shadow).
                h.remove_cursor();
                h.run_steps(2);
                let img = h.render().expect("render");
                let ppp = panned.pixels_per_point;
                let px = img.get_pixel((p.x * ppp) as u32, (p.y * ppp) as u32);
                let near = common::image::shows_value_colour(
                    [px[0], px[1], px[2]],
                    &z,
                    (row, col),
                    (lo, hi),
                );
                tried += 1;
                if near {
                    matched += 1;
                }
            }
        }
        assert!(
            matched * 5 >= tried * 4,
            "gpu {gpu}: only {matched} of {tried} points show their value's colour"
        );
    }
}

/// A line plot opens on its data's whole extent, keeps it through a change
/// to log scale, zooms with the wheel and returns to the whole extent on a
/// double-click.
#[test]
fn a_spectrum_opens_on_its_whole_range_and_a_reset_returns_there() {
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &demo("demo_spectrum1d.nxs"));
    let covers = |r: &panorama::ui::report::ViewReport| r.x_range[0] <= 1.0 && r.x_range[1] >= 20.0;
    let first = panorama::ui::report::get(&h.ctx);
    assert_eq!(first.view, "line");
    assert!(covers(&first), "x range at opening: {:?}", first.x_range);
    h.get_by_label("Log scale").click();
    h.run_steps(10);
    let log = panorama::ui::report::get(&h.ctx);
    assert!(covers(&log), "x range on a log scale: {:?}", log.x_range);
    let [l, t, rr, b] = log.frame;
    let mid = egui::pos2(f32::midpoint(l, rr), f32::midpoint(t, b));
    wheel(&mut h, mid, 6);
    let zoomed = panorama::ui::report::get(&h.ctx);
    assert!(!covers(&zoomed), "zoomed in: {:?}", zoomed.x_range);
    h.hover_at(mid);
    h.run_steps(2);
    h.get_by_label("Log scale").click();
    h.run_steps(2);
    h.event(egui::Event::PointerButton {
        pos: mid,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    for pressed in [false, true, false] {
        h.run_steps(1);
        h.event(egui::Event::PointerButton {
            pos: mid,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    h.run_steps(10);
    let reset = panorama::ui::report::get(&h.ctx);
    assert!(covers(&reset), "after a double-click: {:?}", reset.x_range);
}

/// Without a desktop portal (as under Xvfb here, and on many remote
/// desktops), Export CSV… opens the built-in save dialog; Save writes the
/// file where it says, Cancel writes nothing and reports nothing.
#[test]
fn export_csv_without_a_desktop_portal_saves_through_the_built_in_dialog() {
    let home = tempfile::tempdir().expect("home");
    let downloads = home.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    let mut h = open(home.path(), &demo("demo_spectrum1d.nxs"));
    assert_eq!(
        h.state().dialog_kind(),
        Some(panorama::ui::file_dialog::Kind::Builtin)
    );

    // Cancelled: no file, no "Exported", and nothing said to be done.
    h.get_by_label("Export CSV…").click();
    h.run_steps(5);
    h.get_by_label("🚫 Cancel").click();
    settle(&mut h);
    assert!(std::fs::read_dir(&downloads).expect("dir").next().is_none());
    assert!(
        h.state().state().notifications.is_empty(),
        "nothing to report"
    );

    h.get_by_label("Export CSV…").click();
    h.run_steps(5);
    h.get_by_label("📥  Save").click();
    settle(&mut h);
    let csv = downloads.join("counts.csv");
    let text = std::fs::read_to_string(&csv).expect("the CSV was written");
    assert!(
        text.lines().next().unwrap_or_default().contains("energy"),
        "{}",
        &text[..80.min(text.len())]
    );
    assert_eq!(text.lines().count(), 2049, "header and 2048 rows");
}

/// A file with two entries: the second entry's NXdata plots with its own
/// axis, whether its group or its signal is chosen, not against the index
/// and not as the first entry's plot.
#[test]
fn any_nxdata_plots_with_its_own_axes() {
    let home = tempfile::tempdir().expect("home");
    let work = tempfile::tempdir().expect("work");
    let file = work.path().join("two_entries.nxs");
    let made = std::process::Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin/python"),
    )
    .arg("-c")
    .arg(
        "import sys, h5py, numpy as np\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f.attrs['default'] = 'entry01'\n\
         \x20   for name, x0, x1 in [('entry01', 0.0, 1.0), ('entry23', 40.0, 90.0)]:\n\
         \x20       e = f.create_group(name); e.attrs['NX_class'] = 'NXentry'; e.attrs['default'] = 'data'\n\
         \x20       d = e.create_group('data'); d.attrs['NX_class'] = 'NXdata'\n\
         \x20       d.attrs['signal'] = 'intensity'; d.attrs['axes'] = ['q']\n\
         \x20       d['intensity'] = np.linspace(1, 2, 100); d['q'] = np.linspace(x0, x1, 100)\n\
         \x20       d['q'].attrs['units'] = '1/nm'",
    )
    .arg(&file)
    .output()
    .expect("h5py");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let mut h = open(home.path(), &file);
    let doc = h.state().state().documents.open[0].id;
    let x_covers = |h: &Harness<'_, PanoramaApp>, lo: f64, hi: f64| {
        let r = panorama::ui::report::get(&h.ctx);
        r.view == "line" && r.x_range[0] <= lo && r.x_range[1] >= hi && r.x_range[1] < hi + 20.0
    };
    // The signal of the second entry, chosen in the tree: against q, 40–90.
    h.state_mut()
        .run(panorama::command::DocumentsCommand::Select {
            doc,
            path: "/entry23/data/intensity".into(),
        });
    settle(&mut h);
    h.run_steps(5);
    assert!(
        x_covers(&h, 40.0, 90.0),
        "x range {:?}",
        panorama::ui::report::get(&h.ctx).x_range
    );
    // The second entry's group: "Show the plot" plots its own signal.
    h.state_mut()
        .run(panorama::command::DocumentsCommand::Select {
            doc,
            path: "/entry23".into(),
        });
    settle(&mut h);
    h.get_by_label("Show the plot").click();
    settle(&mut h);
    h.run_steps(5);
    let selected = h
        .state()
        .state()
        .documents
        .selected
        .clone()
        .expect("selected");
    assert_eq!(selected.path, "/entry23/data/intensity");
    assert!(x_covers(&h, 40.0, 90.0));
}

/// In a small window (900 × 600) every viewer control is on screen, and
/// floating windows open below the menu bar, within the window.
#[test]
fn a_small_window_keeps_controls_and_windows_in_view() {
    let home = tempfile::tempdir().expect("home");
    let dirs = AppDirs::under(home.path());
    let file = demo("demo_image2d.nxs").display().to_string();
    let mut h = Harness::builder()
        .with_size([900.0, 600.0])
        .wgpu()
        .build_eframe(move |cc| {
            PanoramaApp::new(
                cc.egui_ctx.clone(),
                Runtime::new().expect("runtime"),
                dirs,
                Some(file),
            )
        });
    settle(&mut h);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(900.0, 600.0));
    for label in ["Lock aspect", "Export data…", "Export PNG…"] {
        let r = h.get_by_label(label).rect();
        assert!(
            screen.contains_rect(r),
            "{label} at {r:?} is off a 900 × 600 window"
        );
    }
    let menu = h.get_by_label("File").rect();
    h.get_by_label("Search").click();
    h.run_steps(3);
    h.state_mut()
        .run(panorama::command::SearchCommand::Run(String::new()));
    settle(&mut h);
    h.get_by_label("Sources…").click();
    h.run_steps(4);
    let title = h.get_by_label("Catalogue sources").rect();
    assert!(
        title.top() > menu.bottom(),
        "the Sources window ({title:?}) opens below the menu bar"
    );
    assert!(screen.contains_rect(title), "and within the window");
}

/// Every view of the registry shows a demo dataset it supports, picked by
/// its button as a person picks it; a view added to the registry without a
/// dataset here fails the test.
#[test]
fn every_view_in_the_registry_shows_a_demo_dataset() {
    let photo_dir = tempfile::tempdir().expect("tmp");
    let photo = true_colour_file(photo_dir.path());
    let cases = [
        ("RGB", photo, "/photo"),
        (
            "Scatter",
            scatter_file(photo_dir.path()),
            "/entry/points/signal",
        ),
        ("Value", demo("demo_spectrum1d.nxs"), "/entry/title"),
        ("Image", demo("demo_image2d.nxs"), "/entry/image/intensity"),
        ("Stack", demo("demo_stack3d.nxs"), "/entry/stack/data"),
        ("Line", demo("demo_image2d.nxs"), "/entry/image/intensity"),
        (
            "Table",
            demo("demo_reflectivity_orso.nxs"),
            "/entry/orso_header/columns",
        ),
    ];
    let titles: Vec<&str> = panorama::ui::views::registry()
        .iter()
        .map(|v| v.title())
        .collect();
    for title in &titles {
        assert!(
            cases.iter().any(|(t, _, _)| t == title),
            "the view “{title}” has no dataset in this test"
        );
    }
    let mut results = egui_kittest::SnapshotResults::new();
    for (title, file, path) in cases {
        let home = tempfile::tempdir().expect("tmp");
        let mut h = open(home.path(), &file);
        let doc = h.state().state().documents.open[0].id;
        h.state_mut()
            .run(panorama::command::DocumentsCommand::Select {
                doc,
                path: path.into(),
            });
        settle(&mut h);
        // Offered beside others: picked by its button.
        if let Some(button) = h.query_by_label(title) {
            button.click();
            settle(&mut h);
        }
        h.run_steps(4);
        let report = panorama::ui::report::get(&h.ctx);
        match title {
            "Line" => assert_eq!(report.view, "line", "{title}"),
            "Image" | "Stack" => assert_eq!(report.view, "image", "{title}"),
            "RGB" => assert_eq!(report.view, "rgb", "{title}"),
            _ => {}
        }
        h.snapshot(format!("view_{}", title.to_lowercase()));
        results.extend_harness(&mut h);
    }
}

/// A 48 × 64 true-colour picture as h5py writes it with the HDF5 image
/// convention (`CLASS`, `IMAGE_SUBCLASS`, `INTERLACE_MODE`): red along x,
/// green along y, blue along both.
fn true_colour_file(dir: &Path) -> PathBuf {
    let file = dir.join("photo.h5");
    common::image::h5py_write(
        "y, x = np.mgrid[0:48, 0:64]\n\
         rgb = np.stack([x * 4, y * 5, (x + y) * 2], axis=-1).astype('uint8')\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   d = f.create_dataset('photo', data=rgb)\n\
         \x20   d.attrs['CLASS'] = np.bytes_('IMAGE')\n\
         \x20   d.attrs['IMAGE_SUBCLASS'] = np.bytes_('IMAGE_TRUECOLOR')\n\
         \x20   d.attrs['INTERLACE_MODE'] = np.bytes_('INTERLACE_PIXEL')\n",
        &file,
    );
    file
}

/// A true-colour image opens in the RGB view (not as a stack of three
/// planes): the colour drawn at each place is the colour h5py reads for the
/// pixel there, row 0 at the top, and the readout names that pixel's R, G
/// and B.
#[test]
fn a_true_colour_image_shows_the_colours_h5py_reads() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = true_colour_file(dir.path());
    let rgb: Vec<Vec<Vec<u8>>> =
        serde_json::from_value(common::image::h5py_datasets(&file, &["/photo"])[0].clone())
            .expect("rgb");
    let (rows, cols) = (rgb.len(), rgb[0].len());
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    select(&mut h, "/photo");
    let report = panorama::ui::report::get(&h.ctx);
    assert_eq!(report.view, "rgb");
    let [l, t, r, b] = report.image_screen.expect("the image's place");
    let ppp = report.pixels_per_point;
    let mut checked = 0;
    for i in 0..6 {
        for j in 0..6 {
            // The middle of a pixel, so no border between two is sampled.
            let (row, col) = (3 + j * 8, 5 + i * 10);
            let p = egui::pos2(
                l + (r - l) * (col as f32 + 0.5) / cols as f32,
                t + (b - t) * (row as f32 + 0.5) / rows as f32,
            );
            h.hover_at(p);
            h.run_steps(2);
            let want = &rgb[row][col];
            let text =
                egui_kittest::kittest::NodeT::accesskit_node(&h.get_by_label_contains("pixel ["))
                    .value()
                    .unwrap_or_default();
            assert!(
                text.contains(&format!("pixel [{row}, {col}]"))
                    && text.contains(&format!(
                        "R = {}   G = {}   B = {}",
                        want[0], want[1], want[2]
                    )),
                "at [{row}, {col}] h5py reads {want:?}; the readout says {text:?}"
            );
            h.remove_cursor();
            h.run_steps(2);
            let img = h.render().expect("render");
            let px = img.get_pixel((p.x * ppp) as u32, (p.y * ppp) as u32);
            for k in 0..3 {
                assert!(
                    (i32::from(px[k]) - i32::from(want[k])).abs() <= 2,
                    "at [{row}, {col}] the screen shows {px:?}, h5py reads {want:?}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 36);
}

/// An image with holes (a block of NaN, a block of +∞, as masked detector
/// frames have) shows them in magenta on the GPU and on the CPU path, says
/// how many there are, and colours the rest from its real numbers.
#[test]
fn values_that_are_not_numbers_show_in_their_own_colour() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("holes.h5");
    common::image::h5py_write(
        "y, x = np.mgrid[0:48, 0:64]\n\
         z = (x + y).astype('float32')\n\
         z[10:20, 10:20] = np.nan\n\
         z[30:40, 40:50] = np.inf\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f['image'] = z\n",
        &file,
    );
    for gpu in [true, false] {
        let home = tempfile::tempdir().expect("home");
        let mut h = open_with(home.path(), &file, gpu);
        select(&mut h, "/image");
        let report = panorama::ui::report::get(&h.ctx);
        assert_eq!(report.view, "image");
        h.get_by_label_contains("200 values are not numbers");
        let colour = pixel_colours(&mut h, (48.0, 64.0));
        for (row, col) in [(15.0, 15.0), (12.0, 18.0), (35.0, 45.0), (31.0, 48.0)] {
            assert_eq!(
                colour(row, col),
                [255, 0, 255],
                "gpu {gpu}: [{row}, {col}] is not a number"
            );
        }
        for (row, col) in [(5.0, 5.0), (25.0, 30.0), (45.0, 60.0)] {
            assert_ne!(
                colour(row, col),
                [255, 0, 255],
                "gpu {gpu}: [{row}, {col}] holds a number"
            );
        }
    }
}

/// A line breaks where its values are not numbers instead of joining
/// across them, and says how many there are; on a log scale it also says
/// how many values ≤ 0 it leaves out.
#[test]
fn a_line_breaks_at_values_that_are_not_numbers_and_counts_what_it_leaves_out() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("gappy.h5");
    common::image::h5py_write(
        "y = (np.arange(100) % 10 + 1).astype('float64')\n\
         y[40:60] = np.nan\n\
         y[70] = np.inf\n\
         y[80:83] = [0.0, -1.0, -2.0]\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f['y'] = y\n",
        &file,
    );
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    select(&mut h, "/y");
    let report = panorama::ui::report::get(&h.ctx);
    assert_eq!(report.view, "line");
    h.get_by_label("21 values are not numbers (NaN/±∞): the line breaks there");
    // Where the line's colour is drawn, column by column of the plot.
    let [l, t, r, b] = report.frame;
    let [x0, x1] = report.x_range;
    let ppp = report.pixels_per_point;
    let img = h.render().expect("render");
    let drawn_at = |x: f64| {
        #[allow(clippy::cast_possible_truncation)]
        let sx = (f64::from(l) + (x - x0) / (x1 - x0) * f64::from(r - l)) as f32;
        let (top, bottom) = ((t * ppp) as u32, (b * ppp) as u32);
        (top..bottom).any(|y| {
            let p = img.get_pixel((sx * ppp) as u32, y);
            // The line is red-hued (the first colour of a plot).
            i32::from(p[0]) - i32::from(p[1]) > 80 && i32::from(p[0]) - i32::from(p[2]) > 80
        })
    };
    assert!(
        drawn_at(20.5) && drawn_at(65.5),
        "the line is drawn beside the gap"
    );
    for x in [45.0, 50.0, 55.0] {
        assert!(!drawn_at(x), "nothing is drawn across the gap at {x}");
    }
    h.get_by_label("Log scale").click();
    h.run_steps(4);
    h.get_by_label_contains("3 values are ≤ 0, left out of the log scale");
}

/// A 1-D dataset with no NeXus axes is plotted against any other 1-D
/// dataset of the same length in the file, picked from the X list (here a
/// motor scanned downwards: the points are put in increasing X).
#[test]
fn a_line_without_axes_is_plotted_against_another_dataset_of_its_length() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("scan.h5");
    common::image::h5py_write(
        "with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f['counts'] = np.array([5.0, 4.0, 3.0, 2.0, 1.0])\n\
         \x20   f['motor'] = np.array([50.0, 40.0, 30.0, 20.0, 10.0])\n\
         \x20   f['longer'] = np.arange(7.0)\n",
        &file,
    );
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    select(&mut h, "/counts");
    let report = panorama::ui::report::get(&h.ctx);
    assert_eq!(report.view, "line");
    assert!(
        report.x_range[1] < 10.0,
        "on the index first: {:?}",
        report.x_range
    );
    h.get_by_value("index").click();
    h.run_steps(2);
    assert!(
        h.query_by_label("/longer").is_none(),
        "another length is not offered"
    );
    h.get_by_label("/motor").click();
    settle(&mut h);
    h.run_steps(4);
    let report = panorama::ui::report::get(&h.ctx);
    let [lo, hi] = report.x_range;
    assert!(
        lo <= 10.0 && hi >= 50.0 && lo > 0.0,
        "against the motor: {lo}..{hi}"
    );
}

/// A complex image shows the part picked (phase with the cyclic colormap),
/// and its readout gives the stored number with its amplitude and phase.
#[test]
fn a_complex_image_shows_the_part_picked_and_reads_out_all_four() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("wave.h5");
    common::image::h5py_write(
        "y, x = np.mgrid[0:32, 0:48]\n\
         z = ((x - 24) + 1j * (y - 16)).astype('complex64')\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f['z'] = z\n",
        &file,
    );
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    select(&mut h, "/z");
    assert_eq!(panorama::ui::report::get(&h.ctx).view, "image");
    h.get_by_value("amplitude").click();
    h.run_steps(2);
    h.get_by_label("phase").click();
    settle(&mut h);
    h.run_steps(4);
    h.get_by_value("cyclic");
    let report = panorama::ui::report::get(&h.ctx);
    let mut text = String::new();
    for _ in 0..3 {
        h.hover_at(on_screen(&report, 30.5, 20.5));
        h.run_steps(2);
        settle(&mut h);
        if let Some(n) = h.query_by_label_contains("arg = ") {
            text = egui_kittest::kittest::NodeT::accesskit_node(&n)
                .value()
                .unwrap_or_default();
            break;
        }
    }
    // The pixel the readout names, and h5py's number there: (c − 24) + (r − 16)i.
    let (row, col) = text
        .split_once("pixel [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .and_then(|(rc, _)| rc.split_once(", "))
        .map_or_else(
            || panic!("a pixel in {text:?}"),
            |(r, c)| (r.parse::<f64>().expect("r"), c.parse::<f64>().expect("c")),
        );
    let (re, im) = (col - 24.0, row - 16.0);
    assert!(
        text.contains(&format!("value = {}", im.atan2(re))),
        "the phase shown: {text}"
    );
    assert!(text.contains(&format!("|z| = {}", re.hypot(im))), "{text}");
    assert!(
        text.contains(&format!("arg = {} rad", im.atan2(re))),
        "{text}"
    );
    let sign = if im < 0.0 { '−' } else { '+' };
    assert!(
        text.contains(&format!("{re} {sign} {}i", im.abs())),
        "{text}"
    );
    h.snapshot("viewer_complex_phase");
}

fn press(h: &mut Harness<'_, PanoramaApp>, key: egui::Key) {
    h.event(egui::Event::Key {
        key,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(2);
    settle(h);
    h.run_steps(4);
}

/// Page Down opens the next file of a scan series (number order: 2 before
/// 10) and shows the same object there at the same zoom, the file left
/// closed; Page Up goes back.
#[test]
fn page_down_browses_a_scan_series_keeping_the_view() {
    let dir = tempfile::tempdir().expect("tmp");
    for n in [1, 2, 10] {
        common::image::h5py_write(
            &format!(
                "with h5py.File(sys.argv[1], 'w') as f:\n\
                 \x20   f['entry/frame'] = np.full((32, 48), {n}.0) + np.arange(48)\n"
            ),
            &dir.path().join(format!("scan_{n}.h5")),
        );
    }
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &dir.path().join("scan_1.h5"));
    select(&mut h, "/entry/frame");
    let report = panorama::ui::report::get(&h.ctx);
    assert_eq!(report.view, "image");
    let centre = on_screen(&report, 24.0, 16.0);
    wheel(&mut h, centre, 4);
    let zoomed = panorama::ui::report::get(&h.ctx).x_range;
    assert!(zoomed[1] - zoomed[0] < 40.0, "zoomed in: {zoomed:?}");
    let shown = |h: &Harness<'_, PanoramaApp>| {
        let s = h.state().state();
        let open: Vec<String> = s
            .documents
            .open
            .iter()
            .map(|d| d.location.rsplit('/').next().unwrap_or_default().to_owned())
            .collect();
        let path = s.documents.selected.as_ref().map(|t| t.path.clone());
        (open, path)
    };
    press(&mut h, egui::Key::PageDown);
    assert_eq!(
        shown(&h),
        (
            vec!["scan_2.h5".to_owned()],
            Some("/entry/frame".to_owned())
        )
    );
    let report = panorama::ui::report::get(&h.ctx);
    assert_eq!(report.view, "image");
    let kept = report.x_range;
    assert!(
        (kept[0] - zoomed[0]).abs() < 1e-6 && (kept[1] - zoomed[1]).abs() < 1e-6,
        "the zoom is kept: {zoomed:?} → {kept:?}"
    );
    for _ in 0..3 {
        h.hover_at(on_screen(&report, 24.5, 16.5));
        h.run_steps(2);
    }
    let (_, col, _, _, value) = readout(&h);
    assert_eq!(value, 2.0 + col as f64, "scan 2's values");
    press(&mut h, egui::Key::PageDown);
    assert_eq!(shown(&h).0, vec!["scan_10.h5".to_owned()]);
    press(&mut h, egui::Key::PageUp);
    assert_eq!(shown(&h).0, vec!["scan_2.h5".to_owned()]);
}

/// A detector image is masked on request by its `pixel_mask`: the pixels
/// it marks are drawn as not-a-number and counted, on the GPU path and on
/// the CPU path alike.
#[test]
fn a_detector_image_is_masked_by_its_pixel_mask_on_request() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("detector.nxs");
    common::image::h5py_write(
        "y, x = np.mgrid[0:48, 0:64]\n\
         mask = np.zeros((48, 64), dtype='uint32')\n\
         mask[10:20, 10:20] = 1\n\
         mask[30, :] = 4\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   d = f.create_group('entry/instrument/detector')\n\
         \x20   d.attrs['NX_class'] = 'NXdetector'\n\
         \x20   d['data'] = (x + y).astype('float32')\n\
         \x20   d['pixel_mask'] = mask\n",
        &file,
    );
    for gpu in [true, false] {
        let home = tempfile::tempdir().expect("home");
        let mut h = open_with(home.path(), &file, gpu);
        select(&mut h, "/entry/instrument/detector/data");
        assert_eq!(panorama::ui::report::get(&h.ctx).view, "image");
        assert!(
            h.query_by_label_contains("pixels masked").is_none(),
            "not before it is asked"
        );
        h.get_by_value("no mask").click();
        h.run_steps(2);
        h.get_by_label("/entry/instrument/detector/pixel_mask")
            .click();
        settle(&mut h);
        h.run_steps(4);
        // 10 × 10 and one row of 64.
        h.get_by_label_contains("164 pixels masked by /entry/instrument/detector/pixel_mask");
        let colour = pixel_colours(&mut h, (48.0, 64.0));
        // Magenta, give or take the edge blending of a one-pixel row.
        let near_magenta =
            |[r, g, b]: [u8; 3]| (255 - i32::from(r)) + i32::from(g) + (255 - i32::from(b)) < 30;
        for (row, col) in [(15.0, 15.0), (30.0, 50.0)] {
            let c = colour(row, col);
            assert!(
                near_magenta(c),
                "gpu {gpu}: [{row}, {col}] is masked: {c:?}"
            );
        }
        for (row, col) in [(5.0, 5.0), (25.0, 40.0)] {
            let c = colour(row, col);
            assert!(
                !near_magenta(c),
                "gpu {gpu}: [{row}, {col}] is not masked: {c:?}"
            );
        }
        if !gpu {
            h.snapshot("viewer_image_mask");
        }
    }
}

/// A peak is fitted in the viewer to the range shown: the parameters come
/// back with uncertainties, near the ones the data were made with, and
/// the fitted curve is drawn over the line.
#[test]
fn a_peak_is_fitted_to_the_range_shown() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("peak.nxs");
    common::image::h5py_write(
        "x = np.linspace(0, 10, 201)\n\
         rng = np.random.default_rng(3)\n\
         y = 7 * np.exp(-4 * np.log(2) * ((x - 4.2) / 0.9) ** 2) + 0.3 * x + 1 + rng.normal(0, 0.01, x.size)\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   e = f.create_group('entry')\n\
         \x20   e.attrs['NX_class'] = 'NXentry'\n\
         \x20   e.attrs['default'] = 'data'\n\
         \x20   d = e.create_group('data')\n\
         \x20   d.attrs['NX_class'] = 'NXdata'\n\
         \x20   d.attrs['signal'] = 'counts'\n\
         \x20   d.attrs['axes'] = ['x']\n\
         \x20   d['counts'] = y\n\
         \x20   d['x'] = x\n",
        &file,
    );
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    settle(&mut h);
    h.run_steps(4);
    assert_eq!(panorama::ui::report::get(&h.ctx).view, "line");
    h.get_by_label("Fit the range shown").click();
    h.run_steps(2);
    settle(&mut h);
    h.run_steps(4);
    let value = |h: &Harness<'_, PanoramaApp>, name: &str| -> (f64, f64) {
        let label = format!("{name} = ");
        let node = h.get_by_label_contains(&label);
        let access = egui_kittest::kittest::NodeT::accesskit_node(&node);
        let text = access
            .label()
            .or_else(|| access.value())
            .unwrap_or_default();
        let rest = text.split_once(" = ").map_or("", |(_, r)| r);
        let (v, e) = rest.split_once(" ± ").unwrap_or_else(|| panic!("{text}"));
        (
            v.trim().parse().expect("value"),
            e.trim().parse().expect("error"),
        )
    };
    let (centre, err) = value(&h, "center");
    assert!((centre - 4.2).abs() < 0.01, "centre {centre}");
    assert!(err > 0.0 && err < 0.01, "uncertainty {err}");
    let (fwhm, _) = value(&h, "fwhm");
    assert!((fwhm - 0.9).abs() < 0.02, "fwhm {fwhm}");
    let (slope, _) = value(&h, "slope");
    assert!((slope - 0.3).abs() < 0.01, "slope {slope}");
    h.get_by_label_contains("gaussian fit:");
    h.snapshot("viewer_line_fit");
    // The fit's table, saved through the dialog: the workflow's columns.
    let downloads = home.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    h.get_by_label("Export fit CSV…").click();
    h.run_steps(5);
    h.get_by_label("📥  Save").click();
    settle(&mut h);
    let text = std::fs::read_to_string(downloads.join("counts_fit.csv")).expect("written");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    assert_eq!(header[..3], ["amplitude", "center", "fwhm"], "{text}");
    assert_eq!(header.last(), Some(&"reduced_chi2"));
    let row: Vec<f64> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(|v| v.trim().parse().expect("number"))
        .collect();
    assert!((row[1] - centre).abs() < 1e-3, "the centre shown: {row:?}");
}

/// An NXdata group of five scattered points: a 1-D signal (0 … 4) over two
/// 1-D axes of its length and no `_indices`.
fn scatter_file(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("points.nxs");
    common::image::h5py_write(
        "with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   e = f.create_group('entry')\n\
         \x20   e.attrs['NX_class'] = 'NXentry'\n\
         \x20   e.attrs['default'] = 'points'\n\
         \x20   d = e.create_group('points')\n\
         \x20   d.attrs['NX_class'] = 'NXdata'\n\
         \x20   d.attrs['signal'] = 'signal'\n\
         \x20   d.attrs['axes'] = ['x', 'y']\n\
         \x20   d['signal'] = np.array([0.0, 1.0, 2.0, 3.0, 4.0])\n\
         \x20   d['x'] = np.array([-10.0, 10.0, 0.0, -10.0, 10.0])\n\
         \x20   d['y'] = np.array([-5.0, -5.0, 0.0, 5.0, 5.0])\n",
        &file,
    );
    file
}

/// Scattered points open on their own view, on both axes, each point in
/// the colour of its value (the lowest dark, the highest light).
#[test]
fn scattered_points_are_drawn_at_their_coordinates_in_their_colours() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = scatter_file(dir.path());
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    settle(&mut h);
    h.run_steps(4);
    let report = panorama::ui::report::get(&h.ctx);
    assert_eq!(report.view, "scatter");
    let ([x0, x1], [y0, y1]) = (report.x_range, report.y_range);
    assert!(
        x0 <= -10.0 && x1 >= 10.0 && y0 <= -5.0 && y1 >= 5.0,
        "{report:?}"
    );
    h.get_by_label_contains("5 points");
    let ppp = report.pixels_per_point;
    let img = h.render().expect("render");
    let colour = |x: f64, y: f64| {
        let p = on_screen(&report, x, y);
        let px = img.get_pixel((p.x * ppp) as u32, (p.y * ppp) as u32);
        [i32::from(px[0]), i32::from(px[1]), i32::from(px[2])]
    };
    let near = |a: [i32; 3], b: [i32; 3]| (0..3).map(|k| (a[k] - b[k]).abs()).sum::<i32>() < 60;
    // viridis at the bottom and the top of the percentile range.
    assert!(
        near(colour(-10.0, -5.0), [68, 1, 84]),
        "{:?}",
        colour(-10.0, -5.0)
    );
    assert!(
        near(colour(10.0, 5.0), [253, 231, 37]),
        "{:?}",
        colour(10.0, 5.0)
    );
}

/// Type `value` into the `nth` slider's number field, as a person does.
fn set_slider(h: &mut Harness<'_, PanoramaApp>, nth: usize, value: &str) {
    let field = h
        .get_all_by_role(egui::accesskit::Role::SpinButton)
        .nth(nth)
        .expect("the slider's number field");
    field.focus();
    h.run_steps(2);
    h.event(egui::Event::Key {
        key: egui::Key::A,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::COMMAND,
    });
    h.event(egui::Event::Text(value.into()));
    h.event(egui::Event::Key {
        key: egui::Key::Enter,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(3);
    settle(h);
}

/// The labels of the sliders shown, in order.
fn sliders(h: &Harness<'_, PanoramaApp>) -> Vec<String> {
    h.get_all_by_role(egui::accesskit::Role::Slider)
        .map(|n| {
            egui_kittest::kittest::NodeT::accesskit_node(&n)
                .label()
                .unwrap_or_default()
        })
        .collect()
}

/// A line along any axis of a 3-D dataset, the other two at their
/// sliders; the slice stays when moving to the stack and back.
#[test]
fn a_line_runs_along_any_axis_of_a_cube_and_keeps_its_slice_across_views() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("cube.h5");
    // value = 100 i + 10 j + k
    common::image::h5py_write(
        "i, j, k = np.mgrid[0:4, 0:5, 0:6]\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f['cube'] = (100 * i + 10 * j + k).astype('float64')\n",
        &file,
    );
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    select(&mut h, "/cube");
    h.get_by_label("Line").click();
    h.run_steps(3);
    settle(&mut h);
    // Along the last axis by default; sliders for the two others.
    assert_eq!(sliders(&h), ["axis 0 (4)", "axis 1 (5)"]);
    h.get_by_value("axis 2 (6)").click();
    h.run_steps(3);
    h.get_all_by_label("axis 1 (5)")
        .find(|n| {
            egui_kittest::kittest::NodeT::accesskit_node(n).role() != egui::accesskit::Role::Slider
        })
        .expect("axis 1 in the list")
        .click();
    h.run_steps(3);
    settle(&mut h);
    assert_eq!(sliders(&h), ["axis 0 (4)", "axis 2 (6)"]);
    set_slider(&mut h, 0, "2");
    set_slider(&mut h, 1, "3");
    let report = panorama::ui::report::get(&h.ctx);
    assert_eq!(report.view, "line");
    // y = 200 + 10 j + 3 for j in 0..5, over x = 0..4.
    let [y0, y1] = report.y_range;
    assert!(
        y0 <= 203.0 && y1 >= 243.0 && y0 > 190.0 && y1 < 256.0,
        "the line through i = 2, k = 3: {y0}…{y1}"
    );
    let [x0, x1] = report.x_range;
    assert!(x0 <= 0.0 && (4.0..5.0).contains(&x1), "along j: {x0}…{x1}");
    // The stack shows rows j and columns k of frame i = 2, as chosen.
    h.get_by_label("Stack").click();
    h.run_steps(3);
    settle(&mut h);
    assert_eq!(sliders(&h), ["axis 0 (4)"]);
    h.get_by_value("2");
    for _ in 0..3 {
        let r = panorama::ui::report::get(&h.ctx);
        h.hover_at(on_screen(&r, 3.5, 1.5));
        h.run_steps(2);
    }
    let (row, col, _, _, value) = readout(&h);
    assert_eq!(col, 3);
    assert_eq!(
        value,
        (200 + 10 * row + col) as f64,
        "frame 2, row {row}, column 3"
    );
    // Back in the line view: the same axis and positions.
    h.get_by_label("Line").click();
    h.run_steps(3);
    settle(&mut h);
    assert_eq!(sliders(&h), ["axis 0 (4)", "axis 2 (6)"]);
    h.get_by_value("axis 1 (5)");
    let again = panorama::ui::report::get(&h.ctx).y_range;
    assert!(
        again[0] <= 203.0 && again[1] >= 243.0 && again[1] < 256.0,
        "{again:?}"
    );
}

/// An ORSO reflectivity file (the real one orsopy ships) opens like a
/// NeXus file: R against Qz on a log scale with its error bars, the header
/// among the data set's attributes.
#[test]
fn an_orso_file_opens_as_reflectivity_on_a_log_scale() {
    let home = tempfile::tempdir().expect("home");
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/orso/prist5_10K_m_025.Rqz.ort");
    let mut h = open(home.path(), &file);
    let report = panorama::ui::report::get(&h.ctx);
    assert_eq!(report.view, "line");
    let log = h.get_by_label("Log scale");
    assert_eq!(
        egui_kittest::kittest::NodeT::accesskit_node(&log).toggled(),
        Some(egui::accesskit::Toggled::True),
        "reflectivity spans decades"
    );
    // Qz runs over the file's first column (0.0022 to 0.104 Å⁻¹; the last
    // points, R = 0, have no place on a log scale).
    let [x0, x1] = report.x_range;
    assert!(x0 < 0.0022 && x1 > 0.08 && x1 < 0.2, "Qz {x0}…{x1}");
    // log10 R: the reflectivity falls by decades.
    let [y0, y1] = report.y_range;
    assert!(y1 - y0 > 2.0, "log10 R spans {y0}…{y1}");
    h.get_by_label_contains("Qz (1/angstrom)");
    h.snapshot("viewer_orso");
}

/// The x and y bounds of a rectangle as the region table gives them
/// ("x 10…30, y 8…20").
fn rect_bounds(geometry: &str) -> [usize; 4] {
    let nums: Vec<usize> = geometry
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("a whole pixel"))
        .collect();
    [nums[0], nums[1], nums[2], nums[3]]
}

/// numpy's count, sum, mean, std, min and max of `z[y0:y1, x0:x1]` of
/// dataset `path` (a 3-D one frame by frame: its sums).
fn numpy_rect(file: &Path, path: &str, [x0, x1, y0, y1]: [usize; 4]) -> serde_json::Value {
    common::python_json(
        &format!(
            "import sys, json, h5py, numpy as np\n\
             z = h5py.File(sys.argv[1], 'r')['{path}'][()].astype('float64')\n\
             if z.ndim == 2:\n\
             \x20   v = z[{y0}:{y1}, {x0}:{x1}]\n\
             \x20   print(json.dumps([v.size, v.sum(), v.mean(), v.std(), v.min(), v.max()]))\n\
             else:\n\
             \x20   print(json.dumps([float(f[{y0}:{y1}, {x0}:{x1}].sum()) for f in z]))"
        ),
        &[file],
    )
}

/// Where pixel coordinate (x, y) of a `rows` × `cols` image with
/// increasing pixel axes is on screen.
fn pixel_on_screen(
    h: &Harness<'_, PanoramaApp>,
    (rows, cols): (f32, f32),
    x: f32,
    y: f32,
) -> egui::Pos2 {
    let [l, t, r, b] = panorama::ui::report::get(&h.ctx)
        .image_screen
        .expect("the image's place");
    egui::pos2(l + (r - l) * x / cols, b - (b - t) * y / rows)
}

/// Six frames of 32 × 40 pixels, `(x + 2y)(k + 1) + k²` at frame `k`, as
/// int32, in `/frames`.
const STACK_6X32X40: &str = "k, y, x = np.mgrid[0:6, 0:32, 0:40]\n\
     with h5py.File(sys.argv[1], 'w') as f:\n\
     \x20   f['frames'] = ((x + 2 * y) * (k + 1) + k * k).astype('int32')\n";

/// A file written by `script` (h5py, the file as `sys.argv[1]`), opened
/// on `path`: its folder, the file, the app's home and the window.
fn open_written(
    name: &str,
    script: &str,
    path: &str,
) -> (
    tempfile::TempDir,
    PathBuf,
    tempfile::TempDir,
    Harness<'static, PanoramaApp>,
) {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join(name);
    common::image::h5py_write(script, &file);
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    select(&mut h, path);
    (dir, file, home, h)
}

/// Drag a rectangle with the Rectangle tool on a `size` image, from pixel
/// coordinates `from` to `to`.
fn drag_rectangle(
    h: &mut Harness<'_, PanoramaApp>,
    size: (f32, f32),
    from: (f32, f32),
    to: (f32, f32),
) {
    h.get_by_label("Rectangle").click();
    h.run_steps(3);
    let (a, b) = (
        pixel_on_screen(h, size, from.0, from.1),
        pixel_on_screen(h, size, to.0, to.1),
    );
    drag(h, a, b);
    settle(h);
}

/// A rectangle dragged on an image is measured while it is drawn, and once
/// drawn (and moved by a drag inside it) its count, sum, mean, std, min
/// and max are numpy's on the pixels the table says it holds.
#[test]
fn a_rectangle_dragged_on_an_image_reads_numpys_statistics() {
    let (_dir, file, _home, mut h) = open_written(
        "roi.h5",
        "y, x = np.mgrid[0:48, 0:64]\n\
         z = (100 + 40 * np.sin(x / 5.0) * np.cos(y / 7.0) + (x * y) % 13).astype('float32')\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f['image'] = z\n",
        "/image",
    );
    assert_eq!(panorama::ui::report::get(&h.ctx).view, "image");
    h.get_by_label("Rectangle").click();
    h.run_steps(3);
    let size = (48.0, 64.0);
    let (from, to) = (
        pixel_on_screen(&h, size, 10.2, 8.1),
        pixel_on_screen(&h, size, 30.1, 20.2),
    );
    // Half way through the drag the region is already measured.
    h.hover_at(from);
    h.run_steps(2);
    h.drag_at(from);
    h.run_steps(2);
    for i in 1..=5 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.run_steps(1);
    }
    let live = panorama::ui::report::get(&h.ctx).rois;
    assert_eq!(live.len(), 1, "measured while drawn: {live:?}");
    assert!(live[0].stats.is_some_and(|s| s[0] > 0.0));
    for i in 6..=10 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.run_steps(1);
    }
    h.drop_at(to);
    h.run_steps(5);
    let check = |h: &Harness<'_, PanoramaApp>| {
        let rois = panorama::ui::report::get(&h.ctx).rois;
        assert_eq!(rois.len(), 1, "{rois:?}");
        assert_eq!(rois[0].name, "ROI 1");
        let bounds = rect_bounds(&rois[0].geometry);
        let want = numpy_rect(&file, "/image", bounds);
        let got = rois[0].stats.expect("statistics");
        for k in 0..6 {
            let w = want[k].as_f64().expect("number");
            assert!(
                (got[k] - w).abs() <= 1e-9 * w.abs().max(1.0),
                "{} statistic {k}: Panorama {}, numpy {w}",
                rois[0].geometry,
                got[k]
            );
        }
        bounds
    };
    assert_eq!(check(&h), [10, 30, 8, 20]);
    h.get_by_label_contains("ROI 1: Rectangle");
    h.snapshot("viewer_image_roi");
    // A drag from its edge moves it (5 pixels right, 4 up) and it is
    // measured there.
    let (a, b) = (
        pixel_on_screen(&h, size, 10.0, 14.0),
        pixel_on_screen(&h, size, 15.0, 18.0),
    );
    drag(&mut h, a, b);
    assert_eq!(check(&h), [15, 35, 12, 24]);
    // A drag inside it draws another, inside.
    let (a, b) = (
        pixel_on_screen(&h, size, 18.2, 14.1),
        pixel_on_screen(&h, size, 24.1, 20.2),
    );
    drag(&mut h, a, b);
    let rois = panorama::ui::report::get(&h.ctx).rois;
    assert_eq!(rois.len(), 2, "{rois:?}");
    assert_eq!(rect_bounds(&rois[1].geometry), [18, 24, 14, 20]);
}

/// On a stack a region is followed through every frame: its sum in each
/// is numpy's.
#[test]
fn a_region_on_a_stack_is_summed_through_its_frames() {
    let (_dir, file, _home, mut h) = open_written("stack.h5", STACK_6X32X40, "/frames");
    assert_eq!(panorama::ui::report::get(&h.ctx).view, "image");
    drag_rectangle(&mut h, (32.0, 40.0), (4.2, 3.1), (17.9, 11.2));
    h.run_steps(3);
    let rois = panorama::ui::report::get(&h.ctx).rois;
    assert_eq!(rois.len(), 1, "{rois:?}");
    let bounds = rect_bounds(&rois[0].geometry);
    assert_eq!(bounds, [4, 18, 3, 11]);
    let want: Vec<f64> =
        serde_json::from_value(numpy_rect(&file, "/frames", bounds)).expect("sums");
    assert_eq!(rois[0].per_frame.as_deref(), Some(&want[..]));
}

/// Click once at `at`, with frames between, as a person does.
fn click_at(h: &mut Harness<'_, PanoramaApp>, at: egui::Pos2) {
    h.hover_at(at);
    h.run_steps(2);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(1);
    }
    // Far enough apart not to make a double-click with the next.
    h.run_steps(30);
}

/// A polygon clicked corner by corner and closed with Enter holds the
/// pixels scikit-image's `draw.polygon` gives for those corners, and its
/// sum is numpy's over them.
#[test]
fn a_polygon_clicked_on_an_image_holds_scikit_images_pixels() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("poly.h5");
    common::image::h5py_write(
        "y, x = np.mgrid[0:48, 0:64]\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f['image'] = (x * 3 + y * 100).astype('uint16')\n",
        &file,
    );
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    select(&mut h, "/image");
    h.get_by_label("Polygon").click();
    h.run_steps(3);
    let size = (48.0, 64.0);
    let clicks = [
        (8.3, 6.2),
        (50.7, 10.4),
        (30.2, 22.6),
        (40.4, 40.3),
        (12.6, 33.8),
    ];
    for (x, y) in clicks {
        let at = pixel_on_screen(&h, size, x, y);
        click_at(&mut h, at);
    }
    let open = panorama::ui::report::get(&h.ctx).rois;
    assert!(
        open.len() == 1 && open[0].drawing,
        "measured before it is closed: {open:?}"
    );
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
    let rois = panorama::ui::report::get(&h.ctx).rois;
    assert_eq!(rois.len(), 1, "{rois:?}");
    assert!(!rois[0].drawing, "Enter closes it");
    // Its corners are where the clicks were.
    let corners = rois[0].points.clone();
    assert_eq!(corners.len(), 5, "{corners:?}");
    for (got, want) in corners.iter().zip(clicks) {
        assert!(
            (got.0 - f64::from(want.0)).abs() < 0.05 && (got.1 - f64::from(want.1)).abs() < 0.05,
            "a corner at {got:?}, clicked at {want:?}"
        );
    }
    let xs: Vec<String> = corners.iter().map(|c| (c.0 - 0.5).to_string()).collect();
    let ys: Vec<String> = corners.iter().map(|c| (c.1 - 0.5).to_string()).collect();
    let want: (f64, f64) = serde_json::from_value(common::python_json(
        &format!(
            "import sys, json, h5py, numpy as np, skimage.draw\n\
             z = h5py.File(sys.argv[1], 'r')['/image'][()].astype('float64')\n\
             rr, cc = skimage.draw.polygon([{}], [{}], z.shape)\n\
             print(json.dumps([len(rr), float(z[rr, cc].sum())]))",
            ys.join(","),
            xs.join(",")
        ),
        &[&file],
    ))
    .expect("count and sum");
    let got = rois[0].stats.expect("statistics");
    assert_eq!((got[0], got[1]), want, "count and sum");
}

/// The app with `a` open and `b` opened after it, showing `path` of `a`.
fn open_two(home: &Path, a: &Path, b: &Path, path: &str) -> Harness<'static, PanoramaApp> {
    let mut h = open(home, a);
    h.state_mut()
        .run(panorama::command::DocumentsCommand::OpenPath(
            b.to_path_buf(),
        ));
    settle(&mut h);
    select(&mut h, path);
    h
}

/// A widget the window reported this frame, by name: its centre.
fn widget_centre(h: &Harness<'_, PanoramaApp>, name: &str) -> egui::Pos2 {
    let report = panorama::ui::report::get(&h.ctx);
    let [l, t, r, b] = *report
        .widgets
        .get(name)
        .unwrap_or_else(|| panic!("{name} is not on screen: {:?}", report.widgets.keys()));
    egui::pos2(f32::midpoint(l, r), f32::midpoint(t, b))
}

/// A 1-D dataset of another file, found with the Files filter and dragged
/// onto the line plot, is drawn over it on its own NeXus axis with its own
/// legend entry: its first and last points are h5py's; an offset typed
/// beside it moves it by that much; Remove takes it away again.
#[test]
fn a_dataset_of_another_file_dragged_onto_a_line_plot_is_drawn_over_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b) = (dir.path().join("a.h5"), dir.path().join("b.h5"));
    let nexus = "def write(path, entry, signal, axis, x, y):\n\
                 \x20   with h5py.File(path, 'w') as f:\n\
                 \x20       f.attrs['default'] = entry\n\
                 \x20       e = f.create_group(entry)\n\
                 \x20       e.attrs['NX_class'] = 'NXentry'\n\
                 \x20       e.attrs['default'] = 'data'\n\
                 \x20       d = e.create_group('data')\n\
                 \x20       d.attrs['NX_class'] = 'NXdata'\n\
                 \x20       d.attrs['signal'] = signal\n\
                 \x20       d.attrs['axes'] = [axis]\n\
                 \x20       d[signal] = y\n\
                 \x20       d[axis] = x\n";
    common::image::h5py_write(
        &format!(
            "{nexus}x = np.linspace(0, 10, 50)\n\
             write(sys.argv[1], 'entry', 'y', 'x', x, np.sin(x))\n"
        ),
        &a,
    );
    common::image::h5py_write(
        &format!(
            "{nexus}q = np.linspace(5, 15, 30)\n\
             write(sys.argv[1], 'scan', 'intensity', 'q', q, 0.01 * q ** 2)\n"
        ),
        &b,
    );
    let home = tempfile::tempdir().expect("home");
    let mut h = open_two(home.path(), &a, &b, "/entry/data/y");
    assert_eq!(panorama::ui::report::get(&h.ctx).view, "line");
    // Find it in the Files panel, and drag it onto the plot.
    let filter = widget_centre(&h, "field:files filter");
    h.hover_at(filter);
    h.run_steps(1);
    h.drag_at(filter);
    h.drop_at(filter);
    h.run_steps(2);
    h.event(egui::Event::Text("intensity".into()));
    settle(&mut h);
    h.run_steps(3);
    let row = widget_centre(&h, "object:/scan/data/intensity");
    let [l, t, r, bb] = panorama::ui::report::get(&h.ctx).frame;
    drag(
        &mut h,
        row,
        egui::pos2(f32::midpoint(l, r), f32::midpoint(t, bb)),
    );
    settle(&mut h);
    h.run_steps(4);
    assert_eq!(
        h.state().state().documents.overlays.len(),
        1,
        "dropped on the plot"
    );
    let name = "b.h5 › /scan/data/intensity";
    let line = |h: &Harness<'_, PanoramaApp>| {
        let lines = panorama::ui::report::get(&h.ctx).lines;
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0].name, "y");
        assert_eq!(lines[1].name, name);
        lines[1].clone()
    };
    let want = common::image::h5py_datasets(&b, &["/scan/data/q", "/scan/data/intensity"]);
    let (q, y): (Vec<f64>, Vec<f64>) = (
        serde_json::from_value(want[0].clone()).expect("q"),
        serde_json::from_value(want[1].clone()).expect("intensity"),
    );
    let drawn = line(&h);
    assert_eq!(drawn.points, 30);
    assert_eq!(drawn.first, Some([q[0], y[0]]));
    assert_eq!(drawn.last, Some([q[29], y[29]]));
    // Its legend entry is there, with its name.
    h.get_by_label(name);
    h.snapshot("viewer_line_overlay");
    set_slider(&mut h, 0, "2");
    h.run_steps(3);
    let moved = line(&h);
    assert_eq!(moved.first, Some([q[0], y[0] + 2.0]));
    h.get_by_label("Remove").click();
    h.run_steps(4);
    assert!(h.state().state().documents.overlays.is_empty());
    assert_eq!(panorama::ui::report::get(&h.ctx).lines.len(), 1);
}

/// **Use in a workflow** on a stack's frame with a rectangle drawn starts a
/// workflow (HDF5 dataset → slice → region of interest) whose run gives
/// what numpy gives for `z[3, 3:11, 4:18]`: the frame and the region shown.
#[test]
fn use_in_a_workflow_starts_one_that_gives_the_region_shown() {
    let (_dir, file, _home, mut h) = open_written("frames.h5", STACK_6X32X40, "/frames");
    set_slider(&mut h, 0, "3");
    drag_rectangle(&mut h, (32.0, 40.0), (4.2, 3.1), (17.9, 11.2));
    h.get_by_label("Use in a workflow").click();
    settle(&mut h);
    let kinds = common::gui::workflow_kinds(&h);
    // The region first (each frame streams through it), then the frame.
    assert_eq!(kinds, ["read_hdf5", "roi", "slice"]);
    h.state_mut()
        .state_mut()
        .apply(panorama::command::WorkflowCommand::RunWorkflow);
    settle(&mut h);
    let (id, _) = common::gui::open_graph(&h)
        .nodes()
        .find(|(_, n)| n.kind == "slice")
        .expect("the last node");
    let last = h.state().state().workflow.last.as_ref().expect("a run");
    assert!(last.errors.is_empty(), "{:?}", last.errors);
    let got = last.values[&id].to_array();
    let want: Vec<Vec<f64>> =
        serde_json::from_value(common::image::h5py_datasets(&file, &["/frames"])[0][3].clone())
            .expect("frame");
    assert_eq!(got.shape(), [8, 14]);
    for r in 0..8 {
        for c in 0..14 {
            assert_eq!(got[[r, c]], want[3 + r][4 + c], "at [{r}, {c}]");
        }
    }
}

/// Two images of two files compared: **Compare with the image shown** in
/// the Files panel's menu puts the second beside the first; a zoom on one
/// zooms both while zoom and pan are linked, and not once unlinked; linked
/// colours span both images' ranges; A − B reads, pixel by pixel, what
/// h5py reads in A less what it reads in B.
#[test]
fn two_images_compared_zoom_together_and_their_difference_is_h5pys() {
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b) = (dir.path().join("a.h5"), dir.path().join("b.h5"));
    common::image::h5py_write(
        "y, x = np.mgrid[0:32, 0:40]\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f['img'] = (x + 10.0 * y).astype('float32')\n",
        &a,
    );
    common::image::h5py_write(
        "y, x = np.mgrid[0:32, 0:40]\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   f['img'] = (50 * np.sin(x / 4.0) + 2.0 * y).astype('float32')\n",
        &b,
    );
    let home = tempfile::tempdir().expect("home");
    let mut h = open_two(home.path(), &a, &b, "/img");
    // The second file's image, by its menu in the Files panel.
    h.get_all_by_label("▦ img")
        .nth(1)
        .expect("b's image in the tree")
        .click_secondary();
    h.run_steps(3);
    h.get_by_label("Compare with the image shown").click();
    settle(&mut h);
    h.run_steps(6);
    let images = |h: &Harness<'_, PanoramaApp>| panorama::ui::report::get(&h.ctx).images;
    let shown = images(&h);
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[0].name.starts_with("A: a.h5") && shown[1].name.starts_with("B: b.h5"));
    // Linked colours: one range over both images' own.
    assert_eq!(shown[0].colour_range, shown[1].colour_range);
    let za: Vec<Vec<f64>> =
        serde_json::from_value(common::image::h5py_datasets(&a, &["/img"])[0].clone()).expect("a");
    let zb: Vec<Vec<f64>> =
        serde_json::from_value(common::image::h5py_datasets(&b, &["/img"])[0].clone()).expect("b");
    let (pa, pb) = (
        common::image::percentiles(&za),
        common::image::percentiles(&zb),
    );
    let want = (pa.0.min(pb.0), pa.1.max(pb.1));
    let got = shown[0].colour_range;
    assert!(
        (got[0] - want.0).abs() < 1e-3 && (got[1] - want.1).abs() < 1e-3,
        "linked colours span {got:?}, both images {want:?}"
    );
    // Zoom over A: B follows.
    let first = images(&h);
    let centre = |h: &Harness<'_, PanoramaApp>, k: usize| {
        let r = &images(h)[k];
        (r.x_range, r.y_range)
    };
    let [fl, ft, fr, fb] = first[0].frame;
    let a_screen = egui::pos2(f32::midpoint(fl, fr), f32::midpoint(ft, fb));
    wheel(&mut h, a_screen, 4);
    let zoomed = images(&h);
    assert_ne!(zoomed[0].x_range, first[0].x_range, "A zoomed");
    assert_eq!(centre(&h, 0), centre(&h, 1), "B follows A");
    h.get_by_label("Zoom and pan").click();
    h.run_steps(3);
    wheel(&mut h, a_screen, 4);
    let apart = images(&h);
    assert_ne!(apart[0].x_range, apart[1].x_range, "unlinked, B stays");
    // A − B, read under the pointer.
    h.get_by_label("A − B").click();
    settle(&mut h);
    h.run_steps(4);
    let last = images(&h);
    assert_eq!(last.len(), 3);
    assert_eq!(last[2].name, "A − B");
    // On the diverging map (zero grey, below blue, above red), the images
    // on the one chosen.
    assert_eq!(last[2].colormap, "diverging");
    assert_eq!(last[0].colormap, "viridis");
    // Symmetric about zero, as far as the larger of its percentiles.
    let diff: Vec<Vec<f64>> = za
        .iter()
        .zip(&zb)
        .map(|(p, q)| p.iter().zip(q).map(|(x, y)| x - y).collect())
        .collect();
    let (lo, hi) = common::image::percentiles(&diff);
    let m = lo.abs().max(hi.abs());
    let got = last[2].colour_range;
    assert!(
        (got[0] + m).abs() < 1e-3 && (got[1] - m).abs() < 1e-3,
        "A − B coloured over {got:?}, its percentiles reach {m}"
    );
    // On a log scale the images are; the difference stays linear.
    let pick_scale = |h: &mut Harness<'_, PanoramaApp>, name: &str| {
        h.get_all_by_role(egui::accesskit::Role::ComboBox)
            .nth(1)
            .expect("the scale chooser")
            .click();
        h.run_steps(3);
        h.get_all_by_label(name)
            .last()
            .expect("the scale in the list")
            .click();
        settle(h);
        h.run_steps(3);
    };
    pick_scale(&mut h, "log");
    let log = images(&h);
    assert_eq!(
        (log[0].scale.as_str(), log[2].scale.as_str()),
        ("log", "linear")
    );
    pick_scale(&mut h, "linear");
    h.snapshot("viewer_image_grid");
    for (row, col) in [(3, 5), (20, 30), (31, 0)] {
        let at = pixel_on_screen(&h, (32.0, 40.0), col as f32 + 0.5, row as f32 + 0.5);
        h.hover_at(at);
        h.run_steps(2);
        let text = h
            .get_all_by_label_contains("pixel [")
            .map(|n| {
                egui_kittest::kittest::NodeT::accesskit_node(&n)
                    .value()
                    .unwrap_or_default()
            })
            .find(|t| t.starts_with("pixel ["))
            .unwrap_or_default();
        let value: f64 = text
            .split("value = ")
            .nth(1)
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("a value in {text:?}"));
        let want = za[row][col] - zb[row][col];
        assert!(
            text.contains(&format!("pixel [{row}, {col}]")) && (value - want).abs() < 1e-4,
            "at [{row}, {col}] h5py gives {want}; the readout says {text:?}"
        );
    }
}

/// A 1e6 × 3000 float32 image (chunked, most chunks never written, so the
/// file stays small) opens as an overview without reading it whole (12 GB
/// would be refused): one row in 245 read, said so, and the readout names
/// the dataset's own pixel with the value h5py reads there.
#[test]
fn a_huge_image_opens_as_an_overview_read_out_in_its_own_pixels() {
    let (_dir, file, _home, mut h) = open_written(
        "huge.h5",
        "with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   d = f.create_dataset('big', shape=(1000000, 3000), dtype='f4',\n\
         \x20                        chunks=(1000, 3000), compression='gzip')\n\
         \x20   y, x = np.mgrid[0:1000, 0:3000]\n\
         \x20   for start in (0, 490000, 999000):\n\
         \x20       d[start:start + 1000] = (start + y + x / 4.0).astype('f4')\n",
        "/big",
    );
    assert!(
        std::fs::metadata(&file).expect("file").len() < 64 << 20,
        "most chunks unwritten"
    );
    assert_eq!(panorama::ui::report::get(&h.ctx).view, "image");
    h.get_by_label_contains("Overview of 1000000 × 3000 pixels: one row in 245");
    let size = (1_000_000.0, 3000.0);
    let at = pixel_on_screen(&h, size, 1500.5, 490_000.5);
    h.hover_at(at);
    h.run_steps(3);
    let (row, col, _, _, value) = readout(&h);
    assert_eq!(row, 490_000, "the dataset's own row");
    let want = 490_000.0 + f64::from(u32::try_from(col).expect("col")) / 4.0;
    assert!(
        (1495..=1505).contains(&col) && (value - want).abs() < 1e-3 * want,
        "at [{row}, {col}] h5py has {want}, the readout says {value}"
    );
}

/// A scalar NeXus field with units, found in a file, starts a search of
/// every catalogue for datasets holding a value like it: a click on
/// "Search for datasets with this value" under the value shown.
#[test]
fn a_value_in_a_file_searches_the_catalogues_for_datasets_like_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("scan.nxs");
    common::python(
        "import h5py, sys\n\
         with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   e = f.create_group('entry'); e.attrs['NX_class'] = 'NXentry'\n\
         \x20   m = e.create_group('instrument/monochromator')\n\
         \x20   w = m.create_dataset('wavelength', data=1.5406)\n\
         \x20   w.attrs['units'] = 'angstrom'\n",
        &[&file],
    );
    let home = tempfile::tempdir().expect("home");
    let mut h = open(home.path(), &file);
    h.state_mut().state_mut().set_sources(
        panorama::catalogue::default_sources()
            .into_iter()
            .filter(|s| s.id == "demo")
            .collect(),
    );
    select(&mut h, "/entry/instrument/monochromator/wavelength");
    h.get_by_label_contains("1.5406");
    h.get_by_label("Search for datasets with this value")
        .click();
    settle(&mut h);
    let s = h.state().state();
    assert_eq!(
        s.search.query.as_deref(),
        Some("wavelength:1.464..1.618 angstrom")
    );
    assert_eq!(s.search.runs.len(), 1, "the catalogues were asked");
    assert!(s.search.runs[0].status.ready().is_some());
    // The Search tab is in front, with the filter as a chip.
    h.get_by_label("wavelength:1.464..1.618 angstrom ×");
}
