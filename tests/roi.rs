//! Regions of interest measured as the scientific Python stack measures
//! them: statistics as numpy computes them on the pixels scikit-image's
//! `draw.polygon` selects, centres of mass as `scipy.ndimage`, profiles as
//! `skimage.measure.profile_line`.

mod common;

use panorama::plot::roi::{self, Shape};

/// A 37 × 53 image of uneven values with a few holes (NaN, +∞).
fn image() -> (usize, usize, Vec<f64>) {
    let (h, w) = (37, 53);
    let mut v: Vec<f64> = (0..h * w)
        .map(|i| {
            let (r, c) = ((i / w) as f64, (i % w) as f64);
            1000.0 + 300.0 * (r * 0.37).sin() * (c * 0.21).cos() + 0.01 * r * c + (i % 7) as f64
        })
        .collect();
    v[5 * w + 8] = f64::NAN;
    v[20 * w + 30] = f64::INFINITY;
    v[21 * w + 31] = f64::NAN;
    (h, w, v)
}

/// Run `script` with the image as `img` (numpy, NaN kept) and `shapes` (the
/// JSON given); its printed JSON.
fn python(script: &str, shapes: &serde_json::Value) -> serde_json::Value {
    let (h, w, v) = image();
    let data: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    let input = serde_json::json!({"h": h, "w": w, "shapes": shapes}).to_string();
    let dir = tempfile::tempdir().expect("tmp");
    let values = dir.path().join("values.txt");
    std::fs::write(&values, data.join("\n")).expect("values");
    common::python_json(
        &format!(
            "import sys, json, numpy as np, scipy.ndimage as ndi, skimage.draw, skimage.measure\n\
             inp = json.loads(sys.argv[1])\n\
             img = np.loadtxt(sys.argv[2]).reshape(inp['h'], inp['w'])\n\
             shapes = inp['shapes']\n\
             {script}"
        ),
        &[std::ffi::OsStr::new(&input), values.as_os_str()],
    )
}

/// numpy's statistics of the pixels of `mask` (a boolean image), NaN and
/// infinities left out, and scipy's centre of mass.
const NUMPY_STATS: &str = "def stats(mask):\n\
    \x20   v = img[mask]\n\
    \x20   ok = np.isfinite(v)\n\
    \x20   f = v[ok]\n\
    \x20   clean = np.where(np.isfinite(img), img, 0.0)\n\
    \x20   com = ndi.center_of_mass(clean, labels=mask.astype(int), index=1)\n\
    \x20   return dict(count=int(f.size), invalid=int((~ok).sum()), sum=float(f.sum()),\n\
    \x20               mean=float(f.mean()), std=float(f.std()), min=float(f.min()),\n\
    \x20               max=float(f.max()), centre=[float(com[0]), float(com[1])])\n";

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: Panorama {a}, numpy {b}"
    );
}

fn same_stats(s: &roi::Stats, want: &serde_json::Value, what: &str) {
    assert_eq!(
        s.count as u64,
        want["count"].as_u64().expect("count"),
        "{what} count"
    );
    assert_eq!(
        s.invalid as u64,
        want["invalid"].as_u64().expect("invalid"),
        "{what} invalid"
    );
    for (got, key) in [
        (s.sum, "sum"),
        (s.mean, "mean"),
        (s.std, "std"),
        (s.min, "min"),
        (s.max, "max"),
    ] {
        close(
            got,
            want[key].as_f64().expect(key),
            &format!("{what} {key}"),
        );
    }
    let (r, c) = s.centre.expect("a centre of mass");
    close(
        r,
        want["centre"][0].as_f64().expect("row"),
        &format!("{what} centre row"),
    );
    close(
        c,
        want["centre"][1].as_f64().expect("col"),
        &format!("{what} centre col"),
    );
}

