//! The Search tab with a real loopback PaNOSC server: add the source in the
//! Sources window, search, and see each source's chip.

mod common;

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use panorama::ui::PanoramaApp;

fn settle(h: &mut Harness<'_, PanoramaApp>) {
    for _ in 0..3000 {
        h.step();
        let s = h.state().state();
        if !s.busy() && !s.search.running() && s.tasks().snapshot().is_empty() {
            h.run_steps(3);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("background work never settled");
}

/// The loopback InvenioRDM as a source.
fn rdm(url: &str) -> panorama::catalogue::SourceConfig {
    panorama::catalogue::SourceConfig {
        id: "rdm".into(),
        name: "Loopback InvenioRDM".into(),
        kind: panorama::catalogue::invenio::KIND.kind(),
        url: url.into(),
        enabled: true,
        account: None,
        h5grove: None,
    }
}

/// A window over `home` searching only `source`, on the Search tab with
/// the keyboard in the search box.
fn searching(
    home: &Path,
    source: panorama::catalogue::SourceConfig,
) -> Harness<'static, PanoramaApp> {
    let mut h = common::gui::window(home, 1280.0, 800.0);
    h.run_steps(3);
    h.state_mut().state_mut().set_sources(vec![source]);
    h.get_by_label("Search").click();
    h.run();
    h.get_all_by_role(egui::accesskit::Role::TextInput)
        .next()
        .expect("search box")
        .focus();
    h.run_steps(2);
    h
}

/// A window over `home` searching only the loopback InvenioRDM at `url`:
/// `text` typed into the search box key by key, Enter, the answer in.
fn searched(home: &Path, url: &str, text: &str) -> Harness<'static, PanoramaApp> {
    let mut h = searching(home, rdm(url));
    common::gui::type_slowly(&mut h, text);
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    h
}

#[test]
fn a_source_added_in_the_ui_is_searched_with_the_demo() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/panosc_serve.py");
    let mut cmd = std::process::Command::new(common::venv_python());
    cmd.arg(script).env("MODE", "ok");
    let peer = common::start_peer(cmd, "PANOSC_READY");

    let home = tempfile::tempdir().expect("tmp");
    let mut h = common::gui::window(home.path(), 1280.0, 800.0);
    h.run();
    // Start from the bundled catalogue only.
    common::gui::bundled_catalogue_only(&mut h);
    h.get_by_label("Search").click();
    h.run();
    h.get_by_label("Sources…").click();
    h.run();
    h.get_by_label("Catalogue sources");
    let fields: Vec<_> = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .collect();
    assert_eq!(fields.len(), 3, "search box, name, URL");
    drop(fields);
    let name = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .nth(1)
        .expect("name");
    name.focus();
    h.run_steps(2);
    h.event(egui::Event::Text("Loopback PaNOSC".into()));
    h.run_steps(2);
    let url = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .nth(2)
        .expect("url");
    url.focus();
    h.run_steps(2);
    h.event(egui::Event::Text(peer.url.clone()));
    h.run_steps(2);
    h.get_by_label("Add").click();
    h.run_steps(2);
    h.get_by_label("Save").click();
    h.run_steps(2);
    assert_eq!(h.state().state().search.sources.len(), 2);
    // The sources are remembered.
    assert!(
        h.state()
            .state()
            .load(&panorama::state::settings::SOURCES)
            .is_some_and(|s| s.iter().any(|c| c.name == "Loopback PaNOSC"))
    );

    let search = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .next()
        .expect("search box");
    search.focus();
    h.run_steps(2);
    h.event(egui::Event::Text("dataset".into()));
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    h.get_by_label_contains("[Demo catalogue] ok");
    h.get_by_label_contains("[Loopback PaNOSC] ok · 4");
    h.get_by_label("PaNOSC Test Dataset 1");
}

