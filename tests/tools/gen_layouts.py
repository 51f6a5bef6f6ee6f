"""Write HDF5 layouts that real acquisition and analysis software produces, so
Panorama's reader can be checked against h5py on each of them (see
h5py_compare.py): Eiger master files with external links into compressed data
files, unallocated chunks with fill values, virtual datasets with a missing
source, big-endian data, every storage layout, every common filter, NeXus
axes that decrease, strings in every encoding, compound/enum/complex types.

    target/venv/bin/python tests/tools/gen_layouts.py OUTDIR

All content is deterministic (fixed seeds).
"""
import os
import sys

import h5py
import hdf5plugin
import numpy as np

out = sys.argv[1]
written = []


def path(rel):
    """Absolute name for OUTDIR/rel, creating its folder."""
    full = os.path.join(out, rel)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    written.append(full)
    return full


def rng(seed):
    return np.random.default_rng(seed)


# --- Eiger (Dectris) master file with external links to its data files -------
#
# Data file i holds 4 frames, one frame per chunk, each file with a different
# filter and a different value offset, so a read that lands in the wrong file
# cannot give the right numbers.
EIGER_FRAMES, EIGER_H, EIGER_W = 4, 96, 80
eiger_filters = [
    ("u4", dict(hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))),
    ("u2", dict(compression="gzip", shuffle=True)),
    ("u4", {}),
]
for i, (dtype, filt) in enumerate(eiger_filters, start=1):
    frames = rng(100 + i).integers(0, 1000, (EIGER_FRAMES, EIGER_H, EIGER_W)) + 10000 * i
    with h5py.File(path(f"eiger/data_{i:06d}.h5"), "w") as f:
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        data = entry.create_group("data")
        data.attrs["NX_class"] = "NXdata"
        ds = data.create_dataset(
            "data", data=frames.astype(dtype), chunks=(1, EIGER_H, EIGER_W), **filt
        )
        ds.attrs["image_nr_low"] = np.int32(1 + (i - 1) * EIGER_FRAMES)
        ds.attrs["image_nr_high"] = np.int32(i * EIGER_FRAMES)

with h5py.File(path("eiger/master.h5"), "w") as f:
    entry = f.create_group("entry")
    entry.attrs["NX_class"] = "NXentry"
    inst = entry.create_group("instrument")
    inst.attrs["NX_class"] = "NXinstrument"
    # Written first, so it spans the byte offsets where the data files keep
    # their chunks: chunk addresses taken from a data file but read from the
    # master land here and give garbage instead of an error.
    inst.create_dataset("padding", data=rng(99).integers(0, 256, 200_000, dtype="u1"))
    det = inst.create_group("detector")
    det.attrs["NX_class"] = "NXdetector"
    det["x_pixel_size"] = 75e-6
    det["x_pixel_size"].attrs["units"] = "m"
    det["description"] = "Dectris EIGER2 Si 1M"
    data = entry.create_group("data")
    data.attrs["NX_class"] = "NXdata"
    data.attrs["signal"] = "data_000001"
    for i in range(1, len(eiger_filters) + 1):
        data[f"data_{i:06d}"] = h5py.ExternalLink(f"data_{i:06d}.h5", "/entry/data/data")

# --- Chunked datasets with unallocated chunks and fill values ----------------
with h5py.File(path("fill/unallocated.h5"), "w") as f:
    vals = rng(1).normal(size=(10, 12))
    ds = f.create_dataset("chunked_fill", shape=(10, 12), dtype="f8", chunks=(4, 5), fillvalue=-7.5)
    ds[0:4, 0:5] = vals[0:4, 0:5]
    ds[8:10, 10:12] = vals[8:10, 10:12]

    ds = f.create_dataset("chunked_fill_int", shape=(9, 9), dtype="i4", chunks=(3, 3), fillvalue=42)
    ds[3:6, 3:6] = np.arange(9, dtype="i4").reshape(3, 3)

    ds = f.create_dataset(
        "chunked_gzip_fill", shape=(10, 12), dtype="f8", chunks=(4, 5),
        fillvalue=3.25, compression="gzip",
    )
    ds[0:4, 0:5] = vals[0:4, 0:5]
    ds[8:10, 10:12] = vals[8:10, 10:12]

    ds = f.create_dataset("chunked_nofill", shape=(6, 6), dtype="f4", chunks=(3, 3))
    ds[0:3, 3:6] = np.arange(1, 10, dtype="f4").reshape(3, 3)

