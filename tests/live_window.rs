//! The real binary in a real X11 window (Xvfb, Mesa's software Vulkan), in a
//! fresh home folder and with no desktop portal, driven by xdotool as a
//! person drives it: pointer moves, clicks, wheel notches and keys with real
//! frames between them. The window reports what it shows through
//! `PANORAMA_REPORT` (plot ranges, where the image is drawn, widget places,
//! the focused field); pictures are checked in screenshots of the screen.
//! Covers what the harness cannot see: the spectrum opens on 1–20 keV, a
//! zoomed and panned image is drawn where its axes say, typing "ESRF" into
//! Publisher Name keeps every key, and Export CSV without a portal writes
//! the file through the built-in dialog. With `PANORAMA_LIVE_SHOTS=screenshots`
//! it retakes the README's screenshots of these views from the real window.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as J;

fn demo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo")
        .join(name)
}

fn need(tool: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{tool} is needed (make test installs xvfb, xdotool and x11-apps)"
    );
}

/// A private X display.
struct Display {
    xvfb: Child,
    name: String,
}

impl Display {
    fn start() -> Self {
        for n in 140..200 {
            if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let Ok(mut xvfb) = Command::new("Xvfb")
                .args([
                    &format!(":{n}"),
                    "-screen",
                    "0",
                    "1400x900x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            else {
                continue;
            };
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
            let t0 = Instant::now();
            while !socket.exists() && t0.elapsed() < Duration::from_secs(10) {
                if xvfb.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if socket.exists() && xvfb.try_wait().ok().flatten().is_none() {
                return Self {
                    xvfb,
                    name: format!(":{n}"),
                };
            }
            let _ = xvfb.kill();
        }
        panic!("no free X display for Xvfb");
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// One run of the app in the display.
struct App {
    child: Child,
    home: tempfile::TempDir,
    report: PathBuf,
    display: String,
    origin: (f32, f32),
}

impl App {
    fn launch(display: &Display, args: &[&Path]) -> Self {
        Self::launch_in(display, tempfile::tempdir().expect("home"), args)
    }

    /// Start in a home folder of an earlier run (settings, drafts, the
    /// workflow that was open).
    fn launch_in(display: &Display, home: tempfile::TempDir, args: &[&Path]) -> Self {
        Self::launch_with(display, home, args, &[])
    }

    /// Start with extra environment variables.
    fn launch_with(
        display: &Display,
        home: tempfile::TempDir,
        args: &[&Path],
        env: &[(&str, &str)],
    ) -> Self {
        std::fs::create_dir_all(home.path().join("downloads")).expect("downloads");
        let runtime = home.path().join("xdg");
        std::fs::create_dir_all(&runtime).expect("runtime dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700));
        }
        let report = home.path().join("report.json");
        let child = Command::new(env!("CARGO_BIN_EXE_panorama"))
            .args(args)
            .env("DISPLAY", &display.name)
            .env("PANORAMA_HOME", home.path())
            .env("PANORAMA_REPORT", &report)
            .env("PANORAMA_OFFLINE", "1")
            .env("XDG_RUNTIME_DIR", &runtime)
            .env_remove("WAYLAND_DISPLAY")
            // A desktop without a portal, as on many remote desktops.
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("PANORAMA_FILE_DIALOG")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("panorama");
        let mut app = Self {
            child,
            home,
            report,
            display: display.name.clone(),
            origin: (0.0, 0.0),
        };
        app.wait_for("the window's first report", |_| true);
        app.origin = app.window_origin();
        app
    }

    fn xdotool(&self, args: &[&str]) -> String {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .expect("xdotool");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Keys typed as on a keyboard, into the window (no window manager
    /// gives it the keyboard here, so it is given first, as a desktop does).
    fn keys(&self, args: &[&str]) {
        let pid = self.child.id().to_string();
        if let Some(id) = self.xdotool(&["search", "--pid", &pid]).lines().last() {
            self.xdotool(&["windowfocus", "--sync", id]);
        }
        std::thread::sleep(Duration::from_millis(200));
        self.xdotool(args);
    }

    fn window_origin(&self) -> (f32, f32) {
        let pid = self.child.id().to_string();
        let id = self.xdotool(&["search", "--sync", "--pid", &pid]);
        let Some(id) = id.lines().last() else {
            return (0.0, 0.0);
        };
        let geo = self.xdotool(&["getwindowgeometry", "--shell", id]);
        let get = |k: &str| -> f32 {
            geo.lines()
                .find_map(|l| l.strip_prefix(k))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0.0)
        };
        (get("X="), get("Y="))
    }

    fn read_report(&self) -> Option<J> {
        let text = std::fs::read_to_string(&self.report).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Wait (up to a minute: debug builds on software rendering) until the
    /// report satisfies `ok`.
    fn wait_for(&mut self, what: &str, ok: impl Fn(&J) -> bool) -> J {
        let t0 = Instant::now();
        loop {
            if let Some(r) = self.read_report()
                && ok(&r)
            {
                return r;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(e) = self.child.stderr.as_mut() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("panorama exited ({status}) waiting for {what}: {err}");
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "waited a minute for {what}; last report: {:?}",
                self.read_report()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait until two reports a moment apart are the same (the app settled).
    fn settle(&mut self) -> J {
        let mut last = self.read_report();
        for _ in 0..100 {
            std::thread::sleep(Duration::from_millis(400));
            let now = self.read_report();
            if now == last {
                break;
            }
            last = now;
        }
        last.expect("a report")
    }

    /// Screen position of a point in window points.
    fn screen(&self, x: f32, y: f32, ppp: f32) -> (i32, i32) {
        (
            (self.origin.0 + x * ppp).round() as i32,
            (self.origin.1 + y * ppp).round() as i32,
        )
    }

    fn move_to(&self, (x, y): (i32, i32)) {
        self.xdotool(&["mousemove", "--sync", &x.to_string(), &y.to_string()]);
        std::thread::sleep(Duration::from_millis(150));
    }

    fn click_widget(&mut self, name: &str) {
        let r = self.wait_for(name, |r| r["widgets"].get(name).is_some());
        let w = &r["widgets"][name];
        let c = |i: usize| w[i].as_f64().unwrap_or_default() as f32;
        let ppp = r["pixels_per_point"].as_f64().unwrap_or(1.0) as f32;
        let ppp = if ppp > 0.0 { ppp } else { 1.0 };
        let at = self.screen((c(0) + c(2)) / 2.0, (c(1) + c(3)) / 2.0, ppp);
        self.move_to(at);
        self.xdotool(&["click", "1"]);
        std::thread::sleep(Duration::from_millis(300));
    }

    /// The screen as RGB rows, from `xwd` (ZPixmap, 24-bit depth in 32 bits).
    fn screenshot(&self) -> (usize, usize, Vec<u8>) {
        let out = Command::new("xwd")
            .args(["-root", "-silent", "-display", &self.display])
            .output()
            .expect("xwd");
        let d = out.stdout;
        let u = |i: usize| {
            u32::from_be_bytes([d[i * 4], d[i * 4 + 1], d[i * 4 + 2], d[i * 4 + 3]]) as usize
        };
        let (header, width, height) = (u(0), u(4), u(5));
        let (byte_order, bpp, line, ncolors) = (u(7), u(11), u(12), u(19));
        assert_eq!(bpp, 32, "xwd bits per pixel");
        let start = header + ncolors * 12;
        let mut rgb = Vec::with_capacity(width * height * 3);
        for y in 0..height {
            for x in 0..width {
                let p = start + y * line + x * 4;
                let px = &d[p..p + 4];
                // LSBFirst: B, G, R, pad; MSBFirst: pad, R, G, B.
                if byte_order == 0 {
                    rgb.extend_from_slice(&[px[2], px[1], px[0]]);
                } else {
                    rgb.extend_from_slice(&[px[1], px[2], px[3]]);
                }
            }
        }
        (width, height, rgb)
    }
}

impl App {
    /// With `PANORAMA_LIVE_SHOTS=DIR`: keep a screenshot of the window as
    /// DIR/NAME.png (the README's screenshots are taken this way).
    fn shot(&self, name: &str) {
        let Some(dir) = std::env::var_os("PANORAMA_LIVE_SHOTS") else {
            return;
        };
        let (w, h, rgb) = self.screenshot();
        let Some(img) = image::RgbImage::from_raw(w as u32, h as u32, rgb) else {
            return;
        };
        let (x, y) = (self.origin.0.max(0.0) as u32, self.origin.1.max(0.0) as u32);
        let pid = self.child.id().to_string();
        let id = self.xdotool(&["search", "--pid", &pid]);
        let geo = id
            .lines()
            .last()
            .map(|id| self.xdotool(&["getwindowgeometry", "--shell", id]))
            .unwrap_or_default();
        let get = |k: &str, d: u32| -> u32 {
            geo.lines()
                .find_map(|l| l.strip_prefix(k))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(d)
        };
        let (ww, wh) = (get("WIDTH=", w as u32 - x), get("HEIGHT=", h as u32 - y));
        let crop =
            image::imageops::crop_imm(&img, x, y, ww.min(w as u32 - x), wh.min(h as u32 - y))
                .to_image();
        let _ = std::fs::create_dir_all(&dir);
        let _ = crop.save(Path::new(&dir).join(format!("{name}.png")));
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn range(r: &J, key: &str) -> (f64, f64) {
    (
        r[key][0].as_f64().unwrap_or(f64::NAN),
        r[key][1].as_f64().unwrap_or(f64::NAN),
    )
}

#[test]
fn the_real_window_shows_and_does_what_it_says() {
    for tool in ["Xvfb", "xdotool", "xwd"] {
        need(tool);
    }
    let display = Display::start();

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
    let mid = ((f[0] + f[2]) / 2.0, (f[1] + f[3]) / 2.0);
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
    app.click_widget("tab:Workflows");
    app.click_widget("button:Open example…");
    app.click_widget("menu:normalise_and_sum");
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
    app.click_widget("tab:Workflows");
    app.click_widget("button:Open example…");
    app.click_widget("menu:image_to_iq_fit");
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
    app.move_to(app.screen(s(0) + 50.0, (s(1) + s(3)) / 2.0, ppp));
    // Pressed for a few frames, as a hand does.
    app.xdotool(&["mousedown", "1"]);
    std::thread::sleep(Duration::from_millis(300));
    app.move_to(app.screen(s(0) + 51.0, (s(1) + s(3)) / 2.0, ppp));
    app.xdotool(&["mouseup", "1"]);
    app.move_to((1, 1));
    app.settle();
    app.shot("viewer_stack_axes");
    drop(app);

    // A session bus that takes connections and never answers (the keyring
    // probe then waits 5 s for the Secret Service): the window still comes
    // up as fast as without one.
    let bus_dir = tempfile::tempdir().expect("tmp");
    let socket = bus_dir.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bus socket");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming().flatten() {
            held.push(c);
        }
    });
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