#[test]
fn a_file_downloads_from_the_dataset_page_and_opens() {
    let (files, peer) = common::invenio_with_a_file();

    let home = tempfile::tempdir().expect("tmp");
    let mut h = searched(home.path(), &peer.url, "Romans");
    h.get_by_label("A Romans story").click();
    h.run_steps(3);
    h.get_by_label("romans_scan.h5");
    h.get_by_label("Download").click();
    h.run_steps(2);
    // The queue shows it; the file arrives, checked against its md5.
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Downloads").click();
    h.run_steps(2);
    settle(&mut h);
    h.get_by_label("done, checked");
    let got = home.path().join("downloads/romans_scan.h5");
    assert_eq!(
        std::fs::read(&got).expect("downloaded"),
        std::fs::read(files.path().join("romans_scan.h5")).expect("source")
    );
    assert!(
        h.state()
            .state()
            .notifications
            .iter()
            .any(|n| n.title == "Downloaded romans_scan.h5")
    );
    h.get_by_label("Open").click();
    settle(&mut h);
    assert!(
        h.state()
            .state()
            .documents
            .open
            .iter()
            .any(|d| d.location.ends_with("romans_scan.h5")),
        "the downloaded file opened"
    );
    h.get_by_label("Downloads").click();
    h.run_steps(3);
    h.snapshot("downloads");
}

/// A filter in force stays in view as a chip (and in its facet list, at 0)
/// even when a new search has nothing from it, so it can be cleared; the
/// dataset page closes when the filters remove its dataset.
#[test]
fn active_filters_stay_visible_and_clear() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = common::gui::window(home.path(), 1280.0, 800.0);
    h.run();
    common::gui::bundled_catalogue_only(&mut h);
    h.state_mut()
        .run(panorama::command::SearchCommand::Run(String::new()));
    settle(&mut h);
    let results = h.state().state().search.results.clone();
    let facility = results
        .iter()
        .find_map(|d| d.facility.clone())
        .expect("a facility");
    let other = results
        .iter()
        .find(|d| d.facility.as_deref() != Some(facility.as_str()))
        .expect("a dataset from elsewhere")
        .key();
    h.state_mut()
        .run(panorama::command::SearchCommand::ShowDataset(other));
    h.run_steps(3);
    assert!(h.state().state().search.shown_dataset().is_some());
    h.state_mut()
        .run(panorama::command::SearchCommand::ToggleFacet {
            facet: "facility".into(),
            value: facility.clone(),
        });
    h.run_steps(3);
    assert!(
        h.state().state().search.shown_dataset().is_none(),
        "the page of a dataset the filter removed closes"
    );
    // A search with nothing at all: the filter is still there to clear.
    h.state_mut().run(panorama::command::SearchCommand::Run(
        "zzqqxx nothing matches".into(),
    ));
    settle(&mut h);
    h.get_by_label(&format!("facility: {facility} ×"));
    h.get_by_label(&format!("{facility} (0)"));
    h.get_by_label("Clear all").click();
    h.run_steps(3);
    assert!(h.state().state().search.facets.is_empty());
}

/// No network (every online catalogue unreachable): the search answers
/// from the bundled catalogue and says so in one quiet line with Retry;
/// no red error line per source, and what each said stays one click away.
#[test]
fn offline_the_search_says_so_once_and_retries() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = common::gui::window(home.path(), 1280.0, 800.0);
    h.run();
    let mut sources: Vec<_> = panorama::catalogue::default_sources()
        .into_iter()
        .filter(|s| s.id == "demo")
        .collect();
    for (id, name) in [("panosc", "PaNOSC"), ("zenodo", "Zenodo")] {
        sources.push(panorama::catalogue::SourceConfig {
            id: id.into(),
            name: name.into(),
            kind: panorama::catalogue::panosc::KIND.kind(),
            url: common::closed_port_url(),
            enabled: true,
            account: None,
            h5grove: None,
        });
    }
    h.state_mut().state_mut().set_sources(sources);
    h.get_by_label("Search").click();
    h.run();
    let search = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .next()
        .expect("search box");
    search.focus();
    h.run_steps(2);
    common::gui::type_slowly(&mut h, "BrightnESS");
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    h.get_by_label(
        "Offline: searched the bundled catalogue and the offline index; 2 online catalogues skipped",
    );
    assert_eq!(h.query_all_by_label_contains("refused").count(), 0);
    assert_eq!(
        h.query_all_by_label_contains("could not connect").count(),
        0,
        "details folded"
    );
    h.get_by_label_contains("[PaNOSC] skipped");
    h.get_by_label("What each catalogue said").click();
    h.run_steps(3);
    assert_eq!(
        h.query_all_by_label_contains("could not connect to")
            .count(),
        2
    );
    let before = h.state().state().search.runs[0].started;
    h.get_by_label("Retry").click();
    h.run_steps(2);
    settle(&mut h);
    assert!(
        h.state().state().search.runs[0].started > before,
        "asked again"
    );
    assert_eq!(
        h.state().state().search.query.as_deref(),
        Some("BrightnESS")
    );
    h.get_by_label_contains("Offline: searched");
    h.snapshot("search_offline");
}