# --- Virtual dataset, one of its three sources missing -----------------------
VDS_N = 50
for i in range(2):  # src_2.h5 is deliberately not written
    with h5py.File(path(f"vds/src_{i}.h5"), "w") as f:
        f["data"] = np.arange(VDS_N, dtype="f8") + 100.0 * (i + 1)
layout = h5py.VirtualLayout(shape=(3, VDS_N), dtype="f8")
for i in range(3):
    layout[i] = h5py.VirtualSource(f"src_{i}.h5", "data", shape=(VDS_N,))
with h5py.File(path("vds/vds.h5"), "w", libver="latest") as f:
    f.create_virtual_dataset("vds", layout, fillvalue=-1.0)

# --- Byte order --------------------------------------------------------------
with h5py.File(path("layouts/endian.h5"), "w") as f:
    r = rng(2)
    f2d = r.normal(size=(30, 40))
    f["be_f8_1d"] = np.linspace(-3, 3, 101).astype(">f8")
    f["le_f8_1d"] = np.linspace(-3, 3, 101).astype("<f8")
    f.create_dataset("be_f8_2d_gzip", data=f2d.astype(">f8"), chunks=(8, 16), compression="gzip")
    f.create_dataset("le_f8_2d_gzip", data=f2d.astype("<f8"), chunks=(8, 16), compression="gzip")
    f["be_f8_2d"] = f2d.astype(">f8")
    f["be_i4_1d"] = (r.integers(-(2**31), 2**31 - 1, 257)).astype(">i4")
    f.create_dataset(
        "be_i4_2d_shuffle", data=r.integers(-50000, 50000, (20, 33)).astype(">i4"),
        chunks=(7, 11), compression="gzip", shuffle=True,
    )
    f["be_u2_1d"] = r.integers(0, 65535, 300).astype(">u2")
    f.create_dataset("be_u2_2d", data=r.integers(0, 65535, (16, 16)).astype(">u2"), chunks=(16, 4))
    f["be_f4_2d"] = r.normal(size=(12, 9)).astype(">f4")
    f.create_dataset("be_f4_1d_gzip", data=r.normal(size=500).astype(">f4"), chunks=(64,), compression="gzip")

# --- Storage layouts ---------------------------------------------------------
with h5py.File(path("layouts/storage.h5"), "w") as f:
    r = rng(3)
    # Compact: the raw data lives in the object header itself.
    compact = np.arange(24, dtype="<i4").reshape(4, 6) * 3 - 20
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    dcpl.set_obj_track_times(False)  # keep the file byte-identical between runs
    space = h5py.h5s.create_simple(compact.shape)
    dsid = h5py.h5d.create(f.id, b"compact", h5py.h5t.STD_I32LE, space, dcpl=dcpl)
    dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, compact)
    dsid.close()

    f.create_dataset("contiguous", data=r.normal(size=(25, 30)))
    f.create_dataset("chunked_ragged", data=r.normal(size=(17, 23)), chunks=(5, 7))
    f.create_dataset("chunked_3d", data=r.integers(-1000, 1000, (6, 10, 9)).astype("i2"), chunks=(4, 3, 5))
    f.create_dataset("chunked_1d", data=np.cumsum(r.normal(size=1000)), chunks=(64,))
    f["scalar"] = np.float64(6.02214076e23)
    f["scalar_int"] = np.int64(-123456789012)
    f.create_dataset("empty_chunked", shape=(0,), maxshape=(None,), chunks=(16,), dtype="f8")
    f["int8"] = r.integers(-128, 128, (5, 7)).astype("i1")
    f["uint64"] = np.array([0, 1, 2**53 + 1, 2**63, 2**64 - 1], dtype="u8")
    f["float16"] = np.array([0, 1, -2.5, 65504, 6e-8, np.inf, -np.inf, np.nan], dtype="f2")
    f.create_dataset("float16_chunked", data=r.normal(size=(10, 10)).astype("f2"), chunks=(4, 4))

