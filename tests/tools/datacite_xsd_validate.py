#!/usr/bin/env python3
"""Validate DataCite kernel-4 XML files against a local copy of the official XSD.

Usage:
    python datacite_xsd_validate.py --xsd-dir DIR FILE.xml [FILE.xml ...]

DIR is a folder holding the official ``metadata.xsd`` and its ``include/``
folder (``include/xml.xsd``, ``include/datacite-*-v4.xsd``), e.g. the
``tests/data/4.5`` folder of the ``datacite`` 1.4.0 sdist on PyPI.

Everything runs offline: lxml's network access is switched off, and a
resolver maps the well-known remote locations (w3.org's xml.xsd,
schema.datacite.org/meta/kernel-4*/...) onto the files in DIR, so a
schema copy that points at those URLs still loads without a network.
Any other remote reference makes loading fail instead of going online.

Prints one line per file: "FILE: valid" or "FILE: invalid" followed by the
errors (line:column: message). Exit status: 0 all valid, 1 any invalid or
unparsable file, 2 usage/schema problems.
"""
import argparse
import os
import sys

from lxml import etree

DATACITE_NS = "http://datacite.org/schema/kernel-4"


class LocalResolver(etree.Resolver):
    """Map remote schema URLs to files in the local XSD folder."""

    def __init__(self, xsd_dir):
        super().__init__()
        self.xsd_dir = os.path.abspath(xsd_dir)
        self.include_dir = os.path.join(self.xsd_dir, "include")

    def _local(self, url):
        if not url.startswith(("http://", "https://")):
            return None  # local file paths are resolved by libxml2 itself
        name = url.rstrip("/").rsplit("/", 1)[-1]
        # W3C xml namespace schema (xml.xsd), however it is referenced
        if name == "xml.xsd" or url.rstrip("/").endswith("XML/1998/namespace"):
            cand = os.path.join(self.include_dir, "xml.xsd")
            return cand if os.path.isfile(cand) else None
        # schema.datacite.org/meta/kernel-4[.x]/metadata.xsd or include/*.xsd
        if "schema.datacite.org/meta/kernel-4" in url:
            if "/include/" in url:
                cand = os.path.join(self.include_dir, name)
            else:
                cand = os.path.join(self.xsd_dir, name)
            return cand if os.path.isfile(cand) else None
        return None

    def resolve(self, url, pubid, context):
        path = self._local(url) if url else None
        if path:
            return self.resolve_filename(path, context)
        return None  # fall through; network is disabled, so remote refs fail


def make_parser(xsd_dir):
    parser = etree.XMLParser(
        no_network=True,       # never fetch anything over the network
        resolve_entities=False,
        load_dtd=False,
        huge_tree=False,
    )
    parser.resolvers.add(LocalResolver(xsd_dir))
    return parser


def load_schema(xsd_dir, schema_name="metadata.xsd"):
    path = os.path.join(xsd_dir, schema_name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no {schema_name} in {xsd_dir}")
    doc = etree.parse(path, make_parser(xsd_dir))
    return etree.XMLSchema(doc)


def validate_file(schema, parser, path):
    """Return a list of error strings (empty list means valid)."""
    try:
        doc = etree.parse(path, parser)
    except (etree.XMLSyntaxError, OSError) as exc:
        return [f"not well-formed XML: {exc}"]
    errors = []
    root = doc.getroot()
    if root.tag != f"{{{DATACITE_NS}}}resource":
        errors.append(
            f"root element is {root.tag!r}, expected {{{DATACITE_NS}}}resource"
        )
    if not schema.validate(doc):
        for e in schema.error_log:
            errors.append(f"{e.line}:{e.column}: {e.message}")
    return errors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--xsd-dir", required=True,
                    help="folder with metadata.xsd and include/*.xsd")
    ap.add_argument("--schema-file", default="metadata.xsd",
                    help="root XSD file name inside --xsd-dir (default: metadata.xsd)")
    ap.add_argument("files", nargs="+", metavar="FILE.xml")
    args = ap.parse_args(argv)

    try:
        schema = load_schema(args.xsd_dir, args.schema_file)
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        print(f"error: cannot load schema from {args.xsd_dir}: {exc}", file=sys.stderr)
        return 2

    parser = make_parser(args.xsd_dir)
    bad = 0
    for path in args.files:
        errors = validate_file(schema, parser, path)
        if errors:
            bad += 1
            print(f"{path}: invalid")
            for msg in errors:
                print(f"  {msg}")
        else:
            print(f"{path}: valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
