//! Federated search against loopback servers speaking the PaNOSC search API
//! over real seed data, including sources that are slow, fail, send garbage
//! or refuse connections.

mod common;

use panorama::command::{DocumentsCommand, SearchCommand};
use std::path::Path;
use std::process::Command as Process;
use std::time::{Duration, Instant};

use panorama::catalogue::panosc::Panosc;
use panorama::catalogue::{SearchQuery, SourceConfig};

use panorama::paths::AppDirs;
use panorama::runtime::Runtime;
use panorama::state::{AppState, Requested};

fn panosc(mode: &str) -> common::Peer {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/panosc_serve.py");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(script).env("MODE", mode).env("SLOW", "4");
    common::start_peer(cmd, "PANOSC_READY")
}

/// One of the loopback servers in `tests/servers`, started as it is.
fn start(name: &str, ready: &str) -> common::Peer {
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/servers")
            .join(name),
    );
    common::start_peer(cmd, ready)
}

/// The app's state over `home`, searching only the SciCat at `url`.
fn scicat_state(home: &Path, rt: &Runtime, url: &str) -> AppState {
    let mut s = AppState::new(AppDirs::under(home), rt.tasks().clone());
    s.set_sources(vec![SourceConfig {
        kind: panorama::catalogue::scicat::KIND.kind(),
        ..source("scicat", url)
    }]);
    s
}

/// Poll until no search, file list or lineage lookup is on its way.
fn settle_state(s: &mut AppState) {
    let t0 = Instant::now();
    while s.busy() || s.search.running() {
        s.poll();
        assert!(t0.elapsed() < Duration::from_secs(20), "never finished");
        std::thread::sleep(Duration::from_millis(10));
    }
    s.poll();
}

/// A source of kind `k`.
fn kind(id: &str, k: &panorama::catalogue::KindSpec, url: &str) -> SourceConfig {
    SourceConfig {
        kind: k.kind(),
        ..source(id, url)
    }
}

fn source(id: &str, url: &str) -> SourceConfig {
    SourceConfig {
        id: id.into(),
        name: id.into(),
        kind: panorama::catalogue::panosc::KIND.kind(),
        url: url.into(),
        enabled: true,
        account: None,
        h5grove: None,
    }
}

#[test]
fn the_panosc_client_maps_real_records() {
    let peer = panosc("ok");
    let rt = Runtime::new().expect("rt");
    let cat = Panosc::new("ess", "ESS", &peer.url).expect("client");
    let page = rt
        .block_on(cat.search_async(&SearchQuery {
            text: "dataset 3".into(),
            ..SearchQuery::default()
        }))
        .expect("search");
    let d = &page.datasets[0];
    assert_eq!(d.pid.as_deref(), Some("20.500.12269/panosc-dataset3"));
    assert_eq!(d.facility.as_deref(), Some("ESS"));
    assert_eq!(d.instrument.as_deref(), Some("FREIA"));
    assert_eq!(d.technique.as_deref(), Some("x-ray absorption"));
    assert_eq!(
        d.parameter("temperature")
            .map(panorama::catalogue::Parameter::value_text),
        Some("20 celsius".into())
    );
    assert_eq!(d.files[0].name, "panosc-file3.hdf");
    assert_eq!(d.year(), Some(2020));
    // Documents name the people: their datasets come with creators and
    // affiliations, and point back at the document.
    let page = rt
        .block_on(cat.search_async(&SearchQuery {
            text: "Test Publication".into(),
            ..SearchQuery::default()
        }))
        .expect("search");
    let d1 = page
        .datasets
        .iter()
        .find(|d| d.pid.as_deref() == Some("20.500.12269/panosc-dataset1"))
        .expect("dataset 1 through its publication");
    assert!(
        d1.creators
            .iter()
            .any(|c| c.name == "John Smith" && c.affiliations == ["ESS"]),
        "{:?}",
        d1.creators
    );
    assert_eq!(d1.related, ["10.5072/panosc-document1"]);
}

