"""A loopback server speaking SciCat's v3 dataset search over real example
datasets (tests/fixtures/scicat/): GET /api/v3/Datasets/fullquery?fields=&limits=,
anonymous (public datasets) or with `Authorization: Bearer TOKEN` (all).

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
