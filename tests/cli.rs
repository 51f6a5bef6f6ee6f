//! The `panorama` binary as a user runs it.

use std::process::Command;

fn panorama(home: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_panorama"));
    c.env("PANORAMA_HOME", home).env_remove("RUST_LOG");
    c
}

/// `-V` is the version alone; `--version` also names the commit and the
/// HDF5 library with the filters it decodes, as `doctor` finds them.
#[test]
fn version_is_printed() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path()).arg("-V").output().expect("run");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("panorama {}", env!("CARGO_PKG_VERSION"))
    );
    let out = panorama(home.path())
        .arg("--version")
        .output()
        .expect("run");
    assert!(out.status.success());
    let long = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = long.lines().collect();
    assert_eq!(lines[0], format!("panorama {}", env!("CARGO_PKG_VERSION")));
    assert!(lines[1].starts_with("commit "), "{long}");
    let doctor: serde_json::Value = serde_json::from_slice(
        &panorama(home.path())
            .args(["doctor", "--json"])
            .output()
            .expect("doctor")
            .stdout,
    )
    .expect("json");
    let hdf5 = doctor["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "HDF5 library"))
        .and_then(|c| c["detail"].as_str())
        .and_then(|d| d.split_whitespace().next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        lines[2].starts_with(&format!("HDF5 {hdf5} ")) && lines[2].contains("deflate"),
        "{long} (doctor: {hdf5})"
    );
}

/// Every subcommand has its manual page (groff reads each without a
/// warning, as man runs it on a UTF-8 terminal) and is completed by bash
/// (whose parser takes the script).
#[test]
fn the_manual_and_the_completions_cover_every_subcommand() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = tempfile::tempdir().expect("man");
    let out = panorama(home.path())
        .args(["manual", "--to"])
        .arg(dir.path())
        .output()
        .expect("manual");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let subcommands: Vec<String> = panorama::cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    assert!(subcommands.len() > 10, "{subcommands:?}");
    for name in std::iter::once("panorama".to_owned())
        .chain(subcommands.iter().map(|s| format!("panorama-{s}")))
    {
        let page = dir.path().join(format!("{name}.1"));
        let text = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{name}.1: {e}"));
        assert!(text.contains(&format!(".TH {name} 1")), "{name}.1 heading");
        let groff = Command::new("groff")
            .args(["-k", "-Tutf8", "-man", "-ww", "-z"])
            .arg(&page)
            .output()
            .expect("groff (make test installs groff-base)");
        assert!(
            groff.status.success() && groff.stderr.is_empty(),
            "{name}.1: {}",
            String::from_utf8_lossy(&groff.stderr)
        );
    }
    let out = panorama(home.path())
        .args(["completions", "bash"])
        .output()
        .expect("completions");
    assert!(out.status.success());
    let script = String::from_utf8_lossy(&out.stdout).to_string();
    for s in &subcommands {
        assert!(script.contains(s.as_str()), "bash completes {s}");
    }
    let file = dir.path().join("panorama.bash");
    std::fs::write(&file, &script).expect("write");
    let bash = Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .expect("bash");
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    for shell in ["zsh", "fish"] {
        let out = panorama(home.path())
            .args(["completions", shell])
            .output()
            .expect("completions");
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
}

#[test]
fn doctor_tells_the_truth_about_this_machine() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .args(["doctor", "--json"])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let checks = report["checks"].as_array().expect("checks");
    let find = |name: &str| {
        checks
            .iter()
            .find(|c| c["name"].as_str().is_some_and(|n| n.starts_with(name)))
            .unwrap_or_else(|| panic!("no check {name}"))
    };
    let hdf5 = find("HDF5 library");
    assert!(
        hdf5["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with(&panorama::data::hdf5_library::version())),
        "{hdf5}"
    );
    assert_eq!(find("filter 1 ")["status"], "ok");
    // Folders are the ones PANORAMA_HOME points at, and were created.
    let data = find("data folder");
    assert_eq!(data["status"], "ok");
    assert!(home.path().join("data").is_dir());
    // The exit code follows the report: non-zero exactly when a check failed.
    let failed = checks.iter().any(|c| c["status"] == "fail");
    assert_eq!(out.status.success(), !failed, "{report:#}");
    // The text form carries the same verdict.
    let text = panorama(home.path()).arg("doctor").output().expect("run");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("HDF5 library"), "{text}");
    assert!(text.contains("GPU adapter"), "{text}");
    assert!(text.contains("keyring"), "{text}");
}

