"""A loopback server speaking SciCat's dataset search over real example
datasets (tests/fixtures/scicat/), anonymous (public datasets) or with
`Authorization: Bearer TOKEN` (all):

- v3: GET /api/v3/Datasets/fullquery?fields=&limits=, and
  GET /api/v3/Datasets/{pid}/origdatablocks (pid URL-encoded);
- v4: GET /api/v4/datasets?filter={"where": …, "limits": {limit, skip, sort}}
  (`where` supports {"$text": {"$search": "words"}}, plain equality and
  {"$and": [...]}), and GET /api/v4/origdatablocks?filter={"where": {"datasetId": PID}};
- published data (DOIs minted for datasets): GET /api/v3/PublishedData?filter=
  and GET /api/v4/publisheddata?filter=, with {"where": {"$text": …}} as above,
  over the recorded panosc-mock and testdata records.

The recorded datasets come without file lists, so each gets one origdatablock
built from the real testdata/OrigDataBlockCorrect1.json (its dataFileList, with
md5 checksums added), plus, with EXTRA_FILE=name.nxs, one more file of that name.

    TOKEN=secret python scicat_serve.py   # prints "SCICAT_READY http://127.0.0.1:PORT/api/v3"

POST /api/v3/Datasets (and /api/v4/datasets, with v4's list fields) creates a dataset when the bearer token is active at the
OpenID Provider named by INTROSPECT_URL (see oidc_guard.py) and the body has
what SciCat's create DTOs require (raw: owner, contactEmail, sourceFolder,
creationTime, type, ownerGroup, principalInvestigator, creationLocation;
derived: investigator, inputDatasets, usedSoftware instead of the last two);
otherwise 401, or 400 with SciCat's messages.
"""
import uuid

import oidc_guard
import json
import os
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "scicat")
DATASETS = json.load(open(os.path.join(HERE, "v3-Datasets-find.response.json")))
# One dataset is private: only a signed-in client sees it.
DATASETS[-1]["isPublished"] = False
TOKEN = os.environ.get("TOKEN", "")
PUBLISHED = [
    json.load(open(os.path.join(HERE, "panosc-mock", "v3-PublishedData-findById.response.json"))),
    dict(json.load(open(os.path.join(HERE, "testdata", "PublishedData.json"))), doi="10.5072/scicat-testdata-published"),
]
_BLOCK = json.load(open(os.path.join(HERE, "testdata", "OrigDataBlockCorrect1.json")))


def block_for(ds):
    files = [dict(f, chk=f"{i:032x}") for i, f in enumerate(_BLOCK["dataFileList"], 1)]
    extra = os.environ.get("EXTRA_FILE")
    if extra:
        files.append({"path": extra, "size": 4096, "time": "2017-07-24T14:00:00.000Z"})
    return {
        "id": "block-" + ds["pid"].rsplit("/", 1)[-1],
        "datasetId": ds["pid"],
        "size": sum(f["size"] for f in files),
        "chkAlg": "md5",
        "dataFileList": files,
    }