#[test]
fn rectangle_and_polygon_statistics_are_numpys() {
    let (h, w, v) = image();
    // A rectangle of whole pixels: x 7…41, y 3…29 (pixel coordinates).
    let rect = Shape::Rect {
        a: (41.0, 29.0),
        b: (7.0, 3.0),
    };
    // A concave polygon crossing the holes; corners off the pixel grid.
    let corners = vec![
        (4.3, 2.7),
        (47.6, 6.2),
        (30.1, 18.4),
        (44.8, 33.9),
        (9.7, 30.2),
        (16.2, 15.3),
    ];
    let poly = Shape::Polygon(corners.clone());
    let want = python(
        &format!(
            "{NUMPY_STATS}\n\
             rect = np.zeros(img.shape, bool)\n\
             rect[3:29, 7:41] = True\n\
             xs = np.array([p[0] for p in shapes]) - 0.5\n\
             ys = np.array([p[1] for p in shapes]) - 0.5\n\
             rr, cc = skimage.draw.polygon(ys, xs, img.shape)\n\
             poly = np.zeros(img.shape, bool)\n\
             poly[rr, cc] = True\n\
             print(json.dumps(dict(rect=stats(rect), poly=stats(poly), poly_pixels=int(poly.sum()))))"
        ),
        &serde_json::json!(corners),
    );
    same_stats(
        &roi::stats(&v, w, &rect.pixels(h, w)),
        &want["rect"],
        "rectangle",
    );
    let pixels = poly.pixels(h, w);
    assert_eq!(
        pixels.len() as u64,
        want["poly_pixels"].as_u64().expect("n")
    );
    same_stats(&roi::stats(&v, w, &pixels), &want["poly"], "polygon");
}

#[test]
fn line_profiles_are_scikit_images() {
    let (h, w, v) = image();
    // (from, to, width) in pixel coordinates, inside the image.
    let lines = [
        ((3.5, 4.5), (48.5, 30.5), 1),
        ((10.2, 30.7), (40.9, 8.1), 5),
        ((26.5, 3.5), (26.5, 33.5), 4),
        ((6.0, 18.0), (47.0, 18.0), 3),
    ];
    // With NaN-free pixels: a hole makes a profile's samples near it NaN
    // in both, which compares as unequal.
    let clean: Vec<f64> = v
        .iter()
        .map(|x| if x.is_finite() { *x } else { 0.0 })
        .collect();
    let shapes: Vec<serde_json::Value> = lines
        .iter()
        .map(|(a, b, lw)| serde_json::json!([a.1 - 0.5, a.0 - 0.5, b.1 - 0.5, b.0 - 0.5, lw]))
        .collect();
    let want = python(
        "img = np.where(np.isfinite(img), img, 0.0)\n\
         out = [skimage.measure.profile_line(img, (s[0], s[1]), (s[2], s[3]), linewidth=int(s[4]),\n\
         \x20                                   order=1, mode='nearest').tolist() for s in shapes]\n\
         print(json.dumps(out))",
        &serde_json::json!(shapes),
    );
    for (i, (a, b, lw)) in lines.iter().enumerate() {
        let p = roi::line_profile(&clean, h, w, *a, *b, *lw);
        let ref_values: Vec<f64> = want[i]
            .as_array()
            .expect("profile")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect();
        assert_eq!(p.values.len(), ref_values.len(), "line {i}: samples");
        for (k, (got, exp)) in p.values.iter().zip(&ref_values).enumerate() {
            close(*got, *exp, &format!("line {i} sample {k}"));
        }
    }
}

#[test]
fn a_region_through_the_frames_of_a_stack_is_numpys_per_frame() {
    // Frames along the last axis, as a stack shown on axes (0, 1) has them.
    let (h, w, v) = image();
    let frames = 4;
    // The block read around the region (rows 3..29, columns 7..41), as
    // the viewer reads it: frames last.
    let (r0, c0, bh, bw) = (3, 7, 26, 34);
    let block: Vec<f64> = (0..bh * bw * frames)
        .map(|i| {
            let (p, f) = (i / frames, i % frames);
            let (r, c) = (r0 + p / bw, c0 + p % bw);
            v[r * w + c] * (f as f64 + 1.0)
        })
        .collect();
    let rect = Shape::Rect {
        a: (7.0, 3.0),
        b: (41.0, 29.0),
    };
    assert_eq!(rect.pixel_box(h, w), Some((r0, r0 + bh, c0, c0 + bw)));
    let strides = roi::block_strides(2, (0, 1), (frames, bh, bw));
    assert_eq!(strides, (1, bw * frames, frames));
    let got = roi::frame_stats(
        &block,
        frames,
        (bh, bw),
        strides,
        (r0, c0),
        &rect,
        &|_, _| false,
    );
    let want = python(
        &format!(
            "{NUMPY_STATS}\n\
             base = img.copy()\n\
             mask = np.zeros(img.shape, bool)\n\
             mask[3:29, 7:41] = True\n\
             out = []\n\
             for k in range(4):\n\
             \x20   img = base * (k + 1)\n\
             \x20   out.append(stats(mask))\n\
             print(json.dumps(out))"
        ),
        &serde_json::json!(null),
    );
    assert_eq!(got.len(), frames);
    for (k, s) in got.iter().enumerate() {
        same_stats(s, &want[k], &format!("frame {k}"));
    }
}
