"""Check values Panorama read against what h5py reads from the same files.

    target/venv/bin/python tests/tools/h5py_compare.py MANIFEST.json

MANIFEST.json is a JSON list of entries, one per read Panorama made:

    {"file": "/abs/file.h5", "path": "/entry/data", "selection": "3,:,10:20",
     "mode": "fast" | "library" | "cli",
     "npy": "/abs/out.npy" or null, "refused": "reason" or null}

with exactly one of "npy" (the values Panorama returned) and "refused" (why it
declined). The selection names the leading axes, comma-separated; each is an
index (the axis is dropped) or start:stop[:step] with empty parts meaning the
defaults; unnamed axes are taken whole and "" means the whole dataset.

Each entry gets one status:
  equal                        both read, same shape and values
  WRONG                        both read, values or shape differ       (failure)
  refused                      h5py reads it, Panorama gave a reason
  both-refuse                  neither reads it
  h5py-refuses-panorama-read   Panorama returned values h5py cannot  (failure)
  npy-unreadable               the .npy file is missing or unreadable (failure)
  bad-entry                    not exactly one of npy/refused, or a
                               selection that does not parse          (failure)
  uncompared                   both read, but the values have no comparable
                               form (vlen sequences, references, null space)

Numbers must be equal after casting both sides to their common type (NaN
equals NaN); a differing dtype is counted as a warning. Strings compare as
bytes (trailing NULs ignored) when Panorama wrote numpy 'S', as text decoded
from UTF-8 when it wrote 'U'. Compounds compare field by field, enums by
their integer values (or names, if Panorama wrote names).

Prints one line per failure, then the tally; writes MANIFEST.result.json
beside the manifest. Exits 0 only when there is no failure.
"""
import json
import os
import sys

import h5py
import hdf5plugin  # noqa: F401  (registers the compression filters)
import numpy as np

FAILURES = {"WRONG", "h5py-refuses-panorama-read", "npy-unreadable", "bad-entry"}


# --- selection ---------------------------------------------------------------
def parse_selection(text):
    """'3,:,10:20:2' -> (3, slice(None), slice(10, 20, 2)); '' -> None."""
    text = text.strip()
    if not text:
        return None
    axes = []
    for part in text.split(","):
        part = part.strip()
        if ":" in part:
            bits = part.split(":")
            if len(bits) > 3:
                raise ValueError(f"bad axis selection {part!r}")
            nums = [int(b) if b.strip() else None for b in bits]
            axes.append(slice(*nums))
        else:
            axes.append(int(part))
    return tuple(axes)


# --- reading with h5py -------------------------------------------------------
_files = {}


def open_file(name):
    if name not in _files:
        try:
            _files[name] = h5py.File(name, "r")
        except Exception as e:  # cache the failure too
            _files[name] = e
    f = _files[name]
    if isinstance(f, Exception):
        raise f
    return f


def h5py_read(entry, sel):
    """The h5py value for an entry, as a numpy array (or h5py.Empty)."""
    obj = open_file(entry["file"])[entry["path"]]
    if not isinstance(obj, h5py.Dataset):
        raise TypeError(f"{entry['path']} is a {type(obj).__name__}, not a dataset")
    if sel is None or obj.shape == ():
        value = obj[()]
    else:
        value = obj[sel]
    if isinstance(value, h5py.Empty):
        return value
    return np.asarray(value)


# --- comparison --------------------------------------------------------------
class Uncomparable(Exception):
    pass


def fmt(v):
    s = repr(v.item() if isinstance(v, np.generic) else v)
    return s if len(s) <= 80 else s[:77] + "..."


def first_mismatch(eq, ref, got, where):
    """Detail text for the first False in the boolean array eq."""
    bad = np.argwhere(~np.asarray(eq))
    idx = tuple(int(i) for i in bad[0]) if bad.size else ()
    return f"{where}at {idx}: h5py={fmt(ref[idx])} panorama={fmt(got[idx])} ({len(bad)} differ)"


def is_text_array(a):
    if a.dtype.kind == "S":
        return True
    if a.dtype.kind == "O" and h5py.check_string_dtype(a.dtype) is not None:
        return True
    if a.dtype.kind == "O" and a.size:
        return all(isinstance(x, (bytes, str)) for x in a.flat)
    return False