def matches(ds, where):
    """A small part of the MongoDB filter language SciCat v4 passes through."""
    for key, want in (where or {}).items():
        if key == "$and":
            if not all(matches(ds, w) for w in want):
                return False
        elif key == "$text":
            text = json.dumps(ds).lower()
            if not all(w in text for w in want.get("$search", "").lower().split()):
                return False
        elif ds.get(key) != want:
            return False
    return True


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
        auth = self.headers.get("Authorization", "")
        if auth and auth != f"Bearer {TOKEN}":
            return self.send(401, {"statusCode": 401, "message": "Unauthorized"})
        signed_in = bool(TOKEN) and auth == f"Bearer {TOKEN}"
        visible = [d for d in DATASETS if signed_in or d.get("isPublished")]
        if u.path.startswith("/api/v3/Datasets/") and u.path.endswith("/origdatablocks"):
            pid = urllib.parse.unquote(u.path[len("/api/v3/Datasets/"):-len("/origdatablocks")])
            found = [d for d in visible if d.get("pid") == pid]
            if not found:
                return self.send(404, {"statusCode": 404, "message": f"Dataset {pid} not found"})
            return self.send(200, [block_for(found[0])])
        if u.path in ("/api/v4/datasets", "/api/v4/origdatablocks"):
            try:
                flt = json.loads(qs.get("filter", ["{}"])[0])
            except json.JSONDecodeError:
                return self.send(400, {"statusCode": 400, "message": "filter must be JSON", "error": "Bad Request"})
            where = flt.get("where") or {}
            if u.path == "/api/v4/origdatablocks":
                pid = where.get("datasetId")
                return self.send(200, [block_for(d) for d in visible if d.get("pid") == pid])
            rows = [d for d in visible if matches(d, where)]
            limits = flt.get("limits") or {}
            skip, limit = int(limits.get("skip", 0)), int(limits.get("limit", 100))
            return self.send(200, rows[skip:skip + limit])
        if u.path in ("/api/v3/PublishedData", "/api/v4/publisheddata"):
            try:
                flt = json.loads(qs.get("filter", ["{}"])[0])
            except json.JSONDecodeError:
                return self.send(400, {"statusCode": 400, "message": "filter must be JSON", "error": "Bad Request"})
            return self.send(200, [p for p in PUBLISHED if matches(p, flt.get("where") or {})])
        if u.path == "/api/v3/Datasets/fullquery":
            try:
                fields = json.loads(qs.get("fields", ["{}"])[0])
                limits = json.loads(qs.get("limits", ["{}"])[0])
            except json.JSONDecodeError:
                return self.send(400, {"statusCode": 400, "message": "fields and limits must be JSON"})
            text = (fields.get("text") or "").lower()
            rows = [d for d in DATASETS if signed_in or d.get("isPublished")]
            if text:
                rows = [d for d in rows if all(w in json.dumps(d).lower() for w in text.split())]
            skip, limit = int(limits.get("skip", 0)), int(limits.get("limit", 100))
            return self.send(200, rows[skip:skip + limit])
        return self.send(404, {"statusCode": 404, "message": "Not Found"})

    def do_POST(self):
        u = urllib.parse.urlparse(self.path)
        if u.path not in ("/api/v3/Datasets", "/api/v4/datasets"):
            return self.send(404, {"statusCode": 404, "message": "Not Found"})
        v4 = u.path == "/api/v4/datasets"
        who = oidc_guard.introspect(self.headers.get("Authorization", "")) if oidc_guard.enabled() else None
        if who is None:
            return self.send(401, {"statusCode": 401, "message": "Unauthorized"})
        length = int(self.headers.get("Content-Length", "0"))
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            return self.send(400, {"statusCode": 400, "message": "Invalid JSON", "error": "Bad Request"})
        required = ["owner", "contactEmail", "sourceFolder", "creationTime", "type", "ownerGroup"]
        if body.get("type") == "derived":
            required += ["investigator", "inputDatasets", "usedSoftware"]
        elif v4:
            # v4 (as testdata/RawCorrectV4.json): lists of investigators and ids.
            required += ["principalInvestigators", "creationLocation"]
            for k in ["principalInvestigators", "proposalIds", "sampleIds", "instrumentIds"]:
                if k in body and not isinstance(body[k], list):
                    return self.send(400, {"statusCode": 400, "message": [f"{k} must be an array"], "error": "Bad Request"})
            for k in ["principalInvestigator", "proposalId", "sampleId", "instrumentId"]:
                if k in body:
                    return self.send(400, {"statusCode": 400, "message": [f"property {k} should not exist"], "error": "Bad Request"})
        else:
            required += ["principalInvestigator", "creationLocation"]
        missing = [f"{k} should not be empty" for k in required if body.get(k) in (None, "", [])]
        if body.get("type") not in ("raw", "derived"):
            missing.append("type must be one of the following values: raw, derived")
        if missing:
            return self.send(400, {"statusCode": 400, "message": missing, "error": "Bad Request"})
        body["pid"] = f"20.500.12269/{uuid.uuid4()}"
        body.setdefault("isPublished", False)
        body["createdBy"] = who.get("sub")
        DATASETS.append(body)
        return self.send(201, body)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"SCICAT_READY http://127.0.0.1:{server.server_address[1]}/api/v3", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
