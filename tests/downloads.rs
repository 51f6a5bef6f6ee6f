//! Downloads against real loopback servers: a connection dropped mid-file is
//! resumed with HTTP Range, checksums are verified, names cannot escape the
//! folder, nothing is overwritten unasked. WebDAV (wsgidav) serves ranged reads.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "screen positions and sizes rounded to whole pixels"
)]

mod common;

use panorama::command::{DownloadsCommand, SearchCommand};
use std::path::Path;
use std::process::Command as Process;
use std::time::{Duration, Instant};

use panorama::runtime::Runtime;
use panorama::transfer::download::{DownloadError, Request, fetch, file_checksum};
use tokio_util::sync::CancellationToken;

fn random_file(path: &Path, n: usize) {
    let mut x: u32 = 12345;
    let data: Vec<u8> = (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    std::fs::write(path, data).expect("write");
}

fn client() -> reqwest::Client {
    panorama::net::async_client(Duration::from_secs(30)).expect("client")
}

#[test]
fn a_dropped_download_resumes_and_is_verified() {
    let src = tempfile::tempdir().expect("src");
    let file = src.path().join("data.bin");
    random_file(&file, 300_000);
    let md5 = format!("md5:{}", file_checksum(&file, "md5").expect("md5"));
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/flaky_serve.py"))
        .env("FILE", &file);
    let peer = common::start_peer(cmd, "FLAKY_READY");
    let out = tempfile::tempdir().expect("out");
    let req = Request {
        url: peer.url.clone(),
        dir: out.path().to_path_buf(),
        name: "../../sneaky/data.bin".into(),
        checksum: Some(md5.clone()),
        bearer: None,
        overwrite: false,
    };
    let rt = Runtime::new().expect("rt");
    let c = client();
    let cancel = CancellationToken::new();
    let first = rt.block_on(fetch(&c, &req, &|_, _| {}, &cancel));
    assert!(matches!(first, Err(DownloadError::Network(_))), "{first:?}");
    let part = out.path().join(".data.bin.part");
    let kept = std::fs::metadata(&part).expect("part kept").len();
    assert!(kept > 0 && kept < 300_000, "{kept}");
    // Second start: a Range request for the rest, then the checksum.
    let seen = std::sync::Mutex::new(0u64);
    let done = rt
        .block_on(fetch(
            &c,
            &req,
            &|d, _| *seen.lock().expect("lock") = d,
            &cancel,
        ))
        .expect("resumed");
    assert_eq!(
        done,
        out.path().join("data.bin"),
        "the name stays inside the folder"
    );
    assert_eq!(*seen.lock().expect("lock"), 300_000);
    assert_eq!(
        std::fs::read(&done).expect("read"),
        std::fs::read(&file).expect("read")
    );
    // Not overwritten without being asked.
    let again = rt.block_on(fetch(&c, &req, &|_, _| {}, &cancel));
    assert!(matches!(again, Err(DownloadError::Exists(_))));
    // A wrong checksum is reported and the data kept aside.
    let wrong = Request {
        checksum: Some("adler32:00000000".into()),
        overwrite: true,
        ..req.clone()
    };
    let err = rt
        .block_on(fetch(&c, &wrong, &|_, _| {}, &cancel))
        .expect_err("mismatch");
    assert!(matches!(err, DownloadError::Checksum { .. }), "{err}");
    // Only web links.
    let file_url = Request {
        url: "file:///etc/passwd".into(),
        ..req
    };
    assert!(matches!(
        rt.block_on(fetch(&c, &file_url, &|_, _| {}, &cancel)),
        Err(DownloadError::NotWebUrl(_))
    ));
}

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A real read-only WebDAV server (wsgidav + cheroot) serving `root/public`
/// at `/public` to anonymous clients. Returns the server and its base URL.
fn webdav(root: &Path) -> (Kill, String) {
    std::fs::create_dir_all(root.join("public")).expect("mkdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let conf = root.join("wsgidav.yaml");
    std::fs::write(
        &conf,
        format!(
            "host: 127.0.0.1\nport: {port}\nserver: cheroot\nverbose: 1\nlogging:\n  enable_loggers: []\n\
             provider_mapping:\n  \"/public\":\n    root: \"{}\"\n    readonly: true\n\
             http_authenticator:\n  domain_controller: null\n  accept_basic: true\n  accept_digest: false\n  default_to_digest: false\n\
             simple_dc:\n  user_mapping:\n    \"/public\": true\n",
            root.join("public").display()
        ),
    )
    .expect("conf");
    let wsgidav = common::venv_python().with_file_name("wsgidav");
    let server = Kill(
        Process::new(wsgidav)
            .arg("-c")
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("wsgidav"),
    );
    let base = format!("http://127.0.0.1:{port}/public/");
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "wsgidav did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, base)
}

#[test]
fn webdav_serves_ranged_resumes() {
    let dav = tempfile::tempdir().expect("dav");
    let (_server, base) = webdav(dav.path());
    let file = dav.path().join("public/scan.h5");
    random_file(&file, 100_000);
    let url = format!("{base}scan.h5");
    let rt = Runtime::new().expect("rt");
    let c = client();
    // A part left by an earlier, interrupted session.
    let out = tempfile::tempdir().expect("out");
    let data = std::fs::read(&file).expect("read");
    std::fs::write(out.path().join(".scan.h5.part"), &data[..40_000]).expect("part");
    let req = Request {
        url,
        dir: out.path().to_path_buf(),
        name: "scan.h5".into(),
        checksum: Some(format!(
            "sha256:{}",
            file_checksum(&file, "sha256").expect("sha")
        )),
        bearer: None,
        overwrite: false,
    };
    let cancel = CancellationToken::new();
    let done = rt
        .block_on(fetch(&c, &req, &|_, _| {}, &cancel))
        .expect("download");
    assert_eq!(std::fs::read(done).expect("read"), data);
}

#[test]
fn the_app_downloads_in_the_background_and_reports_the_result() {
    use panorama::state::{AppState, Level};

    let src = tempfile::tempdir().expect("src");
    let file = src.path().join("data.bin");
    random_file(&file, 50_000);
    let mut cmd = Process::new(common::venv_python());
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/flaky_serve.py"))
        .env("FILE", &file);
    let peer = common::start_peer(cmd, "FLAKY_READY");
    let home = tempfile::tempdir().expect("home");
    let rt = Runtime::new().expect("rt");
    let mut s = AppState::new(
        panorama::paths::AppDirs::under(home.path()),
        rt.tasks().clone(),
    );
    let checksum = Some(format!("md5:{}", file_checksum(&file, "md5").expect("md5")));
    let wait = |s: &mut AppState| {
        let t0 = Instant::now();
        while s.busy() {
            s.poll();
            assert!(t0.elapsed() < Duration::from_secs(30));
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    // The first try is cut off by the server; the second resumes.
    for _ in 0..2 {
        s.apply(SearchCommand::Download {
            url: peer.url.clone(),
            name: "data.bin".into(),
            checksum: checksum.clone(),
        });
        wait(&mut s);
    }
    assert_eq!(s.notifications[0].level, Level::Error);
    assert!(
        s.notifications[0].detail.contains("resume"),
        "{}",
        s.notifications[0].detail
    );
    assert_eq!(s.notifications[1].title, "Downloaded data.bin");
    let got = home.path().join("downloads/data.bin");
    assert_eq!(
        std::fs::read(got).expect("read"),
        std::fs::read(&file).expect("read")
    );
    // A chosen folder is used from then on, and remembered.
    let chosen = home.path().join("beamtime-2026");
    s.apply(DownloadsCommand::SetFolder(chosen.clone()));
    s.apply(SearchCommand::Download {
        url: peer.url.clone(),
        name: "data.bin".into(),
        checksum: checksum.clone(),
    });
    wait(&mut s);
    wait(&mut s);
    let in_chosen = chosen.join("data.bin");
    if !in_chosen.exists() {
        // The server cuts every first transfer short: resume once.
        s.apply(SearchCommand::Download {
            url: peer.url.clone(),
            name: "data.bin".into(),
            checksum: checksum.clone(),
        });
        wait(&mut s);
    }
    assert!(in_chosen.is_file());
    let again = AppState::new(
        panorama::paths::AppDirs::under(home.path()),
        rt.tasks().clone(),
    );
    assert_eq!(again.downloads.folder, chosen);
}

#[test]
fn a_webdav_folder_is_listed_and_fetched_through_the_queue() {
    use panorama::transfer::queue::{ItemState, Queue};
    use panorama::transfer::webdav::Lister;

    let dav = tempfile::tempdir().expect("dav");
    let (_server, base) = webdav(dav.path());
    let run = dav.path().join("public/run 7");
    std::fs::create_dir_all(run.join("raw")).expect("mkdir");
    random_file(&run.join("a.h5"), 200_000);
    random_file(&run.join("raw/b.h5"), 150_000);
    random_file(&run.join("raw/c.h5"), 120_000);
    let rt = Runtime::new().expect("rt");
    let lister = Lister::new(None).expect("lister");
    let folder = format!("{base}run%207");
    assert!(rt.block_on(lister.is_folder(&folder)));
    assert!(!rt.block_on(lister.is_folder(&format!("{folder}/a.h5"))));
    let files = rt.block_on(lister.walk(&folder)).expect("walk");
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.h5", "raw/b.h5", "raw/c.h5"]);
    assert_eq!(files[1].size, Some(150_000));
    // A folder that is not there is a clear error, not an empty list.
    let missing = rt.block_on(lister.walk(&format!("{base}nothing/")));
    assert!(missing.is_err(), "{missing:?}");

    // The queue: one at a time, so the others wait; pause, resume, cancel.
    let out = tempfile::tempdir().expect("out");
    let q = Queue::new(rt.tasks().handle().clone(), 1).expect("queue");
    let ids: Vec<u64> = files
        .iter()
        .map(|f| {
            q.add_sized(
                Request {
                    url: f.url.clone().expect("url"),
                    dir: out.path().to_path_buf(),
                    name: f.name.clone(),
                    checksum: None,
                    bearer: None,
                    overwrite: false,
                },
                f.size,
            )
        })
        .collect();
    let states = || q.items().into_iter().map(|i| i.state).collect::<Vec<_>>();
    let running = states()
        .iter()
        .filter(|s| **s == ItemState::Running)
        .count();
    assert!(running <= 1, "{:?}", states());
    q.pause(ids[2]);
    assert_eq!(states()[2], ItemState::Paused);
    q.cancel(ids[1]);
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), q.wait_idle())
            .await
            .expect("idle");
    });
    let s = states();
    assert!(
        matches!(&s[0], ItemState::Done(p) if p.ends_with("a.h5")),
        "{s:?}"
    );
    assert_eq!(s[1], ItemState::Cancelled);
    assert_eq!(s[2], ItemState::Paused);
    assert!(!out.path().join("raw/b.h5").exists());
    assert!(!out.path().join("raw/.b.h5.part").exists());
    // Totals leave the cancelled file out and count the paused one as not done.
    let (done, total, unknown) = q.totals();
    assert!(!unknown);
    assert_eq!(done, 200_000);
    assert_eq!(total, 200_000 + 120_000);
    q.resume(ids[2]);
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), q.wait_idle())
            .await
            .expect("idle");
    });
    assert!(matches!(&states()[2], ItemState::Done(_)), "{:?}", states());
    assert_eq!(
        std::fs::read(out.path().join("raw/c.h5")).expect("c, in its folder"),
        std::fs::read(run.join("raw/c.h5")).expect("c")
    );

    // The same file again: nothing is overwritten until the user says so.
    let again = q.add(Request {
        url: files[0].url.clone().expect("url"),
        dir: out.path().to_path_buf(),
        name: "a.h5".into(),
        checksum: None,
        bearer: None,
        overwrite: false,
    });
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), q.wait_idle())
            .await
            .expect("idle");
    });
    let state_of = |id: u64| q.items().into_iter().find(|i| i.id == id).map(|i| i.state);
    assert!(
        matches!(state_of(again), Some(ItemState::Exists(_))),
        "{:?}",
        state_of(again)
    );
    q.replace(again);
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), q.wait_idle())
            .await
            .expect("idle");
    });
    assert!(
        matches!(state_of(again), Some(ItemState::Done(_))),
        "{:?}",
        state_of(again)
    );

    // `panorama get FOLDER -o DIR` keeps the sub-folders, inside DIR.
    let home = tempfile::tempdir().expect("home");
    let got = tempfile::tempdir().expect("got");
    let cli = Process::new(env!("CARGO_BIN_EXE_panorama"))
        .args(["get", &folder, "-o"])
        .arg(got.path())
        .env("PANORAMA_HOME", home.path())
        .output()
        .expect("run");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    for rel in ["a.h5", "raw/b.h5", "raw/c.h5"] {
        assert_eq!(
            std::fs::read(got.path().join(rel)).expect(rel),
            std::fs::read(run.join(rel)).expect(rel),
            "{rel}"
        );
    }
    // A second run does not overwrite unasked.
    let again = Process::new(env!("CARGO_BIN_EXE_panorama"))
        .args(["get", &format!("{folder}/a.h5"), "-o"])
        .arg(got.path())
        .env("PANORAMA_HOME", home.path())
        .output()
        .expect("run");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn get_finds_a_dataset_by_doi_in_the_demo_catalogue() {
    let home = tempfile::tempdir().expect("home");
    let got = tempfile::tempdir().expect("got");
    let cli = Process::new(env!("CARGO_BIN_EXE_panorama"))
        .args(["get", "https://doi.org/10.5555/panorama-demo.0001", "-o"])
        .arg(got.path())
        .env("PANORAMA_HOME", home.path())
        .env("PANORAMA_OFFLINE", "1")
        .output()
        .expect("run");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert!(got.path().join("demo_image2d.nxs").is_file());
    let unknown = Process::new(env!("CARGO_BIN_EXE_panorama"))
        .args(["get", "10.5555/no-such-record", "-o"])
        .arg(got.path())
        .env("PANORAMA_HOME", home.path())
        .env("PANORAMA_OFFLINE", "1")
        .output()
        .expect("run");
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("knows 10.5555/no-such-record"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
}

/// A file replaced on the server between two attempts is not spliced onto
/// the old part: the resume names the old file (`If-Range`), the server
/// sends the new one whole, and it verifies. A server that answers a resume
/// with the wrong part (`Content-Range` not at the part's end) is not
/// believed: the download starts again from the beginning.
#[test]
fn a_changed_file_or_a_wrong_range_restarts_instead_of_splicing() {
    let rt = Runtime::new().expect("rt");
    let c = client();
    let cancel = CancellationToken::new();
    for mode in ["changes", "lies"] {
        let src = tempfile::tempdir().expect("src");
        let old = src.path().join("old.bin");
        random_file(&old, 200_000);
        let new = src.path().join("new.bin");
        let mut bytes = std::fs::read(&old).expect("old");
        bytes.reverse();
        bytes.extend_from_slice(b"and some more at the end");
        std::fs::write(&new, &bytes).expect("new");
        // The catalogue's checksum: of the file as it is now on the server.
        let expected = if mode == "changes" { &new } else { &old };
        let md5 = format!("md5:{}", file_checksum(expected, "md5").expect("md5"));
        let mut cmd = Process::new(common::venv_python());
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/flaky_serve.py"))
            .env("FILE", &old)
            .env("NEW_FILE", &new)
            .env("MODE", mode);
        let peer = common::start_peer(cmd, "FLAKY_READY");
        let out = tempfile::tempdir().expect("out");
        let req = Request {
            url: peer.url.clone(),
            dir: out.path().to_path_buf(),
            name: "data.bin".into(),
            checksum: Some(md5),
            bearer: None,
            overwrite: false,
        };
        let first = rt.block_on(fetch(&c, &req, &|_, _| {}, &cancel));
        assert!(
            matches!(first, Err(DownloadError::Network(_))),
            "{mode}: {first:?}"
        );
        let done = rt
            .block_on(fetch(&c, &req, &|_, _| {}, &cancel))
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert_eq!(
            std::fs::read(&done).expect("read"),
            std::fs::read(expected).expect("read"),
            "{mode}: the file arrives whole and right"
        );
    }
}

/// Download all of a dataset whose files share a name in different folders
/// (`run1/data.h5`, `run2/data.h5`), three transfers at once: each arrives in
/// its folder, intact; the same file asked for twice is one entry; another
/// file of the same name and folder is kept beside as `data (2).h5`.
#[test]
fn same_named_files_from_different_folders_both_arrive_intact() {
    use panorama::transfer::queue::{ItemState, Queue};
    use panorama::transfer::webdav::Lister;

    let dav = tempfile::tempdir().expect("dav");
    let (_server, base) = webdav(dav.path());
    let set = dav.path().join("public/set");
    for run in ["run1", "run2"] {
        std::fs::create_dir_all(set.join(run)).expect("mkdir");
        random_file(&set.join(run).join("data.h5"), 300_000);
    }
    std::fs::create_dir_all(set.join("other")).expect("mkdir");
    random_file(&set.join("other/data.h5"), 1000);
    let rt = Runtime::new().expect("rt");
    let lister = Lister::new(None).expect("lister");
    let files = rt
        .block_on(lister.walk(&format!("{base}set")))
        .expect("walk");
    let out = tempfile::tempdir().expect("out");
    let q = Queue::new(rt.tasks().handle().clone(), 3).expect("queue");
    let req = |url: &str, name: &str| Request {
        url: url.to_owned(),
        dir: out.path().to_path_buf(),
        name: name.to_owned(),
        checksum: None,
        bearer: None,
        overwrite: false,
    };
    let runs: Vec<_> = files.iter().filter(|f| f.name.starts_with("run")).collect();
    assert_eq!(runs.len(), 2);
    let ids: Vec<u64> = runs
        .iter()
        .map(|f| q.add(req(f.url.as_deref().expect("url"), &f.name)))
        .collect();
    // The first asked for again while it is queued: the same entry.
    let twice = q.add(req(runs[0].url.as_deref().expect("url"), &runs[0].name));
    assert_eq!(twice, ids[0]);
    // Another server's file of the same folder and name: saved beside it.
    let other = files
        .iter()
        .find(|f| f.name == "other/data.h5")
        .and_then(|f| f.url.clone())
        .expect("other");
    q.add(req(&other, "run1/data.h5"));
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), q.wait_idle())
            .await
            .expect("idle");
    });
    let states: Vec<ItemState> = q.items().into_iter().map(|i| i.state).collect();
    assert_eq!(states.len(), 3, "{states:?}");
    assert!(
        states.iter().all(|s| matches!(s, ItemState::Done(_))),
        "{states:?}"
    );
    for run in ["run1", "run2"] {
        assert_eq!(
            std::fs::read(out.path().join(run).join("data.h5")).expect("downloaded"),
            std::fs::read(set.join(run).join("data.h5")).expect("original"),
            "{run}/data.h5 arrived intact"
        );
    }
    assert_eq!(
        std::fs::read(out.path().join("run1/data (2).h5")).expect("beside"),
        std::fs::read(set.join("other/data.h5")).expect("original")
    );
}