def as_bytes(x):
    return x.encode("utf-8") if isinstance(x, str) else bytes(x)


def compare_text(ref, got, where):
    """ref: h5py bytes/str array; got: numpy 'S' or 'U' array."""
    refb = [as_bytes(x).rstrip(b"\0") for x in ref.flat]
    if got.dtype.kind == "S":
        gotv = [bytes(x).rstrip(b"\0") for x in got.flat]
        eq = [a == b for a, b in zip(refb, gotv)]
    elif got.dtype.kind == "U":
        gotv = [str(x).rstrip("\0") for x in got.flat]
        eq = []
        for a, b in zip(refb, gotv):
            try:
                eq.append(a.decode("utf-8") == b)
            except UnicodeDecodeError:
                # Not valid UTF-8: accept replacement characters or Latin-1.
                eq.append(b in (a.decode("utf-8", "replace"), a.decode("latin-1")))
    else:
        return False, f"{where}h5py has strings, panorama wrote dtype {got.dtype}"
    if all(eq):
        return True, ""
    eq = np.array(eq, dtype=bool).reshape(ref.shape)
    return False, first_mismatch(eq, np.array(refb, dtype=object).reshape(ref.shape),
                                 np.array(gotv, dtype=object).reshape(got.shape), where)


def nan_equal(a, b):
    eq = a == b
    if a.dtype.kind == "f":
        eq |= np.isnan(a) & np.isnan(b)
    return eq


def compare_numbers(ref, got, where, warnings):
    if got.dtype.kind not in "biufc":
        return False, f"{where}h5py has numbers ({ref.dtype}), panorama wrote dtype {got.dtype}"
    if ref.dtype.newbyteorder("=") != got.dtype.newbyteorder("="):
        warnings.append(f"{where}dtype h5py={ref.dtype} panorama={got.dtype}")
    common = np.result_type(ref.dtype, got.dtype)
    if ref.dtype.kind in "biu" and got.dtype.kind in "biu" and common.kind == "f":
        # e.g. int64 against uint64: compare exactly as Python integers.
        eq = ref.astype(object) == got.astype(object)
    elif common.kind == "c":
        a, b = ref.astype(common), got.astype(common)
        eq = nan_equal(a.real, b.real) & nan_equal(a.imag, b.imag)
    else:
        eq = nan_equal(ref.astype(common), got.astype(common))
    eq = np.asarray(eq, dtype=bool)
    if eq.all():
        return True, ""
    return False, first_mismatch(eq, ref, got, where)


def compare(ref, got, where, warnings):
    """(True, "") when equal, (False, detail) when not; raises Uncomparable."""
    # Values an .npy file cannot hold without pickling.
    vlen = h5py.check_vlen_dtype(ref.dtype)
    if vlen is not None and h5py.check_string_dtype(ref.dtype) is None:
        raise Uncomparable(f"{where}variable-length sequences of {np.dtype(vlen)}")
    if h5py.check_ref_dtype(ref.dtype) is not None or (
        ref.dtype.kind == "O" and any(isinstance(x, (h5py.Reference, h5py.RegionReference)) for x in ref.flat)
    ):
        raise Uncomparable(f"{where}object references")
    if ref.shape != got.shape:
        return False, f"{where}shape h5py={ref.shape} panorama={got.shape}"
    if ref.dtype.names is not None:
        if got.dtype.names is None:
            return False, f"{where}h5py has a compound, panorama wrote dtype {got.dtype}"
        if list(ref.dtype.names) != list(got.dtype.names):
            return False, f"{where}fields h5py={list(ref.dtype.names)} panorama={list(got.dtype.names)}"
        for name in ref.dtype.names:
            ok, detail = compare(ref[name], got[name], f"{where}field {name!r} ", warnings)
            if not ok:
                return ok, detail
        return True, ""
    enum = h5py.check_enum_dtype(ref.dtype)
    if enum is not None:
        if got.dtype.kind in "SU":
            # Panorama wrote the member names: turn them back into values.
            names = {v: k for k, v in enum.items()}
            ref_names = np.array([names.get(int(v), str(int(v))) for v in ref.flat]).reshape(ref.shape)
            return compare_text(np.char.encode(ref_names, "utf-8"), got, where)
        plain = np.asarray(ref, dtype=np.dtype(ref.dtype.str))  # drop the enum metadata
        return compare_numbers(plain, got, where, warnings)
    if is_text_array(ref) or (ref.size == 0 and ref.dtype.kind == "O" and got.dtype.kind in "SU"):
        return compare_text(ref, got, where)
    if ref.dtype.kind in "biufc":
        return compare_numbers(ref, got, where, warnings)
    if ref.dtype.kind == "V":
        if got.dtype.itemsize == ref.dtype.itemsize and got.tobytes() == ref.tobytes():
            return True, ""
        raise Uncomparable(f"{where}opaque type {ref.dtype}, panorama wrote {got.dtype}")
    raise Uncomparable(f"{where}h5py dtype {ref.dtype} has no comparison")


