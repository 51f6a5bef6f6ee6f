"""A loopback server speaking InvenioRDM's records API (as Zenodo and RODARE)
over real example records from invenio-rdm-records (tests/fixtures/invenio/).

    python invenio_serve.py      # prints "INVENIO_READY http://127.0.0.1:PORT/api"

GET /api/records?q=&size=&page=&sort= answers {hits:{hits,total}, aggregations, links};
GET /api/records/{id} one record.
"""
import json
import os
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "invenio")


def load(name):
    return json.load(open(os.path.join(HERE, name)))


full = load("conftest-full_record.json")
full["id"] = "abcde-fghij"
minimal = load("conftest-minimal_record.json")
minimal["id"] = "minim-al001"
minimal.setdefault("pids", {"doi": {"identifier": "10.1234/inveniordm.minimal", "provider": "datacite"}})
restricted = load("records-16-get-a-record.response.json")
restricted["id"] = "restr-icted"
RECORDS = [full, minimal, restricted]


def matches(rec, q):
    if not q:
        return True
    text = json.dumps(rec.get("metadata", {})).lower()
    return all(w.lower() in text for w in q.split())


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        qs = urllib.parse.parse_qs(u.query)
        if u.path == "/api/records":
            q = qs.get("q", [""])[0]
            size = int(qs.get("size", ["10"])[0])
            page = int(qs.get("page", ["1"])[0])
            hits = [r for r in RECORDS if matches(r, q)]
            access = {}
            for r in hits:
                k = r.get("access", {}).get("record", "public")
                access[k] = access.get(k, 0) + 1
            return self.send(200, {
                "hits": {"hits": hits[(page - 1) * size: page * size], "total": len(hits)},
                "aggregations": {"access_status": {"buckets": [{"key": k, "doc_count": n} for k, n in access.items()]}},
                "links": {"self": self.path},
                "sortBy": qs.get("sort", ["bestmatch"])[0],
            })
        if u.path.startswith("/api/records/"):
            rid = u.path.rsplit("/", 1)[-1]
            for r in RECORDS:
                if r["id"] == rid:
                    return self.send(200, r)
            return self.send(404, {"status": 404, "message": "The persistent identifier does not exist."})
        return self.send(404, {"status": 404, "message": "Not found"})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "0"))), Handler)
    print(f"INVENIO_READY http://127.0.0.1:{server.server_address[1]}/api", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
