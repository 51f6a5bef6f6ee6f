"""Run the h5py reference and `panorama bench` on the same generated files,
print a table of ratios and write it to docs/BENCHMARKS.md.

    target/venv/bin/python tests/tools/bench_report.py DATADIR PANORAMA_BINARY [--runs N]
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# (panorama key, h5py key, target, how to read the target)
ROWS = [
    ("visititems_tree10k", "visititems_tree10k", 0.2, "list ~10k objects with types and shapes"),
    ("read_image4k_to_texture", "read_image4k_full", 1.0, "4096² float32 (gzip) read and ready as texture vs h5py plain read"),
    ("read_image4k_full", "read_image4k_full", None, "4096² float32 (gzip) plain read"),
    ("read_line10m_full", "read_line10m_full", None, "10M float64 plain read"),
    ("read_decimate_line10m_2000cols", "read_decimate_line10m_2000cols", 1.0, "10M float64 read + min/max to 2,000 columns vs h5py + numpy"),
    ("bslz4_decompress_50frames_sum", "bslz4_decompress_50frames_sum", 1 / 1.6, "50 bitshuffle-LZ4 frames: ≥ 1.6× faster than single-threaded h5py"),
    ("reduce_dark_sum_save_50frames", "reduce_dark_sum_save_50frames", 1.5, "workflow: 50 bitshuffle-LZ4 2048² frames, dark subtraction → sum → save, vs the same steps in numpy"),
]


SERVERS = os.path.join(ROOT, "tests", "servers")


def start(script, ready, env_extra):
    """Start a loopback test server and return (process, base URL)."""
    env = dict(os.environ, **env_extra)
    proc = subprocess.Popen([sys.executable, os.path.join(SERVERS, script)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith(ready):
            return proc, line.split()[1]
    proc.kill()
    raise SystemExit(f"{script} did not start")


def catalogue_rows(panorama, datadir, runs):
    """Federated search overhead, offline search over 100k records, and the
    OAI-PMH harvest of 100k records against Sickle on the same server."""
    rows = []
    procs = []
    try:
        urls = []
        for mode, slow in [("ok", "0"), ("ok", "0"), ("ok", "0"), ("slow", "0.3")]:
            p, url = start("panosc_serve.py", "PANOSC_READY", {"MODE": mode, "SLOW": slow})
            procs.append(p)
            urls.append(url)
        args = [panorama, "bench", os.path.join(datadir, "catalogue"), "--runs", str(max(runs, 10)),
                "--fts", "100000"]
        os.makedirs(os.path.join(datadir, "catalogue"), exist_ok=True)
        for u in urls:
            args += ["--panosc", u]
        out = subprocess.run(args, check=True, capture_output=True, text=True)
        sys.stderr.write(out.stderr)
        ours = json.loads(out.stdout.strip().splitlines()[-1])
        over = ours["federation_overhead"] * 1000
        rows.append(f"| federated search over 4 PaNOSC servers (one answering in 0.3 s), free text and a wavelength range: time beyond the slowest source alone "
                    f"| {ours['federation_slowest_alone'] * 1000:.1f} ms alone | {ours['federation_all'] * 1000:.1f} ms all | "
                    f"+{over:.1f} ms | ≤ 5 ms | {'yes' if over <= 5 else 'no'} |")
        per_node = ours["workflow_chain_per_node"] * 1e6
        rows.append(f"| workflow engine overhead per node, a 1,000-node chain of scalar nodes from an empty cache | — | "
                    f"{per_node:.1f} µs | — | ≤ 50 µs | {'yes' if per_node <= 50 else 'no'} |")
        p95 = ours["fts_p95"] * 1000
        rows.append(f"| offline search over 100,000 records, 500 queries of 1-3 words (the best 500 and facet counts over every match): p50 / p95 | — | "
                    f"{ours['fts_p50'] * 1000:.1f} / {p95:.1f} ms | — | p95 ≤ 20 ms | {'yes' if p95 <= 20 else 'no'} |")
        p95 = ours["range_p95"] * 1000
        rows.append(f"| offline range-filtered search over 100,000 records with parameters, 500 queries (a wavelength, photon energy, temperature or pressure range in a unit often not the records', half with a word): p50 / p95 | — | "
                    f"{ours['range_p50'] * 1000:.1f} / {p95:.1f} ms | — | p95 ≤ 20 ms | {'yes' if p95 <= 20 else 'no'} |")
        more = ours["more_overhead"] * 1000
        rows.append(f"| Load more over 4 PaNOSC servers (one answering in 0.3 s), pages of one record: next page merged, beyond the slowest source alone "
                    f"| {ours['more_slowest_alone'] * 1000:.1f} ms alone | {ours['more_all'] * 1000:.1f} ms all | "
                    f"+{more:.1f} ms | ≤ 5 ms | {'yes' if more <= 5 else 'no'} |")
        p, url = start("oai_serve.py", "OAI_READY", {"OAI_COUNT": "100000", "OAI_BATCH": "1000", "PORT": "0"})
        procs.append(p)
        ref = json.loads(subprocess.run([sys.executable, os.path.join(HERE, "sickle_harvest.py"), url],
                                        check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        with tempfile.TemporaryDirectory() as home:
            t0 = time.perf_counter()
            subprocess.run([panorama, "harvest", url], check=True, capture_output=True,
                           env=dict(os.environ, PANORAMA_HOME=home))
            ours_s = time.perf_counter() - t0
        ref_rate = ref["records"] / ref["seconds"]
        our_rate = 100000 / ours_s
        rows.append(f"| OAI-PMH harvest of 100,000 records (pages of 1,000) from the loopback pyoai server into the offline index, "
                    f"against Sickle on the same server | {ref_rate:,.0f} rec/s (Sickle) | {our_rate:,.0f} rec/s | "
                    f"{our_rate / ref_rate:.2f}× the rate | ≥ 1× (server-bound) | {'yes' if our_rate >= ref_rate else 'no'} |")
    finally:
        for p in procs:
            p.kill()
    return rows


H5PY_WALK = """
import sys, h5py
def visit(name, obj):
    if isinstance(obj, h5py.Dataset):
        obj.shape, obj.dtype
    for k in obj.attrs:
        obj.attrs[k]
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
"""


def timed_process(args, runs):
    """Median wall time of a whole process, output discarded."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def inspect_rows(panorama, datadir, runs):
    """Tree listing with every attribute as whole processes: `panorama inspect
    --json` against h5py visititems reading shape, dtype and each attribute."""
    f = os.path.join(datadir, "tree10k.nxs")
    if not os.path.exists(f):
        return []
    ref = timed_process([sys.executable, "-c", H5PY_WALK, f], runs)
    ours = timed_process([panorama, "inspect", "--json", f], runs)
    ratio = ours / ref
    return [f"| list ~10k objects with every attribute, whole processes: `panorama inspect --json` vs h5py visititems "
            f"(shape, dtype, each attribute) | {ref:.4f} | {ours:.4f} | {ratio:.2f}× | ≤ 0.20× | {'yes' if ratio <= 0.2 else 'no'} |"]