/// A parameter search typed key by key, offline on the bundled catalogue:
/// only the record whose photon energy lies in the range is left, the
/// filter is a chip that says where it was applied, and removing the chip
/// searches again without it.
#[test]
fn a_parameter_range_with_units_finds_only_matching_records() {
    let home = tempfile::tempdir().expect("tmp");
    let mut h = common::gui::window(home.path(), 1280.0, 800.0);
    h.run();
    common::gui::bundled_catalogue_only(&mut h);
    h.get_by_label("Search").click();
    h.run();
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(2);
    // 17.5 keV is in range; the other demo record's 21 keV is not, and the
    // records that give no photon energy cannot be said to match. In eV.
    common::gui::type_slowly(&mut h, "photon_energy:17000..18000 eV");
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    let s = h.state().state();
    let titles: Vec<&str> = s.search.results.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Ring pattern of a calibrant powder, Aurora beamtime"],
        "{titles:?}"
    );
    h.get_by_label_contains("Filtered here: Demo catalogue");
    h.get_by_label("photon_energy:17000..18000 eV ×").click();
    settle(&mut h);
    let s = h.state().state();
    assert!(s.search.filters.is_empty());
    assert!(s.search.results.len() > 30, "all records again");

    // A filter that does not read says why, and nothing is searched.
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(2);
    h.event(egui::Event::Text(" after:yesterday".into()));
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    h.get_by_label_contains("does not read: a date is YYYY");
    assert!(h.state().state().search.results.is_empty());
}

