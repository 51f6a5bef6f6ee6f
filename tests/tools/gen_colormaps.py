"""Regenerate src/plot/colormap_data.rs from matplotlib's colormap data.

    target/venv/bin/pip install matplotlib numpy
    target/venv/bin/python tests/tools/gen_colormaps.py
"""
import matplotlib
import numpy as np
from matplotlib import colormaps

out = [
    "//! 256-entry sRGB lookup tables of the perceptually uniform colormaps.",
    "//! Generated from matplotlib %s's colormap data (viridis, magma, inferno: CC0 by" % matplotlib.__version__,
    "//! Stéfan van der Walt and Nathaniel Smith; cividis: Nuñez, Anderton and Renslow, PLOS ONE 2018),",
    "//! with `tests/tools/gen_colormaps.py`.",
    "",
]
for name in ["viridis", "magma", "inferno", "cividis"]:
    c = (colormaps[name](np.linspace(0, 1, 256))[:, :3] * 255).round().astype(int)
    out.append(f"pub const {name.upper()}: [[u8; 3]; 256] = [")
    for i in range(0, 256, 4):
        out.append("    " + " ".join(f"[{r}, {g}, {b}]," for r, g, b in c[i:i + 4]))
    out.append("];\n")
open("src/plot/colormap_data.rs", "w").write("\n".join(out))
