"""A loopback server speaking InvenioRDM's records API (as Zenodo and RODARE)
over real example records from invenio-rdm-records (tests/fixtures/invenio/).

    python invenio_serve.py      # prints "INVENIO_READY http://127.0.0.1:PORT/api"

GET /api/records?q=&size=&page=&sort= answers {hits:{hits,total}, aggregations, links};
GET /api/records/{id} one record.
With FILES_DIR=DIR the public minimal record lists the files of DIR (key,
size, md5 checksum, links.content) and GET /api/records/{id}/files/{key}/content
serves them, with HTTP Range requests for resumed downloads.

The deposit flow needs a bearer token that is active at the OpenID Provider
named by INTROSPECT_URL (oidc_guard.py): POST /api/records (create a draft),
PUT /api/records/{id}/draft, POST /api/records/{id}/draft/files [{"key"}],
PUT .../files/{key}/content, POST .../files/{key}/commit,
POST /api/records/{id}/draft/actions/publish; POST /api/records/{id}/versions
makes a new version's draft (same parent, metadata copied, no files). Bodies are checked for the
fields InvenioRDM requires (title, publication_date, resource_type, creators,
access); errors come back as {"status": 400, "errors": [{"field", "messages"}]}.
"""
import hashlib
import random
import string

import lucene_match
import oidc_guard
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
FILES_DIR = os.environ.get("FILES_DIR")


def published_files(host):
    """The entries of the public record's files, when FILES_DIR is set."""
    entries = []
    for name in sorted(os.listdir(FILES_DIR)) if FILES_DIR else []:
        with open(os.path.join(FILES_DIR, name), "rb") as fh:
            data = fh.read()
        entries.append({
            "key": name, "size": len(data), "checksum": "md5:" + hashlib.md5(data).hexdigest(),
            "links": {"content": f"http://{host}/api/records/{minimal['id']}/files/{name}/content"},
        })
    return {"enabled": bool(entries), "entries": entries}


def access_status(rec):
    """InvenioRDM's computed `access.status`, from the record's access."""
    access = rec.get("access", {})
    if (access.get("embargo") or {}).get("active"):
        return "embargoed"
    if "restricted" in (access.get("record"), access.get("files")):
        return "restricted"
    return "open"