/// The filter builder, used as a person does: open it, type a parameter's
/// name and range key by key, pick Å, add. The query box then reads the
/// filter, both loopback PaNOSC servers are asked it (as the search API's
/// scoped include, which they apply over parameters recorded in Å and in
/// nm), and only the records that hold are listed.
#[test]
fn the_filter_builder_finds_a_wavelength_range_across_panosc_servers() {
    let dir = tempfile::tempdir().expect("tmp");
    let extra = |name: &str, rows: serde_json::Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, rows.to_string()).expect("write");
        path
    };
    let dataset = |pid: &str, title: &str, p: serde_json::Value| {
        serde_json::json!({
            "pid": pid, "title": title, "isPublic": true,
            "creationDate": "2023-03-01T10:00:00.000Z",
            "instrumentId": "20.500.12269/0f98fcf2-7bd7-430e-ad20-d47031ca8f71",
            "parameters": [p],
        })
    };
    let a = extra(
        "a.json",
        serde_json::json!([
            dataset(
                "20.500.12269/a1",
                "Lysozyme at 1.5 Å",
                serde_json::json!({"name": "wavelength", "value": 1.5, "unit": "angstrom"})
            ),
            dataset(
                "20.500.12269/a2",
                "Powder at 3 Å",
                serde_json::json!({"name": "wavelength", "value": 3, "unit": "angstrom"})
            ),
        ]),
    );
    let b = extra(
        "b.json",
        serde_json::json!([
            dataset(
                "20.500.12269/b1",
                "Film at 0.12 nm",
                serde_json::json!({"name": "wavelength", "value": 0.12, "unit": "nm"})
            ),
            dataset(
                "20.500.12269/b2",
                "Ice at 10 keV",
                serde_json::json!({"name": "photon_energy", "value": 10, "unit": "keV"})
            ),
        ]),
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/panosc_serve.py");
    let serve = |extra: &Path| {
        let mut cmd = std::process::Command::new(common::venv_python());
        cmd.arg(&script).env("MODE", "ok").env("EXTRA", extra);
        common::start_peer(cmd, "PANOSC_READY")
    };
    let (pa, pb) = (serve(&a), serve(&b));
    let home = tempfile::tempdir().expect("tmp");
    let mut h = common::gui::window(home.path(), 1280.0, 800.0);
    h.run();
    let source = |id: &str, url: &str| panorama::catalogue::SourceConfig {
        id: id.into(),
        name: id.into(),
        kind: panorama::catalogue::panosc::KIND.kind(),
        url: url.into(),
        enabled: true,
        account: None,
        h5grove: None,
    };
    h.state_mut().state_mut().set_sources(vec![
        source("Beamline A", &pa.url),
        source("Beamline B", &pb.url),
    ]);
    h.get_by_label("Search").click();
    h.run();
    h.get_by_label("Filters…").click();
    h.run_steps(2);
    let field = |h: &mut Harness<'_, PanoramaApp>, i: usize, text: &str| {
        h.get_all_by_role(egui::accesskit::Role::TextInput)
            .nth(i)
            .expect("a field of the builder")
            .focus();
        h.run_steps(2);
        common::gui::type_slowly(h, text);
    };
    // The search box, then the builder's name, from and to.
    field(&mut h, 1, "wavelength");
    field(&mut h, 2, "1");
    field(&mut h, 3, "2");
    h.get_by_value("no unit").click();
    h.run_steps(2);
    h.get_by_label("Å").click();
    h.run_steps(2);
    h.get_by_label("Add filter").click();
    settle(&mut h);
    let s = h.state().state();
    assert_eq!(s.search.query.as_deref(), Some("wavelength:1..2 Å"));
    let mut titles: Vec<&str> = s.search.results.iter().map(|d| d.title.as_str()).collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        ["Film at 0.12 nm", "Lysozyme at 1.5 Å"],
        "{titles:?}"
    );
    for run in &s.search.runs {
        assert!(
            run.status.ready().is_some(),
            "{}: {:?}",
            run.name,
            run.status
        );
    }
    h.get_by_label("wavelength:1..2 Å ×");
    h.get_by_label("Lysozyme at 1.5 Å");
    h.get_by_label("Film at 0.12 nm");
    // A range the wrong way round says why, and nothing is added.
    field(&mut h, 1, "temperature");
    field(&mut h, 2, "300");
    field(&mut h, 3, "10");
    h.get_by_label("Add filter").click();
    h.run_steps(3);
    h.get_by_label_contains("from the smaller number to the larger");
    assert_eq!(
        h.state().state().search.query.as_deref(),
        Some("wavelength:1..2 Å")
    );
    h.get_by_label("Lysozyme at 1.5 Å").click();
    settle(&mut h);
    h.snapshot("search_filter_builder");
}

/// The cart, used as a person does: two records put in from their pages,
/// the cart window copies their PIDs and citations and downloads every file
/// they list (checked, each remembering its dataset); after a restart the
/// cart is still there.
#[test]
fn the_cart_collects_datasets_downloads_them_and_survives_a_restart() {
    let (files, peer) = common::invenio_with_a_file();
    let home = tempfile::tempdir().expect("tmp");
    {
        let mut h = searched(home.path(), &peer.url, "Romans");
        for title in ["A Romans story", "An Updated Romans story"] {
            h.get_by_label(title).click();
            h.run_steps(3);
            h.get_by_label("Add to cart").click();
            h.run_steps(2);
        }
        h.get_by_label("✓ In the cart");
        h.get_by_label("Cart (2)").click();
        h.run_steps(2);
        h.get_by_label("Copy PIDs").click();
        h.run_steps(2);
        // Said in the cart window (and on the dataset page beside it).
        assert!(h.get_all_by_label("✓ 2 PIDs copied").next().is_some());
        h.get_by_label("Copy BibTeX").click();
        h.run_steps(2);
        // Said in the cart window (and on the dataset page beside it).
        assert!(h.get_all_by_label("✓ 2 BibTeX copied").next().is_some());
        h.get_by_label("Download all").click();
        settle(&mut h);
        let got = home.path().join("downloads/romans_scan.h5");
        assert_eq!(
            std::fs::read(&got).expect("downloaded"),
            std::fs::read(files.path().join("romans_scan.h5")).expect("source")
        );
        let s = h.state().state();
        let origin = panorama::store::Store::open(&home.path().join("data/panorama.sqlite"))
            .ok()
            .and_then(|st| st.origin(&got).ok().flatten())
            .expect("the file remembers its dataset");
        assert!(origin.title.contains("Romans"), "{origin:?}");
        // The restricted record lists no files: said so, not silently skipped.
        assert!(
            s.notifications
                .iter()
                .any(|n| n.title.contains("no file list")
                    && n.detail.contains("An Updated Romans story")),
            "{:?}",
            s.notifications.iter().map(|n| &n.title).collect::<Vec<_>>()
        );
    }
    let mut h = common::gui::window(home.path(), 1280.0, 800.0);
    h.run_steps(3);
    h.get_by_label("Search").click();
    h.run();
    h.get_by_label("Cart (2)").click();
    h.run_steps(2);
    h.get_by_label("A Romans story");
    h.get_by_label("An Updated Romans story");
}

