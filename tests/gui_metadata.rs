//! The metadata editor driven by clicks and typing: a DataCite draft shows
//! its problems at their fields, typing fixes them and is saved at once,
//! undo takes an edit back, and a draft filled from a NeXus file says where
//! each value came from.

mod common;

use panorama::command::{DocumentsCommand, MetadataCommand};
use std::path::Path;

use common::gui::{settle, window};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use panorama::paths::AppDirs;
use panorama::runtime::Runtime;
use panorama::ui::PanoramaApp;

/// Click into the field as a person does (the pointer moves there first),
/// then type key by key with frames between, as keys arrive.
fn type_into(h: &mut Harness<'_, PanoramaApp>, label: &str, text: &str) {
    let at = h.get_by_label(label).rect().center();
    h.hover_at(at);
    h.run_steps(2);
    h.get_by_label(label).click();
    h.run_steps(2);
    for c in text.chars() {
        h.event(egui::Event::Text(c.to_string()));
        h.run_steps(2);
    }
    h.run_steps(2);
}

/// The window over a fresh home, on the Metadata tab with a new draft open.
fn new_draft(home: &Path) -> Harness<'static, PanoramaApp> {
    let mut h = window(home, 1200.0, 900.0);
    h.run_steps(4);
    h.get_by_label("Metadata").click();
    h.run_steps(4);
    h.get_by_label("New draft").click();
    settle(&mut h);
    h
}

fn errors_at(h: &Harness<'_, PanoramaApp>, pointer: &str) -> usize {
    h.state().state().metadata.open.as_ref().map_or(0, |o| {
        o.errors
            .iter()
            .filter(|e| e.pointer.starts_with(pointer))
            .count()
    })
}

#[test]
fn a_datacite_draft_is_filled_fixed_and_undone() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = new_draft(home.path());
    assert!(errors_at(&h, "/publisher") > 0, "publisher is required");
    h.get_by_label_contains("problems to fix");

    // Publisher's name: typed, saved, the error gone.
    type_into(&mut h, "Name *", "Helmholtz-Zentrum Dresden-Rossendorf");
    assert_eq!(errors_at(&h, "/publisher"), 0);
    let open = h.state().state().metadata.open.as_ref().expect("open");
    assert_eq!(
        open.doc.draft.fields["/publisher/name"].value,
        serde_json::json!("Helmholtz-Zentrum Dresden-Rossendorf")
    );

    // A title: add an item, type into it.
    h.get_by_label("Add title").click();
    h.run_steps(3);
    type_into(&mut h, "Title *", "Porous carbon at 77 K");
    assert_eq!(errors_at(&h, "/titles"), 0);

    // Undo takes back a word at a time (typed key by key, not a key at a
    // time); all five, and the title's error returns.
    let title = |h: &Harness<'_, PanoramaApp>| {
        let open = h.state().state().metadata.open.as_ref().expect("open");
        open.doc
            .draft
            .fields
            .get("/titles/0/title")
            .map(|f| f.value.clone())
    };
    h.get_by_label("Undo").click();
    h.run_steps(3);
    assert_eq!(title(&h), Some(serde_json::json!("Porous carbon at 77 ")));
    for _ in 0..4 {
        h.get_by_label("Undo").click();
        h.run_steps(3);
    }
    assert!(errors_at(&h, "/titles") > 0, "title: {:?}", title(&h));
    for _ in 0..5 {
        h.get_by_label("Redo").click();
        h.run_steps(3);
    }
    assert_eq!(errors_at(&h, "/titles"), 0);
    assert_eq!(title(&h), Some(serde_json::json!("Porous carbon at 77 K")));

    // Kept in the store: a new window (same home) shows the same draft.
    let id = h
        .state()
        .state()
        .metadata
        .open
        .as_ref()
        .expect("open")
        .doc
        .id;
    let home2 = AppDirs::under(home.path());
    let rt = Runtime::new().expect("rt");
    let mut again = panorama::state::AppState::new(home2, rt.tasks().clone());
    again.apply(MetadataCommand::OpenDraft(id));
    let doc = again
        .metadata
        .open
        .as_ref()
        .expect("reopened")
        .doc
        .draft
        .to_json();
    assert_eq!(doc["titles"][0]["title"], "Porous carbon at 77 K");
}

#[test]
fn a_draft_filled_from_a_file_names_its_sources() {
    let home = tempfile::tempdir().expect("tmp");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo_spectrum1d.nxs");
    let mut h = window(home.path(), 1200.0, 800.0);
    h.run_steps(4);
    h.state_mut()
        .state_mut()
        .apply(DocumentsCommand::OpenPath(file));
    settle(&mut h);
    h.get_by_label("Metadata").click();
    h.run_steps(4);
    h.get_by_label("fill from demo_spectrum1d.nxs").click();
    h.run_steps(2);
    h.get_by_label("New draft").click();
    settle(&mut h);
    let open = h.state().state().metadata.open.as_ref().expect("draft");
    assert_eq!(open.doc.title, "XRF spectrum (demo)");
    assert_eq!(
        open.doc.draft.fields["/titles/0/title"].value,
        serde_json::json!("XRF spectrum (demo)")
    );
    h.get_by_label("from /entry/title");
    // The year, the collection date and its type all come from the start time.
    assert_eq!(h.get_all_by_label("from /entry/start_time").count(), 3);
    h.snapshot("metadata_datacite_from_file");

    // The same file against the NeXus definition it names.
    type_into(
        &mut h,
        "Check demo_spectrum1d.nxs against NeXus",
        "NXmonopd",
    );
    h.get_by_label("Check").click();
    settle(&mut h);
    h.get_by_label("demo_spectrum1d.nxs: 3 problem(s) against NXmonopd");
    h.get_by_label("missing required group NXinstrument");
}

