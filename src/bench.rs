//! `panorama bench`: the same measurements as the h5py reference script
//! (tests/tools/h5py_baseline.py) on the same generated files, so `make bench`
//! can print ratios. Each figure is the median of several warm runs.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::data::local_hdf5::LocalHdf5;
use crate::data::{Data, DataError, DataSource, NoProgress, Selection};
use crate::plot::{Colormap, Scale, decimate_minmax};

#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub name: &'static str,
    pub median_s: f64,
    pub runs_s: Vec<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn time<F: FnMut() -> Result<(), DataError>>(
    name: &'static str,
    runs: usize,
    mut f: F,
) -> Result<Measurement, DataError> {
    f()?; // warm-up: page cache, filter registration
    let mut t = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t0 = Instant::now();
        f()?;
        t.push(t0.elapsed().as_secs_f64());
    }
    Ok(Measurement {
        name,
        median_s: median(t.clone()),
        runs_s: t,
    })
}

/// Run every benchmark whose file exists in `dir`.
pub fn run(dir: &Path, runs: usize) -> Result<Vec<Measurement>, DataError> {
    let mut out = Vec::new();
    let file = |n: &str| dir.join(n);
    if file("tree10k.nxs").exists() {
        out.push(time("visititems_tree10k", runs, || {
            let src = LocalHdf5::open(&file("tree10k.nxs"))?;
            let n = crate::data::list_all(&src, &NoProgress)?.len();
            assert!(n > 10_000, "{n}");
            Ok(())
        })?);
    }
    if file("image4k.nxs").exists() {
        out.push(time("read_image4k_full", runs, || {
            let src = LocalHdf5::open(&file("image4k.nxs"))?;
            let v = src.value("/entry/data/data", &Selection::all(), &NoProgress)?;
            std::hint::black_box(v);
            Ok(())
        })?);
        out.push(time("read_image4k_to_texture", runs, || {
            let src = LocalHdf5::open(&file("image4k.nxs"))?;
            let v = src.value("/entry/data/data", &Selection::all(), &NoProgress)?;
            std::hint::black_box(crate::plot::image_rgba(
                &v,
                Colormap::Viridis,
                Scale::Linear,
            ));
            Ok(())
        })?);
    }
    if file("line10m.nxs").exists() {
        out.push(time("read_line10m_full", runs, || {
            let src = LocalHdf5::open(&file("line10m.nxs"))?;
            std::hint::black_box(src.value(
                "/entry/data/signal",
                &Selection::all(),
                &NoProgress,
            )?);
            Ok(())
        })?);
        out.push(time("read_decimate_line10m_2000cols", runs, || {
            let src = LocalHdf5::open(&file("line10m.nxs"))?;
            let v = src.value("/entry/data/signal", &Selection::all(), &NoProgress)?;
            let Data::F64(y) = &v.data else {
                return Err(DataError::Malformed {
                    object: "signal".into(),
                    message: "not float64".into(),
                });
            };
            std::hint::black_box(decimate_minmax(y, 2000));
            Ok(())
        })?);
        out.push({
            // One pan/zoom frame: decimate a visible range from the pyramid.
            let src = LocalHdf5::open(&file("line10m.nxs"))?;
            let v = src.value("/entry/data/signal", &Selection::all(), &NoProgress)?;
            let p = crate::plot::MinMaxPyramid::new(v.to_f64().unwrap_or_default());
            let mut k = 0usize;
            time("line10m_pan_zoom_frame", runs.max(20), || {
                k += 1;
                let start = (k * 777_777) % 5_000_000;
                std::hint::black_box(p.decimate(start, start + 4_000_000, 2000));
                Ok(())
            })?
        });
    }
    if file("stack_bslz4.h5").exists() {
        out.push(time("bslz4_decompress_50frames_sum", runs, || {
            let src = LocalHdf5::open(&file("stack_bslz4.h5"))?;
            let v = src.value("/entry/data/data", &Selection::all(), &NoProgress)?;
            let sum: u64 = match &v.data {
                Data::U16(d) => {
                    use rayon::prelude::*;
                    d.par_iter().map(|&x| u64::from(x)).sum()
                }
                _ => 0,
            };
            std::hint::black_box(sum);
            Ok(())
        })?);
    }
    Ok(out)
}
