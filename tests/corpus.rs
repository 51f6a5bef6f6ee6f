//! Reads like h5py: every dataset of every real HDF5 file in `tests/corpus/`
//! (test data that PyTables, h5py, netCDF4, nexusformat and h5wasm ship) and
//! of the layouts `tests/tools/gen_layouts.py` writes with h5py (an Eiger
//! master with external links, a virtual dataset with a missing source,
//! unallocated chunks with fill values, big-endian, compact and contiguous
//! layouts, every common filter, strings of every encoding, compound types)
//! is exported to `.npy` through the parallel chunk reader, through the HDF5
//! library's reader and through `panorama export`, whole and in selections
//! that cross chunk boundaries; h5py then reads the same selections and
//! `tests/tools/h5py_compare.py` compares them value for value.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use panorama::data::local_hdf5::LocalHdf5;
use panorama::data::{DataSource, EntityKind, NoProgress, Selection};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "LICENSES") {
                files_under(&p, out);
            }
        } else if p
            .extension()
            .is_some_and(|e| ["h5", "nc", "nxs", "mat"].contains(&e.to_string_lossy().as_ref()))
        {
            out.push(p);
        }
    }
}

/// Selections that cross chunk boundaries (or, unchunked, cut every axis),
/// besides the whole dataset: a run along the first axis (the frames the
/// chunk reader decodes in parallel), a box over every axis, one index of
/// the first axis, and a stride.
fn selections(shape: &[u64], chunks: Option<&[u64]>) -> Vec<String> {
    let mut out = vec![String::new()];
    if shape.is_empty() || shape.contains(&0) {
        return out;
    }
    let cut = |d: usize| -> (u64, u64) {
        let len = shape[d];
        let c = chunks.and_then(|c| c.get(d).copied()).unwrap_or(len).max(1);
        let start = (c / 2).min(len - 1);
        let stop = (start + c + 1).min(len);
        (start, stop.max(start + 1))
    };
    let (a, b) = cut(0);
    out.push(format!("{a}:{b}"));
    if shape.len() > 1 {
        let boxed: Vec<String> = (0..shape.len())
            .map(|d| {
                let (a, b) = cut(d);
                format!("{a}:{b}")
            })
            .collect();
        out.push(boxed.join(","));
        out.push((shape[0] - 1).to_string());
    }
    if shape[0] > 2 {
        out.push("1::2".to_owned());
    }
    out
}

#[derive(serde::Serialize)]
struct Entry {
    file: String,
    path: String,
    selection: String,
    mode: &'static str,
    npy: Option<String>,
    refused: Option<String>,
}

/// Datasets of a file (and links that may lead to one), with full info.
fn datasets(src: &LocalHdf5) -> Vec<(String, Vec<u64>, Option<Vec<u64>>)> {
    let all = panorama::data::list_all(src, &NoProgress).expect("list");
    let mut out = Vec::new();
    for e in all {
        let candidate = matches!(
            e.kind,
            EntityKind::Dataset(_) | EntityKind::SoftLink { .. } | EntityKind::ExternalLink { .. }
        );
        if !candidate {
            continue;
        }
        if let Ok(full) = src.entity(&e.path)
            && let Some(info) = full.dataset()
        {
            out.push((e.path.clone(), info.shape.clone(), info.chunks.clone()));
        }
    }
    out
}