#[test]
fn a_slow_or_broken_source_never_blocks_the_others() {
    let ok = panosc("ok");
    let also_ok = panosc("ok");
    let slow = panosc("slow");
    let failing = panosc("error");
    let garbage = panosc("malformed");
    let refused = common::closed_port_url();
    let home = tempfile::tempdir().expect("home");
    let rt = Runtime::new().expect("rt");
    let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
    s.set_sources(vec![
        source("ok", &ok.url),
        source("mirror", &also_ok.url),
        source("slow", &slow.url),
        source("failing", &failing.url),
        source("garbage", &garbage.url),
        source("refused", &refused),
    ]);
    let t0 = Instant::now();
    s.apply(SearchCommand::Run("dataset".into()));
    let status = |s: &AppState, id: &str| {
        s.search
            .runs
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.status.clone())
            .expect(id)
    };
    // Everything but the slow source answers well before it does.
    while ["ok", "mirror", "failing", "garbage", "refused"]
        .iter()
        .any(|id| matches!(status(&s, id), Requested::Pending { .. }))
    {
        s.poll();
        assert!(
            t0.elapsed() < Duration::from_secs(3),
            "fast sources were held up"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        matches!(status(&s, "slow"), Requested::Pending { .. }),
        "the slow source is still running"
    );
    assert!(
        !s.search.results.is_empty(),
        "results arrived while the slow source runs"
    );
    assert!(
        matches!(status(&s, "failing"), Requested::Failed { error: m, .. } if m.contains("500"))
    );
    assert!(
        matches!(status(&s, "garbage"), Requested::Failed { error: m, .. } if m.contains("cannot read"))
    );
    assert!(
        matches!(status(&s, "refused"), Requested::Failed { error: m, .. } if m.contains("could not connect to refused"))
    );
    // The same records from two sources are one row naming both.
    let d = s
        .search
        .results
        .iter()
        .find(|d| d.pid.as_deref() == Some("20.500.12269/panosc-dataset1"))
        .expect("dataset1");
    // Which of the two loopback servers answers first varies from run to run.
    let mut named = d.sources.clone();
    named.sort();
    assert_eq!(named, ["mirror", "ok"], "{:?}", s.search.runs);
    let n_before = s.search.results.len();
    while s.search.running() {
        s.poll();
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the slow source never finished"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(matches!(status(&s, "slow"), Requested::Ready(_)));
    assert_eq!(
        s.search.results.len(),
        n_before,
        "its records merged into the existing rows"
    );
    // The two fast sources in either order, the slow one last.
    let sources = d_sources(&s);
    assert_eq!(sources.len(), 3, "{sources:?}");
    assert_eq!(sources[2], "slow", "{sources:?}");
    let mut fast = sources[..2].to_vec();
    fast.sort();
    assert_eq!(fast, ["mirror", "ok"], "{sources:?}");

    // A new search drops the results of the old one, even if they arrive later.
    s.apply(SearchCommand::Run("dataset".into()));
    s.apply(SearchCommand::Run("nothing-matches-this".into()));
    let t1 = Instant::now();
    while s.search.running() {
        s.poll();
        assert!(t1.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        s.search.results.iter().all(|d| d.sources != ["demo"]) && s.search.results.is_empty(),
        "{:?}",
        s.search
            .results
            .iter()
            .map(|d| &d.title)
            .collect::<Vec<_>>()
    );
}

fn d_sources(s: &AppState) -> Vec<String> {
    s.search
        .results
        .iter()
        .find(|d| d.pid.as_deref() == Some("20.500.12269/panosc-dataset1"))
        .map(|d| d.sources.clone())
        .unwrap_or_default()
}

#[test]
fn the_invenio_client_maps_real_records_with_access_and_orcids() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/invenio_serve.py");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(script);
    let peer = common::start_peer(cmd, "INVENIO_READY");
    let rt = Runtime::new().expect("rt");
    let cat =
        panorama::catalogue::invenio::Invenio::new("zenodo", "Zenodo", &peer.url).expect("client");
    let all = rt
        .block_on(cat.search_async(&SearchQuery::default()))
        .expect("search");
    assert_eq!(all.total, Some(3));
    let full = all
        .datasets
        .iter()
        .find(|d| d.pid.as_deref() == Some("10.1234/inveniordm.1234"))
        .expect("full record");
    assert_eq!(
        full.creators[0].orcid.as_deref(),
        Some("0000-0001-8135-3489")
    );
    assert!(
        matches!(&full.access, panorama::catalogue::Access::Embargoed { until } if until == "2131-01-01")
    );
    assert_eq!(
        full.files[0].checksum.as_deref(),
        Some("md5:234245234213421342")
    );
    assert_eq!(full.license.as_deref(), Some("cc-by-4.0"));
    let restricted = all
        .datasets
        .iter()
        .find(|d| d.title == "An Updated Romans story")
        .expect("restricted");
    assert_eq!(restricted.access, panorama::catalogue::Access::Restricted);
    assert_eq!(
        restricted.creators[1].orcid.as_deref(),
        Some("0000-0002-1825-0097")
    );
    // q narrows the search on the server.
    let romans = rt
        .block_on(cat.search_async(&SearchQuery {
            text: "Romans".into(),
            ..SearchQuery::default()
        }))
        .expect("search");
    assert!(romans.datasets.len() < 3);
    assert!(
        romans
            .datasets
            .iter()
            .any(|d| d.title == "An Updated Romans story")
    );
}

#[test]
fn scicat_shows_published_data_and_more_with_a_token() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/scicat_serve.py");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(script).env("TOKEN", "user-token");
    let peer = common::start_peer(cmd, "SCICAT_READY");
    let rt = Runtime::new().expect("rt");
    let q = SearchQuery::default();
    let anonymous = panorama::catalogue::scicat::SciCat::new("scicat", "SciCat", &peer.url, None)
        .expect("client");
    let public = rt.block_on(anonymous.search_async(&q)).expect("public");
    // Three public datasets and two published-data records (DOIs).
    assert_eq!(public.datasets.len(), 5);
    let published = public
        .datasets
        .iter()
        .find(|d| d.pid.as_deref() == Some("10.5072/panosc-test-publication1"))
        .expect("published data");
    assert_eq!(published.title, "PaNOSC Test Publication");
    assert_eq!(published.creators[0].name, "John Smith");
    assert_eq!(published.year(), Some(2020));
    // A page of one still says how many match in all (fullfacet's count).
    let one = rt
        .block_on(anonymous.search_async(&SearchQuery {
            limit: 1,
            ..SearchQuery::default()
        }))
        .expect("one");
    assert_eq!(
        one.datasets.len(),
        3,
        "one dataset and the two published records"
    );
    assert_eq!(one.total, Some(5));
    let d = public
        .datasets
        .iter()
        .find(|d| d.title == "PaNOSC Test Dataset 1")
        .expect("dataset 1");
    assert_eq!(d.creators[0].name, "John Smith");
    assert_eq!(d.creators[0].orcid.as_deref(), Some("0000-0000-0000-0000"));
    assert_eq!(
        d.parameter("chemical_formula")
            .map(panorama::catalogue::Parameter::value_text),
        Some("Cu".into())
    );
    assert_eq!(d.license.as_deref(), Some("CC-BY-4.0"));
    assert!(d.keywords.contains(&"loki".to_owned()));

    let token = Some(panorama::auth::Secret::new("user-token"));
    let signed_in = panorama::catalogue::scicat::SciCat::new("scicat", "SciCat", &peer.url, token)
        .expect("client");
    let mine = rt.block_on(signed_in.search_async(&q)).expect("signed in");
    assert_eq!(mine.datasets.len(), 6, "the unpublished dataset too");
    assert!(
        mine.datasets
            .iter()
            .any(|d| d.access == panorama::catalogue::Access::Restricted)
    );

    let wrong = panorama::catalogue::scicat::SciCat::new(
        "scicat",
        "SciCat",
        &peer.url,
        Some(panorama::auth::Secret::new("expired")),
    )
    .expect("client");
    let err = rt.block_on(wrong.search_async(&q)).expect_err("refused");
    assert!(err.to_string().contains("sign in"), "{err}");
}