def viewer_rows(panorama, datadir, runs):
    """Time to a window showing the default plot against `silx view` (both
    under Xvfb), and peak memory while browsing the 10.7 GB stack."""
    rows = []
    bench_py = os.path.join(ROOT, "target", "bench-venv", "bin", "python")
    silx = os.path.join(ROOT, "target", "bench-venv", "bin", "silx")
    if os.path.exists(bench_py) and shutil.which("Xvfb"):
        for f in [os.path.join(ROOT, "assets", "demo", "demo_image2d.nxs"), os.path.join(datadir, "image4k.nxs")]:
            if not os.path.exists(f):
                continue
            out = subprocess.run([bench_py, os.path.join(HERE, "time_to_window.py"), panorama, f,
                                  "--runs", str(runs), "--silx", silx],
                                 capture_output=True, text=True)
            sys.stderr.write(out.stderr[-2000:])
            if out.returncode != 0:
                rows.append(f"| time to a window showing the default plot of {os.path.basename(f)} vs `silx view` (Xvfb) | — | failed | — | ≤ 0.50× | no |")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ratio = r["panorama_s"] / r["silx_s"]
            rows.append(f"| time to a window showing the default plot of {r['file']} vs `silx view` to its window (Xvfb, software rendering) "
                        f"| {r['silx_s']:.3f} | {r['panorama_s']:.3f} | {ratio:.2f}× | ≤ 0.50× | {'yes' if ratio <= 0.5 else 'no'} |")
    big = os.path.join(datadir, "big10g.h5")
    if os.path.exists(big):
        out = subprocess.run([panorama, "bench", datadir, "--browse", big, "--browse-frames", "100"],
                             capture_output=True, text=True)
        sys.stderr.write(out.stderr)
        if out.returncode == 0:
            m = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(f"| browsing a {m['logical_bytes'] / 1e9:.1f} GB chunked stack (tree, default plot, {m['frames_shown']} frames of 4096² one by one, "
                        f"2 prefetched, each coloured): peak resident memory | — | {m['peak_rss_mb']:.0f} MB | — | < 300 MB | {'yes' if m['peak_rss_mb'] < 300 else 'no'} |")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("datadir")
    ap.add_argument("panorama")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only-catalogue", action="store_true", help="skip the HDF5 measurements")
    a = ap.parse_args()
    if a.only_catalogue:
        print("\n".join(["| measurement | reference | Panorama | difference | target | met |", "|---|---:|---:|---:|---:|:---:|"]
                        + catalogue_rows(a.panorama, a.datadir, a.runs)))
        return
    env = dict(os.environ)
    h5py_out = subprocess.run(
        [sys.executable, os.path.join(HERE, "h5py_baseline.py"), a.datadir, "--runs", str(a.runs), "--skip-memcpy"],
        check=True, capture_output=True, text=True, env=env)
    sys.stderr.write(h5py_out.stderr)
    ref = json.loads(h5py_out.stdout.strip().splitlines()[-1])
    pan_out = subprocess.run([a.panorama, "bench", a.datadir, "--runs", str(a.runs)],
                             check=True, capture_output=True, text=True, env=env)
    sys.stderr.write(pan_out.stderr)
    ours = json.loads(pan_out.stdout.strip().splitlines()[-1])

    lines = [
        "| measurement | h5py (s) | Panorama (s) | ratio | target | met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for pk, hk, target, what in ROWS:
        if pk not in ours or hk not in ref:
            continue
        ratio = ours[pk] / ref[hk] if ref[hk] else float("nan")
        t = f"≤ {target:.2f}×" if target else "—"
        met = ("yes" if ratio <= target else "no") if target else ""
        lines.append(f"| {what} | {ref[hk]:.4f} | {ours[pk]:.4f} | {ratio:.2f}× | {t} | {met} |")
    if "line10m_pan_zoom_frame" in ours:
        f = ours["line10m_pan_zoom_frame"] * 1000
        lines.append(f"| one pan/zoom frame of the 10M line (decimate a 4M-point window to 2,000 columns) | — | {f:.2f} ms | — | < 16 ms | {'yes' if f < 16 else 'no'} |")
    frames = os.path.join(a.datadir, "frames.json")
    if os.path.exists(frames):
        with open(frames) as fh:
            fr = json.load(fh)
        for key, what in [("frame_search_5000", "one frame of the Search tab with 5,000 merged results (UI pass + tessellation)"),
                          ("frame_workflow_20_previews", "one frame of the Workflows tab with 20 nodes previewing 1M-point results")]:
            if f"{key}_p99_ms" in fr:
                p50, p99 = fr[f"{key}_p50_ms"], fr[f"{key}_p99_ms"]
                lines.append(f"| {what}: median {p50:.2f} ms, p99 | — | {p99:.2f} ms | — | p99 < 16 ms | {'yes' if p99 < 16 else 'no'} |")
    lines += inspect_rows(a.panorama, a.datadir, a.runs)
    lines += viewer_rows(a.panorama, a.datadir, a.runs)
    table = "\n".join(lines)
    print(table)
    cat_lines = ["| measurement | reference | Panorama | difference | target | met |",
                 "|---|---:|---:|---:|---:|:---:|"] + catalogue_rows(a.panorama, a.datadir, a.runs)
    cat_table = "\n".join(cat_lines)
    print(cat_table)
    h5py_version = next((l for l in h5py_out.stderr.splitlines() if l.startswith("python")), "")
    doc = f"""# Benchmarks

Measured by `make bench` on {platform.machine()} with {os.cpu_count()} cores, {datetime.date.today().isoformat()}.
Reference: {h5py_version}. Medians of {a.runs} warm runs (page cache warm); both tools
read the same files, generated by `tests/tools/gen_bench_data.py` (not committed).
A ratio is Panorama's time over the reference's: below 1 is faster.

{table}

The tree listing with every attribute (`inspect --json`) spends its time in HDF5
itself, spread over many calls. A local file is walked in one pass
(`DataSource::walk_tree`): each member is opened once with `H5Oopen`, its
attributes read from that handle, and a dataset's creation properties copied
once; the generic walk (for remote sources) opens each object for its parent's
listing, looks up its type by name and opens it again for its own entry.

Reads decode chunks straight into the result on all cores and ask Linux for huge
pages for large results: first-touch page faults of a fresh 400 MB buffer cost more
than decoding the bitshuffle/LZ4 frames themselves on this machine (h5py reads frame by
frame into reused memory).

`cargo bench --bench frames` (`benches/frames.rs`) times whole frames of the window
with a lot on screen: the UI pass and the tessellation of what it drew, with the
pointer moving every frame. Node previews are worked out once per result, not every
frame (before that, 20 previews of 1M-point results took 138 ms a frame).

`cargo bench --bench core` (criterion, `benches/core.rs`) times the building blocks
on their own: decimation, a pan/zoom frame, image colouring, the workflow engine and the
offline search query.

Time to window: Panorama is timed from launch until it has drawn the file's default
plot with its data (`PANORAMA_REPORT_PLOTTED=1`); `silx view` from launch until its
window is mapped (`tests/tools/silx_time_to_window.sh`; it shows the tree, not a plot).
Both render in software (Mesa llvmpipe) under Xvfb. Browsing memory is measured on the
viewer's state without a window (`panorama bench --browse FILE`): the value cache keeps
at most 96 MB beyond the frame shown and the two prefetched.

## Catalogue and workflows

{cat_table}
"""
    with open(os.path.join(ROOT, "docs", "BENCHMARKS.md"), "w") as fh:
        fh.write(doc)


if __name__ == "__main__":
    main()