/// Lineage, as a person uses it, on a real loopback SciCat holding its own
/// derived example (made from the raw dataset "PaNOSC Test Dataset 1"), with
/// a workflow run on this computer whose input was downloaded from the raw
/// dataset: the raw dataset's page draws what was made from it (the derived
/// dataset, which the search did not list, found by asking SciCat, and the
/// run); clicking the derived node opens its page, which shows what it was
/// made from; clicking that opens the raw one again, and the run's node
/// opens its results in the viewer.
#[test]
fn lineage_shows_what_a_dataset_was_made_from_and_what_was_made_from_it() {
    use panorama::workflow::{batch, crate_meta, engine::Outcome};
    let peer = common::scicat_with_derived();
    let home = tempfile::tempdir().expect("tmp");
    let run_dir = home.path().join("data/runs/peak-fit-20261203T100000");
    let wf = panorama::workflow::file::WorkflowFile::from_graph(
        "Peak fit",
        &panorama::workflow::Graph::default(),
    )
    .to_text();
    batch::write_crate(
        &run_dir,
        &batch::RunInfo {
            workflow: wf.as_bytes(),
            settings: &[],
            started: chrono::Utc::now(),
            license: "CC-BY-4.0",
        },
        &Outcome {
            values: std::collections::BTreeMap::default(),
            errors: std::collections::BTreeMap::default(),
            computed: 0,
        },
        &[crate_meta::InputFile {
            location: home.path().join("downloads/scan.nxs").display().to_string(),
            sha256: None,
            size: None,
            origin: Some(panorama::store::FileOrigin {
                dataset: "20.500.12269/panosc-dataset1".into(),
                title: "PaNOSC Test Dataset 1".into(),
                source: "scicat".into(),
                url: "https://example.org/scan.nxs".into(),
            }),
        }],
        &[],
    )
    .expect("run crate");
    // One time for the picture, whatever day the test runs.
    let meta = run_dir.join("ro-crate-metadata.json");
    let text = std::fs::read_to_string(&meta).expect("crate");
    let mut crate_json: serde_json::Value = serde_json::from_str(&text).expect("json");
    for e in crate_json["@graph"].as_array_mut().expect("graph") {
        if e["@id"] == "#run" {
            e["endTime"] = "2026-01-15T10:00:00Z".into();
        }
    }
    std::fs::write(&meta, crate_json.to_string()).expect("write");

    let mut h = searching(
        home.path(),
        panorama::catalogue::SourceConfig {
            id: "scicat".into(),
            name: "Loopback SciCat".into(),
            kind: panorama::catalogue::scicat::KIND.kind(),
            url: peer.url.clone(),
            enabled: true,
            account: None,
            h5grove: None,
        },
    );
    // "loki" is in the raw datasets only: the derived one is not listed.
    common::gui::type_slowly(&mut h, "loki");
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    assert!(h.query_by_label("Test derived dataset").is_none());
    h.get_by_label("PaNOSC Test Dataset 1").click();
    settle(&mut h);
    h.get_by_label("Lineage");
    h.get_by_label("Used to make");
    h.get_by_label("⚙ Run of Peak fit, 2026-01-15 10:00");
    h.snapshot("search_lineage");

    h.get_by_label("Test derived dataset").click();
    settle(&mut h);
    let s = h.state().state();
    assert_eq!(
        s.search.shown_dataset().map(|d| d.title.as_str()),
        Some("Test derived dataset")
    );
    h.get_by_label("Made from");
    // Made from the raw dataset, named by its title (it is held): its node
    // on the page, right of the results list that names it too.
    h.get_all_by_label("PaNOSC Test Dataset 1")
        .max_by(|a, b| a.rect().left().total_cmp(&b.rect().left()))
        .expect("the node")
        .click();
    settle(&mut h);
    assert_eq!(
        h.state()
            .state()
            .search
            .shown_dataset()
            .and_then(|d| d.pid.as_deref()),
        Some("20.500.12269/panosc-dataset1")
    );
    h.get_by_label("⚙ Run of Peak fit, 2026-01-15 10:00")
        .click();
    settle(&mut h);
    let results = run_dir.join(panorama::workflow::batch::RESULTS_H5);
    assert!(
        h.state()
            .state()
            .documents
            .open
            .iter()
            .any(|d| Path::new(&d.location) == results),
        "{:?}",
        h.state()
            .state()
            .documents
            .open
            .iter()
            .map(|d| &d.location)
            .collect::<Vec<_>>()
    );
}