#[test]
fn a_template_fills_a_draft_and_bulk_edit_sets_three() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = new_draft(home.path());
    type_into(&mut h, "Name *", "HZDR");
    // Save what was typed as a template…
    type_into(&mut h, "Templates:", "POWTEX");
    h.get_by_label("Save as template").click();
    h.run_steps(3);
    assert_eq!(h.state().state().metadata.templates.len(), 1);
    let first = h
        .state()
        .state()
        .metadata
        .open
        .as_ref()
        .expect("open")
        .doc
        .id;

    // …and apply it to a new draft from the menu.
    h.get_by_label("New draft").click();
    settle(&mut h);
    h.get_by_label("Apply template…").click();
    h.run_steps(3);
    h.get_by_label("POWTEX").click();
    h.run_steps(3);
    let second = h.state().state().metadata.open.as_ref().expect("open");
    assert_ne!(second.doc.id, first);
    assert_eq!(
        second.doc.draft.fields["/publisher/name"].origin,
        panorama::metadata::Origin::Template {
            name: "POWTEX".into()
        }
    );
    h.get_by_label("from template POWTEX");

    // A third draft with another publisher.
    h.get_by_label("New draft").click();
    settle(&mut h);
    h.state_mut().state_mut().apply(MetadataCommand::EditDraft {
        pointer: "/publisher/name".into(),
        value: Some(serde_json::json!("ESS")),
    });
    h.run_steps(3);

    // Bulk edit: select all three, see the difference, set it for all.
    h.get_by_label("Bulk edit…").click();
    h.run_steps(3);
    let titles: Vec<String> = h
        .state()
        .state()
        .metadata
        .drafts
        .iter()
        .map(|d| d.1.clone())
        .collect();
    assert_eq!(titles.len(), 3);
    let open_title = h
        .state()
        .state()
        .metadata
        .open
        .as_ref()
        .expect("open")
        .doc
        .title
        .clone();
    for t in titles.iter().filter(|t| **t != open_title) {
        h.get_by_label(t).click();
        h.run_steps(2);
    }
    h.get_by_label_contains("differs: ");
    h.get_by_label("/publisher/name").click();
    h.run_steps(2);
    type_into(&mut h, "Value", "HZDR");
    h.get_by_label("Preview: 1 draft(s) change");
    h.get_by_label("Apply to 1 drafts").click();
    h.run_steps(3);
    let ids: Vec<i64> = h
        .state()
        .state()
        .metadata
        .drafts
        .iter()
        .map(|d| d.0)
        .collect();
    for d in h.state().state().draft_docs(&ids) {
        assert_eq!(
            d.draft.fields["/publisher/name"].value,
            serde_json::json!("HZDR"),
            "{}",
            d.title
        );
    }
    h.get_by_label_contains("same: HZDR");
}

/// The "required" line under Publisher Name goes away with the first key;
/// the form moves up, and every later key still lands in the same field.
#[test]
fn typing_into_a_required_field_keeps_every_key() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = new_draft(home.path());
    assert!(errors_at(&h, "/publisher") > 0, "publisher is required");
    type_into(&mut h, "Name *", "ESRF");
    let open = h.state().state().metadata.open.as_ref().expect("open");
    assert_eq!(
        open.doc.draft.fields["/publisher/name"].value,
        serde_json::json!("ESRF")
    );
    // Nothing else was typed into.
    let typed: Vec<&String> = open
        .doc
        .draft
        .fields
        .iter()
        .filter(|(k, v)| v.value.is_string() && k.as_str() != "/schemaVersion")
        .map(|(k, _)| k)
        .collect();
    assert_eq!(typed, vec!["/publisher/name"], "fields with text");
    assert_eq!(
        panorama::ui::report::get(&h.ctx).focused.as_deref(),
        Some("Name"),
        "focus stays in the field typed in"
    );
}

/// Typing into a creator added with "Add creator" fills that creator; no
/// blank one appears after it, and the header counts one.
#[test]
fn typing_into_an_added_creator_adds_no_blank_one() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = new_draft(home.path());
    h.get_by_label("Add creator").click();
    h.run_steps(4);
    h.get_by_label_contains("Creators * (1)");
    let field = panorama::ui::report::get(&h.ctx)
        .widgets
        .iter()
        .find(|(k, _)| k.starts_with("field:/creators/0/"))
        .map(|(k, r)| (k.clone(), *r))
        .expect("a field of the first creator");
    let at = egui::pos2(
        f32::midpoint(field.1[0], field.1[2]),
        f32::midpoint(field.1[1], field.1[3]),
    );
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
    for c in "Doe".chars() {
        h.event(egui::Event::Text(c.to_string()));
        h.run_steps(2);
    }
    h.run_steps(4);
    let open = h.state().state().metadata.open.as_ref().expect("open");
    let pointer = field.0.trim_start_matches("field:");
    assert_eq!(
        open.doc.draft.fields[pointer].value,
        serde_json::json!("Doe")
    );
    assert_eq!(open.doc.draft.len_of("/creators"), 1);
    h.get_by_label_contains("Creators * (1)");
    assert!(
        h.query_by_label_contains("Creators * (2)").is_none(),
        "no blank second creator"
    );
}
