//! The application shell driven like a person would: clicks, keys, typing,
//! drag-and-drop, rendered headless with wgpu (Mesa lavapipe on CI).
//! Snapshots live in `tests/snapshots/`; see docs/TESTING.md to update them.

use panorama::command::{DocumentsCommand, ShellCommand};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use panorama::command::{TabKind, ThemeChoice};
use panorama::paths::AppDirs;
use panorama::runtime::{Runtime, TaskStatus};
use panorama::ui::PanoramaApp;

fn harness(home: &Path) -> Harness<'static, PanoramaApp> {
    let dirs = AppDirs::under(home);
    Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_eframe(move |cc| {
            PanoramaApp::new(
                cc.egui_ctx.clone(),
                Runtime::new().expect("runtime"),
                dirs,
                None,
            )
        })
}

/// Step until `done` holds, or fail after a generous number of frames.
fn step_until(h: &mut Harness<'_, PanoramaApp>, what: &str, done: impl Fn(&PanoramaApp) -> bool) {
    for _ in 0..2000 {
        if done(h.state()) {
            return;
        }
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("timed out waiting for {what}");
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn first_start_shows_the_welcome_view() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = harness(home.path());
    h.run();
    h.get_by_label("Welcome to Panorama");
    // On the welcome view and in the empty Files pane.
    assert_eq!(h.get_all_by_label("Open demo data").count(), 2);
    for tab in [
        "Files",
        "Search",
        "Viewer",
        "Metadata",
        "Workflows",
        "Accounts",
    ] {
        h.get_by_label(tab);
    }
    h.get_by_label("Ready");
    h.snapshot("main_window_first_start");
}

#[test]
fn command_palette_filters_and_runs_an_action() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = harness(home.path());
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::K);
    h.run();
    assert!(h.state().palette_open());
    h.get_by_label("Commands");
    // Every action is listed with its shortcut.
    h.get_by_label("Open file…");
    h.get_by_label("Command palette");
    let input = h.get_by_role(egui::accesskit::Role::TextInput);
    assert!(
        input.is_focused(),
        "the palette's search field has the focus"
    );
    input.type_text("theme light");
    h.run();
    h.snapshot("command_palette_filtered");
    assert!(
        h.query_by_label("Quit").is_none(),
        "filter hides unrelated commands"
    );
    h.key_press(Key::Enter);
    h.run();
    assert!(!h.state().palette_open());
    assert_eq!(h.state().state().shell.theme, ThemeChoice::Light);
}

#[test]
fn tabs_close_reopen_and_move() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = harness(home.path());
    h.run();
    // Close the focused tab with the keyboard after clicking it.
    h.get_by_label("Search").click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::W);
    h.run();
    assert!(!h.state().open_tabs().contains(&TabKind::Search));
    assert!(h.query_by_label("Search").is_none());

    // Bring it back from the View menu.
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Search").click();
    h.run();
    assert!(h.state().open_tabs().contains(&TabKind::Search));

    // Drag the Accounts tab onto the Files pane: it moves to that leaf.
    let from = h.get_by_label("Accounts").rect().center();
    let to = h.get_by_label("No files open").rect().center();
    h.drag_at(from);
    h.run_steps(2);
    for i in 1..=10 {
        let t = i as f32 / 10.0;
        h.hover_at(from + (to - from) * t);
        h.step();
    }
    h.drop_at(to);
    h.run();
    let leaf_of = |app: &PanoramaApp, tab: TabKind| app.dock().find_tab(&tab).map(|p| p.node);
    let before_drop = leaf_of(h.state(), TabKind::Viewer);
    assert_ne!(
        leaf_of(h.state(), TabKind::Accounts),
        before_drop,
        "Accounts left the centre pane"
    );
    assert!(
        h.state().open_tabs().contains(&TabKind::Accounts),
        "and is still open"
    );
    h.snapshot("tab_moved_to_files_pane");
}

#[test]
fn a_bad_dropped_file_shows_a_readable_notification() {
    let home = tempfile::tempdir().expect("tmp");
    // A fixed path, because it appears in the snapshot.
    let stable = std::env::temp_dir().join("panorama-gui-test");
    std::fs::create_dir_all(&stable).expect("mkdir");
    let bad = stable.join("broken.nxs");
    std::fs::write(&bad, "this is not HDF5").expect("write");
    let mut h = harness(home.path());
    h.run();
    h.input_mut().dropped_files.push(Arc::new(Dropped(bad)));
    step_until(&mut h, "the error", |app| {
        !app.state().notifications.is_empty()
    });
    // Let the finished task leave the status bar so the picture is stable.
    step_until(&mut h, "an idle status bar", |app| {
        app.state().tasks().snapshot().is_empty()
    });
    h.run();
    h.get_by_label("Could not open broken.nxs");
    // The Files pane shows the reason; the notification's details start folded.
    assert_eq!(h.get_all_by_label_contains("is not an HDF5").count(), 1);
    h.get_by_label("Details").click();
    h.run();
    assert_eq!(
        h.get_all_by_label_contains("is not an HDF5 or NeXus file")
            .count(),
        2
    );
    h.snapshot("error_notification_details");
    h.get_by_label("Dismiss").click();
    h.run();
    assert!(h.state().state().notifications.is_empty());
    assert!(h.query_by_label("Could not open broken.nxs").is_none());
}

