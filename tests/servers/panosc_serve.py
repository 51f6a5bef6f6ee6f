"""A loopback server speaking the PaNOSC search API (as data.panosc.eu) over the
real seed data of the PaNOSC search-api project (tests/fixtures/panosc/seed-db.json).

    MODE=ok|slow|error|malformed SLOW=5 [SLOW_FROM=N] [EXTRA=more.json] python panosc_serve.py

With MODE=slow every answer waits SLOW seconds; with SLOW_FROM=N too, only
from the Nth request on (a provider that becomes slow).

EXTRA names a JSON file of more datasets in the seed's own shape, each with
its "parameters" ({name, value, unit}) inline, added to the seed's.
Prints "PANOSC_READY http://127.0.0.1:PORT/api" once listening.

Implements GET /api/Datasets?filter=<JSON>&query=<text> (include relations
files, techniques, instrument, parameters, samples; where.title.like; limit;
skip; free-text query scored on the title), GET /api/Datasets/{pid}/files, and
GET /api/Documents?filter=<JSON>&query=<text> (include datasets, with a scope
that includes their relations, and members with their person and affiliation).

As the search API does, an include with a scope `where` keeps only the
datasets that have a related item matching it (`and`, `or`, equality, `lt`,
`lte`, `gt`, `gte`, `between`, `inq`, `like`), and a parameter's `value`
asked for with a `unit` is compared in that unit (the recorded value
converted with pint; the search API converts with its own units table): the
documentation's "temperature below 80 °C" finds the dataset recorded at
20 celsius, and "wavelength:1..1.1 µm" the one at 1064 nm.
"""
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pint

UREG = pint.UnitRegistry()

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = json.load(open(os.path.join(HERE, "..", "fixtures", "panosc", "seed-db.json")))
M = {name: [json.loads(v) for v in rows.values()] for name, rows in SEED["models"].items()}
for extra in json.load(open(os.environ["EXTRA"])) if os.environ.get("EXTRA") else []:
    params = extra.pop("parameters", [])
    M["Dataset"].append(extra)
    for i, p in enumerate(params):
        M["Parameter"].append(dict(p, id=f"{extra['pid']}-{i}", datasetId=extra["pid"]))
MODE = os.environ.get("MODE", "ok")
SLOW = float(os.environ.get("SLOW", "5"))
SLOW_FROM = int(os.environ.get("SLOW_FROM", "1"))
REQUESTS = [0]
COUNTING = threading.Lock()


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


def in_unit(value, unit, wanted):
    """A recorded value in the unit asked for; None when it does not convert."""
    if not wanted or wanted == unit:
        return value
    try:
        return UREG.Quantity(value, unit or "dimensionless").to(wanted).magnitude
    except (pint.errors.PintError, AttributeError, TypeError, ValueError):
        return None


def op_holds(have, cond):
    """A loopback where condition on one field: a value, or {op: operand}."""
    if not isinstance(cond, dict):
        if isinstance(have, str) and isinstance(cond, str):
            return have.lower() == cond.lower()
        return have == cond
    for op, arg in cond.items():
        if have is None:
            return False
        try:
            ok = {
                "lt": lambda: have < arg, "lte": lambda: have <= arg,
                "gt": lambda: have > arg, "gte": lambda: have >= arg,
                "between": lambda: arg[0] <= have <= arg[1],
                "inq": lambda: have in arg, "neq": lambda: have != arg,
                "like": lambda: re.search(arg, str(have), re.I) is not None,
                "ilike": lambda: re.search(arg, str(have), re.I) is not None,
            }[op]()
        except KeyError:
            raise ValueError(f"unknown operator {op}")
        except TypeError:
            return False
        if not ok:
            return False
    return True


def where_holds(item, where):
    """Whether a related item (a parameter, technique…) matches `where`; a
    parameter's value is compared in the unit the same `and` asks for."""
    if "and" in where:
        parts = where["and"]
        unit = next((p["unit"] for p in parts if isinstance(p, dict) and "unit" in p), None)
        for p in parts:
            if "unit" in p and len(p) == 1 and unit is not None:
                # The value is converted: any unit of the same kind holds.
                if in_unit(1.0, item.get("unit"), unit) is None:
                    return False
                continue
            if "value" in p and len(p) == 1 and unit is not None:
                v = item.get("value")
                v = in_unit(v, item.get("unit"), unit) if isinstance(v, (int, float)) else None
                if not op_holds(v, p["value"]):
                    return False
                continue
            if not where_holds(item, p):
                return False
        return True
    if "or" in where:
        return any(where_holds(item, p) for p in where["or"])
    return all(op_holds(item.get(k), v) for k, v in where.items())


def scoped(rows, include):
    """The datasets whose related items match each include's scope where."""
    for inc in include:
        if isinstance(inc, str):
            continue
        where = (inc.get("scope") or {}).get("where")
        if not where:
            continue
        rel = inc.get("relation")
        keep = []
        for d in rows:
            items = relations(d, {rel}).get(rel)
            items = [items] if isinstance(items, dict) else (items or [])
            if any(where_holds(i, where) for i in items):
                keep.append(d)
        rows = keep
    return rows


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
        with COUNTING:
            REQUESTS[0] += 1
            n = REQUESTS[0]
        if MODE == "slow" and n >= SLOW_FROM:
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
            try:
                rows = scoped(rows, flt.get("include", []))
            except ValueError as e:
                return self.send(400, json.dumps({"error": {"statusCode": 400, "message": str(e)}}))
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