#[test]
fn every_dataset_reads_exactly_as_h5py_reads_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tmp");
    // PANORAMA_CORPUS_OUT keeps the exports and h5py's verdicts for a look.
    let work = std::env::var_os("PANORAMA_CORPUS_OUT")
        .map_or_else(|| tmp.path().to_path_buf(), PathBuf::from);
    let layouts = work.join("layouts");
    let gen_out = Command::new(common::venv_python())
        .arg(root.join("tests/tools/gen_layouts.py"))
        .arg(&layouts)
        .output()
        .expect("gen_layouts");
    assert!(
        gen_out.status.success(),
        "gen_layouts.py: {}",
        String::from_utf8_lossy(&gen_out.stderr)
    );
    let mut files = Vec::new();
    files_under(&root.join("tests/corpus"), &mut files);
    let corpus_files = files.len();
    files_under(&layouts, &mut files);
    assert!(
        corpus_files >= 60,
        "the corpus is in tests/corpus ({corpus_files} files)"
    );

    let out_dir = work.join("npy");
    std::fs::create_dir_all(&out_dir).expect("npy dir");
    let mut manifest = Vec::new();
    let mut n = 0usize;
    for file in &files {
        let fast = LocalHdf5::open(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let library = LocalHdf5::open(file).expect("open").library_only();
        // Every attribute of every object is read or reported (strings of
        // any encoding, broken UTF-8 included), never a panic or a lost listing.
        let report = panorama::inspect::inspect(&fast, "/", &NoProgress)
            .unwrap_or_else(|e| panic!("inspect {}: {e}", file.display()));
        assert!(!report.objects.is_empty(), "{}", file.display());
        for (path, shape, chunks) in datasets(&fast) {
            for sel_text in selections(&shape, chunks.as_deref()) {
                let sel = Selection::parse(&sel_text).expect("selection");
                for (mode, src) in [("fast", &fast), ("library", &library)] {
                    n += 1;
                    let out = out_dir.join(format!("{n}.npy"));
                    let result =
                        panorama::data::export::export(src, &path, &sel, &out, &NoProgress);
                    let (npy, refused) = match result {
                        Ok(_) => (Some(out.display().to_string()), None),
                        Err(e) => {
                            let reason = e.to_string();
                            assert!(
                                !reason.trim().is_empty(),
                                "{path}: a refusal names a reason"
                            );
                            (None, Some(reason))
                        }
                    };
                    manifest.push(Entry {
                        file: file.display().to_string(),
                        path: path.clone(),
                        selection: sel_text.clone(),
                        mode,
                        npy,
                        refused,
                    });
                }
            }
        }
    }

    // The command line writes the same files: every dataset of the Eiger
    // master (external links into bitshuffle, gzip and plain data files).
    let master = layouts.join("eiger/master.h5");
    let src = LocalHdf5::open(&master).expect("master");
    for (path, shape, chunks) in datasets(&src) {
        for sel_text in selections(&shape, chunks.as_deref()) {
            n += 1;
            let out = out_dir.join(format!("{n}.npy"));
            let run = Command::new(env!("CARGO_BIN_EXE_panorama"))
                .args(["export"])
                .arg(&master)
                .args(["--path", &path, "--select", &sel_text, "--to"])
                .arg(&out)
                .output()
                .expect("panorama export");
            let stderr = String::from_utf8_lossy(&run.stderr).trim().to_owned();
            manifest.push(Entry {
                file: master.display().to_string(),
                path: path.clone(),
                selection: sel_text,
                mode: "cli",
                npy: run.status.success().then(|| out.display().to_string()),
                refused: (!run.status.success()).then_some(stderr),
            });
        }
    }
    let manifest_path = work.join("manifest.json");
    std::fs::write(
        &manifest_path,
        serde_json::to_vec(&manifest).expect("manifest json"),
    )
    .expect("write manifest");
    let cmp = Command::new(common::venv_python())
        .arg(root.join("tests/tools/h5py_compare.py"))
        .arg(&manifest_path)
        .output()
        .expect("h5py_compare");
    let report = String::from_utf8_lossy(&cmp.stdout);
    eprintln!("{report}{}", String::from_utf8_lossy(&cmp.stderr));
    assert!(
        cmp.status.success(),
        "Panorama and h5py disagree:\n{report}"
    );
    assert!(report.contains(" 0 wrong"), "{report}");

    // Where h5py reads a dataset and Panorama does not, the reason must be
    // one of the known limits (a filter this build lacks, a type with no
    // value or fixed-size form), never a damaged-data or library error:
    // those would be a reader bug hiding as a refusal.
    let verdicts: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(work.join("manifest.result.json")).expect("verdicts"),
    )
    .expect("verdict json");
    let known = [
        "which this build does not include",
        "which Panorama cannot read",
        "cannot hold yet",
    ];
    let mut datasets = std::collections::BTreeSet::new();
    for v in &verdicts {
        datasets.insert((v["file"].to_string(), v["path"].to_string()));
        if v["status"] == "refused" {
            let reason = v["refused"].as_str().unwrap_or_default();
            assert!(
                known.iter().any(|k| reason.contains(k)),
                "{}:{} [{}] ({}) refused for an unexpected reason: {reason}",
                v["file"],
                v["path"],
                v["selection"],
                v["mode"]
            );
        }
    }
    eprintln!(
        "{} datasets in {} files, {} reads compared",
        datasets.len(),
        files.len(),
        verdicts.len()
    );
}

