"""A loopback server speaking SciCat's dataset search over real example
datasets (tests/fixtures/scicat/), anonymous (public datasets) or with
`Authorization: Bearer TOKEN` (all):

- v3: GET /api/v3/Datasets/fullquery?fields=&limits=, /Datasets/fullfacet?fields=&facets=
  (the total and a count per value of each facet), and
  GET /api/v3/Datasets/{pid}/origdatablocks (pid URL-encoded);
- v4 (same host, /api/v4): GET /api/v4/datasets?filter={"where": …,
  "limits": {"limit": N, "skip": M, "sort": {"creationTime": "desc"}}}
  (`where` supports {"$text": {"$search": "words"}}, plain equality and
  {"$and": [...]}), and GET /api/v4/origdatablocks?filter={"where": {"datasetId": PID}};
  a filter that is not a JSON object is 400.
- published data (DOIs minted for datasets): GET /api/v3/PublishedData?filter=
  and GET /api/v4/publisheddata?filter=, with {"where": {"$text": …}} as above,
  over the recorded panosc-mock and testdata records.

v4 answers the same datasets in v4's field names (as testdata/RawCorrectV4.json
against RawCorrectGet.json: principalInvestigator, proposalId, sampleId and
instrumentId become the lists principalInvestigators, proposalIds, sampleIds
and instrumentIds), plus RawCorrectV4.json itself, published, with a pid.

The recorded datasets come without file lists, so each gets one origdatablock
(v3 and v4 alike) built from the real testdata/OrigDataBlockCorrect1.json (its
dataFileList, with md5 checksums added, and datasetId set to the dataset's pid),
plus, with EXTRA_FILE=name.nxs, one more file of that name. Datasets hidden from
the caller, and unknown pids, are 404 with SciCat's error JSON on v3 and an
empty list on v4.

    TOKEN=secret python scicat_serve.py   # prints "SCICAT_READY http://127.0.0.1:PORT/api/v3"

The full query's `fields` are read as SciCat reads them (v3 /Datasets/fullquery
and v4 /datasets/fullquery, /fullfacet alike): `text`, `creationTime`
{begin, end}, and `scientific` conditions {lhs, relation, rhs, unit} with
SciCat's relations (EQUAL_TO_NUMERIC, EQUAL_TO_STRING, GREATER_THAN,
LESS_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN_OR_EQUAL, RANGE): with a unit, rhs
is converted to SI (pint here, mathjs there) and compared with the recorded
`valueSI` of a `unitSI` of the same dimension; without, with `value`. An
unknown relation or unit is 400, as SciCat answers.

GET /api/v3/Datasets?filter={"where": …, "limit": N} lists datasets as v4's
/datasets does (a list field such as inputDatasets matches a value it holds).
With DERIVED=1 the recorded derived example is added, published, made from
the first dataset.

PATCH /api/v3/Datasets/{pid} (and /api/v4/datasets/{pid}) updates one; GET
/api/v3/Datasets/{pid} reads one back.
POST /api/v3/Datasets (and /api/v4/datasets, with v4's list fields) creates a dataset when the bearer token is active at the
OpenID Provider named by INTROSPECT_URL (see oidc_guard.py) and the body has
what SciCat's create DTOs require (raw: owner, contactEmail, sourceFolder,
creationTime, type, ownerGroup, principalInvestigator, creationLocation;
derived: investigator, inputDatasets, usedSoftware instead of the last two);
otherwise 401, or 400 with SciCat's messages.
"""
import uuid

import oidc_guard
import pint
import json
import os
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "scicat")
DATASETS = json.load(open(os.path.join(HERE, "v3-Datasets-find.response.json")))
# One dataset is private: only a signed-in client sees it.
DATASETS[-1]["isPublished"] = False
# With DERIVED=1, SciCat's own derived example (testdata/DerivedCorrect.json),
# published, made from the first dataset: lineage in both directions.
if os.environ.get("DERIVED") == "1":
    DATASETS.append(dict(json.load(open(os.path.join(HERE, "testdata", "DerivedCorrect.json"))),
                         pid="20.500.12269/scicat-testdata-derived", isPublished=True,
                         inputDatasets=[DATASETS[0]["pid"]]))
