# Test peer: an OAI-PMH 2.0 data provider (pyoai BatchingServer) on loopback, with
# resumption tokens, sets, from/until, a deleted record and two metadata formats.
# Adapted from the verified recipe in the Panorama material (shared/recipes/oaipmh/serve.py).
"""OAI-PMH 2.0 data provider on loopback, built on pyoai's BatchingServer.

    pip install pyoai==2.5.0          # module name: oaipmh (needs lxml)
    PORT=9030 python serve.py

Environment:
    PORT        listen port on 127.0.0.1 (default 9030; 0 = pick a free one)
    HOST        listen address (default 127.0.0.1)
    OAI_BATCH   records per page before a resumptionToken is issued (default 10)
    OAI_COUNT   number of in-memory records (default 50; the last one is a deleted record)
Endpoint: http://HOST:PORT/oai  (GET query string or POST form, as the spec allows)
Prints "OAI_READY http://HOST:PORT/oai" once listening.

Metadata formats: oai_dc, datacite (a bare DataCite kernel-4 <resource>) and
oai_datacite as Zenodo and DataCite's own OAI-PMH provider answer it: the
<resource> inside <oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.0/">
<isReferenceQuality/><schemaVersion/><datacentreSymbol/><payload>.
Sets: physics, physics:hep (hierarchical child), chemistry, open.
"""

from __future__ import annotations

import os
import sys
import urllib.parse
import warnings
from datetime import datetime, timedelta, timezone
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # pyoai does "import cgi" (gone in 3.13)
    from oaipmh import common, error, metadata, server
    from lxml.etree import SubElement

# pyoai 2.5.0 decodes resumption tokens with cgi.parse_qs, removed in Python 3.8:
# without this every request carrying a resumptionToken answers badResumptionToken/500.
server.cgi.parse_qs = urllib.parse.parse_qs  # type: ignore[attr-defined]

NS_DATACITE = "http://datacite.org/schema/kernel-4"
SCHEMA_DATACITE = "http://schema.datacite.org/meta/kernel-4.5/metadata.xsd"
NS_OAI_DATACITE = "http://schema.datacite.org/oai/oai-1.0/"
SCHEMA_OAI_DATACITE = "http://schema.datacite.org/oai/oai-1.0/oai.xsd"
DATACENTRE = "TEST.FACILITY"
NS_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
SCHEMA_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
ID_PREFIX = "oai:test.example.org:"
EARLIEST = datetime(2024, 1, 1, 0, 0, 0)  # pyoai wants naive UTC datetimes

SETS = [
    ("physics", "Physics", []),
    ("physics:hep", "High-energy physics", []),
    ("chemistry", "Chemistry", []),
    ("open", "Open access", []),
]


def make_records(n: int) -> list[dict]:
    recs = []
    for i in range(1, n + 1):
        sets = ["physics"] if i % 2 else ["chemistry"]
        if i % 4 == 1:
            sets.append("physics:hep")
        if i % 3 == 0:
            sets.append("open")
        recs.append({
            "id": f"{ID_PREFIX}dataset/{i}",
            "doi": f"10.5072/test.{i:04d}",
            "datestamp": EARLIEST + timedelta(days=i, hours=i % 24),
            "sets": sets,
            "deleted": i == n,
            "title": f"Test dataset {i}",
            "creators": [f"Doe, Jane {i}", "Roe, Richard"],
            "publisher": "Test Facility",
            "year": str(2024 + (i % 2)),
            "subjects": ["physics" if i % 2 else "chemistry"],
            "description": f"Synthetic record number {i} for integration tests.",
            "rights": "CC-BY-4.0" if i % 3 == 0 else "restricted",
            "format": "application/x-hdf5",
        })
    return recs


