//! The application shell driven like a person would: clicks, keys, typing,
//! drag-and-drop, rendered headless with wgpu (Mesa lavapipe on CI).
//! Snapshots live in `tests/snapshots/`; see docs/TESTING.md to update them.

mod common;

use common::gui::type_slowly;
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

/// Whether the guided tour has ticked each step.
fn ticked(h: &Harness<'_, PanoramaApp>) -> Vec<bool> {
    h.state().state().tour.ticked.clone()
}

/// The tour outlines the control its current step names, as it is on
/// screen this frame.
fn assert_outlined(h: &Harness<'_, PanoramaApp>) {
    let Some(i) = h.state().state().tour.current() else {
        return;
    };
    let target = panorama::state::tour::STEPS[i].target;
    let report = panorama::ui::report::get(&h.ctx);
    let t = report
        .widgets
        .get(target)
        .unwrap_or_else(|| panic!("{target} is on screen: {:?}", report.widgets.keys()));
    let o = report
        .widgets
        .get("tour:outline")
        .expect("an outline is drawn");
    let around = [t[0] - 3.0, t[1] - 3.0, t[2] + 3.0, t[3] + 3.0];
    assert!(
        o.iter().zip(around).all(|(a, b)| (a - b).abs() < 0.5),
        "the outline {o:?} is around {target} {t:?}"
    );
}