#[test]
fn the_eiger_master_reads_each_linked_file_and_unwritten_chunks_read_as_fill() {
    // No h5py needed: hdf5-rs writes the same layouts, and the library path
    // is the reference the fast path must equal.
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data_000001.h5");
    let frames: Vec<u32> = (0..4 * 6 * 5).map(|i| 1000 + i).collect();
    {
        let f = hdf5::File::create(&data).expect("data");
        let arr = ndarray::Array3::from_shape_vec((4, 6, 5), frames.clone()).expect("shape");
        f.new_dataset_builder()
            .with_data(&arr)
            .chunk([1, 6, 5])
            .create("data")
            .expect("ds");
    }
    let master = tmp.path().join("master.h5");
    {
        let f = hdf5::File::create(&master).expect("master");
        // Bytes where the data file keeps its chunks, so a read of the
        // wrong file finds numbers rather than an error.
        let pad: Vec<u32> = (0..50_000).map(|i| i * 7).collect();
        f.new_dataset_builder()
            .with_data(&pad)
            .create("padding")
            .expect("pad");
        f.link_external("data_000001.h5", "/data", "data_000001")
            .expect("link");
        let filled = f
            .new_dataset_builder()
            .empty::<f64>()
            .shape([10, 12])
            .chunk([4, 5])
            .fill_value(-7.5)
            .create("filled")
            .expect("filled");
        filled
            .write_slice(&ndarray::Array2::<f64>::ones((4, 5)), (0..4, 0..5))
            .expect("one chunk");
    }
    let fast = LocalHdf5::open(&master).expect("open");
    let library = LocalHdf5::open(&master).expect("open").library_only();
    for sel in ["", "1:3", "2"] {
        let s = Selection::parse(sel).expect("sel");
        let a = fast.value("/data_000001", &s, &NoProgress).expect("fast");
        let b = library.value("/data_000001", &s, &NoProgress).expect("lib");
        assert_eq!(a, b, "[{sel}]");
    }
    let all = fast
        .value("/data_000001", &Selection::all(), &NoProgress)
        .expect("all");
    assert_eq!(all.data, panorama::data::Data::U32(frames));
    let filled = fast
        .value("/filled", &Selection::all(), &NoProgress)
        .expect("filled");
    let v = filled.to_f64().expect("numbers");
    assert_eq!(v[0], 1.0);
    assert_eq!(v[5], -7.5, "an unwritten chunk reads as the fill value");
    assert_eq!(v[119], -7.5);
    assert_eq!(
        filled,
        library
            .value("/filled", &Selection::all(), &NoProgress)
            .expect("lib")
    );
}

