"""A loopback federated PaNOSC search service, behaving as the PaNOSC
federated search service (panosc-eu/panosc-federated-search-service,
search-api/server/connectors/distributedConnector.js and aggregator.js):

- every GET /api/Datasets and /api/Documents is asked of each provider in
  PROVIDERS (comma-separated PaNOSC search API base URLs, e.g. loopback
  panosc_serve.py servers) with the same filter and query;
- a provider that does not answer within PROVIDER_TIMEOUT milliseconds
  (default 1000, as the service's) counts as having sent nothing, and one
  that fails is left out: the answer does not say so;
- each record is tagged with `provider` (the provider's URL); the records
  are merged, sorted by `score` when a query was given (else by title),
  and cut to the filter's `limit` (default 100).

    PROVIDERS=http://127.0.0.1:1/api,http://127.0.0.1:2/api PROVIDER_TIMEOUT=1000 python federated_serve.py
    # prints "FEDERATED_READY http://127.0.0.1:PORT/api"
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROVIDERS = [p for p in os.environ.get("PROVIDERS", "").split(",") if p]
TIMEOUT = float(os.environ.get("PROVIDER_TIMEOUT", "1000")) / 1000.0
POOL = ThreadPoolExecutor(max_workers=16)


def ask(base, path, query):
    url = base + path + ("?" + query if query else "")
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            rows = json.loads(r.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    if not isinstance(rows, list):
        return None
    for row in rows:
        if isinstance(row, dict):
            row["provider"] = base
    return rows


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        path = u.path[len("/api"):] if u.path.startswith("/api") else u.path
        if path not in ("/Datasets", "/Documents"):
            return self.send(404, {"error": {"statusCode": 404, "message": "Not Found"}})
        qs = urllib.parse.parse_qs(u.query)
        try:
            flt = json.loads(qs.get("filter", ["{}"])[0])
        except json.JSONDecodeError:
            return self.send(400, {"error": {"statusCode": 400, "message": "filter is not JSON"}})
        limit = int(flt.get("limit", 100)) if isinstance(flt, dict) else 100
        futures = [POOL.submit(ask, p, path, u.query) for p in PROVIDERS]
        # The service resolves a provider to [] once its time is up.
        done, _ = wait(futures, timeout=TIMEOUT)
        merged = []
        for f in futures:
            if f in done and f.result():
                merged.extend(f.result())
        if "query" in qs:
            merged.sort(key=lambda r: -(r.get("score") or 0))
        else:
            merged.sort(key=lambda r: str(r.get("title", r.get("name", ""))).lower())
        return self.send(200, merged[:limit] if limit > 0 else merged)


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"FEDERATED_READY http://127.0.0.1:{srv.server_address[1]}/api", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