#[test]
fn a_slow_task_does_not_stall_frames_and_can_be_cancelled() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = harness(home.path());
    h.run();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let handle = h
        .state()
        .state()
        .tasks()
        .spawn_blocking("Slow job", move |ctx| {
            ctx.progress(0.3, "waiting for the test");
            // Blocks until the test sends or hangs up: far longer than the frames below.
            let _ = rx.recv();
            Ok::<_, String>(())
        });
    // If the UI thread waited on the task, these frames would never finish.
    step_until(&mut h, "progress in the status bar", |app| {
        app.state()
            .tasks()
            .snapshot()
            .iter()
            .any(|t| t.progress == Some(0.3))
    });
    for _ in 0..30 {
        h.step();
    }
    h.get_by_label("Slow job");
    h.get_by_label("waiting for the test");
    assert!(handle.ready().is_none(), "the task is still running");
    h.get_by_label("Cancel").click();
    h.step();
    step_until(&mut h, "cancellation", |app| {
        app.state()
            .tasks()
            .snapshot()
            .iter()
            .any(|t| t.status == TaskStatus::Cancelled)
    });
    h.step();
    h.get_by_label("Slow job — cancelled");
    drop(tx);
}

#[test]
fn layout_theme_and_recent_files_survive_a_restart() {
    let home = tempfile::tempdir().expect("tmp");
    {
        let mut h = harness(home.path());
        h.run();
        h.state_mut().run(ShellCommand::ShowTab(TabKind::Workflows));
        h.state_mut().run(ShellCommand::CloseFocusedTab);
        h.state_mut().run(ShellCommand::SetTheme(ThemeChoice::Dark));
        h.state_mut()
            .run(DocumentsCommand::OpenPath(home.path().join("gone.h5")));
        h.run_steps(3);
        h.state_mut().persist();
    }
    let mut h = harness(home.path());
    h.run();
    let tabs = h.state().open_tabs();
    assert!(!tabs.contains(&TabKind::Workflows), "{tabs:?}");
    assert!(tabs.contains(&TabKind::Accounts));
    assert_eq!(h.state().state().shell.theme, ThemeChoice::Dark);
    assert_eq!(h.state().state().documents.recent.len(), 1);
}

#[test]
fn demo_data_opens_from_the_welcome_view_on_its_default_plot() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = harness(home.path());
    h.run();
    h.get_all_by_label("Open demo data")
        .next()
        .expect("welcome button")
        .click();
    step_until(&mut h, "the demo image in the viewer", |app| {
        let s = app.state();
        s.documents.open.len() == 4
            && s.documents
                .open
                .iter()
                .all(|d| matches!(d.status, panorama::state::DocStatus::Ready))
            && s.documents
                .selected
                .as_ref()
                .is_some_and(|t| t.path == "/entry/image/intensity")
            && !s.busy()
    });
    step_until(&mut h, "an idle status bar", |app| {
        app.state().tasks().snapshot().is_empty()
    });
    h.run();
    for name in [
        "demo_image2d.nxs",
        "demo_reflectivity_orso.nxs",
        "demo_spectrum1d.nxs",
        "demo_stack3d.nxs",
    ] {
        // Listed under Files (the welcome tab is behind the viewer now).
        assert!(h.query_all_by_label(name).count() >= 1, "{name}");
    }
    // The inspector describes the NeXus default plot.
    h.get_by_label("NeXus default plot");
    h.get_by_label("x (mm)");
    h.snapshot("main_window_demo_open");
}

/// Ctrl+1 … count the tabs as the window shows them: the Files panel is
/// not a tab, and a tab closed and opened again counts where it now is.
#[test]
fn number_shortcuts_follow_the_tabs_as_shown() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = harness(home.path());
    h.run_steps(4);
    let shown = h.state().visible_tabs();
    assert_eq!(shown.first(), Some(&TabKind::Welcome), "{shown:?}");
    assert!(!shown.contains(&TabKind::Files));
    let press = |h: &mut Harness<'_, PanoramaApp>, key: Key| {
        h.key_press_modifiers(Modifiers::COMMAND, key);
        h.run_steps(3);
    };
    press(&mut h, Key::Num1);
    assert_eq!(h.state_mut().focused_tab(), Some(TabKind::Welcome));
    press(&mut h, Key::Num3);
    assert_eq!(h.state_mut().focused_tab(), Some(shown[2]));

    // Search closed and opened again: it is now the last tab, and Ctrl+N
    // for its new place brings it.
    h.state_mut().run(ShellCommand::ShowTab(TabKind::Search));
    h.state_mut().run(ShellCommand::CloseFocusedTab);
    h.run_steps(2);
    h.state_mut().run(ShellCommand::ShowTab(TabKind::Search));
    h.run_steps(3);
    let now = h.state().visible_tabs();
    assert_eq!(now.last(), Some(&TabKind::Search), "{now:?}");
    press(&mut h, Key::Num2);
    assert_eq!(h.state_mut().focused_tab(), Some(now[1]));
    let last = u8::try_from(now.len()).expect("few tabs");
    h.state_mut().run(ShellCommand::ShowTab(TabKind::Welcome));
    h.run_steps(2);
    let key = Key::from_name(&last.to_string()).expect("digit key");
    press(&mut h, key);
    assert_eq!(h.state_mut().focused_tab(), Some(TabKind::Search));
}
