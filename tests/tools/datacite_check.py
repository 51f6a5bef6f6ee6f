"""Independent check of Panorama's DataCite export with the PyPI `datacite` package.

    python datacite_check.py DOC.json PANORAMA.xml

Validates DOC.json with the package's DataCite 4.5 JSON Schema, serialises it
with the package's own 4.5 XML writer, and compares that with PANORAMA.xml
element by element (place, tag, attributes, text; the XSD leaves their order free).
Exit 0 when valid and equal; prints the differences and exits 1 otherwise.
"""

import json
import sys

from datacite import schema45
from lxml import etree


def elements(xml_bytes):
    root = etree.fromstring(xml_bytes)
    out = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        path = "/".join(etree.QName(a).localname for a in reversed(list(el.iterancestors())))
        tag = etree.QName(el).localname
        attrs = tuple(sorted((etree.QName(k).localname, v) for k, v in el.attrib.items()
                             if etree.QName(k).localname != "schemaLocation"))
        out.append((path, tag, attrs, (el.text or "").strip()))
    # The XSD leaves the order of the resource's properties free.
    return sorted(out)


def main():
    doc = json.load(open(sys.argv[1]))
    errors = sorted(schema45.validator.iter_errors(doc), key=lambda e: list(e.path))
    ok = True
    for e in errors:
        print("schema:", "/".join(map(str, e.path)), e.message)
        ok = False
    theirs = elements(schema45.tostring(doc).encode())
    ours = elements(open(sys.argv[2], "rb").read())
    if theirs != ours:
        ok = False
        for e in theirs:
            if e not in ours:
                print("only datacite:", e)
        for e in ours:
            if e not in theirs:
                print("only panorama:", e)
    print("OK" if ok else "DIFFERENT")
    sys.exit(0 if ok else 1)


main()