TOKEN = os.environ.get("TOKEN", "")
PUBLISHED = [
    json.load(open(os.path.join(HERE, "panosc-mock", "v3-PublishedData-findById.response.json"))),
    dict(json.load(open(os.path.join(HERE, "testdata", "PublishedData.json"))), doi="10.5072/scicat-testdata-published"),
]
_BLOCK = json.load(open(os.path.join(HERE, "testdata", "OrigDataBlockCorrect1.json")))
# v4's own example record, published so that anonymous v4 searches see it too.
V4_ONLY = [dict(json.load(open(os.path.join(HERE, "testdata", "RawCorrectV4.json"))),
                pid="20.500.12269/scicat-testdata-raw-correct-v4", isPublished=True)]
# v3 single values and the v4 lists that replace them.
V3_TO_V4 = {"principalInvestigator": "principalInvestigators", "proposalId": "proposalIds",
            "sampleId": "sampleIds", "instrumentId": "instrumentIds"}


def to_v4(ds):
    """A dataset in v4's field names; one already in v4's shape is left as it is."""
    out = dict(ds)
    for one, many in V3_TO_V4.items():
        if one in out:
            value = out.pop(one)
            if many not in out:
                out[many] = [] if value in (None, "") else [value]
    return out


def v4_datasets(signed_in):
    return [to_v4(d) for d in DATASETS + V4_ONLY if signed_in or d.get("isPublished")]


def v4_filter(qs):
    """The filter of a v4 request, or None when it is not a JSON object."""
    try:
        flt = json.loads(qs.get("filter", ["{}"])[0])
    except json.JSONDecodeError:
        return None
    if not isinstance(flt, dict) or not isinstance(flt.get("where") or {}, dict) \
            or not isinstance(flt.get("limits") or {}, dict):
        return None
    return flt


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
    if not isinstance(where or {}, dict):
        raise ValueError("a where clause must be an object")
    for key, want in (where or {}).items():
        if key == "$and":
            if not isinstance(want, list):
                raise ValueError("$and takes a list")
            if not all(matches(ds, w) for w in want):
                return False
        elif key == "$text":
            if not isinstance(want, dict) or not isinstance(want.get("$search", ""), str):
                raise ValueError('$text takes {"$search": "words"}')
            text = json.dumps(ds).lower()
            if not all(w in text for w in want.get("$search", "").lower().split()):
                return False
        elif key.startswith("$"):
            raise ValueError(f"unsupported operator {key}")
        else:
            have = ds.get(key)
            # As in MongoDB, a value matches a list field that holds it.
            if have != want and not (isinstance(have, list) and not isinstance(want, list) and want in have):
                return False
    return True


UREG = pint.UnitRegistry()
RELATIONS = {
    "EQUAL_TO_NUMERIC": lambda v, r: v == r,
    "GREATER_THAN": lambda v, r: v > r,
    "LESS_THAN": lambda v, r: v < r,
    "GREATER_THAN_OR_EQUAL": lambda v, r: v >= r,
    "LESS_THAN_OR_EQUAL": lambda v, r: v <= r,
    "RANGE": lambda v, r: r[0] <= v <= r[1],
}


def to_si(value, unit):
    """(value in SI base units, its dimensionality), as SciCat's convertToSI."""
    q = UREG.Quantity(value, unit).to_base_units()
    return q.magnitude, q.dimensionality


def condition_holds(ds, c):
    """One scientific condition, as SciCat's full query builds it."""
    lhs, relation, rhs, unit = c.get("lhs"), c.get("relation"), c.get("rhs"), c.get("unit") or ""
    entry = (ds.get("scientificMetadata") or {}).get(lhs)
    if relation == "EQUAL_TO_STRING":
        return isinstance(entry, dict) and entry.get("value") == rhs
    if relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation}")
    if not isinstance(entry, dict):
        return False
    if relation == "RANGE":
        if not (isinstance(rhs, list) and len(rhs) == 2):
            raise ValueError("RANGE takes [min, max]")
    if not unit:
        value = entry.get("value")
        return isinstance(value, (int, float)) and RELATIONS[relation](value, rhs)
    try:
        if relation == "RANGE":
            (lo, dim), (hi, _) = to_si(rhs[0], unit), to_si(rhs[1], unit)
            want = [lo, hi]
        else:
            want, dim = to_si(rhs, unit)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError) as e:
        raise ValueError(f"unit {unit}: {e}")
    value_si, unit_si = entry.get("valueSI"), entry.get("unitSI")
    if not isinstance(value_si, (int, float)) or unit_si is None:
        return False
    try:
        same = UREG.Quantity(1, unit_si).dimensionality == dim
    except pint.errors.PintError:
        return False
    close = lambda a, b: abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    if relation == "EQUAL_TO_NUMERIC":
        return same and close(value_si, want)
    return same and RELATIONS[relation](value_si, want)


