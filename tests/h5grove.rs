//! Remote HDF5 against a real h5grove server started on loopback.

mod common;

use panorama::auth::Secret;
use panorama::command::DocumentsCommand;
use panorama::data::h5grove::H5Grove;
use panorama::data::local_hdf5::LocalHdf5;
use panorama::data::{Data, DataError, DataSource, EntityKind, NoProgress, Selection};

#[test]
fn h5grove_reads_like_a_local_file_and_refuses_what_it_must() {
    let dir = tempfile::tempdir().expect("tmp");
    let sample = common::h5grove_sample(dir.path());
    let peer = common::h5grove(dir.path(), Some("s3cret-token"));
    let token = Some(Secret::new("s3cret-token"));
    let remote = H5Grove::new(&peer.url, "sample.h5", token).expect("source");
    let local = LocalHdf5::open(&sample).expect("local");

    // The tree and attributes match what the local reader sees.
    let root = remote.entity("/").expect("root");
    assert_eq!(root.attr_text("title").as_deref(), Some("h5grove sample"));
    let entry = remote.entity("/entry").expect("entry");
    assert_eq!(entry.nx_class.as_deref(), Some("NXentry"));
    let mut names: Vec<_> = entry.children.iter().map(|c| c.name.clone()).collect();
    names.sort();
    let mut local_names: Vec<_> = local
        .entity("/entry")
        .expect("entry")
        .children
        .iter()
        .map(|c| c.name.clone())
        .collect();
    local_names.sort();
    assert_eq!(names, local_names);

    // Values, selections and byte order.
    let all = |p: &str| remote.value(p, &Selection::all(), &NoProgress).expect(p);
    assert_eq!(all("/entry/counts").data, Data::I32((0..100).collect()));
    let img = remote
        .value(
            "/entry/image",
            &Selection::parse("1,1:3").expect("sel"),
            &NoProgress,
        )
        .expect("slice");
    assert_eq!(img.shape, vec![2]);
    assert_eq!(img.data, Data::F64(vec![5.0, 6.0]));
    let be = all("/entry/big_endian");
    assert_eq!(
        be.data,
        Data::I16(vec![0, 1, 2, 3]),
        "big-endian data reads as numbers"
    );
    assert_eq!(
        be.data,
        local
            .value("/entry/big_endian", &Selection::all(), &NoProgress)
            .expect("local")
            .data
    );
    let e = remote.entity("/entry/big_endian").expect("meta");
    assert!(e.kind.to_string().contains("big-endian"), "{}", e.kind);
    assert_eq!(all("/entry/half").data, Data::F32(vec![0.5, 1.5]));
    assert_eq!(all("/entry/scalar").element_text(0), "3.25");
    assert_eq!(all("/entry/label").element_text(0), "hello");
    assert!(matches!(
        remote.entity("/entry/link_to_counts").expect("link").kind,
        EntityKind::Dataset(_)
    ));
    assert!(matches!(
        remote.entity("/nope"),
        Err(DataError::NoSuchObject { .. })
    ));

    // The NeXus machinery works over the network too.
    let plot = panorama::data::nexus::default_plot(&remote, "/");
    assert!(plot.is_err(), "the sample has no NXdata");

    // No token: a plain "sign in" error, not a crash.
    let anonymous = H5Grove::new(&peer.url, "sample.h5", None).expect("source");
    let err = anonymous.entity("/").expect_err("needs a token");
    assert!(err.to_string().contains("sign in"), "{err}");

    // A path outside the served folder is refused by the server.
    let escape = H5Grove::new(
        &peer.url,
        "../outside.h5",
        Some(Secret::new("s3cret-token")),
    )
    .expect("source");
    let err = escape.entity("/").expect_err("refused");
    assert!(
        matches!(err, DataError::Remote { status: 403, .. }),
        "{err}"
    );
}

#[test]
fn a_server_that_is_down_gives_a_clear_error() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let src = H5Grove::new(&format!("http://127.0.0.1:{port}"), "x.h5", None).expect("source");
    let err = src.entity("/").expect_err("down");
    assert!(err.to_string().contains("is the server running"), "{err}");
}

