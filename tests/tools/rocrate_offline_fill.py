#!/usr/bin/env python3
"""Pre-fill the HTTP cache of roc-validator (rocrate-validator 0.13.x) so that
validation runs with no network access at all.

Every document is taken from files shipped inside installed PyPI packages:

  * https://w3id.org/ro/crate/1.1/context  <- rocrate/data/ro-crate.jsonld of the
    `rocrate` package, rocrate <= 0.15.1 (0.16.0 ships the 1.3 context instead,
    which is NOT equivalent: e.g. ComputationalWorkflow maps to
    bioschemas.org/terms/ComputationalWorkflow there and the 1.1-based profiles
    would not recognise it).  If the installed rocrate ships another version,
    pass a rocrate <= 0.15.1 wheel with --rocrate-wheel (obtained with
    `pip download --no-deps rocrate==0.15.1`).
  * https://w3id.org/ro/crate/1.3/context  <- same file of rocrate 0.16.0 (when present).

How it works: a requests-cache CachedSession is opened on the very SQLite file the
validator uses (same backend, same default key function), with a transport adapter
mounted for http:// and https:// that answers from the local files and refuses
anything else.  A plain GET through that session makes requests-cache store the
response exactly as it would have stored a real download, with no expiry.

Usage:
  python rocrate_offline_fill.py [--cache-path PATH] [--rocrate-wheel WHEEL ...]

PATH is the cache *name* (without ".sqlite"), as given to
`rocrate-validator validate --cache-path PATH`.  The default is the validator's
own default, $XDG_CACHE_HOME/rocrate-validator/http_cache (~/.cache/...).

Exit status: 0 when the RO-Crate 1.1 context (needed by every 1.1-based profile,
including workflow-run-crate-0.5) is in the cache, 1 otherwise.
"""
from __future__ import annotations

import argparse
import importlib.resources
import io
import json
import sys
import zipfile
from pathlib import Path

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests_cache import CachedSession

RO_CRATE_CONTEXTS = {
    "1.1": "https://w3id.org/ro/crate/1.1/context",
    "1.2": "https://w3id.org/ro/crate/1.2/context",
    "1.3": "https://w3id.org/ro/crate/1.3/context",
}
REQUIRED = [RO_CRATE_CONTEXTS["1.1"]]


def _context_docs_from_bytes(data: bytes, origin: str) -> dict[str, bytes]:
    """Map the context URL a ro-crate.jsonld file declares (its @id) to its bytes."""
    doc = json.loads(data)
    url = doc.get("@id")
    if url not in RO_CRATE_CONTEXTS.values() or "@context" not in doc:
        print(f"  skip {origin}: not a known RO-Crate context (@id={url!r})")
        return {}
    print(f"  found {url} (version {doc.get('version')}) in {origin}")
    return {url: data}


def collect_documents(wheels: list[Path]) -> dict[str, bytes]:
    docs: dict[str, bytes] = {}
    # 1. the installed `rocrate` package
    try:
        res = importlib.resources.files("rocrate").joinpath("data/ro-crate.jsonld")
        docs.update(_context_docs_from_bytes(res.read_bytes(), f"installed rocrate ({res})"))
    except (ModuleNotFoundError, FileNotFoundError) as e:
        print(f"  installed rocrate package not usable: {e}")
    # 2. extra rocrate wheels given on the command line (take precedence)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            docs.update(_context_docs_from_bytes(zf.read("rocrate/data/ro-crate.jsonld"), str(wheel)))
    return docs


class LocalFilesAdapter(BaseAdapter):
    """Transport adapter answering GETs from an in-memory URL -> bytes map; no network."""

    def __init__(self, docs: dict[str, bytes]):
        super().__init__()
        self.docs = docs

    def send(self, request, **kwargs):
        import urllib3

        body = self.docs.get(request.url)
        if request.method != "GET" or body is None:
            raise requests.ConnectionError(f"offline fill: no local copy of {request.url}")
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Type": "application/ld+json", "Content-Length": str(len(body))},
            status=200,
            reason="OK",
            preload_content=False,
            decode_content=False,
            request_url=request.url,
        )
        resp = requests.Response()
        resp.status_code = 200
        resp.reason = "OK"
        resp.headers = CaseInsensitiveDict(raw.headers)
        resp.raw = raw
        resp.url = request.url
        resp.encoding = "utf-8"
        resp.request = request
        resp.connection = self
        return resp

    def close(self):
        pass


def default_cache_path() -> Path:
    try:  # the validator's own notion of its default cache
        from rocrate_validator.utils.paths import get_default_http_cache_path

        return Path(get_default_http_cache_path())
    except Exception:
        import os

        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return base / "rocrate-validator" / "http_cache"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache-path", type=Path, default=None,
                    help="cache name without .sqlite (default: the validator's default)")
    ap.add_argument("--rocrate-wheel", type=Path, action="append", default=[],
                    help="a rocrate wheel (<= 0.15.1 for the 1.1 context) to read contexts from")
    args = ap.parse_args()

    cache_path = args.cache_path or default_cache_path()
    if str(cache_path).endswith(".sqlite"):
        cache_path = Path(str(cache_path)[: -len(".sqlite")])
    cache_path.parent.mkdir(parents=True, exist_ok=True)

    print("Collecting documents from installed packages:")
    docs = collect_documents(args.rocrate_wheel)

    # Same construction as rocrate_validator.utils.http.HttpRequester (sqlite backend,
    # default key function, GET only), never expiring.
    session = CachedSession(
        cache_name=str(cache_path),
        backend="sqlite",
        expire_after=-1,
        allowable_methods=("GET",),
        allowable_codes=(200, 302, 404),
    )
    adapter = LocalFilesAdapter(docs)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False

    for url in docs:
        session.cache.delete(urls=[url])  # replace any older entry
        r = session.get(url)
        r.raise_for_status()
        json.loads(r.content)
        print(f"  cached {url} ({len(r.content)} bytes)")

    missing = [u for u in REQUIRED if not session.cache.contains(url=u)]
    print(f"Cache: {cache_path}.sqlite")
    session.close()
    if missing:
        print("ERROR: not available from any installed package: " + ", ".join(missing), file=sys.stderr)
        print("  install rocrate<=0.15.1, or pass --rocrate-wheel with a wheel from "
              "`pip download --no-deps rocrate==0.15.1`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