def full_query_rows(rows, fields):
    """The rows a full query's `fields` keep (text, creationTime, scientific)."""
    text = (fields.get("text") or "").lower()
    if text:
        rows = [d for d in rows if all(w in json.dumps(d).lower() for w in text.split())]
    when = fields.get("creationTime")
    if when:
        begin, end = when.get("begin", ""), when.get("end", "\uffff")
        rows = [d for d in rows if begin <= (d.get("creationTime") or "") <= end]
    for c in fields.get("scientific") or []:
        rows = [d for d in rows if condition_holds(d, c)]
    return rows


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
        # One dataset by PID, for an account the identity provider vouches for.
        one = u.path.startswith("/api/v3/Datasets/") and u.path.count("/") >= 4 \
            and not u.path.endswith(("/origdatablocks", "/fullquery", "/fullfacet"))
        if one and oidc_guard.enabled():
            if oidc_guard.introspect(auth) is None:
                return self.send(401, {"statusCode": 401, "message": "Unauthorized"})
            pid = urllib.parse.unquote(u.path[len("/api/v3/Datasets/"):])
            found = [d for d in DATASETS if d.get("pid") == pid]
            if not found:
                return self.send(404, {"statusCode": 404, "message": f"Dataset {pid} not found"})
            return self.send(200, found[0])
        if auth and auth != f"Bearer {TOKEN}":
            return self.send(401, {"statusCode": 401, "message": "Unauthorized"})
        signed_in = bool(TOKEN) and auth == f"Bearer {TOKEN}"
        visible = [d for d in DATASETS if signed_in or d.get("isPublished")]
        if u.path.startswith("/api/v3/Datasets/") and u.path.endswith("/origdatablocks"):
            pid = urllib.parse.unquote(u.path[len("/api/v3/Datasets/"):-len("/origdatablocks")])
            found = [d for d in visible + [d for d in V4_ONLY if signed_in or d.get("isPublished")]
                     if d.get("pid") == pid]
            if not found:
                return self.send(404, {"statusCode": 404, "message": f"Dataset {pid} not found",
                                       "error": "Not Found"})
            return self.send(200, [block_for(found[0])])
        if u.path in ("/api/v4/datasets", "/api/v4/origdatablocks"):
            flt = v4_filter(qs)
            if flt is None:
                return self.send(400, {"statusCode": 400, "message": "filter must be a JSON object",
                                       "error": "Bad Request"})
            where = flt.get("where") or {}
            rows = v4_datasets(signed_in)
            if u.path == "/api/v4/origdatablocks":
                return self.send(200, [block_for(d) for d in rows if matches(d, {"pid": where.get("datasetId")})])
            try:
                rows = [d for d in rows if matches(d, where)]
            except ValueError as e:
                return self.send(400, {"statusCode": 400, "message": str(e), "error": "Bad Request"})
            limits = flt.get("limits") or {}
            sort = limits.get("sort") or {}
            if not isinstance(sort, dict):
                return self.send(400, {"statusCode": 400, "message": 'limits.sort must be {"field": "asc|desc"}',
                                       "error": "Bad Request"})
            for key, order in reversed(list(sort.items())):
                present = [d for d in rows if d.get(key) is not None]
                absent = [d for d in rows if d.get(key) is None]
                present.sort(key=lambda d: str(d[key]), reverse=str(order).lower() in ("desc", "-1"))
                rows = present + absent
            try:
                skip, limit = int(limits.get("skip", 0)), int(limits.get("limit", 100))
            except (TypeError, ValueError):
                return self.send(400, {"statusCode": 400, "message": "limits.skip and limits.limit must be numbers",
                                       "error": "Bad Request"})
            return self.send(200, rows[skip:skip + limit])
        if u.path == "/api/v3/Datasets":
            # Loopback 3's filter: `where` (as v4's) and `limit`/`skip` beside it.
            flt = v4_filter(qs)
            if flt is None:
                return self.send(400, {"error": {"statusCode": 400, "message": "filter must be a JSON object"}})
            try:
                rows = [d for d in visible if matches(d, flt.get("where") or {})]
                skip, limit = int(flt.get("skip", 0)), int(flt.get("limit", 100))
            except (TypeError, ValueError) as e:
                return self.send(400, {"error": {"statusCode": 400, "message": str(e)}})
            return self.send(200, rows[skip:skip + limit])
        if u.path in ("/api/v3/PublishedData", "/api/v4/publisheddata"):
            try:
                flt = json.loads(qs.get("filter", ["{}"])[0])
            except json.JSONDecodeError:
                return self.send(400, {"statusCode": 400, "message": "filter must be JSON", "error": "Bad Request"})
            if not isinstance(flt, dict):
                return self.send(400, {"statusCode": 400, "message": "filter must be a JSON object", "error": "Bad Request"})
            try:
                return self.send(200, [p for p in PUBLISHED if matches(p, flt.get("where") or {})])
            except ValueError as e:
                return self.send(400, {"statusCode": 400, "message": str(e), "error": "Bad Request"})
        v4_full = u.path in ("/api/v4/datasets/fullquery", "/api/v4/datasets/fullfacet")
        full_rows = v4_datasets(signed_in) if v4_full else visible
        if u.path in ("/api/v3/Datasets/fullquery", "/api/v4/datasets/fullquery"):
            try:
                fields = json.loads(qs.get("fields", ["{}"])[0])
                limits = json.loads(qs.get("limits", ["{}"])[0])
            except json.JSONDecodeError:
                return self.send(400, {"statusCode": 400, "message": "fields and limits must be JSON"})
            try:
                rows = full_query_rows(full_rows, fields)
            except ValueError as e:
                return self.send(400, {"statusCode": 400, "message": str(e), "error": "Bad Request"})
            skip, limit = int(limits.get("skip", 0)), int(limits.get("limit", 100))
            return self.send(200, rows[skip:skip + limit])
        if u.path in ("/api/v3/Datasets/fullfacet", "/api/v4/datasets/fullfacet"):
            # SciCat's answer: one object with the total and a count per value of each facet.
            try:
                fields = json.loads(qs.get("fields", ["{}"])[0])
                facets = json.loads(qs.get("facets", ['["type","keywords"]'])[0])
            except json.JSONDecodeError:
                return self.send(400, {"statusCode": 400, "message": "fields and facets must be JSON"})
            try:
                rows = full_query_rows(full_rows, fields)
            except ValueError as e:
                return self.send(400, {"statusCode": 400, "message": str(e), "error": "Bad Request"})
            out = {"all": [{"totalSets": len(rows)}]}
            for f in facets:
                counts = {}
                for d in rows:
                    values = d.get(f)
                    for v in values if isinstance(values, list) else [values]:
                        if v is not None:
                            counts[v] = counts.get(v, 0) + 1
                out[f] = [{"_id": k, "count": n} for k, n in sorted(counts.items(), key=lambda kv: -kv[1])]
            return self.send(200, [out])
        return self.send(404, {"statusCode": 404, "message": "Not Found"})

    def signed_in_body(self):
        """The account the provider vouches for and the JSON body; (None,
        None) once a 401 or 400 has been answered."""
        who = oidc_guard.introspect(self.headers.get("Authorization", "")) if oidc_guard.enabled() else None
        if who is None:
            self.send(401, {"statusCode": 401, "message": "Unauthorized"})
            return None, None
        length = int(self.headers.get("Content-Length", "0"))
        try:
            return who, json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self.send(400, {"statusCode": 400, "message": "Invalid JSON", "error": "Bad Request"})
            return None, None

    def do_POST(self):
        u = urllib.parse.urlparse(self.path)
        if u.path not in ("/api/v3/Datasets", "/api/v4/datasets"):
            return self.send(404, {"statusCode": 404, "message": "Not Found"})
        v4 = u.path == "/api/v4/datasets"
        who, body = self.signed_in_body()
        if body is None:
            return
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

    def do_PATCH(self):
        # PATCH /api/v3/Datasets/{pid} and /api/v4/datasets/{pid} (pid
        # URL-encoded): the fields sent replace the dataset's own.
        u = urllib.parse.urlparse(self.path)
        pid = None
        for prefix in ("/api/v3/Datasets/", "/api/v4/datasets/"):
            if u.path.startswith(prefix):
                pid = urllib.parse.unquote(u.path[len(prefix):])
        if not pid:
            return self.send(404, {"statusCode": 404, "message": "Not Found"})
        who, body = self.signed_in_body()
        if body is None:
            return
        for d in DATASETS:
            if d.get("pid") == pid:
                body.pop("pid", None)
                d.update(body)
                d["updatedBy"] = who.get("sub")
                return self.send(200, d)
        return self.send(404, {"statusCode": 404, "message": f"Dataset {pid} not found"})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"SCICAT_READY http://127.0.0.1:{server.server_address[1]}/api/v3", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
