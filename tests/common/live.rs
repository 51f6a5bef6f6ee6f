//! The real binary in a real X11 window (Xvfb, Mesa's software Vulkan), in a
//! fresh home folder and with no desktop portal, driven by xdotool as a
//! person drives it: pointer moves, clicks, wheel notches and keys with real
//! frames between them. The window reports what it shows through
//! `PANORAMA_REPORT` (plot ranges, where the image is drawn, widget places,
//! the focused field); pictures are checked in screenshots of the screen.
//! With `PANORAMA_LIVE_SHOTS=DIR`, `App::shot` keeps screenshots of the
//! window (the README's are taken this way).

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "screen positions and sizes rounded to whole pixels"
)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as J;

pub fn demo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo")
        .join(name)
}

pub fn need(tool: &str) {
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
pub struct Display {
    xvfb: Child,
    pub name: String,
}

impl Display {
    pub fn start() -> Self {
        for n in 140..200 {
            let lock = PathBuf::from(format!("/tmp/.X{n}-lock"));
            if lock.exists() {
                // A lock whose server is gone (killed without cleaning up)
                // frees its number; a live server keeps it.
                let pid = std::fs::read_to_string(&lock).unwrap_or_default();
                let pid = pid.trim();
                if pid.is_empty() || Path::new(&format!("/proc/{pid}")).exists() {
                    continue;
                }
                let _ = std::fs::remove_file(&lock);
                let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{n}"));
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
    /// Stop the server with SIGTERM, so it removes its lock and socket;
    /// SIGKILL only if it does not stop within a few seconds.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.xvfb.id().to_string()])
            .status();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            if self.xvfb.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// One run of the app in the display.
pub struct App {
    pub child: Child,
    pub home: tempfile::TempDir,
    report: PathBuf,
    display: String,
    pub origin: (f32, f32),
}

impl App {
    pub fn launch(display: &Display, args: &[&Path]) -> Self {
        Self::launch_in(display, tempfile::tempdir().expect("home"), args)
    }

    /// Start in a home folder of an earlier run (settings, drafts, the
    /// workflow that was open).
    pub fn launch_in(display: &Display, home: tempfile::TempDir, args: &[&Path]) -> Self {
        Self::launch_with(display, home, args, &[])
    }

    /// Start with extra environment variables. The guided tour counts as
    /// offered already (the first start of a new user is `launch_first`).
    pub fn launch_with(
        display: &Display,
        home: tempfile::TempDir,
        args: &[&Path],
        env: &[(&str, &str)],
    ) -> Self {
        let dirs = panorama::paths::AppDirs::under(home.path());
        dirs.ensure().expect("folders");
        let store =
            panorama::store::Store::open(&dirs.data.join("panorama.sqlite")).expect("store");
        panorama::state::tour::TOUR_SEEN
            .save(&store, &true)
            .expect("tour offered");
        drop(store);
        Self::start(display, home, args, env)
    }

    /// A new user's first start: nothing in the home folder.
    #[allow(dead_code)]
    pub fn launch_first(display: &Display) -> Self {
        Self::start(display, tempfile::tempdir().expect("home"), &[], &[])
    }

    fn start(
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

    /// Run the binary again as a file manager would for a double-click, in
    /// this run's home, display and runtime folder; its output once it ends.
    pub fn launch_again(&self, args: &[&Path]) -> std::process::Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_panorama"))
            .args(args)
            .env("DISPLAY", &self.display)
            .env("PANORAMA_HOME", self.home.path())
            .env("PANORAMA_OFFLINE", "1")
            .env("XDG_RUNTIME_DIR", self.home.path().join("xdg"))
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("panorama");
        let t0 = Instant::now();
        while child.try_wait().ok().flatten().is_none() {
            if t0.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("the second launch did not end: it opened a window of its own");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().expect("output")
    }

    pub fn xdotool(&self, args: &[&str]) -> String {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .expect("xdotool");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Keys typed as on a keyboard, into the window (no window manager
    /// gives it the keyboard here, so it is given first, as a desktop does).
    pub fn keys(&self, args: &[&str]) {
        let pid = self.child.id().to_string();
        if let Some(id) = self.xdotool(&["search", "--pid", &pid]).lines().last() {
            self.xdotool(&["windowfocus", "--sync", id]);
        }
        std::thread::sleep(Duration::from_millis(200));
        self.xdotool(args);
    }

    pub fn window_origin(&self) -> (f32, f32) {
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

    pub fn read_report(&self) -> Option<J> {
        let text = std::fs::read_to_string(&self.report).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Wait (up to a minute: debug builds on software rendering) until the
    /// report satisfies `ok`.
    pub fn wait_for(&mut self, what: &str, ok: impl Fn(&J) -> bool) -> J {
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
    pub fn settle(&mut self) -> J {
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
    pub fn screen(&self, x: f32, y: f32, ppp: f32) -> (i32, i32) {
        (
            (self.origin.0 + x * ppp).round() as i32,
            (self.origin.1 + y * ppp).round() as i32,
        )
    }

    pub fn move_to(&self, (x, y): (i32, i32)) {
        self.xdotool(&["mousemove", "--sync", &x.to_string(), &y.to_string()]);
        std::thread::sleep(Duration::from_millis(150));
    }

    pub fn click_widget(&mut self, name: &str) {
        let r = self.wait_for(name, |r| r["widgets"].get(name).is_some());
        let w = &r["widgets"][name];
        let c = |i: usize| w[i].as_f64().unwrap_or_default() as f32;
        let ppp = r["pixels_per_point"].as_f64().unwrap_or(1.0) as f32;
        let ppp = if ppp > 0.0 { ppp } else { 1.0 };
        let at = self.screen(f32::midpoint(c(0), c(2)), f32::midpoint(c(1), c(3)), ppp);
        self.move_to(at);
        self.xdotool(&["click", "1"]);
        std::thread::sleep(Duration::from_millis(300));
    }

    /// The Workflows tab with example workflow `name` opened from its menu.
    pub fn open_example(&mut self, name: &str) {
        self.click_widget("tab:Workflows");
        self.click_widget("button:Open example…");
        self.click_widget(&format!("menu:{name}"));
    }

    /// Where a reported widget is: (left, top, right, bottom) in points and
    /// pixels per point.
    pub fn rect_of(&mut self, name: &str) -> ([f32; 4], f32) {
        let r = self.wait_for(name, |r| r["widgets"].get(name).is_some());
        let w = &r["widgets"][name];
        let c = |i: usize| w[i].as_f64().unwrap_or_default() as f32;
        let ppp = r["pixels_per_point"].as_f64().unwrap_or(1.0) as f32;
        ([c(0), c(1), c(2), c(3)], if ppp > 0.0 { ppp } else { 1.0 })
    }

    /// The first reported widget whose name starts with `prefix`.
    pub fn find_widget(&mut self, prefix: &str) -> String {
        let r = self.wait_for(prefix, |r| {
            r["widgets"]
                .as_object()
                .is_some_and(|w| w.keys().any(|k| k.starts_with(prefix)))
        });
        r["widgets"]
            .as_object()
            .and_then(|w| w.keys().find(|k| k.starts_with(prefix)).cloned())
            .unwrap_or_default()
    }

    /// Press at `from`, move there in steps with frames between, release at
    /// `to` (points in the window), as a hand drags.
    pub fn drag(&self, from: (f32, f32), to: (f32, f32), ppp: f32) {
        self.move_to(self.screen(from.0 - 6.0, from.1, ppp));
        self.move_to(self.screen(from.0, from.1, ppp));
        self.xdotool(&["mousedown", "1"]);
        std::thread::sleep(Duration::from_millis(200));
        for i in 1..=12 {
            let t = i as f32 / 12.0;
            let x = from.0 + (to.0 - from.0) * t;
            let y = from.1 + (to.1 - from.1) * t;
            self.move_to(self.screen(x, y, ppp));
        }
        std::thread::sleep(Duration::from_millis(200));
        self.xdotool(&["mouseup", "1"]);
        std::thread::sleep(Duration::from_millis(300));
    }

    /// The screen as RGB rows, from `xwd` (ZPixmap, 24-bit depth in 32 bits).
    pub fn screenshot(&self) -> (usize, usize, Vec<u8>) {
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
    pub fn shot(&self, name: &str) {
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

pub fn range(r: &J, key: &str) -> (f64, f64) {
    (
        r[key][0].as_f64().unwrap_or(f64::NAN),
        r[key][1].as_f64().unwrap_or(f64::NAN),
    )
}
