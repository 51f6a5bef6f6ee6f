"""A loopback server speaking the PaNOSC search API (as data.panosc.eu) over the
real seed data of the PaNOSC search-api project (tests/fixtures/panosc/seed-db.json).

    MODE=ok|slow|error|malformed SLOW=5 python panosc_serve.py
Prints "PANOSC_READY http://127.0.0.1:PORT/api" once listening.

Implements GET /api/Datasets?filter=<JSON>&query=<text> (include relations
files, techniques, instrument, parameters, samples; where.title.like; limit;
skip; free-text query scored on the title), GET /api/Datasets/{pid}/files, and
GET /api/Documents?filter=<JSON>&query=<text> (include datasets, with a scope
that includes their relations, and members with their person and affiliation).
"""
import json
import os
import re
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = json.load(open(os.path.join(HERE, "..", "fixtures", "panosc", "seed-db.json")))
M = {name: [json.loads(v) for v in rows.values()] for name, rows in SEED["models"].items()}
MODE = os.environ.get("MODE", "ok")
SLOW = float(os.environ.get("SLOW", "5"))


def relations(ds, wanted):
    out = dict(ds)
    pid = ds["pid"]
    if "files" in wanted:
        out["files"] = [f for f in M["File"] if f.get("datasetId") == pid]
    if "parameters" in wanted:
        out["parameters"] = [p for p in M["Parameter"] if p.get("datasetId") == pid]
    if "techniques" in wanted:
        ids = {t["techniqueId"] for t in M["DatasetTechnique"] if t["datasetId"] == pid}
        out["techniques"] = [t for t in M["Technique"] if t["pid"] in ids]
    if "samples" in wanted:
        ids = {s["sampleId"] for s in M.get("DatasetSample", []) if s["datasetId"] == pid}
        out["samples"] = [s for s in M.get("Sample", []) if s.get("pid", s.get("id")) in ids]
    if "instrument" in wanted:
        inst = [i for i in M["Instrument"] if i["pid"] == ds.get("instrumentId")]
        if inst:
            out["instrument"] = inst[0]
    return out


def doc_relations(doc, include):
    out = dict(doc)
    for inc in include:
        rel = inc if isinstance(inc, str) else inc.get("relation")
        scope = {} if isinstance(inc, str) else (inc.get("scope") or {})
        inner = {i if isinstance(i, str) else i.get("relation") for i in scope.get("include", [])}
        if rel == "datasets":
            ids = {x["datasetId"] for x in M["DocumentDataset"] if x["documentId"] == doc["pid"]}
            out["datasets"] = [relations(d, inner) for d in M["Dataset"] if d["pid"] in ids]
        if rel == "members":
            members = []
            for m in M["Member"]:
                if m["documentId"] != doc["pid"]:
                    continue
                m = dict(m)
                if "person" in inner:
                    m["person"] = next((p for p in M["Person"] if p["id"] == m.get("personId")), None)
                if "affiliation" in inner:
                    m["affiliation"] = next((a for a in M["Affiliation"] if a["id"] == m.get("affiliationId")), None)
                members.append(m)
            out["members"] = members
    return out


def score_rows(rows, query):
    if not query:
        return rows
    words = [w.lower() for w in query.split()]
    out = []
    for d in rows:
        title = d["title"].lower()
        s = sum(w in title for w in words) / len(words)
        if s > 0:
            out.append(dict(d, score=s))
    return sorted(out, key=lambda d: -d["score"])


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if MODE == "slow":
            time.sleep(SLOW)
        if MODE == "error":
            return self.send(500, json.dumps({"error": {"statusCode": 500, "message": "Internal Server Error"}}))
        if MODE == "malformed":
            return self.send(200, '[{"pid": "x", "title": ')
        u = urllib.parse.urlparse(self.path)
        qs = urllib.parse.parse_qs(u.query)
        path = urllib.parse.unquote(u.path)
        if path == "/api/Datasets":
            try:
                flt = json.loads(qs.get("filter", ["{}"])[0])
            except json.JSONDecodeError:
                return self.send(400, json.dumps({"error": {"statusCode": 400, "message": "filter is not JSON"}}))
            rows = M["Dataset"]
            like = ((flt.get("where") or {}).get("title") or {}).get("like")
            if like:
                rows = [d for d in rows if re.search(like, d["title"], re.I)]
            query = qs.get("query", [flt.get("query", "")])[0]
            if query:
                words = [w.lower() for w in query.split()]
                scored = []
                for d in rows:
                    title = d["title"].lower()
                    s = sum(w in title for w in words) / len(words)
                    if s > 0:
                        scored.append(dict(d, score=s))
                rows = sorted(scored, key=lambda d: -d["score"])
            wanted = {i if isinstance(i, str) else i.get("relation") for i in flt.get("include", [])}
            skip, limit = int(flt.get("skip", 0)), int(flt.get("limit", 100))
            return self.send(200, json.dumps([relations(d, wanted) for d in rows[skip:skip + limit]]))
        if path == "/api/Documents":
            try:
                flt = json.loads(qs.get("filter", ["{}"])[0])
            except json.JSONDecodeError:
                return self.send(400, json.dumps({"error": {"statusCode": 400, "message": "filter is not JSON"}}))
            rows = score_rows(M["Document"], qs.get("query", [flt.get("query", "")])[0])
            skip, limit = int(flt.get("skip", 0)), int(flt.get("limit", 100))
            return self.send(200, json.dumps([doc_relations(d, flt.get("include", [])) for d in rows[skip:skip + limit]]))
        m = re.fullmatch(r"/api/Datasets/(.+)/files", path)
        if m:
            return self.send(200, json.dumps([f for f in M["File"] if f.get("datasetId") == m.group(1)]))
        return self.send(404, json.dumps({"error": {"statusCode": 404, "message": f"no route {path}"}}))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (cancelled search) is not an error worth a trace.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", int(os.environ.get("PORT", "0"))), Handler)
    print(f"PANOSC_READY http://127.0.0.1:{server.server_address[1]}/api", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
