//! The desktop integration the package installs, checked with the desktop's
//! own tools before any package exists: the MIME package goes through
//! shared-mime-info's `update-mime-database`, and freedesktop.org's own
//! reader (pyxdg) says which type real files get — by name, and by content
//! for files named otherwise (HDF5's signature, also after a user block; the
//! ORSO first line). The desktop file goes through `update-desktop-database`,
//! and what `panorama doctor` reads from the result says Panorama opens
//! every type. (`make deb-check` then installs the real package.)

mod common;

use std::path::Path;
use std::process::Command;

use common::live::{demo, need};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(tool: &str, args: &[&Path]) {
    let out = Command::new(tool).args(args).output().expect(tool);
    assert!(
        out.status.success(),
        "{tool}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn files_get_panoramas_types_by_name_and_content_and_open_in_panorama() {
    need("update-mime-database");
    need("update-desktop-database");
    let tmp = tempfile::tempdir().expect("tmp");
    let share = tmp.path().join("share");
    let packages = share.join("mime/packages");
    std::fs::create_dir_all(&packages).expect("mkdir");
    // The desktop's own types beside ours, as on an installed system: ours
    // must win for .h5 over freedesktop.org's older application/x-hdf.
    let system = Path::new("/usr/share/mime/packages/freedesktop.org.xml");
    if system.exists() {
        std::fs::copy(system, packages.join("freedesktop.org.xml")).expect("copy");
    }
    std::fs::copy(
        Path::new(ROOT).join("packaging/org.panoramascience.Panorama.mime.xml"),
        packages.join("org.panoramascience.Panorama.xml"),
    )
    .expect("copy");
    run("update-mime-database", &[&share.join("mime")]);
    let apps = share.join("applications");
    std::fs::create_dir_all(&apps).expect("mkdir");
    std::fs::copy(
        Path::new(ROOT).join("packaging/org.panoramascience.Panorama.desktop"),
        apps.join("org.panoramascience.Panorama.desktop"),
    )
    .expect("copy");
    run("update-desktop-database", &[&apps]);

    // Files as users have them.
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&files).expect("mkdir");
    let nexus = demo("demo_spectrum1d.nxs");
    std::fs::copy(&nexus, files.join("scan.nxs")).expect("copy");
    std::fs::copy(&nexus, files.join("scan.h5")).expect("copy");
    std::fs::copy(&nexus, files.join("scan_0001")).expect("copy");
    std::fs::write(
        files.join("reflectivity.ort"),
        "# # ORSO reflectivity data file | 1.0 standard | YAML encoding | https://www.reflectometry.org/\n# data_source: {}\n0.01 1.0 0.1\n",
    )
    .expect("write");
    std::fs::copy(files.join("reflectivity.ort"), files.join("reflectivity")).expect("copy");
    let script = r#"
import json, os, sys
os.environ["XDG_DATA_HOME"] = sys.argv[1]
os.environ["XDG_DATA_DIRS"] = sys.argv[1]
import h5py
with h5py.File(os.path.join(sys.argv[2], "userblock_file"), "w", userblock_size=512) as f:
    f["x"] = [1, 2, 3]
from xdg import Mime
print(json.dumps({n: str(Mime.get_type2(os.path.join(sys.argv[2], n)))
                  for n in sorted(os.listdir(sys.argv[2]))}))
"#;
    let types = common::python_json(script, &[share.as_os_str(), files.as_os_str()]);
    let expect = [
        ("scan.nxs", "application/x-nexus"),
        ("scan.h5", "application/x-hdf5"),
        ("scan_0001", "application/x-hdf5"),
        ("userblock_file", "application/x-hdf5"),
        ("reflectivity.ort", "text/x-orso"),
        ("reflectivity", "text/x-orso"),
    ];
    for (name, mime) in expect {
        assert_eq!(types[name], mime, "{name}: {types}");
    }

    let found = panorama::desktop::file_types(&[], &[share]);
    for t in &found {
        assert!(t.known, "{t:?}");
        assert!(t.panorama_can_open, "{t:?}");
        assert_eq!(
            t.default_app.as_deref(),
            Some("org.panoramascience.Panorama.desktop"),
            "{t:?}"
        );
    }
    assert_eq!(found.len(), 3);
}