/// The guided tour walked to its end as a trainee would, offline on the
/// bundled real records: each step ticks only when the state shows it
/// done, the control to use is outlined, and the tour is offered only once.
#[test]
fn the_guided_tour_walks_the_workshop_assignment_to_the_end() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = harness(home.path());
    h.run();
    common::gui::bundled_catalogue_only(&mut h);
    h.state_mut().offer_tour();
    h.run_steps(3);
    assert!(h.state().state().tour.open, "a first start offers the tour");
    h.get_by_label("Guided tour");
    h.get_by_label("▶ Search for a dataset");
    assert_eq!(h.state_mut().focused_tab(), Some(TabKind::Search));
    // The search box is what the first step points at.
    let report = panorama::ui::report::get(&h.ctx);
    assert!(
        report.widgets.contains_key("field:search"),
        "{:?}",
        report.widgets.keys()
    );
    h.snapshot("tour_first_step");

    // 1. Search.
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(2);
    type_slowly(&mut h, "hydrogen");
    assert_eq!(ticked(&h), [false; 6], "typing is not searching");
    h.key_press(Key::Enter);
    step_until(&mut h, "the bundled catalogue answers", |a| {
        !a.state().search.results.is_empty() && !a.state().search.running()
    });
    h.run_steps(2);
    assert_eq!(ticked(&h)[..2], [true, false]);
    h.get_by_label("▶ Open a dataset's page");
    assert_outlined(&h);

    // 2 and 3. The real record of the ISIS dataset: facility, authors, ORCID iD.
    h.get_by_label(
        "Dataset for \"Direct Evidence for Solid-Like Hydrogen in a Nanoporous Carbon \
         Hydrogen Storage Material at Supercritical Temperatures\"",
    )
    .click();
    h.run_steps(3);
    assert_eq!(ticked(&h)[..4], [true, true, true, false]);
    // The publisher row, and Valeska Ting's affiliation.
    assert!(h.get_all_by_label("University of Bath").count() >= 2);
    h.get_by_label("ORCID 0000-0001-8740-8284");
    h.get_by_label("10.15125/bath-00114");
    h.get_by_label_contains("Files (8,");
    assert_outlined(&h);

    // 4. Copy the PID.
    h.get_by_label("Copy PID").click();
    h.run_steps(3);
    assert_eq!(ticked(&h)[..5], [true, true, true, true, false]);
    assert_eq!(
        h.state()
            .state()
            .search
            .copied_pid
            .as_ref()
            .map(|(p, _)| p.as_str()),
        Some("10.15125/bath-00114")
    );
    assert_outlined(&h);

    // 5. An image: the Aurora record's file, opened from its page.
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    type_slowly(&mut h, "Aurora ring");
    h.key_press(Key::Enter);
    step_until(&mut h, "the Aurora record", |a| {
        a.state()
            .search
            .results
            .iter()
            .any(|d| d.title.starts_with("Ring pattern"))
            && !a.state().search.running()
    });
    h.run_steps(2);
    h.get_by_label("Ring pattern of a calibrant powder, Aurora beamtime")
        .click();
    h.run_steps(3);
    h.get_by_label("Open").click();
    step_until(&mut h, "the image in the viewer", |a| {
        a.state().tour.ticked.get(4) == Some(&true)
    });

    // 6. The pixel size: the image's x axis, clicked in Files.
    h.get_by_label("Show me").click();
    h.run_steps(3);
    assert_eq!(h.state_mut().focused_tab(), Some(TabKind::Files));
    assert_outlined(&h);
    // Clicking a group's name opens it: entry, then image, then x.
    let entry = panorama::ui::panels::files::nx_icon(Some("NXentry"));
    h.get_by_label(&format!("{entry} entry")).click();
    step_until(&mut h, "entry open", |a| {
        a.state().documents.open[0].entities.contains_key("/entry")
    });
    h.run_steps(3);
    let data = panorama::ui::panels::files::nx_icon(Some("NXdata"));
    h.get_by_label(&format!("{data} image")).click();
    step_until(&mut h, "image open", |a| {
        a.state().documents.open[0]
            .entities
            .contains_key("/entry/image")
    });
    h.run_steps(3);
    assert!(!ticked(&h)[5], "choosing the groups is not the step");
    h.get_by_label("▦ x").click();
    step_until(&mut h, "the last step ticked", |a| {
        a.state().tour.finished()
    });
    h.run_steps(2);
    h.get_by_label_contains("All done");
    h.get_by_label("Finish tour").click();
    h.run_steps(2);
    assert!(!h.state().state().tour.open);

    // Offered once: a restart in the same home does not offer it again,
    // and the palette opens it anew from the first step.
    drop(h);
    let mut h = harness(home.path());
    h.run();
    common::gui::bundled_catalogue_only(&mut h);
    h.state_mut().offer_tour();
    h.run_steps(2);
    assert!(!h.state().state().tour.open, "offered only once");
    h.state_mut().run(panorama::command::TourCommand::Start);
    h.run_steps(2);
    assert!(h.state().state().tour.open);
    assert_eq!(h.state().state().tour.current(), Some(0));
}

/// F1 opens the bundled help page of the tab in front, offline; Escape
/// closes it.
#[test]
fn f1_opens_the_help_page_of_the_tab_in_front() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = harness(home.path());
    h.run();
    h.get_by_label("Search").click();
    h.run_steps(2);
    h.key_press(Key::F1);
    h.run_steps(3);
    assert_eq!(h.state().help_shown(), Some(TabKind::Search));
    h.get_by_label("Help: Search");
    h.get_by_label_contains("A dataset's page");
    h.snapshot("help_search");
    h.key_press(Key::Escape);
    h.run_steps(2);
    assert_eq!(h.state().help_shown(), None);
    // From the palette: another tab's page.
    h.state_mut()
        .run(ShellCommand::Help(Some(TabKind::Workflows)));
    h.run_steps(2);
    h.get_by_label("Help: Workflows");
    h.key_press(Key::Escape);
    h.run_steps(2);
    // Ctrl+F from another tab: the Search tab, the keyboard in its box.
    h.get_by_label("Viewer").click();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.run_steps(3);
    assert_eq!(h.state_mut().focused_tab(), Some(TabKind::Search));
    type_slowly(&mut h, "hydrogen");
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(h.state().state().search.query.as_deref(), Some("hydrogen"));
}
