"""Bearer-token checks for the loopback catalogue servers: a token is good
when the real OpenID Provider of the tests says it is active (RFC 7662
introspection with the resource-server client).

    INTROSPECT_URL=http://127.0.0.1:PORT/token/introspection
    INTROSPECT_CLIENT=test-rs INTROSPECT_SECRET=test-rs-secret
"""
import base64
import json
import os
import urllib.parse
import urllib.request


def enabled():
    return bool(os.environ.get("INTROSPECT_URL"))


def introspect(header):
    """The introspection answer for an `Authorization` header, or None."""
    if not header.startswith("Bearer "):
        return None
    basic = base64.b64encode(
        f"{os.environ.get('INTROSPECT_CLIENT', '')}:{os.environ.get('INTROSPECT_SECRET', '')}".encode()
    ).decode()
    req = urllib.request.Request(
        os.environ["INTROSPECT_URL"],
        data=urllib.parse.urlencode({"token": header[7:]}).encode(),
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        info = json.load(resp)
    return info if info.get("active") else None