# --- one entry ---------------------------------------------------------------
def check(entry):
    res = dict(entry)
    npy, refused = entry.get("npy"), entry.get("refused")
    if (npy is None) == (refused is None):
        res.update(status="bad-entry", detail="exactly one of npy and refused must be set")
        return res
    try:
        sel = parse_selection(entry.get("selection") or "")
    except ValueError as e:
        res.update(status="bad-entry", detail=f"selection {entry.get('selection')!r}: {e}")
        return res
    try:
        ref = h5py_read(entry, sel)
        h5err = None
    except Exception as e:
        ref, h5err = None, f"{type(e).__name__}: {e}"
    if h5err is not None:
        res["h5py_error"] = h5err
        if refused is not None:
            res.update(status="both-refuse", detail=f"panorama: {refused}; h5py: {h5err}")
        else:
            res.update(status="h5py-refuses-panorama-read",
                       detail=f"h5py cannot read it ({h5err}) but panorama returned values")
        return res
    if refused is not None:
        res.update(status="refused", detail=refused)
        return res
    try:
        got = np.load(npy, allow_pickle=False)
    except Exception as e:
        res.update(status="npy-unreadable", detail=f"{npy}: {type(e).__name__}: {e}")
        return res
    res["npy_dtype"] = got.dtype.str
    if isinstance(ref, h5py.Empty):
        res.update(status="uncompared", detail="h5py reads a null dataspace (no values)")
        return res
    res["h5py_dtype"] = ref.dtype.str
    res["dtype_identical"] = bool(ref.dtype == got.dtype)
    warnings = []
    try:
        ok, detail = compare(ref, got, "", warnings)
    except Uncomparable as e:
        res.update(status="uncompared", detail=str(e))
        return res
    except Exception as e:
        ok, detail = False, f"comparison failed: {type(e).__name__}: {e}"
    res["warnings"] = warnings
    res.update(status="equal" if ok else "WRONG", detail=detail)
    return res


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    manifest = sys.argv[1]
    with open(manifest) as fh:
        entries = json.load(fh)
    results = [check(e) for e in entries]
    for f in _files.values():
        if isinstance(f, h5py.File):
            f.close()

    def label(r):
        return f"{r.get('file')}:{r.get('path')}[{r.get('selection') or ''}] ({r.get('mode')})"

    for r in results:
        if r["status"] in FAILURES:
            kind = "" if r["status"] == "WRONG" else f"{r['status']}: "
            print(f"WRONG  {label(r)}: {kind}{r['detail']}")
    for r in results:
        if r["status"] == "uncompared":
            print(f"uncompared  {label(r)}: {r['detail']}")
        for w in r.get("warnings", []):
            print(f"warning  {label(r)}: {w}")

    count = lambda *s: sum(r["status"] in s for r in results)
    n_fail = count(*FAILURES)
    print(f"corpus: {len(results)} compared, {count('equal')} equal, {count('refused')} refused with a reason, "
          f"{count('both-refuse')} refused by both, {n_fail} wrong")
    print(f"notes: {sum(bool(r.get('warnings')) for r in results)} with dtype warnings, "
          f"{count('uncompared')} uncompared; of the wrong: {count('WRONG')} values differ, "
          f"{count('h5py-refuses-panorama-read')} read by panorama only, "
          f"{count('npy-unreadable')} npy unreadable, {count('bad-entry')} bad entries")

    out = os.path.splitext(manifest)[0] + ".result.json"
    with open(out, "w") as fh:
        json.dump(results, fh, indent=1, default=str)
    sys.exit(1 if n_fail else 0)


if __name__ == "__main__":
    main()