/// `inspect` walks a local file opening each object once; it must visit
/// exactly what the generic walk (one entity after another, as for remote
/// sources) visits, in the same order, on every real file and layout.
#[test]
fn the_one_pass_walk_visits_what_the_generic_walk_visits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tmp");
    let layouts = tmp.path().join("layouts");
    let gen_out = Command::new(common::venv_python())
        .arg(root.join("tests/tools/gen_layouts.py"))
        .arg(&layouts)
        .output()
        .expect("gen_layouts");
    assert!(gen_out.status.success(), "gen_layouts.py failed");
    // And the strange files: hard-link cycles, dangling links, odd names.
    let bad = tmp.path().join("bad");
    let gen_out = Command::new(common::venv_python())
        .arg(root.join("tests/tools/gen_bad_files.py"))
        .arg(&bad)
        .output()
        .expect("gen_bad_files");
    assert!(gen_out.status.success(), "gen_bad_files.py failed");
    let mut files = Vec::new();
    files_under(&root.join("tests/corpus"), &mut files);
    files_under(&layouts, &mut files);
    files_under(&bad, &mut files);
    let mut objects = 0usize;
    for f in &files {
        let Ok(src) = LocalHdf5::open(f) else {
            continue;
        };
        let collect = |generic: bool| {
            let mut seen = Vec::new();
            let mut visit =
                |e: &panorama::data::Entity, depth: usize| seen.push((e.clone(), depth));
            let done = if generic {
                panorama::data::walk_generic(&src, "/", &mut visit, &NoProgress)
            } else {
                panorama::data::walk(&src, "/", &mut visit, &NoProgress)
            };
            (done.map_err(|e| e.to_string()), seen)
        };
        let (fast_done, fast) = collect(false);
        let (generic_done, generic) = collect(true);
        assert_eq!(fast_done, generic_done, "{}", f.display());
        assert_eq!(
            fast.len(),
            generic.len(),
            "{}: objects visited",
            f.display()
        );
        // Compared as printed, so NaN attributes compare equal.
        for (a, b) in fast.iter().zip(&generic) {
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", f.display());
        }
        objects += fast.len();
    }
    assert!(objects > 500, "{objects} objects walked");
}

