"""Write strange and broken HDF5 files that Panorama must handle without
crashing or hanging: each gives a readable error for the object concerned
while the rest of the file stays browsable.

    target/venv/bin/python tests/tools/gen_bad_files.py OUTDIR
"""
import os
import sys

import h5py
import hdf5plugin
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
p = lambda name: os.path.join(out, name)

# Every kind of type in one file.
with h5py.File(p("types.h5"), "w") as f:
    ct = np.dtype([("x", "<f8"), ("n", "<i4"), ("name", h5py.string_dtype())])
    f["compound"] = np.array([(1.5, 2, "a"), (3.0, 4, "b")], dtype=ct)
    f.attrs.create("compound_attr", np.array((1.0, 7, "z"), dtype=ct))
    et = h5py.enum_dtype({"OFF": 0, "ON": 1}, basetype="i1")
    f.create_dataset("enum", data=np.array([0, 1, 1], dtype="i1"), dtype=et)
    f.create_dataset("vlen_int", data=np.array([np.arange(2), np.arange(3)], dtype=object), dtype=h5py.vlen_dtype("i4"))
    f["complex"] = np.array([1 + 2j, 3 - 4j])
    f["big_endian"] = np.arange(5, dtype=">f4")
    f["bool"] = np.array([True, False])
    f["empty"] = np.zeros((0,), dtype="f8")
    f["scalar"] = 42.0
    f["null"] = h5py.Empty("f8")
    f.attrs["null_attr"] = h5py.Empty("f8")
    f["fixed_string"] = np.array([b"abc", b"de"], dtype="S3")
    f["vlen_strings"] = np.array(["ünïcode", "x"], dtype=h5py.string_dtype())
    f["array_field"] = np.zeros(3, dtype=np.dtype([("v", "<f4", (3,))]))
    f.create_dataset("huge_declared", shape=(10**12,), dtype="f8", chunks=(1024,))
    f["ref"] = f.ref

# Many attributes on one object.
with h5py.File(p("many_attrs.h5"), "w") as f:
    g = f.create_group("g")
    for i in range(10000):
        g.attrs[f"a{i:05d}"] = i

# Links that lead nowhere, and a hard-link cycle.
with h5py.File(p("links.h5"), "w") as f:
    f["data"] = np.arange(3)
    f["soft_ok"] = h5py.SoftLink("/data")
    f["soft_broken"] = h5py.SoftLink("/missing")
    f["ext_missing"] = h5py.ExternalLink("no_such_file.h5", "/x")
    g = f.create_group("loop")
    g["back"] = g

# A virtual dataset whose sources are missing.
layout = h5py.VirtualLayout(shape=(2, 4), dtype="f4")
for i in range(2):
    layout[i] = h5py.VirtualSource(f"vds_source_{i}.h5", "data", shape=(4,))
with h5py.File(p("vds_missing.h5"), "w", libver="latest") as f:
    f.create_virtual_dataset("vds", layout, fillvalue=-1)
    f["ok"] = np.arange(4)

# Compression filters: bitshuffle+LZ4 (we decode it) and zstd (we do not).
with h5py.File(p("filters.h5"), "w") as f:
    f.create_dataset("bslz4", data=np.arange(4096, dtype="u2").reshape(64, 64), chunks=(64, 64), **hdf5plugin.Bitshuffle())
    f.create_dataset("zstd", data=np.arange(100, dtype="f4"), chunks=(100,), **hdf5plugin.Zstd())
    f["plain"] = np.arange(3)

# A good file, then damaged copies of it.
with h5py.File(p("good.h5"), "w") as f:
    for i in range(20):
        f.create_dataset(f"d{i}", data=np.arange(10000, dtype="f8") * i, chunks=(1000,), compression="gzip")
data = open(p("good.h5"), "rb").read()
open(p("truncated.h5"), "wb").write(data[: len(data) // 3])
rng = np.random.default_rng(7)
damaged = bytearray(data)
for pos in rng.integers(2048, len(damaged), 400):
    damaged[pos] = int(rng.integers(0, 256))
open(p("corrupted.h5"), "wb").write(bytes(damaged))
open(p("not_hdf5.h5"), "w").write("this is a text file with an .h5 name\n" * 100)
open(p("empty_file.h5"), "wb").close()
print(out)
