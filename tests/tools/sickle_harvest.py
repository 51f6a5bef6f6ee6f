"""The reference harvester of `make bench`: every record of an OAI-PMH
repository through Sickle (PyPI `sickle`), following resumption tokens and
parsing each record as Sickle does by default.

    python sickle_harvest.py BASE_URL [--prefix oai_dc]
Prints one JSON line: {"records": N, "seconds": T}.
"""
import argparse
import json
import time

from sickle import Sickle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--prefix", default="oai_dc")
    a = ap.parse_args()
    t0 = time.perf_counter()
    n = 0
    for record in Sickle(a.base, max_retries=3).ListRecords(metadataPrefix=a.prefix, ignore_deleted=False):
        _ = record.metadata if not record.deleted else None
        n += 1
    print(json.dumps({"records": n, "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