def datacite_writer(element, md):
    m = md.getMap()
    r = SubElement(element, f"{{{NS_DATACITE}}}resource", nsmap={
        None: NS_DATACITE, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    r.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", f"{NS_DATACITE} {SCHEMA_DATACITE}")
    e = SubElement(r, f"{{{NS_DATACITE}}}identifier", identifierType="DOI")
    e.text = m["doi"]
    creators = SubElement(r, f"{{{NS_DATACITE}}}creators")
    for c in m["creators"]:
        SubElement(SubElement(creators, f"{{{NS_DATACITE}}}creator"), f"{{{NS_DATACITE}}}creatorName").text = c
    SubElement(SubElement(r, f"{{{NS_DATACITE}}}titles"), f"{{{NS_DATACITE}}}title").text = m["title"]
    SubElement(r, f"{{{NS_DATACITE}}}publisher").text = m["publisher"]
    SubElement(r, f"{{{NS_DATACITE}}}publicationYear").text = m["year"]
    subjects = SubElement(r, f"{{{NS_DATACITE}}}subjects")
    for s in m["subjects"]:
        SubElement(subjects, f"{{{NS_DATACITE}}}subject").text = s
    SubElement(r, f"{{{NS_DATACITE}}}resourceType", resourceTypeGeneral="Dataset").text = "HDF5 data"
    SubElement(SubElement(r, f"{{{NS_DATACITE}}}formats"), f"{{{NS_DATACITE}}}format").text = m["format"]
    SubElement(SubElement(r, f"{{{NS_DATACITE}}}rightsList"), f"{{{NS_DATACITE}}}rights").text = m["rights"]
    d = SubElement(SubElement(r, f"{{{NS_DATACITE}}}descriptions"), f"{{{NS_DATACITE}}}description",
                   descriptionType="Abstract")
    d.text = m["description"]


def oai_datacite_writer(element, md):
    """The DataCite OAI wrapper (oai-1.0) around the kernel-4 <resource>."""
    w = SubElement(element, f"{{{NS_OAI_DATACITE}}}oai_datacite", nsmap={
        None: NS_OAI_DATACITE, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    w.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", f"{NS_OAI_DATACITE} {SCHEMA_OAI_DATACITE}")
    SubElement(w, f"{{{NS_OAI_DATACITE}}}isReferenceQuality").text = "true"
    SubElement(w, f"{{{NS_OAI_DATACITE}}}schemaVersion").text = "4.5"
    SubElement(w, f"{{{NS_OAI_DATACITE}}}datacentreSymbol").text = DATACENTRE
    datacite_writer(SubElement(w, f"{{{NS_OAI_DATACITE}}}payload"), md)


PREFIXES = ("oai_dc", "oai_datacite", "datacite")


class InMemoryOAI:
    """IBatchingOAI implementation over a list of dicts."""

    def __init__(self, records: list[dict], base_url: str):
        self.records = records
        self.by_id = {r["id"]: r for r in records}
        self.base_url = base_url
        self._selected = {}

    def identify(self):
        return common.Identify(
            repositoryName="Test OAI-PMH repository",
            baseURL=self.base_url,
            protocolVersion="2.0",
            adminEmails=["admin@example.org"],
            earliestDatestamp=min(r["datestamp"] for r in self.records),
            deletedRecord="persistent",
            granularity="YYYY-MM-DDThh:mm:ssZ",
            compression=["identity"],
        )

    def listMetadataFormats(self, identifier=None):
        if identifier is not None and identifier not in self.by_id:
            raise error.IdDoesNotExistError(identifier)
        return [("oai_dc", SCHEMA_OAI_DC, NS_OAI_DC),
                ("oai_datacite", SCHEMA_OAI_DATACITE, NS_OAI_DATACITE),
                ("datacite", SCHEMA_DATACITE, NS_DATACITE)]

    def listSets(self, cursor=0, batch_size=10):
        return SETS[cursor:cursor + batch_size]

    def _header(self, r):
        return common.Header(None, r["id"], r["datestamp"], r["sets"], r["deleted"])

    def _metadata(self, r, prefix):
        if prefix == "oai_dc":
            return common.Metadata(None, {
                "title": [r["title"]], "creator": r["creators"], "subject": r["subjects"],
                "description": [r["description"]], "publisher": [r["publisher"]],
                "date": [r["year"]], "type": ["Dataset"], "format": [r["format"]],
                "identifier": [f"https://doi.org/{r['doi']}"], "rights": [r["rights"]],
            })
        return common.Metadata(None, r)

    def _check_prefix(self, prefix):
        if prefix not in PREFIXES:
            raise error.CannotDisseminateFormatError(prefix)

    def _select(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        self._check_prefix(metadataPrefix)
        if set is not None and set not in {s[0] for s in SETS}:
            raise error.NoRecordsMatchError(f"no such set {set}")
        # Each page of a harvest asks again with a later cursor: the selection is kept.
        key = (set, from_, until)
        out = self._selected.get(key)
        if out is None:
            out = [r for r in self.records
                   if (set is None or any(s == set or s.startswith(set + ":") for s in r["sets"]))
                   and (from_ is None or r["datestamp"] >= from_)
                   and (until is None or r["datestamp"] <= until)]
            if len(self._selected) > 64:
                self._selected.clear()
            self._selected[key] = out
        if not out:
            raise error.NoRecordsMatchError("no records match")
        return out[int(cursor):int(cursor) + int(batch_size)]

    def listIdentifiers(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        return [self._header(r) for r in self._select(metadataPrefix, set, from_, until, cursor, batch_size)]

    def listRecords(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        return [(self._header(r), None if r["deleted"] else self._metadata(r, metadataPrefix), None)
                for r in self._select(metadataPrefix, set, from_, until, cursor, batch_size)]

    def getRecord(self, metadataPrefix, identifier):
        self._check_prefix(metadataPrefix)
        r = self.by_id.get(identifier)
        if r is None:
            raise error.IdDoesNotExistError(identifier)
        return self._header(r), None if r["deleted"] else self._metadata(r, metadataPrefix), None


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def make_app(oai_server):
    def app(environ, start_response):
        if environ.get("PATH_INFO", "") not in ("/oai", "/oai/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"OAI-PMH endpoint is /oai\n"]
        qs = environ.get("QUERY_STRING", "")
        if environ["REQUEST_METHOD"] == "POST":
            n = int(environ.get("CONTENT_LENGTH") or 0)
            qs = environ["wsgi.input"].read(n).decode("utf-8")
        # keep_blank_values so "verb=" gives badVerb, not a missing verb; repeated args -> badArgument
        pairs = urllib.parse.parse_qsl(qs, keep_blank_values=True)
        kw = dict(pairs)
        if len(kw) != len(pairs):
            kw = {"verb": kw.get("verb", ""), "__repeated__": "x"}  # pyoai then answers badArgument
        body = oai_server.handleRequest(kw)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    return app


def main():
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "9030"))
    batch = int(os.environ.get("OAI_BATCH", "10"))
    count = int(os.environ.get("OAI_COUNT", "50"))
    registry = metadata.MetadataRegistry()
    registry.registerWriter("oai_dc", server.oai_dc_writer)
    registry.registerWriter("oai_datacite", oai_datacite_writer)
    registry.registerWriter("datacite", datacite_writer)
    httpd = make_server(host, port, lambda e, s: app(e, s), server_class=ThreadingWSGIServer,
                        handler_class=QuietHandler)
    base_url = f"http://{host}:{httpd.server_port}/oai"
    oai = server.BatchingServer(InMemoryOAI(make_records(count), base_url), metadata_registry=registry,
                                resumption_batch_size=batch)
    app = make_app(oai)
    print(f"OAI_READY {base_url}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