/// The chip of a federated source whose answer left out a provider that
/// turned slow says "possibly partial", and names the provider on hover
/// (loopback federated service over two loopback PaNOSC providers).
#[test]
fn a_federated_source_missing_a_provider_says_possibly_partial() {
    let servers = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers");
    let provider = |env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(common::venv_python());
        cmd.arg(servers.join("panosc_serve.py"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        common::start_peer(cmd, "PANOSC_READY")
    };
    let fast = provider(&[]);
    let turning = provider(&[("MODE", "slow"), ("SLOW", "3"), ("SLOW_FROM", "3")]);
    let mut cmd = std::process::Command::new(common::venv_python());
    cmd.arg(servers.join("federated_serve.py"))
        .env("PROVIDERS", format!("{},{}", fast.url, turning.url));
    let federated = common::start_peer(cmd, "FEDERATED_READY");
    let home = tempfile::tempdir().expect("tmp");
    let mut h = searching(
        home.path(),
        panorama::catalogue::SourceConfig {
            id: "federated".into(),
            name: "Federated".into(),
            kind: panorama::catalogue::panosc::KIND.kind(),
            url: federated.url.clone(),
            enabled: true,
            account: None,
            h5grove: None,
        },
    );
    let search = |h: &mut Harness<'_, PanoramaApp>| {
        h.get_all_by_role(egui::accesskit::Role::TextInput)
            .next()
            .expect("search box")
            .focus();
        h.run_steps(2);
        h.key_press(egui::Key::Enter);
        settle(h);
    };
    // Both providers answer the first search: nothing to say.
    search(&mut h);
    assert!(h.query_by_label_contains("possibly partial").is_none());
    h.get_by_label_contains("[Federated] ok");
    // The second: one provider turned slow and was left out.
    search(&mut h);
    let chip = h.get_by_label_contains("· possibly partial");
    {
        use egui_kittest::kittest::NodeT as _;
        let label = chip.accesskit_node().value().unwrap_or_default();
        assert!(label.starts_with("[Federated] "), "{label}");
    }
    chip.hover();
    h.run_steps(3);
    h.get_by_label_contains(&format!(
        "Sent nothing this time, though it did before: {}",
        turning.url
    ));
}

/// A filter InvenioRDM cannot be asked for is applied here, and its chip
/// says so (typed key by key into the search box).
#[test]
fn a_source_that_cannot_take_a_filter_says_filtered_here() {
    let (_files, peer) = common::invenio_with_a_file();
    let home = tempfile::tempdir().expect("tmp");
    let h = searched(home.path(), &peer.url, "Romans technique:SAXS");
    // It sent its Romans records; none is of that technique.
    h.get_by_label_contains("Nothing matches");
    h.get_by_label_contains("[Loopback InvenioRDM] ok · ");
    h.get_by_label_contains(" · filtered here");
    let mut h = searched(home.path(), &peer.url, "Romans after:2019");
    assert!(h.query_by_label_contains("filtered here").is_none());
    h.get_by_label_contains("[Loopback InvenioRDM] ok");
    h.run_steps(1);
}