#[test]
fn without_a_display_the_gui_explains_instead_of_crashing() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no display found"), "{err}");
    assert!(err.contains("xvfb-run"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn logs_go_to_a_file_in_the_data_folder() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .args(["-v", "doctor"])
        .output()
        .expect("run");
    assert!(out.status.code().is_some());
    let logs: Vec<_> = std::fs::read_dir(home.path().join("data/logs"))
        .expect("log folder")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("panorama.log"))
        .collect();
    assert_eq!(logs.len(), 1, "one log file for today");
}

#[test]
fn unknown_arguments_are_refused_with_usage() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .args(["doctor", "--frobnicate"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage"));
}

#[test]
fn search_finds_demo_records_by_project_as_json() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .args([
            "search",
            "Aurora",
            "--source",
            "demo",
            "--facet",
            "facility=HZDR",
            "--json",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let hits = v.as_array().expect("array");
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|d| d["facility"] == "HZDR" && d["project"] == "Aurora")
    );
    assert!(
        hits.iter()
            .any(|d| d["pid"] == "10.5555/panorama-demo.0001")
    );
}

/// `panorama export` in every format, read back by an independent reader:
/// h5py for .h5/.nxs, the tiff decoder for .tiff, the text for .csv/.tsv.
/// A complex dataset exported to HDF5 keeps its complex attributes, in
/// their width, as h5py reads them back.
#[test]
fn complex_attributes_go_with_an_hdf5_export() {
    let home = tempfile::tempdir().expect("home");
    let dir = tempfile::tempdir().expect("out");
    let src = dir.path().join("z.h5");
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/target/venv/bin/python");
    let made = Command::new(python)
        .arg("-c")
        .arg(
            "import sys, h5py, numpy as np\n\
             with h5py.File(sys.argv[1], 'w') as f:\n\
             \x20   d = f.create_dataset('z', data=np.array([1+2j, -3j], dtype='complex64'))\n\
             \x20   d.attrs['gain'] = np.complex64(2-0.5j)\n\
             \x20   d.attrs['poles'] = np.array([1e-300j, -1j])\n\
             \x20   d.attrs['units'] = 'V'",
        )
        .arg(&src)
        .output()
        .expect("python");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let to = dir.path().join("copy.h5");
    let o = panorama(home.path())
        .args([
            "export",
            src.to_str().expect("utf8"),
            "--path",
            "/z",
            "--to",
        ])
        .arg(&to)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let check = Command::new(python)
        .arg("-c")
        .arg(
            "import sys, h5py, numpy as np\n\
             a = h5py.File(sys.argv[1])['z']; b = h5py.File(sys.argv[2])['z']\n\
             assert b.dtype == a.dtype and np.array_equal(b[()], a[()]), 'values'\n\
             for k in a.attrs:\n\
             \x20   x, y = a.attrs[k], b.attrs[k]\n\
             \x20   assert np.asarray(x).dtype == np.asarray(y).dtype, (k, x, y)\n\
             \x20   assert np.array_equal(x, y), (k, x, y)\n\
             assert set(a.attrs) == set(b.attrs), (dict(a.attrs), dict(b.attrs))",
        )
        .arg(&src)
        .arg(&to)
        .output()
        .expect("python");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn export_writes_every_format_and_refuses_what_does_not_fit() {
    let home = tempfile::tempdir().expect("home");
    let out = tempfile::tempdir().expect("out");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/demo_image2d.nxs");
    let spectrum = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/demo_spectrum1d.nxs"
    );
    let export = |file: &str, path: &str, select: &str, to: &std::path::Path| {
        let o = panorama(home.path())
            .args(["export", file, "--path", path, "--select", select, "--to"])
            .arg(to)
            .output()
            .expect("run");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let image = "/entry/image/intensity";
    // HDF5 and NeXus copies keep the values and the attributes.
    for name in ["rows.h5", "rows.nxs"] {
        let to = out.path().join(name);
        let (code, err) = export(demo, image, "10:20, 5:9", &to);
        assert_eq!(code, Some(0), "{err}");
        let inner = if std::path::Path::new(name)
            .extension()
            .is_some_and(|e| e == "nxs")
        {
            "/entry/data/intensity"
        } else {
            "/intensity"
        };
        let check = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/target/venv/bin/python"))
            .arg("-c")
            .arg(
                "import sys, h5py, numpy as np\n\
                 a = h5py.File(sys.argv[1])['/entry/image/intensity'][10:20, 5:9]\n\
                 f = h5py.File(sys.argv[2]); b = f[sys.argv[3]]\n\
                 assert b.dtype == a.dtype and np.array_equal(b[()], a), 'values'\n\
                 assert b.attrs['units'] == 'counts', dict(b.attrs)\n\
                 if sys.argv[2].endswith('.nxs'): assert f['/entry/data'].attrs['signal'] == 'intensity'",
            )
            .args([demo, to.to_str().expect("utf8"), inner])
            .output()
            .expect("python");
        assert!(
            check.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // A TIFF image of float32 pixels, equal to what Panorama reads.
    let tif = out.path().join("image.tiff");
    let (code, err) = export(demo, image, "", &tif);
    assert_eq!(code, Some(0), "{err}");
    let mut decoder = tiff::decoder::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&tif).expect("tif"),
    ))
    .expect("decoder");
    let (w, h) = decoder.dimensions().expect("dims");
    assert_eq!((w, h), (512, 400));
    let tiff::decoder::DecodingResult::F32(px) = decoder.read_image().expect("pixels") else {
        panic!("float32 pixels");
    };
    let src =
        panorama::data::local_hdf5::LocalHdf5::open(std::path::Path::new(demo)).expect("open");
    let want = panorama::data::DataSource::value(
        &src,
        image,
        &panorama::data::Selection::all(),
        &panorama::data::NoProgress,
    )
    .expect("value");
    assert_eq!(panorama::data::Data::F32(px), want.data);
    // CSV of a 1-D selection: one exact number a line.
    let csv = out.path().join("spectrum.csv");
    let (code, err) = export(spectrum, "/entry/spectrum/counts", "0:5", &csv);
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert_eq!(text.lines().count(), 5, "{text}");
    // What the format cannot hold, or a format it does not know: exit 1, in
    // words, and no file left behind.
    let cube = out.path().join("cube.csv");
    let stack = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/demo_stack3d.nxs");
    let (code, err) = export(stack, "/entry/stack/data", "", &cube);
    assert_eq!(code, Some(1));
    assert!(err.contains("1-D and 2-D"), "{err}");
    assert!(!cube.exists() && !out.path().join("cube.csv.partial").exists());
    let (code, err) = export(demo, image, "", &out.path().join("image.xlsx"));
    assert_eq!(code, Some(1));
    assert!(err.contains(".xlsx"), "{err}");
    let (code, err) = export(demo, "/entry/nothing", "", &out.path().join("x.npy"));
    assert_eq!(code, Some(1));
    assert!(err.contains("no object"), "{err}");
}

/// `panorama search` reads the structured query too: a parameter range in
/// other units than the record's, offline on the bundled catalogue.
#[test]
fn search_filters_by_a_parameter_range_in_any_unit() {
    let home = tempfile::tempdir().expect("tmp");
    let out = panorama(home.path())
        .args([
            "search",
            "photon_energy:17..18 keV",
            "--source",
            "demo",
            "--json",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let pids: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["pid"].as_str())
        .collect();
    assert_eq!(pids, ["10.5555/panorama-demo.0001"]);
}
