//! Strange and broken files (written by tests/tools/gen_bad_files.py with
//! h5py): every one gives a readable error for the object concerned, never a
//! crash or a hang, and the rest of the file stays browsable.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use panorama::data::local_hdf5::LocalHdf5;
use panorama::data::{Data, DataError, DataSource, EntityKind, NoProgress, Selection};

fn bad_files() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("panorama-bad-files-{}", std::process::id()));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/gen_bad_files.py");
        let out = std::process::Command::new(common::venv_python())
            .arg(script)
            .arg(&dir)
            .output()
            .expect("generator");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

fn open(name: &str) -> Result<LocalHdf5, DataError> {
    LocalHdf5::open(&bad_files().join(name))
}

/// Read every object and every dataset's values; count the errors.
fn browse_everything(src: &dyn DataSource) -> (usize, usize) {
    let report =
        panorama::inspect::inspect(src, "/", &NoProgress).expect("the root is always readable");
    let (mut ok, mut errors) = (0, 0);
    for row in &report.objects {
        let e = &row.entity;
        if let EntityKind::Dataset(_) = e.kind {
            match src.value(&e.path, &Selection::all(), &NoProgress) {
                Ok(_) => ok += 1,
                Err(err) => {
                    assert!(!err.to_string().is_empty());
                    errors += 1;
                }
            }
        }
    }
    (ok, errors)
}

#[test]
fn every_type_is_shown_and_read_or_refused_plainly() {
    let src = open("types.h5").expect("open");
    let (ok, _errors) = browse_everything(&src);
    assert!(ok >= 12, "most datasets read ({ok})");
    let v = |p: &str| src.value(p, &Selection::all(), &NoProgress);
    let compound = v("/compound").expect("compound");
    // A table: one column per field (the last axis), each cell as text.
    assert_eq!(compound.shape, vec![2, 3], "{compound:?}");
    assert!(
        matches!(&compound.data, Data::Text(t) if t[0] == "1.5" && t[5] == "b"),
        "{compound:?}"
    );
    assert_eq!(
        v("/big_endian").expect("be").data,
        Data::F32(vec![0.0, 1.0, 2.0, 3.0, 4.0])
    );
    assert_eq!(
        v("/vlen_strings").expect("strings").element_text(0),
        "ünïcode"
    );
    assert_eq!(v("/fixed_string").expect("fixed").element_text(1), "de");
    assert_eq!(v("/empty").expect("empty").len(), 0);
    assert!(matches!(
        v("/huge_declared"),
        Err(DataError::TooLarge { .. })
    ));
    let root = src.entity("/").expect("root");
    assert!(root.attr("null_attr").is_some_and(|a| a.value.is_err()));
    assert!(
        root.attr_text("compound_attr")
            .is_some_and(|t| t.contains("\"z\""))
    );
}

#[test]
fn ten_thousand_attributes_are_listed() {
    let src = open("many_attrs.h5").expect("open");
    let g = src.entity("/g").expect("group");
    assert_eq!(g.attributes.len(), 10_000);
    assert_eq!(g.attr_text("a09999").as_deref(), Some("9999"));
}

#[test]
fn broken_links_and_cycles_do_not_stop_browsing() {
    let src = open("links.h5").expect("open");
    let root = src.entity("/").expect("root");
    let kind = |n: &str| {
        root.children
            .iter()
            .find(|c| c.name == n)
            .map(|c| c.kind.clone())
            .expect(n)
    };
    assert!(matches!(kind("soft_broken"), EntityKind::Broken { .. }));
    assert!(
        matches!(kind("ext_missing"), EntityKind::Broken { reason } if reason.contains("no_such_file.h5"))
    );
    assert!(matches!(kind("soft_ok"), EntityKind::SoftLink { .. }));
    let (ok, _) = browse_everything(&src);
    assert_eq!(
        ok, 1,
        "only /data is a dataset (the soft link is listed, not followed)"
    );
}

#[test]
fn missing_filters_and_virtual_sources_are_per_dataset_problems() {
    let src = open("filters.h5").expect("open");
    let err = src
        .value("/zstd", &Selection::all(), &NoProgress)
        .expect_err("zstd is not built in");
    assert!(
        matches!(
            err,
            DataError::MissingFilter {
                filter_id: 32015,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("32015"));
    // Bitshuffle + LZ4 (Eiger) decodes.
    let bs = src
        .value("/bslz4", &Selection::all(), &NoProgress)
        .expect("bitshuffle");
    assert_eq!(bs.data, Data::U16((0..4096).collect()));
    assert!(src.value("/plain", &Selection::all(), &NoProgress).is_ok());

    let vds = open("vds_missing.h5").expect("open");
    // Missing sources read as the fill value; the rest of the file is fine.
    let v = vds
        .value("/vds", &Selection::all(), &NoProgress)
        .expect("vds");
    assert_eq!(v.to_f64().expect("numbers"), vec![-1.0; 8]);
    assert!(vds.value("/ok", &Selection::all(), &NoProgress).is_ok());
}

#[test]
fn damaged_and_wrong_files_get_plain_errors() {
    for name in ["truncated.h5", "not_hdf5.h5", "empty_file.h5"] {
        let err = open(name)
            .err()
            .unwrap_or_else(|| panic!("{name} must not open"));
        let msg = err.to_string();
        assert!(msg.contains(name), "{msg}");
    }
    // A file with random bytes overwritten opens; damaged objects show as broken,
    // the others still read.
    let src = open("corrupted.h5").expect("the superblock is intact");
    let report = panorama::inspect::inspect(&src, "/", &NoProgress).expect("walk");
    assert_eq!(
        report.objects.len(),
        21,
        "every object is listed, damaged ones as broken"
    );
    let (ok, errors) = browse_everything(&src);
    assert!(
        ok >= 1 && errors >= 1,
        "{ok} read, {errors} refused with a message"
    );
}

#[test]
fn object_references_read_as_the_paths_they_point_to() {
    // A MATLAB cell array (PyTables ships it): references into /#refs#.
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/tables/test_ref_array1.mat");
    let src = panorama::data::local_hdf5::LocalHdf5::open(&file).expect("open");
    let v = src
        .value("/ANN/my_arr", &Selection::all(), &NoProgress)
        .expect("references");
    assert_eq!(v.shape, vec![1, 3]);
    let Data::Str(paths) = &v.data else {
        panic!("{v:?}");
    };
    for p in paths {
        assert!(p.starts_with("/#refs#/"), "{paths:?}");
        assert!(src.entity(p).is_ok(), "{p} exists");
    }
}
