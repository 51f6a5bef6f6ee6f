"""Time from launching `panorama FILE` to a window showing the file's NeXus
default plot (the app prints PANORAMA_PLOTTED once the plot with its data has
been drawn, with PANORAMA_REPORT_PLOTTED=1), against `silx view FILE` until
its window is mapped (tests/tools/silx_time_to_window.sh, from the benchmark
material), both on the same X display (Xvfb). Prints one JSON line.

    target/bench-venv/bin/python tests/tools/time_to_window.py PANORAMA FILE [--runs N] [--silx PATH]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def start_xvfb():
    """A private Xvfb display; returns (process, display)."""
    for n in range(90, 120):
        if os.path.exists(f"/tmp/.X{n}-lock"):
            continue
        p = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        if p.poll() is None:
            return p, f":{n}"
    raise SystemExit("no free X display for Xvfb")


def panorama_once(panorama, file, env, timeout=60):
    with tempfile.TemporaryDirectory() as home:
        e = dict(env, PANORAMA_REPORT_PLOTTED="1", PANORAMA_HOME=home)
        t0 = time.perf_counter()
        p = subprocess.Popen([panorama, file], env=e, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        try:
            deadline = t0 + timeout
            for line in p.stdout:
                if line.startswith("PANORAMA_PLOTTED"):
                    return time.perf_counter() - t0
                if time.perf_counter() > deadline:
                    break
            raise SystemExit(f"panorama showed no plot of {file} (exit {p.poll()})")
        finally:
            p.kill()
            p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("panorama")
    ap.add_argument("file")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--silx", default=shutil.which("silx") or "silx")
    a = ap.parse_args()
    xvfb, display = start_xvfb()
    try:
        env = dict(os.environ, DISPLAY=display)
        env.pop("WAYLAND_DISPLAY", None)
        env.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
        panorama_once(a.panorama, a.file, env)                  # warm-up (page cache, shaders)
        ours = [panorama_once(a.panorama, a.file, env) for _ in range(a.runs)]
        out = subprocess.run(["bash", os.path.join(HERE, "silx_time_to_window.sh"), a.file, str(a.runs + 1)],
                             env=dict(env, SILX=a.silx), capture_output=True, text=True)
        sys.stderr.write(out.stdout + out.stderr)
        silx = json.loads(out.stdout.strip().splitlines()[-1])
        silx_runs = silx["runs"][1:] if len(silx["runs"]) > 1 else silx["runs"]  # first run warms up
        print(json.dumps({
            "file": os.path.basename(a.file),
            "panorama_s": statistics.median(ours), "panorama_runs": ours,
            "silx_s": statistics.median(silx_runs), "silx_runs": silx_runs,
        }))
    finally:
        xvfb.kill()


if __name__ == "__main__":
    main()
