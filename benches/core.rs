//! Criterion benchmarks of the hot paths that run on every frame or every
//! keystroke: line decimation, image colouring, the workflow engine, the
//! offline search query. `make bench` compares the file-level paths with
//! h5py, numpy and silx; these track the building blocks between releases.
//!
//!     cargo bench --bench core

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "screen positions and sizes rounded to whole pixels"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use panorama::data::{Data, Value};
use panorama::plot::{Colormap, MinMaxPyramid, Scale};

fn signal(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let x = i as f64 * 1e-4;
            x.sin() + 0.3 * (x * 17.0).sin()
        })
        .collect()
}

fn line(c: &mut Criterion) {
    let y = signal(10_000_000);
    c.bench_function("decimate 10M points to 2,000 columns", |b| {
        b.iter(|| black_box(panorama::plot::decimate_minmax(black_box(&y), 2000)));
    });
    let p = MinMaxPyramid::new(y);
    c.bench_function("pan/zoom frame: 4M-point window from the pyramid", |b| {
        let mut k = 0usize;
        b.iter(|| {
            k = (k + 777_777) % 5_000_000;
            black_box(p.decimate(k, k + 4_000_000, 2000))
        });
    });
}

fn image(c: &mut Criterion) {
    let v = Value {
        shape: vec![2048, 2048],
        data: Data::U16((0..2048 * 2048).map(|i| (i % 4099) as u16).collect()),
    };
    c.bench_function("colour a 2048² uint16 image (autoscale + viridis)", |b| {
        b.iter(|| {
            black_box(panorama::plot::image_rgba(
                black_box(&v),
                Colormap::Viridis,
                Scale::Log,
            ))
        });
    });
}

fn engine(c: &mut Criterion) {
    use panorama::workflow::{Graph, engine::Engine, library};
    let mut g = Graph::default();
    let mut prev = g.add(library::make("constant").expect("node"));
    for _ in 1..1000 {
        let id = g.add(library::make("scale").expect("node"));
        g.connect((prev, 0), (id, 0)).expect("edge");
        prev = id;
    }
    let cancel = tokio_util::sync::CancellationToken::new();
    c.bench_function(
        "workflow engine: 1,000-node chain from an empty cache",
        |b| {
            b.iter(|| black_box(Engine::default().run(&g, &cancel, &|_, _| {}).expect("run")));
        },
    );
}

fn search(c: &mut Criterion) {
    use panorama::catalogue::offline::RecordIndex as _;
    let mut store = panorama::store::Store::in_memory().expect("store");
    store
        .index_datasets(&panorama::catalogue::synthetic::synthetic_records(20_000))
        .expect("index");
    c.bench_function("offline search: 2 words over 20,000 records", |b| {
        b.iter(|| black_box(store.search_index("neutron powder", 50).expect("search")));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = line, image, engine, search
}
criterion_main!(benches);
