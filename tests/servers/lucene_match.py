"""Records matched against an Elasticsearch query string, as InvenioRDM's
`q` and DataCite's `query` are read: parsed by luqum (a Lucene query-syntax
parser), then free words looked for in the record's text and `field:value`,
`field:"a phrase"`, `field:[a TO b]` (`*` for an open end, `{}` excluding)
compared with the record's values of that field. Words side by side must all
match, as both services' default operator."""
import json

from luqum.exceptions import ParseError
from luqum.parser import parser
from luqum.tree import (AndOperation, FieldGroup, Group, Not, OrOperation, Phrase, Plus,
                        Prohibit, Range, SearchField, UnknownOperation, Word)

__all__ = ["ParseError", "query_holds"]


def _same(have, want):
    if want == "*":
        return True
    if isinstance(have, (int, float)) and not isinstance(have, bool):
        try:
            return float(want) == have
        except ValueError:
            return False
    return str(have).lower() == want.lower()


def _number_or_text(v):
    try:
        return float(v)
    except ValueError:
        return v


def _in_range(have, node):
    low, high = node.low.value, node.high.value
    h = have if isinstance(have, (int, float)) and not isinstance(have, bool) else str(have)
    for end, incl, above in ((low, node.include_low, True), (high, node.include_high, False)):
        if end == "*":
            continue
        e = _number_or_text(end)
        if isinstance(h, float) != isinstance(e, float) and not (isinstance(h, int) and isinstance(e, float)):
            h2, e2 = str(h), str(end)
        else:
            h2, e2 = h, e
        if above and (h2 < e2 or (h2 == e2 and not incl)):
            return False
        if not above and (h2 > e2 or (h2 == e2 and not incl)):
            return False
    return True


def _holds(values, text, node, field):
    if isinstance(node, SearchField):
        return _holds(values, text, node.expr, node.name)
    if isinstance(node, (Group, FieldGroup)):
        return _holds(values, text, node.expr, field)
    if isinstance(node, (AndOperation, UnknownOperation)):
        return all(_holds(values, text, c, field) for c in node.children)
    if isinstance(node, OrOperation):
        return any(_holds(values, text, c, field) for c in node.children)
    if isinstance(node, (Not, Prohibit)):
        return not _holds(values, text, node.a, field)
    if isinstance(node, Plus):
        return _holds(values, text, node.a, field)
    if isinstance(node, Range):
        return field is not None and any(_in_range(v, node) for v in values(field))
    if isinstance(node, (Word, Phrase)):
        want = node.value.strip('"')
        if field is None:
            return all(w in text for w in want.lower().split())
        return any(_same(v, want) for v in values(field))
    raise ParseError(f"unsupported query part {node!r}")


def query_holds(q, values, text):
    """Whether a record matches query string `q`: `values(field)` lists the
    record's values of a field, `text` is its text in lower case."""
    if not q.strip():
        return True
    return _holds(values, text, parser.parse(q), None)


def dotted(obj, name):
    """The values at a dotted path of a JSON object (lists flattened)."""
    out = [obj]
    for part in name.split("."):
        nxt = []
        for o in out:
            v = o.get(part) if isinstance(o, dict) else None
            if isinstance(v, list):
                nxt.extend(v)
            elif v is not None:
                nxt.append(v)
        out = nxt
    return [v for v in out if not isinstance(v, (dict, list))]


def text_of(obj):
    return json.dumps(obj).lower()