/// netCDF variables with CF attributes (`_Unsigned` shorts and bytes,
/// `_FillValue`, `valid_range`/`valid_min`/`valid_max`, `scale_factor`,
/// `add_offset`) export as the values the netCDF4 library reads with its
/// automatic mask and scale (missing as NaN); `--raw` exports what h5py reads.
#[test]
fn cf_variables_export_as_netcdf4_reads_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tmp");
    let cases = [
        ("issue671.nc", "/soil_moisture"),
        ("issue672.nc", "/azi_angle_trip"),
        ("20171025_2056.Cloud_Top_Height.nc", "/HT"),
        ("20171025_2056.Cloud_Top_Height.nc", "/DQF"),
        ("20171025_2056.Cloud_Top_Height.nc", "/x"),
        ("20171025_2056.Cloud_Top_Height.nc", "/y"),
    ];
    let mut args = Vec::new();
    for (i, (file, var)) in cases.iter().enumerate() {
        let f = root.join("tests/corpus/netCDF4").join(file);
        for raw in [false, true] {
            let out = tmp.path().join(format!("{i}-{raw}.npy"));
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_panorama"));
            cmd.arg("export")
                .arg(&f)
                .args(["--path", var, "--to"])
                .arg(&out);
            if raw {
                cmd.arg("--raw");
            }
            let run = cmd.output().expect("panorama export");
            assert!(
                run.status.success(),
                "{file}{var}: {}",
                String::from_utf8_lossy(&run.stderr)
            );
            args.push(format!("{}|{}|{}|{raw}", f.display(), var, out.display()));
        }
    }
    let check = Command::new(common::venv_python())
        .arg("-c")
        .arg(
            "import sys, numpy as np, netCDF4, h5py\n\
             bad = []\n\
             for a in sys.argv[1:]:\n\
             \x20   f, var, out, raw = a.split('|')\n\
             \x20   ours = np.load(out)\n\
             \x20   if raw == 'true':\n\
             \x20       ref = h5py.File(f, 'r')[var][()]\n\
             \x20       ok = ours.dtype == ref.dtype and np.array_equal(ours, ref)\n\
             \x20   else:\n\
             \x20       v = netCDF4.Dataset(f)[var.lstrip('/')]\n\
             \x20       v.set_auto_maskandscale(True)\n\
             \x20       ref = np.ma.filled(np.ma.asarray(v[...]).astype(np.float64), np.nan)\n\
             \x20       scale = float(np.nanmax(np.abs(ref))) if np.isfinite(ref).any() else 0.0\n\
             \x20       ok = ours.shape == ref.shape and np.allclose(ours, ref, rtol=1e-6, atol=1e-6 * scale, equal_nan=True)\n\
             \x20   if not ok:\n\
             \x20       d = np.flatnonzero(~np.isclose(ours.astype(float).ravel(), ref.astype(float).ravel(), equal_nan=True))[:3]\n\
             \x20       bad.append(f'{f}{var} raw={raw}: ours {ours.ravel()[d]} netCDF4 {ref.ravel()[d]}')\n\
             print('\\n'.join(bad))\n\
             sys.exit(1 if bad else 0)",
        )
        .args(&args)
        .output()
        .expect("netCDF4");
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// Reads like orsopy (the ORSO reference reader): every data set of every
/// real `.ort` file in `tests/corpus/orso` and `tests/fixtures/orso` opens
/// with the same data set names, column names, units and numbers, and the
/// header's values as attributes; a text file that is not ORSO is refused.
#[test]
fn orso_files_read_like_orsopy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["tests/corpus/orso", "tests/fixtures/orso"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).expect("orso folder"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ort"))
        .filter(|p| !p.ends_with("not_orso.ort"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let reference = Command::new(common::venv_python())
        .arg("-c")
        .arg(
            "import sys, json\n\
             from orsopy.fileio import load_orso\n\
             out = {}\n\
             for f in sys.argv[1:]:\n\
             \x20   out[f] = [{'name': str(d.info.data_set),\n\
             \x20              'columns': [c.name for c in d.info.columns],\n\
             \x20              'units': [getattr(c, 'unit', None) for c in d.info.columns],\n\
             \x20              'owner': d.info.data_source.owner.name,\n\
             \x20              'data': d.data.T.tolist()} for d in load_orso(f)]\n\
             print(json.dumps(out))",
        )
        .args(&files)
        .output()
        .expect("orsopy");
    assert!(
        reference.status.success(),
        "{}",
        String::from_utf8_lossy(&reference.stderr)
    );
    let reference: serde_json::Value =
        serde_json::from_slice(&reference.stdout).expect("orsopy's json");
    let mut sets = 0;
    for f in &files {
        let src = panorama::data::open_local(f).expect("opens");
        let want = reference[f.display().to_string()]
            .as_array()
            .expect("data sets");
        let top = src.entity("/").expect("root");
        let names: Vec<&str> = top.children.iter().map(|c| c.name.as_str()).collect();
        let want_names: Vec<&str> = want.iter().filter_map(|d| d["name"].as_str()).collect();
        assert_eq!(names, want_names, "{}", f.display());
        for d in want {
            sets += 1;
            let name = d["name"].as_str().expect("name");
            let set = src.entity(&format!("/{name}")).expect("data set");
            assert_eq!(
                set.attr_text("data_source.owner.name"),
                d["owner"].as_str().map(str::to_owned),
                "{}: {name}",
                f.display()
            );
            for (k, col) in d["columns"].as_array().expect("columns").iter().enumerate() {
                let col = col.as_str().expect("column name");
                let path = format!("/{name}/data/{col}");
                let e = src.entity(&path).expect(&path);
                assert_eq!(
                    e.attr_text("units"),
                    d["units"][k]
                        .as_str()
                        .filter(|u| !u.is_empty())
                        .map(str::to_owned),
                    "{path}"
                );
                let got = src
                    .value(&path, &Selection::all(), &NoProgress)
                    .expect(&path)
                    .to_f64()
                    .expect("numbers");
                let want: Vec<f64> = d["data"][k]
                    .as_array()
                    .expect("values")
                    .iter()
                    .filter_map(serde_json::Value::as_f64)
                    .collect();
                assert_eq!(got, want, "{}: {path}", f.display());
            }
        }
    }
    assert!(sets >= 4, "{sets} data sets");
    let not_orso = root.join("tests/corpus/orso/not_orso.ort");
    let err = panorama::data::open_local(&not_orso)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("not an ORSO text file"), "{err}");
}