# --- Filters -----------------------------------------------------------------
with h5py.File(path("layouts/filters.h5"), "w") as f:
    r = rng(4)
    smooth = np.cumsum(r.normal(size=(40, 50)), axis=1)
    counts = r.poisson(30, size=(40, 50)).astype("i4")
    f.create_dataset("scaleoffset_float", data=smooth, chunks=(10, 25), scaleoffset=2)
    f.create_dataset("scaleoffset_int", data=counts, chunks=(10, 25), scaleoffset=0)
    f.create_dataset("fletcher32", data=smooth, chunks=(10, 25), fletcher32=True)
    f.create_dataset("fletcher32_gzip", data=counts, chunks=(10, 25), fletcher32=True, compression="gzip")
    for level in (1, 4, 9):
        f.create_dataset(f"gzip_{level}", data=smooth, chunks=(16, 16), compression="gzip", compression_opts=level)
    f.create_dataset("shuffle_gzip", data=counts, chunks=(16, 16), shuffle=True, compression="gzip")
    f.create_dataset("lzf", data=smooth, chunks=(16, 16), compression="lzf")
    if h5py.h5z.filter_avail(h5py.h5z.FILTER_SZIP):
        f.create_dataset("szip", data=counts, chunks=(16, 16), compression="szip")
    f.create_dataset("blosc_lz4", data=smooth, chunks=(16, 16), **hdf5plugin.Blosc(cname="lz4"))
    f.create_dataset(
        "bitshuffle_lz4_f4", data=smooth.astype("f4"), chunks=(16, 16),
        **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"),
    )

# --- NeXus with decreasing axes ----------------------------------------------
with h5py.File(path("nexus/descending.nxs"), "w") as f:
    f.attrs["default"] = "entry"
    entry = f.create_group("entry")
    entry.attrs["NX_class"] = "NXentry"
    entry.attrs["default"] = "data"
    data = entry.create_group("data")
    data.attrs["NX_class"] = "NXdata"
    data.attrs["signal"] = "data"
    data.attrs["axes"] = ["y", "x"]
    x = np.linspace(5, -5, 60)
    y = np.linspace(-2, 2, 40)
    data["data"] = np.exp(-(x[None, :] ** 2 + 4 * y[:, None] ** 2) / 4) + 0.1 * x[None, :]
    data["x"] = x
    data["x"].attrs["units"] = "mm"
    data["y"] = y
    data["y"].attrs["units"] = "mm"
    line = entry.create_group("line")
    line.attrs["NX_class"] = "NXdata"
    line.attrs["signal"] = "intensity"
    line.attrs["axes"] = ["energy"]
    energy = np.linspace(12.0, 8.0, 81)
    line["intensity"] = 1000 / (1 + ((energy - 9.7) / 0.3) ** 2)
    line["energy"] = energy
    line["energy"].attrs["units"] = "keV"


# --- Strings in every encoding -----------------------------------------------
def fixed_utf8_attr(obj, name, raw):
    """Attach a scalar fixed-length UTF-8 attribute holding exactly `raw`,
    valid UTF-8 or not (h5py's high-level API would re-encode it)."""
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(len(raw))
    tid.set_cset(h5py.h5t.CSET_UTF8)
    tid.set_strpad(h5py.h5t.STR_NULLPAD)
    aid = h5py.h5a.create(obj.id, name.encode(), tid, h5py.h5s.create(h5py.h5s.SCALAR))
    aid.write(np.array(raw, dtype=f"S{len(raw)}"), mtype=tid)
    aid.close()