#[test]
fn the_app_opens_an_h5grove_url_like_a_file() {
    use panorama::paths::AppDirs;
    use panorama::runtime::Runtime;
    use panorama::state::{AppState, DocStatus};

    let dir = tempfile::tempdir().expect("tmp");
    let demo =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo_spectrum1d.nxs");
    std::fs::copy(&demo, dir.path().join("spectrum.nxs")).expect("copy");
    let peer = common::h5grove(dir.path(), None);
    let home = tempfile::tempdir().expect("home");
    let rt = Runtime::new().expect("rt");
    let mut s = AppState::new(AppDirs::under(home.path()), rt.tasks().clone());
    s.apply(DocumentsCommand::OpenUrl(format!(
        "{}/?file=spectrum.nxs",
        peer.url
    )));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while s.busy() {
        s.poll();
        assert!(std::time::Instant::now() < deadline, "never finished");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let doc = &s.documents.open[0];
    assert_eq!(doc.label, "spectrum.nxs");
    assert_eq!(doc.status, DocStatus::Ready, "{:?}", doc.status);
    // The remote file's NeXus default plot is found and selected, as for a local file.
    assert_eq!(
        s.documents.selected.as_ref().map(|t| t.path.as_str()),
        Some("/entry/spectrum/counts")
    );
}

#[test]
fn a_remote_walk_ends_at_hard_link_cycles_and_lists_each_object_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("cycle.h5");
    {
        let f = hdf5::File::create(&file).expect("create");
        let g = f.create_group("loop").expect("group");
        g.new_dataset_builder()
            .with_data(&[1.0f64, 2.0])
            .create("x")
            .expect("x");
        // /loop/back is /loop again: a walk that follows it never ends.
        g.link_hard("/loop", "back").expect("hard link");
    }
    let peer = common::h5grove(dir.path(), None);
    let remote = H5Grove::new(&peer.url, "cycle.h5", None).expect("source");
    let all = panorama::data::list_all(&remote, &NoProgress).expect("list");
    let paths: Vec<&str> = all.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"/loop/x"), "{paths:?}");
    assert!(
        paths.len() <= 4,
        "each object once, the cycle cut where HDF5 cuts it: {paths:?}"
    );
    // The inspector's walk (attributes included) ends too.
    let report = panorama::inspect::inspect(&remote, "/", &NoProgress).expect("inspect");
    assert!(report.objects.len() < 200, "{}", report.objects.len());
}

/// Complex datasets and attributes read over h5grove as complex numbers,
/// the same values h5py wrote (and the local reader reads), in both widths.
#[test]
fn complex_values_read_over_h5grove_as_complex_numbers() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("complex.h5");
    common::image::h5py_write(
        "with h5py.File(sys.argv[1], 'w') as f:\n\
         \x20   d = f.create_dataset('z64', data=np.array([[1+2j, -3.5j], [0.25, -1-1j]], dtype='complex64'))\n\
         \x20   d.attrs['gain'] = np.complex128(2-0.5j)\n\
         \x20   d.attrs['poles'] = np.array([1j, -1j], dtype='complex64')\n\
         \x20   f['z128'] = np.array([1e-300+1e300j, -0.0-2j], dtype='complex128')\n",
        &file,
    );
    let peer = common::h5grove(dir.path(), None);
    let remote = H5Grove::new(&peer.url, "complex.h5", None).expect("source");
    let local = LocalHdf5::open(&file).expect("local");
    let all = |s: &dyn DataSource, p: &str| s.value(p, &Selection::all(), &NoProgress).expect(p);
    let z64 = all(&remote, "/z64");
    assert_eq!(z64.shape, vec![2, 2]);
    assert_eq!(
        z64.data,
        Data::Complex(vec![(1.0, 2.0), (0.0, -3.5), (0.25, 0.0), (-1.0, -1.0)])
    );
    assert_eq!(z64.data, all(&local, "/z64").data);
    let z128 = all(&remote, "/z128");
    assert_eq!(
        z128.data,
        Data::Complex(vec![(1e-300, 1e300), (-0.0, -2.0)])
    );
    assert_eq!(z128.data, all(&local, "/z128").data);
    let sliced = remote
        .value("/z64", &Selection::parse("1,:").expect("sel"), &NoProgress)
        .expect("slice");
    assert_eq!(sliced.data, Data::Complex(vec![(0.25, 0.0), (-1.0, -1.0)]));
    let e = remote.entity("/z64").expect("meta");
    let attr = |name: &str| {
        e.attributes
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.value.clone().ok())
            .expect(name)
    };
    assert_eq!(attr("gain").data, Data::Complex(vec![(2.0, -0.5)]));
    assert!(attr("gain").shape.is_empty(), "a scalar");
    assert_eq!(
        attr("poles").data,
        Data::Complex(vec![(0.0, 1.0), (0.0, -1.0)])
    );
    assert_eq!(attr("poles").shape, vec![2]);
}
