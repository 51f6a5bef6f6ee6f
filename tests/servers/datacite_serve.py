"""A loopback server speaking the DataCite REST API (api.datacite.org) over
real recorded answers (tests/fixtures/datacite/dois-*.json, each a
`GET /dois/{doi}` answer).

    MODE=ok|slow|error SLOW=3 python datacite_serve.py
Prints "DATACITE_READY http://127.0.0.1:PORT" once listening.

GET /dois?query=TEXT&page[size]=N&page[number]=M: JSON:API list
{"data": [...], "meta": {"total", "totalPages", "page"}, "links": {"self", "next"}}
of the records that match TEXT as DataCite reads its query (an Elasticsearch
query string: every free word in the attributes, case-insensitive, and
fields by their paths, `publicationYear:[2015 TO *]`; an empty query matches
all; one that does not parse is 400); page[size] defaults to 25 (1..1000), page[number]
to 1; "next" only when there is a next page; a page that is not a number is 400.
GET /dois/{doi} (raw or URL-encoded slash, any case): the record, or DataCite's 404.
MODE=slow waits SLOW seconds (default 3) before every answer; MODE=error answers 500.
"""
import glob
import json

import lucene_match
import os
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "datacite")
RECORDS = {}
for path in sorted(glob.glob(os.path.join(HERE, "dois-*.json"))):
    with open(path) as fh:
        rec = json.load(fh)
    RECORDS[rec["data"]["attributes"]["doi"].lower()] = rec
MODE = os.environ.get("MODE", "ok")
SLOW = float(os.environ.get("SLOW", "3"))
NOT_FOUND = {"errors": [{"status": "404", "title": "The resource you are looking for doesn't exist."}]}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/vnd.api+json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if MODE == "slow":
            time.sleep(SLOW)
        if MODE == "error":
            return self.send(500, {"errors": [{"status": "500", "title": "Internal Server Error"}]})
        u = urllib.parse.urlparse(self.path)
        qs = urllib.parse.parse_qs(u.query)
        if u.path.rstrip("/") == "/dois":
            query = qs.get("query", [""])[0]
            try:
                size = max(1, min(1000, int(qs.get("page[size]", ["25"])[0])))
                number = max(1, int(qs.get("page[number]", ["1"])[0]))
            except ValueError:
                return self.send(400, {"errors": [{"status": "400", "title": "page[size] and page[number] must be numbers"}]})
            try:
                hits = [r["data"] for r in RECORDS.values()
                        if lucene_match.query_holds(
                            query, lambda f, a=r["data"]["attributes"]: lucene_match.dotted(a, f),
                            json.dumps(r["data"]["attributes"]).lower())]
            except lucene_match.ParseError as e:
                return self.send(400, {"errors": [{"status": "400", "title": f"Invalid query: {e}"}]})
            pages = max(1, -(-len(hits) // size))
            base = f"http://{self.headers.get('Host') or '127.0.0.1'}/dois?"

            def link(n):
                return base + urllib.parse.urlencode({"page[number]": n, "page[size]": size, "query": query})
            body = {
                "data": hits[(number - 1) * size:number * size],
                "meta": {"total": len(hits), "totalPages": pages, "page": number},
                "links": {"self": link(number)},
            }
            if number < pages:
                body["links"]["next"] = link(number + 1)
            return self.send(200, body)
        if u.path.startswith("/dois/"):
            doi = urllib.parse.unquote(u.path[len("/dois/"):]).lower()
            rec = RECORDS.get(doi)
            return self.send(200, rec) if rec else self.send(404, NOT_FOUND)
        return self.send(404, NOT_FOUND)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"DATACITE_READY http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