#[test]
fn scicat_v4_lists_files_from_origdatablocks_and_opens_them_remotely() {
    use panorama::catalogue::Catalogue;
    // An h5grove over the facility's storage, where the dataset's folder is.
    let storage = tempfile::tempdir().expect("storage");
    let folder = storage.path().join("nfs/groups/beamlines/loki/123456");
    std::fs::create_dir_all(&folder).expect("mkdir");
    let sample = common::h5grove_sample(&folder);
    std::fs::rename(&sample, folder.join("scan_0042.nxs")).expect("rename");
    let h5grove = common::h5grove(storage.path(), None);

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/scicat_serve.py");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(script)
        .env("TOKEN", "user-token")
        .env("EXTRA_FILE", "scan_0042.nxs");
    let peer = common::start_peer(cmd, "SCICAT_READY");
    let v4 = peer.url.replace("/api/v3", "/api/v4");
    let rt = Runtime::new().expect("rt");
    let anonymous =
        panorama::catalogue::scicat::SciCat::new("scicat", "SciCat", &v4, None).expect("client");
    let found = rt
        .block_on(anonymous.search_async(&SearchQuery {
            text: "loki".into(),
            ..SearchQuery::default()
        }))
        .expect("v4 search");
    assert!(!found.datasets.is_empty());
    assert!(
        found
            .datasets
            .iter()
            .all(|d| d.access == panorama::catalogue::Access::Open)
    );
    let all = rt
        .block_on(anonymous.search_async(&SearchQuery::default()))
        .expect("v4");
    let token = Some(panorama::auth::Secret::new("user-token"));
    let signed_in =
        panorama::catalogue::scicat::SciCat::new("scicat", "SciCat", &v4, token).expect("client");
    let mine = rt
        .block_on(signed_in.search_async(&SearchQuery::default()))
        .expect("v4 signed in");
    assert_eq!(
        mine.datasets.len(),
        all.datasets.len() + 1,
        "the unpublished one too"
    );

    // v3 and v4 give the same file list: origdatablocks with md5 checksums.
    let d = found.datasets[0].clone();
    let files = rt.block_on(anonymous.files(&d)).expect("v4 files");
    let v3 = panorama::catalogue::scicat::SciCat::new("scicat", "SciCat", &peer.url, None)
        .expect("client");
    assert_eq!(rt.block_on(v3.files(&d)).expect("v3 files"), files);
    assert_eq!(files.len(), 6);
    assert_eq!(files[0].name, "N1039-1.tif");
    assert_eq!(files[0].size, Some(8_356_037));
    assert!(
        files[0]
            .checksum
            .as_deref()
            .is_some_and(|c| c.starts_with("md5:"))
    );

    // Through the app: the dataset page asks for the files, and the HDF5 one
    // opens from the facility's h5grove without downloading.
    let home = tempfile::tempdir().expect("home");
    let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
    s.set_sources(vec![SourceConfig {
        id: "scicat".into(),
        name: "SciCat".into(),
        kind: panorama::catalogue::scicat::KIND.kind(),
        url: v4.clone(),
        enabled: true,
        account: None,
        h5grove: Some(h5grove.url.clone()),
    }]);
    s.apply(SearchCommand::Run("loki".into()));
    let wait = |s: &mut AppState| {
        let t0 = Instant::now();
        while s.busy() {
            s.poll();
            assert!(t0.elapsed() < Duration::from_secs(30), "still busy");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait(&mut s);
    let key = s.search.results[0].key();
    s.apply(SearchCommand::ShowDataset(key));
    wait(&mut s);
    let shown = s.search.shown_dataset().expect("shown").clone();
    assert_eq!(shown.files.len(), 6);
    let nxs = shown
        .files
        .iter()
        .find(|f| f.name == "scan_0042.nxs")
        .expect("the NeXus file");
    let remote = nxs.remote.clone().expect("an h5grove link");
    assert!(
        shown.files.iter().filter(|f| f.remote.is_some()).count() == 1,
        "tif files are not offered"
    );
    s.apply(DocumentsCommand::OpenUrl(remote));
    wait(&mut s);
    let doc = s.documents.open.last().expect("opened");
    assert!(
        matches!(doc.status, panorama::state::DocStatus::Ready),
        "{:?}",
        doc.status
    );
}

#[test]
fn datacite_finds_dois_and_explains_what_it_cannot() {
    use panorama::catalogue::datacite::DataCite;
    let start = |mode: &str| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/datacite_serve.py");
        let mut cmd = Process::new(common::venv_python());
        cmd.arg(script).env("MODE", mode).env("SLOW", "30");
        common::start_peer(cmd, "DATACITE_READY")
    };
    let peer = start("ok");
    let rt = Runtime::new().expect("rt");
    let dc = DataCite::new("datacite", "DataCite", &peer.url).expect("client");
    let page = rt
        .block_on(dc.search_async(&SearchQuery {
            text: "zenodo".into(),
            ..SearchQuery::default()
        }))
        .expect("search");
    assert!(page.datasets.len() >= 3, "{}", page.datasets.len());
    assert_eq!(page.total, Some(page.datasets.len() as u64));
    let d = rt
        .block_on(dc.lookup("https://doi.org/10.5281/ZENODO.1239"))
        .expect("lookup");
    assert_eq!(d.pid.as_deref(), Some("10.5281/zenodo.1239"));
    assert_eq!(d.creators[0].name, "Jahn, Najko");
    assert_eq!(d.creators[0].affiliations, ["Bielefeld University Library"]);
    assert_eq!(
        d.license.as_deref(),
        Some("Creative Commons Zero - CC0 1.0")
    );
    assert_eq!(d.facility.as_deref(), Some("Zenodo"));
    assert_eq!(d.year(), Some(2013));
    let citation = panorama::catalogue::citation(&d);
    assert!(
        citation.ends_with("https://doi.org/10.5281/zenodo.1239"),
        "{citation}"
    );
    let missing = rt
        .block_on(dc.lookup("10.5281/zenodo.0"))
        .expect_err("unknown");
    assert!(
        missing
            .to_string()
            .contains("knows no DOI 10.5281/zenodo.0"),
        "{missing}"
    );
    let not_doi = rt.block_on(dc.lookup("zenodo")).expect_err("not a DOI");
    assert!(not_doi.to_string().contains("is not a DOI"), "{not_doi}");

    // In the federation, a failing DataCite is one failed chip.
    let failing = start("error");
    let home = tempfile::tempdir().expect("home");
    let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
    let cfg = |id: &str, url: &str| SourceConfig {
        id: id.into(),
        name: id.into(),
        kind: panorama::catalogue::datacite::KIND.kind(),
        url: url.into(),
        enabled: true,
        account: None,
        h5grove: None,
    };
    s.set_sources(vec![cfg("good", &peer.url), cfg("bad", &failing.url)]);
    s.apply(SearchCommand::Run("figshare".into()));
    let t0 = Instant::now();
    while s.search.running() {
        s.poll();
        assert!(t0.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!s.search.results.is_empty());
    let bad = s.search.runs.iter().find(|r| r.id == "bad").expect("bad");
    assert!(
        matches!(&bad.status, Requested::Failed { error: m, .. } if m.contains("500")),
        "{:?}",
        bad.status
    );
}

#[test]
fn records_seen_online_are_found_again_offline() {
    let peer = panosc("ok");
    let home = tempfile::tempdir().expect("home");
    let rt = Runtime::new().expect("rt");
    let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
    let offline = s
        .search
        .sources
        .iter()
        .find(|c| c.id == "offline")
        .cloned()
        .expect("offline source by default");
    s.set_sources(vec![source("ess", &peer.url)]);
    let wait = |s: &mut AppState| {
        let t0 = Instant::now();
        while s.search.running()
            || s.busy()
            || !s
                .tasks()
                .snapshot()
                .iter()
                .all(|t| t.status != panorama::runtime::TaskStatus::Running)
        {
            s.poll();
            assert!(t0.elapsed() < Duration::from_secs(20));
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    s.apply(SearchCommand::Run("dataset".into()));
    wait(&mut s);
    assert_eq!(s.search.results.len(), 4);
    drop(peer); // the service goes away
    s.set_sources(vec![offline]);
    s.apply(SearchCommand::Run("test dataset 2".into()));
    wait(&mut s);
    assert_eq!(
        s.search.results.first().and_then(|d| d.pid.as_deref()),
        Some("20.500.12269/panosc-dataset2")
    );
    assert!(matches!(s.search.runs[0].status, Requested::Ready(_)));
}

#[test]
fn harvesting_a_real_oai_pmh_server_fills_the_offline_index() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/oai_serve.py");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(script).env("PORT", "0").env("OAI_BATCH", "10");
    let peer = common::start_peer(cmd, "OAI_READY");
    let home = tempfile::tempdir().expect("home");
    let bin = env!("CARGO_BIN_EXE_panorama");
    let run = |args: &[&str]| {
        Process::new(bin)
            .env("PANORAMA_HOME", home.path())
            .args(args)
            .output()
            .expect("run")
    };
    // A set first, then everything: pages follow resumption tokens.
    let out = run(&["harvest", &peer.url, "--set", "physics"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("25 records harvested"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&["harvest", &peer.url]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.starts_with("49 records harvested (1 deleted) in 5 pages"),
        "{text}"
    );
    // Incremental: only what changed since a date.
    let out = run(&["harvest", &peer.url, "--from", "2024-02-15"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("records harvested"), "{text}");
    assert!(!text.starts_with("49"), "{text}");
    // The records are searchable offline.
    let out = run(&["search", "Test dataset 7", "--source", "offline", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v.as_array()
            .expect("array")
            .iter()
            .any(|d| d["title"] == "Test dataset 7"),
        "{v}"
    );
    // DataCite's richer format (oai_datacite): DOIs, creators and rights.
    let out = run(&[
        "harvest",
        &peer.url,
        "--format",
        "oai_datacite",
        "--set",
        "chemistry",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["search", "Test dataset 8", "--source", "offline", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let d8 = v
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["title"] == "Test dataset 8")
        .cloned()
        .expect("dataset 8");
    assert!(
        d8["pid"].as_str().is_some_and(|p| p.starts_with("10.")),
        "{d8}"
    );
    assert!(
        !d8["creators"].as_array().expect("creators").is_empty(),
        "{d8}"
    );
    // A format the server does not offer is its error, in its words.
    let out = run(&["harvest", &peer.url, "--format", "marc21"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannotDisseminateFormat"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Its sets, and who it is.
    let out = run(&["harvest", &peer.url, "--list-sets"]);
    let sets = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(sets.contains("physics:hep\tHigh-energy physics"), "{sets}");
    let out = run(&["harvest", &peer.url, "--set", "open"]);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(said.contains("OAI-PMH 2.0"), "{said}");
    // A server that is not OAI-PMH gives a clear error.
    let out = run(&["harvest", &format!("{}/nothing-here", peer.url)]);
    assert!(!out.status.success());
}

#[test]
fn sources_live_in_an_editable_file() {
    let home = tempfile::tempdir().expect("home");
    let dirs = AppDirs::under(home.path());
    let rt = Runtime::new().expect("rt");
    // Saving from the Sources window writes the file …
    let mut s = AppState::new(dirs.clone(), rt.tasks().clone());
    s.set_sources(vec![source("ess", "http://127.0.0.1:9/api")]);
    let file = dirs.config.join("sources.json");
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(text.contains("\"ess\""), "{text}");
    // … and an edit to the file wins at the next start.
    std::fs::write(&file, text.replace("\"ess\"", "\"ess-edited\"")).expect("edit");
    let s = AppState::new(dirs.clone(), rt.tasks().clone());
    assert_eq!(s.search.sources[0].id, "ess-edited");
    // A broken file is a warning that says what to do, not a crash.
    std::fs::write(
        &file,
        "[{\"id\": \"x\", \"kind\": \"panosc\", \"url\": \"ftp://nope\"}",
    )
    .expect("break");
    let s = AppState::new(dirs.clone(), rt.tasks().clone());
    let warning = s
        .notifications
        .iter()
        .find(|n| n.title == "The sources file was not read")
        .expect("a warning");
    assert!(
        warning.detail.contains("sources.json"),
        "{}",
        warning.detail
    );
    assert_eq!(s.search.sources[0].id, "ess", "the sources known before");
}

/// No network: every online source unreachable. The search still answers
/// from the bundled catalogue, says so once ("Offline: …", with the count
/// of online catalogues skipped), and no source is said to have refused.
#[test]
fn with_no_network_the_search_says_offline_once() {
    let home = tempfile::tempdir().expect("home");
    let rt = Runtime::new().expect("rt");
    let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
    let mut sources: Vec<SourceConfig> = s
        .search
        .sources
        .iter()
        .filter(|c| c.kind.is_local())
        .cloned()
        .collect();
    assert!(!sources.is_empty(), "the bundled catalogue");
    sources.extend([
        source("panosc", &common::closed_port_url()),
        source("mirror", &common::closed_port_url()),
    ]);
    s.set_sources(sources);
    s.apply(SearchCommand::Run(String::new()));
    let t0 = Instant::now();
    while s.search.running() {
        s.poll();
        assert!(t0.elapsed() < Duration::from_secs(20), "never finished");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!s.search.results.is_empty(), "the bundled records");
    assert_eq!(s.search.offline_summary(), Some(2), "{:?}", s.search.runs);
    let unreachable: Vec<_> = s.search.runs.iter().filter(|r| r.unreachable).collect();
    assert_eq!(unreachable.len(), 2);
    for run in unreachable {
        let Requested::Failed { error, .. } = &run.status else {
            panic!("{run:?}");
        };
        assert!(error.starts_with("could not connect to"), "{error}");
        assert!(!error.contains("refused the request"), "{error}");
    }
    // One source answering is not "offline": its errors are its own.
    let ok = panosc("ok");
    let mut mixed = s.search.sources.clone();
    mixed.push(source("ok", &ok.url));
    s.set_sources(mixed);
    s.apply(SearchCommand::Run("dataset".into()));
    let t0 = Instant::now();
    while s.search.running() {
        s.poll();
        assert!(t0.elapsed() < Duration::from_secs(20), "never finished");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(s.search.offline_summary(), None, "{:?}", s.search.runs);
}

/// "Load more" asks every source for its next page — PaNOSC by `skip`,
/// InvenioRDM by `page`, DataCite by `page[number]`, SciCat by its
/// `limits` — until none has more; what comes joins the results once
/// each (a PaNOSC document's datasets come with the first page and are
/// not listed twice), and the whole equals one search with pages large
/// enough to hold everything.
#[test]
fn load_more_pages_through_every_kind_of_source() {
    let pan = panosc("ok");
    let invenio = start("invenio_serve.py", "INVENIO_READY");
    let datacite = start("datacite_serve.py", "DATACITE_READY");
    let scicat = start("scicat_serve.py", "SCICAT_READY");
    let sources = vec![
        source("panosc", &pan.url),
        kind("zenodo", &panorama::catalogue::invenio::KIND, &invenio.url),
        kind(
            "datacite",
            &panorama::catalogue::datacite::KIND,
            &datacite.url,
        ),
        kind("scicat", &panorama::catalogue::scicat::KIND, &scicat.url),
        kind(
            "scicat4",
            &panorama::catalogue::scicat::KIND,
            &scicat.url.replace("/api/v3", "/api/v4"),
        ),
    ];
    let rt = Runtime::new().expect("rt");
    let search = |page_size: usize, more: bool| {
        let home = tempfile::tempdir().expect("home");
        let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
        s.set_sources(sources.clone());
        s.search.page_size = page_size;
        s.apply(SearchCommand::Run(String::new()));
        let mut pages = 1;
        loop {
            let t0 = Instant::now();
            while s.search.running() {
                s.poll();
                assert!(
                    t0.elapsed() < Duration::from_secs(20),
                    "a page did not come"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            for r in &s.search.runs {
                assert!(r.status.ready().is_some(), "{}: {:?}", r.id, r.status);
            }
            if !(more && s.search.has_more()) {
                break;
            }
            s.apply(SearchCommand::LoadMore);
            pages += 1;
            assert!(pages < 50, "the pages do not end");
        }
        let mut keys: Vec<String> = s
            .search
            .results
            .iter()
            .map(panorama::catalogue::Dataset::key)
            .collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n, "a record is listed twice");
        let counts: Vec<(String, usize)> = s
            .search
            .runs
            .iter()
            .map(|r| (r.id.clone(), *r.status.ready().unwrap_or(&0)))
            .collect();
        (keys, pages, counts, s.search.has_more())
    };
    let (whole, one, whole_counts, _) = search(1000, false);
    assert_eq!(one, 1);
    let (first, _, _, more) = search(1, false);
    assert!(more, "one record a page leaves more to load");
    assert!(first.len() < whole.len());
    let (paged, pages, counts, more) = search(1, true);
    assert!(!more);
    assert!(pages > 2, "{pages} pages");
    assert_eq!(
        paged, whole,
        "every record once, as one large page has them"
    );
    assert_eq!(counts, whole_counts, "each source sent as many");
}

/// SciCat is sent the structured query as its full query's scientific
/// conditions (compared in SI, so a range in µm finds a wavelength
/// recorded in nm) and creation-time window, on v3 and v4 alike: the
/// server answers only the datasets that hold, page by page.
#[test]
fn scicat_filters_parameters_in_si_and_dates_itself() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/scicat_serve.py");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(script).env("TOKEN", "user-token");
    let peer = common::start_peer(cmd, "SCICAT_READY");
    let rt = Runtime::new().expect("rt");
    for base in [peer.url.clone(), peer.url.replace("/api/v3", "/api/v4")] {
        // Signed in: dataset 4 is not published.
        let token = Some(panorama::auth::Secret::new("user-token"));
        let cat =
            panorama::catalogue::scicat::SciCat::new("s", "SciCat", &base, token).expect("client");
        let pids = |syntax: &str| {
            let q = panorama::catalogue::query::Query::parse(syntax).expect(syntax);
            let page = rt
                .block_on(cat.search_async(&SearchQuery {
                    text: q.text,
                    filters: q.filters,
                    ..SearchQuery::default()
                }))
                .unwrap_or_else(|e| panic!("{base} {syntax}: {e}"));
            let mut p: Vec<String> = page
                .datasets
                .iter()
                .filter(|d| {
                    d.pid
                        .as_deref()
                        .is_some_and(|p| p.contains("panosc-dataset"))
                })
                .filter_map(|d| d.pid.clone())
                .collect();
            p.sort();
            p
        };
        let one = |n: u32| vec![format!("20.500.12269/panosc-dataset{n}")];
        assert_eq!(pids("wavelength:1..1.1 µm"), one(4), "{base}");
        assert_eq!(pids("wavelength:1064 nm"), one(4), "{base}");
        assert_eq!(pids("photon_energy:0.9..1 keV"), one(2), "{base}");
        assert_eq!(
            pids("photon_energy:>=1 keV"),
            Vec::<String>::new(),
            "{base}"
        );
        assert_eq!(pids("temperature:290..300 K"), one(3), "{base}");
        assert_eq!(pids("temperature:<=19 °C"), Vec::<String>::new(), "{base}");
        assert_eq!(pids("before:2019"), Vec::<String>::new(), "{base}");
        assert_eq!(
            pids("after:2020-07 before:2020-07 temperature:20 °C"),
            one(3),
            "{base}"
        );
    }
}

/// InvenioRDM and DataCite are sent the dates (and InvenioRDM the access)
/// in their query-string syntax; the loopback servers read it with a
/// Lucene query parser as the services do, and answer only what holds:
/// the records' own dates and access say which.
#[test]
fn invenio_and_datacite_are_sent_dates_and_access_in_their_query_syntax() {
    let invenio = start("invenio_serve.py", "INVENIO_READY");
    let datacite = start("datacite_serve.py", "DATACITE_READY");
    let rt = Runtime::new().expect("rt");
    let q = |syntax: &str| {
        let q = panorama::catalogue::query::Query::parse(syntax).expect(syntax);
        SearchQuery {
            text: q.text,
            filters: q.filters,
            limit: 1000,
            ..SearchQuery::default()
        }
    };
    let zenodo = panorama::catalogue::invenio::Invenio::new("zenodo", "Zenodo", &invenio.url)
        .expect("client");
    let ids = |syntax: &str| {
        let mut v: Vec<String> = rt
            .block_on(zenodo.search_async(&q(syntax)))
            .unwrap_or_else(|e| panic!("{syntax}: {e}"))
            .datasets
            .iter()
            .map(panorama::catalogue::Dataset::key)
            .collect();
        v.sort();
        v
    };
    let all = ids("");
    assert_eq!(all.len(), 3);
    assert_eq!(ids("after:2020-06 before:2020-06").len(), 2);
    assert_eq!(
        ids("after:2020-06 before:2020-06 access:open"),
        ["zenodo:minim-al001"]
    );
    assert_eq!(ids("access:restricted"), ["zenodo:restr-icted"]);
    assert_eq!(ids("Romans access:restricted"), ["zenodo:restr-icted"]);
    assert_eq!(ids("after:2021"), Vec::<String>::new());

    let dc = panorama::catalogue::datacite::DataCite::new("datacite", "DataCite", &datacite.url)
        .expect("client");
    let every = rt.block_on(dc.search_async(&q(""))).expect("all").datasets;
    for (syntax, keep) in [
        ("after:2015", (|y: u32| y >= 2015) as fn(u32) -> bool),
        ("before:2012", |y| y <= 2012),
        ("after:2013 before:2016", |y| (2013..=2016).contains(&y)),
    ] {
        let page = rt.block_on(dc.search_async(&q(syntax))).expect(syntax);
        let mut got: Vec<String> = page
            .datasets
            .iter()
            .map(panorama::catalogue::Dataset::key)
            .collect();
        let mut expected: Vec<String> = every
            .iter()
            .filter(|d| d.year().is_some_and(keep))
            .map(panorama::catalogue::Dataset::key)
            .collect();
        got.sort();
        expected.sort();
        assert!(!expected.is_empty(), "{syntax}");
        assert!(expected.len() < every.len(), "{syntax}");
        assert_eq!(got, expected, "{syntax}");
        assert_eq!(page.total, Some(expected.len() as u64), "{syntax}");
    }
}

/// SciCat lineage both ways, on v3 and v4 alike: SciCat's own derived
/// example names the raw dataset in `inputDatasets` (made from it), and
/// the raw dataset's derived datasets are found by asking SciCat which
/// datasets name it (`where: {inputDatasets: pid}`); a lineage node opens
/// by its PID. A DataCite DOI found by its PID in the loopback DataCite.
#[test]
fn lineage_links_raw_and_derived_datasets_both_ways() {
    use panorama::catalogue::{Catalogue, Relation};
    let peer = common::scicat_with_derived();
    let rt = Runtime::new().expect("rt");
    let raw_pid = "20.500.12269/panosc-dataset1";
    let derived_pid = "20.500.12269/scicat-testdata-derived";
    for base in [peer.url.clone(), peer.url.replace("/api/v3", "/api/v4")] {
        let c = panorama::catalogue::scicat::SciCat::new("scicat", "SciCat", &base, None)
            .expect("client");
        let derived = rt
            .block_on(c.record(derived_pid))
            .expect("record")
            .expect("the derived dataset");
        assert_eq!(derived.title, "Test derived dataset");
        assert_eq!(derived.links.len(), 1, "{:?}", derived.links);
        assert_eq!(derived.links[0].relation, Relation::DerivedFrom);
        assert_eq!(derived.links[0].target, raw_pid);
        let raw = rt
            .block_on(c.record(raw_pid))
            .expect("record")
            .expect("the raw dataset");
        assert!(raw.links.is_empty(), "{:?}", raw.links);
        let back = rt.block_on(c.linked(&raw)).expect("linked");
        assert_eq!(back.len(), 1, "{base}: {back:?}");
        assert_eq!(back[0].relation, Relation::SourceOf);
        assert_eq!(back[0].target, derived_pid);
        assert_eq!(back[0].title.as_deref(), Some("Test derived dataset"));
        // Nothing is made from the derived one; an unknown PID is no record.
        assert!(rt.block_on(c.linked(&derived)).expect("linked").is_empty());
        assert!(
            rt.block_on(c.record("20.500.12269/none"))
                .expect("record")
                .is_none()
        );
    }
    let datacite = start("datacite_serve.py", "DATACITE_READY");
    let dc = panorama::catalogue::datacite::DataCite::new("datacite", "DataCite", &datacite.url)
        .expect("client");
    let found = rt
        .block_on(dc.record("https://doi.org/10.5438/6423"))
        .expect("record")
        .expect("found by its DOI");
    assert_eq!(found.pid.as_deref(), Some("10.5438/6423"));
    assert_eq!(found.links.len(), 25);
}

/// When the catalogue goes away after the search, the dataset page still
/// shows the lineage the record itself gives, and says that records made
/// from it may be missing (not an empty lineage as if there were none); a
/// lineage node no catalogue holds is said to be not found, by its PID.
#[test]
fn lineage_says_what_it_could_not_ask() {
    use panorama::catalogue::{Link, Relation};
    let peer = common::scicat_with_derived();
    let home = tempfile::tempdir().expect("home");
    let rt = Runtime::new().expect("rt");
    let mut s = scicat_state(home.path(), &rt, &peer.url);
    s.apply(SearchCommand::Run("derived".into()));
    settle_state(&mut s);
    let derived = s
        .search
        .results
        .iter()
        .find(|d| d.title == "Test derived dataset")
        .cloned()
        .expect("the derived dataset");
    drop(peer);
    s.apply(SearchCommand::ShowDataset(derived.key()));
    settle_state(&mut s);
    let ask = s.search.lineage.clone().expect("asked");
    assert!(!ask.pending);
    let error = ask.error.expect("the catalogue could not be asked");
    assert!(error.contains("could not connect"), "{error}");
    let lineage = s.search.lineage_of(&derived);
    assert_eq!(lineage.len(), 1, "{lineage:?}");
    assert_eq!(lineage[0].relation, Relation::DerivedFrom);
    s.apply(SearchCommand::OpenLinked(Link::new(
        Relation::DerivedFrom,
        "20.500.12269/nowhere",
    )));
    settle_state(&mut s);
    let Some((pid, Requested::Failed { error, .. })) = &s.search.opening else {
        panic!("{:?}", s.search.opening);
    };
    assert_eq!(pid, "20.500.12269/nowhere");
    assert!(
        error.contains("20.500.12269/nowhere is not in any catalogue searched"),
        "{error}"
    );
    assert!(
        s.notifications
            .iter()
            .any(|n| n.title == "Record not found")
    );
    // The page shown stays the derived dataset's.
    assert_eq!(s.search.shown.as_deref(), Some(derived.key().as_str()));
}

/// A run whose input was downloaded from a record is on that record's
/// lineage, read from the RO-Crate the run wrote (a map's run one
/// folder deeper); a run of other data is not, nor an unreadable crate.
#[test]
fn runs_that_used_a_record_are_found_in_their_crates() {
    use panorama::catalogue::lineage::{lineage, runs_using};
    use panorama::catalogue::{Dataset, Relation};
    use panorama::workflow::{batch, crate_meta, engine::Outcome};
    let tmp = tempfile::tempdir().expect("tmp");
    let runs = tmp.path().join("runs");
    let raw = Dataset {
        id: "20.500.12269/panosc-dataset1".into(),
        pid: Some("20.500.12269/panosc-dataset1".into()),
        ..Dataset::default()
    };
    let run = |dir: &std::path::Path, dataset: &str| {
        let input = crate_meta::InputFile {
            location: "/data/scan.nxs".into(),
            sha256: None,
            size: None,
            origin: Some(panorama::store::FileOrigin {
                dataset: dataset.into(),
                title: "Scan".into(),
                source: "scicat".into(),
                url: "https://example.org/scan.nxs".into(),
            }),
        };
        let wf = panorama::workflow::file::WorkflowFile::from_graph(
            "Peak fit",
            &panorama::workflow::Graph::default(),
        )
        .to_text();
        let info = batch::RunInfo {
            workflow: wf.as_bytes(),
            settings: &[],
            started: chrono::Utc::now(),
            license: "CC-BY-4.0",
        };
        let out = Outcome {
            values: std::collections::BTreeMap::default(),
            errors: std::collections::BTreeMap::default(),
            computed: 0,
        };
        batch::write_crate(dir, &info, &out, &[input], &[]).expect("crate");
    };
    run(&runs.join("fit-1"), "20.500.12269/panosc-dataset1");
    run(
        &runs.join("map-2").join("001-scan"),
        "20.500.12269/PANOSC-dataset1",
    );
    run(&runs.join("other-3"), "20.500.12269/panosc-dataset2");
    std::fs::create_dir_all(runs.join("broken")).expect("dir");
    std::fs::write(runs.join("broken/ro-crate-metadata.json"), "{").expect("write");
    let got = runs_using(&runs, &raw);
    let dirs: Vec<_> = got.iter().filter_map(|l| l.run.clone()).collect();
    assert_eq!(dirs.len(), 2, "{got:?}");
    assert!(dirs.contains(&runs.join("fit-1")));
    assert!(dirs.contains(&runs.join("map-2").join("001-scan")));
    assert!(got.iter().all(|l| l.relation == Relation::SourceOf));
    assert!(
        got[0]
            .title
            .as_deref()
            .is_some_and(|t| t.starts_with("Run of Peak fit, 20")),
        "{got:?}"
    );
    // The run stays on the lineage beside records (its target is a folder).
    assert_eq!(lineage(&raw, [], &got).len(), 2);
    assert!(runs_using(&tmp.path().join("none"), &raw).is_empty());
}

/// A federated PaNOSC service (the loopback one behaves as the real
/// aggregator: a provider that does not answer within its 1 s is left out,
/// unsaid) over two providers, one of which turns slow: the first search
/// has both and is not flagged; the next one lacks the slow provider's
/// records, and its source is flagged possibly partial, naming it; after a
/// restart the providers are still known.
#[test]
fn a_federated_answer_missing_a_slow_provider_is_flagged_partial() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/panosc_serve.py");
    // The fast provider also holds one record the other does not.
    let extra = tempfile::NamedTempFile::new().expect("tmp");
    std::fs::write(
        extra.path(),
        serde_json::json!([{
            "pid": "20.500.12269/zephyr", "title": "Zephyr crystal", "isPublic": true,
            "creationDate": "2023-03-01T10:00:00.000Z",
            "instrumentId": "20.500.12269/0f98fcf2-7bd7-430e-ad20-d47031ca8f71",
            "parameters": [],
        }])
        .to_string(),
    )
    .expect("write");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(&script)
        .env("MODE", "ok")
        .env("EXTRA", extra.path());
    let fast = common::start_peer(cmd, "PANOSC_READY");
    let mut cmd = Process::new(common::venv_python());
    // Two requests (datasets and documents) per search: slow from the third search.
    cmd.arg(&script)
        .env("MODE", "slow")
        .env("SLOW", "3")
        .env("SLOW_FROM", "5");
    let turning = common::start_peer(cmd, "PANOSC_READY");
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/federated_serve.py"))
        .env("PROVIDERS", format!("{},{}", fast.url, turning.url))
        .env("PROVIDER_TIMEOUT", "1000");
    let federated = common::start_peer(cmd, "FEDERATED_READY");
    let home = tempfile::tempdir().expect("home");
    let rt = Runtime::new().expect("rt");
    let search_for = |s: &mut AppState, text: &str| {
        s.apply(SearchCommand::Run(text.into()));
        let t0 = Instant::now();
        while s.search.running() {
            s.poll();
            assert!(t0.elapsed() < Duration::from_secs(20), "never finished");
            std::thread::sleep(Duration::from_millis(10));
        }
        s.search.runs[0].clone()
    };
    let search = |s: &mut AppState| search_for(s, "");
    {
        let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
        s.set_sources(vec![source("federated", &federated.url)]);
        let first = search(&mut s);
        assert!(
            matches!(first.status, Requested::Ready(n) if n > 0),
            "{first:?}"
        );
        assert!(first.partial.is_empty(), "{first:?}");
        // A quick answer without the other provider's records: it holds
        // none that match, and had all the time it needed.
        let only = search_for(&mut s, "Zephyr");
        assert!(matches!(only.status, Requested::Ready(1)), "{only:?}");
        assert!(only.partial.is_empty(), "{only:?}");
        let second = search(&mut s);
        assert!(
            matches!(second.status, Requested::Ready(n) if n > 0),
            "{second:?}"
        );
        assert_eq!(
            second.partial,
            std::slice::from_ref(&turning.url),
            "{second:?}"
        );
    }
    let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
    let again = search(&mut s);
    assert_eq!(
        again.partial,
        std::slice::from_ref(&turning.url),
        "{again:?}"
    );
}

/// A record opened from a lineage graph is shown even when the facets
/// chosen would hide it; a lookup still on its way when a new search starts
/// is dropped (it neither joins the new results nor takes over the page).
#[test]
fn a_lineage_node_opens_past_the_facets_and_not_into_a_new_search() {
    use panorama::catalogue::{Link, Relation};
    let peer = common::scicat_with_derived();
    let home = tempfile::tempdir().expect("home");
    let rt = Runtime::new().expect("rt");
    let mut s = scicat_state(home.path(), &rt, &peer.url);
    let derived = "20.500.12269/scicat-testdata-derived";
    s.apply(SearchCommand::Run("loki".into()));
    settle_state(&mut s);
    s.apply(SearchCommand::ToggleFacet {
        facet: "instrument".into(),
        value: "loki".into(),
    });
    settle_state(&mut s);
    let raw = s.search.visible()[0].key();
    s.apply(SearchCommand::ShowDataset(raw));
    settle_state(&mut s);
    s.apply(SearchCommand::OpenLinked(Link::new(
        Relation::SourceOf,
        derived,
    )));
    settle_state(&mut s);
    assert_eq!(
        s.search.shown_dataset().and_then(|d| d.pid.as_deref()),
        Some(derived),
        "the derived dataset has no instrument, yet it opens"
    );
    // Asked, then a new search before the answer could be collected.
    s.apply(SearchCommand::ShowDataset(s.search.visible()[0].key()));
    s.apply(SearchCommand::Run("loki".into()));
    s.apply(SearchCommand::OpenLinked(Link::new(
        Relation::SourceOf,
        derived,
    )));
    s.apply(SearchCommand::Run("loki".into()));
    settle_state(&mut s);
    assert_eq!(s.search.shown, None);
    assert!(s.search.opening.is_none());
    assert!(
        s.search
            .results
            .iter()
            .all(|d| d.pid.as_deref() != Some(derived)),
        "the old lookup's record joined the new results"
    );
}

/// Each source's chip knows which of the query's filters its service was
/// not asked for (they are applied here on its pages): PaNOSC is asked for
/// all; SciCat for parameters and dates; InvenioRDM for dates and access;
/// DataCite for whole years only.
#[test]
fn each_source_says_which_filters_are_applied_here() {
    let pan = panosc("ok");
    let invenio = start("invenio_serve.py", "INVENIO_READY");
    let datacite = start("datacite_serve.py", "DATACITE_READY");
    let scicat = start("scicat_serve.py", "SCICAT_READY");
    let home = tempfile::tempdir().expect("home");
    let rt = Runtime::new().expect("rt");
    let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
    s.set_sources(vec![
        source("panosc", &pan.url),
        kind("zenodo", &panorama::catalogue::invenio::KIND, &invenio.url),
        kind(
            "datacite",
            &panorama::catalogue::datacite::KIND,
            &datacite.url,
        ),
        kind("scicat", &panorama::catalogue::scicat::KIND, &scicat.url),
    ]);
    let here = |s: &mut AppState, q: &str| {
        s.apply(SearchCommand::Run(q.into()));
        let t0 = Instant::now();
        while s.search.running() {
            s.poll();
            assert!(t0.elapsed() < Duration::from_secs(20), "never finished");
            std::thread::sleep(Duration::from_millis(10));
        }
        s.search
            .runs
            .iter()
            .map(|r| (r.id.clone(), r.filtered_here.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let got = here(
        &mut s,
        "wavelength:1..2 Å facility:ESRF after:2020 access:open",
    );
    let w = "wavelength:1..2 Å".to_owned();
    let f = "facility:ESRF".to_owned();
    let a = "access:open".to_owned();
    assert!(got["panosc"].is_empty(), "{got:?}");
    assert_eq!(got["scicat"], [f.clone(), a.clone()], "{got:?}");
    assert_eq!(got["zenodo"], [w.clone(), f.clone()], "{got:?}");
    assert_eq!(got["datacite"], [w, f, a], "{got:?}");
    let got = here(&mut s, "after:2020-06");
    assert_eq!(got["datacite"], ["after:2020-06"], "{got:?}");
    assert!(got["zenodo"].is_empty(), "{got:?}");
    assert!(here(&mut s, "beamtime").values().all(Vec::is_empty));
}