with h5py.File(path("strings/strings.h5"), "w") as f:
    words = ["Å", "µm", "日本", "plain", "naïve", ""]
    f["fixed_ascii"] = np.array([b"alpha", b"beta", b"exactly8", b""], dtype="S8")
    f.create_dataset("vlen_utf8", data=np.array(words, dtype=object), dtype=h5py.string_dtype())
    f["vlen_ascii"] = np.array([b"one", b"two", b"three"], dtype=h5py.string_dtype("ascii"))
    f["fixed_utf8"] = np.array([w.encode() for w in words], dtype=h5py.string_dtype("utf-8", 10))
    f.create_dataset(
        "vlen_utf8_2d",
        data=np.array([[f"r{i}c{j}·{'é' * j}" for j in range(4)] for i in range(3)], dtype=object),
        dtype=h5py.string_dtype(),
    )
    f["scalar_vlen"] = "Température d'échantillon"
    f.create_dataset("scalar_fixed", data=np.bytes_(b"detector"), dtype="S8")

    g = f.create_group("attrs")
    g.attrs["vlen_utf8"] = "µm ± 日本"
    g.attrs.create("vlen_ascii", b"plain ascii", dtype=h5py.string_dtype("ascii"))
    g.attrs["fixed_ascii"] = np.bytes_(b"fixed")
    g.attrs["fixed_utf8"] = np.array("Å µm".encode(), dtype=h5py.string_dtype("utf-8", 8))
    g.attrs["vlen_utf8_array"] = ["x", "ÿ", "日本"]
    g.attrs["fixed_ascii_array"] = np.array([b"ab", b"cde"], dtype="S3")
    # Bytes that are not valid UTF-8 under a UTF-8 label: a lead byte of "é"
    # followed by a non-continuation byte, and 3 of the 4 bytes of "😀".
    fixed_utf8_attr(g, "utf8_cut_2byte", b"\xc3A")
    fixed_utf8_attr(g, "utf8_cut_4byte", "😀".encode()[:3])
    # Latin-1 text under an ASCII label, as older software writes it.
    g.attrs["latin1_as_ascii"] = np.bytes_(b"Temp\xe9rature")

# --- Compound, enum, bool, complex -------------------------------------------
with h5py.File(path("types/types.h5"), "w") as f:
    inner = np.dtype([("a", "<i2"), ("b", "<f4")])
    ct = np.dtype([
        ("id", "<i4"),
        ("value", "<f8"),
        ("name", "S6"),
        ("pos", inner),
        ("vec", "<f4", (3,)),
    ])
    rec = np.zeros(5, dtype=ct)
    rec["id"] = np.arange(5) * 7 - 3
    rec["value"] = np.linspace(0.5, 2.5, 5)
    rec["name"] = [b"one", b"two", b"three", b"four", b"five"]
    rec["pos"]["a"] = np.arange(5) - 2
    rec["pos"]["b"] = np.arange(5) / 4
    rec["vec"] = np.arange(15).reshape(5, 3) * 0.5
    f["compound"] = rec

    ct2 = np.dtype([("x", "<f4"), ("flag", "u1"), ("count", ">u4")])
    rec2 = np.zeros((4, 6), dtype=ct2)
    rec2["x"] = np.arange(24).reshape(4, 6) * 1.5
    rec2["flag"] = np.arange(24).reshape(4, 6) % 2
    rec2["count"] = np.arange(24).reshape(4, 6) * 1000
    f.create_dataset("compound_2d", data=rec2, chunks=(2, 3), compression="gzip")

    et = h5py.enum_dtype({"IDLE": 0, "RUNNING": 1, "FAULT": 7}, basetype="i1")
    f.create_dataset("enum", data=np.array([0, 1, 7, 1, 0], dtype="i1"), dtype=et)
    f["bool"] = np.array([True, False, True, True])
    f["complex128"] = np.array([1 + 2j, -3.5 - 4j, np.nan + 1j, 0j])
    f["complex64"] = (np.arange(6) + 1j * np.arange(6)[::-1]).astype("c8").reshape(2, 3)

# --- types whose bytes are not the native numbers they look like -------------
#
# A 12-bit signed integer stored in 2 bytes (a detector ADC), chunked so a
# reader could copy chunk bytes as int16; and a fill value HDF5 must not use
# because the fill time is "never".
with h5py.File(path("layouts/odd_types.h5"), "w") as f:
    t = h5py.h5t.STD_I16LE.copy()
    t.set_precision(12)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk((4,))
    d = h5py.h5d.create(f.id, b"int12_in_int16", t, h5py.h5s.create_simple((8,)), dcpl=dcpl)
    raw = np.array([0x0FFF, 1, 2, 0x0800, 5, 6, 0x07FF, 8], dtype="<u2")
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, raw, mtype=h5py.h5t.STD_U16LE)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk((4,))
    dcpl.set_fill_value(np.array(7, dtype="<i4"))
    dcpl.set_fill_time(h5py.h5d.FILL_TIME_NEVER)
    d = h5py.h5d.create(f.id, b"fill_time_never", h5py.h5t.STD_I32LE, h5py.h5s.create_simple((12,)), dcpl=dcpl)
    h5py.Dataset(d)[0:4] = np.arange(4)

print(f"{len(written)} files written to {out}")