def matches(rec, q):
    """The query string as InvenioRDM reads `q`: free words in the metadata,
    fields by their indexed paths (`metadata.publication_date:[a TO b]`,
    `access.status:open`)."""
    def values(field):
        if field == "access.status":
            return [access_status(rec)]
        return lucene_match.dotted(rec, field)
    return lucene_match.query_holds(q, values, json.dumps(rec.get("metadata", {})).lower())


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
        if FILES_DIR:
            minimal["files"] = published_files(self.headers.get("Host"))
        parts = u.path.strip("/").split("/")
        if FILES_DIR and len(parts) == 6 and parts[:2] == ["api", "records"] and parts[3] == "files" \
                and parts[5] == "content" and parts[2] == minimal["id"]:
            name = os.path.basename(urllib.parse.unquote(parts[4]))
            path = os.path.join(FILES_DIR, name)
            if not os.path.isfile(path):
                return self.send(404, {"status": 404, "message": "File not found."})
            with open(path, "rb") as fh:
                data = fh.read()
            start = 0
            rng = self.headers.get("Range", "")
            if rng.startswith("bytes=") and rng[6:].split("-")[0].isdigit():
                start = int(rng[6:].split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.end_headers()
                    return
            self.send_response(206 if start else 200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            self.wfile.write(data[start:])
            return
        if u.path == "/api/records":
            q = qs.get("q", [""])[0]
            size = int(qs.get("size", ["10"])[0])
            page = int(qs.get("page", ["1"])[0])
            try:
                hits = [r for r in RECORDS if matches(r, q)]
            except lucene_match.ParseError as e:
                return self.send(400, {"status": 400, "message": f"Invalid query string syntax: {e}"})
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
        if u.path.startswith("/api/records/") and u.path.count("/") == 3:
            rid = u.path.rsplit("/", 1)[-1]
            for r in RECORDS:
                if r["id"] == rid:
                    return self.send(200, r)
            return self.send(404, {"status": 404, "message": "The persistent identifier does not exist."})
        return self.send(404, {"status": 404, "message": "Not found"})


DRAFTS = {}


def new_id():
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(5)) + "-" + \
        "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(5))


def problems(rec):
    errors = []
    md = rec.get("metadata") or {}
    for field in ["title", "publication_date"]:
        if not md.get(field):
            errors.append({"field": f"metadata.{field}", "messages": ["Missing data for required field."]})
    if not (md.get("resource_type") or {}).get("id"):
        errors.append({"field": "metadata.resource_type", "messages": ["Missing data for required field."]})
    creators = md.get("creators") or []
    if not creators:
        errors.append({"field": "metadata.creators", "messages": ["Missing data for required field."]})
    for i, c in enumerate(creators):
        if (c.get("person_or_org") or {}).get("type") not in ("personal", "organizational"):
            errors.append({"field": f"metadata.creators.{i}.person_or_org.type", "messages": ["Invalid value."]})
    access = rec.get("access") or {}
    for k in ["record", "files"]:
        if access.get(k) not in ("public", "restricted"):
            errors.append({"field": f"access.{k}", "messages": ["Must be one of: public, restricted."]})
    return errors


class Deposit(Handler):
    def guard(self):
        if oidc_guard.enabled() and oidc_guard.introspect(self.headers.get("Authorization", "")):
            return True
        self.send(403, {"status": 403, "message": "Permission denied."})
        return False

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n else b""

    def links(self, rid):
        base = f"http://{self.headers.get('Host')}"
        return {"self": f"{base}/api/records/{rid}/draft", "self_html": f"{base}/uploads/{rid}",
                "files": f"{base}/api/records/{rid}/draft/files",
                "publish": f"{base}/api/records/{rid}/draft/actions/publish", "record_html": f"{base}/records/{rid}"}

    def do_POST(self):
        if not self.guard():
            return
        parts = urllib.parse.urlparse(self.path).path.strip("/").split("/")
        if parts == ["api", "records"]:
            try:
                rec = json.loads(self.body() or b"{}")
            except json.JSONDecodeError:
                return self.send(400, {"status": 400, "message": "Invalid JSON"})
            rid = new_id()
            rec.update({"id": rid, "is_published": False, "links": self.links(rid), "entries": {},
                        "parent": {"id": new_id()}, "versions": {"index": 1, "is_latest": False}})
            rec.setdefault("files", {"enabled": True})
            DRAFTS[rid] = rec
            return self.send(201, rec)
        parts = [urllib.parse.unquote(p) for p in parts]
        if len(parts) == 4 and parts[:2] == ["api", "records"] and parts[3] == "versions":
            # A new version of a published record: a draft copying its
            # metadata, in the same parent, without its files.
            last = [r for r in RECORDS if r["id"] == parts[2]]
            if not last:
                return self.send(404, {"status": 404, "message": "The persistent identifier does not exist."})
            parent = last[0]["parent"]["id"]
            n = max(r["versions"]["index"] for r in RECORDS if r.get("parent", {}).get("id") == parent)
            rid = new_id()
            rec = json.loads(json.dumps({k: last[0][k] for k in ("metadata", "access") if k in last[0]}))
            rec.update({"id": rid, "is_published": False, "links": self.links(rid), "entries": {},
                        "files": {"enabled": last[0].get("files", {}).get("enabled", True)},
                        "parent": {"id": parent}, "versions": {"index": n + 1, "is_latest": False}})
            DRAFTS[rid] = rec
            return self.send(201, rec)
        if len(parts) >= 5 and parts[:2] == ["api", "records"] and parts[3] == "draft":
            rid = parts[2]
            rec = DRAFTS.get(rid)
            if rec is None:
                return self.send(404, {"status": 404, "message": "The draft does not exist."})
            if parts[4:] == ["files"]:
                keys = [e["key"] for e in json.loads(self.body() or b"[]")]
                for k in keys:
                    rec["entries"][k] = {"key": k, "status": "pending"}
                return self.send(201, {"entries": list(rec["entries"].values())})
            if len(parts) == 7 and parts[4] == "files" and parts[6] == "commit":
                entry = rec["entries"].get(parts[5])
                if not entry or "checksum" not in entry:
                    return self.send(400, {"status": 400, "message": "File content was not uploaded."})
                entry["status"] = "completed"
                return self.send(200, entry)
            if parts[4:] == ["actions", "publish"]:
                errors = problems(rec)
                if rec.get("files", {}).get("enabled") and (
                        not rec["entries"] or any(e["status"] != "completed" for e in rec["entries"].values())):
                    errors.append({"field": "files.enabled", "messages": ["Missing uploaded files."]})
                if errors:
                    return self.send(400, {"status": 400, "message": "A validation error occurred.", "errors": errors})
                rec["is_published"] = True
                rec["links"]["self_html"] = rec["links"]["record_html"]
                for r in RECORDS:
                    if r.get("parent", {}).get("id") == rec["parent"]["id"]:
                        r["versions"]["is_latest"] = False
                rec["versions"]["is_latest"] = True
                RECORDS.append(rec)
                del DRAFTS[rid]
                return self.send(202, rec)
        return self.send(404, {"status": 404, "message": "Not found"})

    def do_PUT(self):
        if not self.guard():
            return
        parts = urllib.parse.urlparse(self.path).path.strip("/").split("/")
        rid = parts[2] if len(parts) > 2 else ""
        rec = DRAFTS.get(rid)
        if rec is None:
            return self.send(404, {"status": 404, "message": "The draft does not exist."})
        if parts[3:] == ["draft"]:
            new = json.loads(self.body() or b"{}")
            for k in ["metadata", "access", "files"]:
                if k in new:
                    rec[k] = new[k]
            return self.send(200, rec)
        if len(parts) == 7 and parts[4] == "files" and parts[6] == "content":
            entry = rec["entries"].get(parts[5])
            if entry is None:
                return self.send(404, {"status": 404, "message": "Unknown file."})
            data = self.body()
            entry.update({"checksum": "md5:" + hashlib.md5(data).hexdigest(), "size": len(data)})
            return self.send(200, entry)
        return self.send(404, {"status": 404, "message": "Not found"})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "0"))), Deposit)
    print(f"INVENIO_READY http://127.0.0.1:{server.server_address[1]}/api", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
