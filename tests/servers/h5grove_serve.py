# Test peer: h5grove 4 over FastAPI on loopback, with an optional bearer-token gate
# and a guard against paths outside the served folder.
# Adapted from the verified recipe in the Panorama material (shared/recipes/h5grove/serve.py).
"""Serve a directory of HDF5 files with h5grove 4.x (FastAPI router) on loopback.

    pip install 'h5grove[fastapi]' h5py numpy      # 'fastapi' extra pulls pydantic-settings + uvicorn
    H5_DIR=./data PORT=9020 TOKEN=secret python serve.py
    python serve.py --make-sample ./data           # write ./data/sample.h5, then exit

Environment:
    H5_DIR   directory served; ?file= is relative to it (default: current directory)
    PORT     listen port on 127.0.0.1 (default 9020; 0 = pick a free one, printed on stdout)
    HOST     listen address (default 127.0.0.1)
    TOKEN    if set, every request needs "Authorization: Bearer <TOKEN>" (401 otherwise)
    INTROSPECT_URL   if set, bearer tokens are checked at this OAuth 2.0 introspection
                     endpoint (RFC 7662) with INTROSPECT_CLIENT / INTROSPECT_SECRET (HTTP Basic):
                     an inactive or missing token gets 401
    ENTITLEMENT      with INTROSPECT_URL: the entitlement a token must carry (403 otherwise)
    MAX_TOKEN_AGE    with INTROSPECT_URL: refuse (401) tokens issued more than this many seconds ago
Prints "H5GROVE_READY http://HOST:PORT" once listening.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import socket
import time
import sys
from pathlib import Path


def make_sample(directory: str) -> Path:
    import h5py
    import numpy as np

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    path = d / "sample.h5"
    with h5py.File(path, "w") as f:
        f.attrs["title"] = "h5grove sample"
        f.attrs["version"] = np.int32(3)
        g = f.create_group("entry")
        g.attrs["NX_class"] = "NXentry"
        g.create_dataset("counts", data=np.arange(100, dtype="<i4"))
        g.create_dataset("image", data=np.arange(12, dtype="<f8").reshape(3, 4))
        g.create_dataset("big_endian", data=np.arange(4, dtype=">i2"))
        g.create_dataset("half", data=np.array([0.5, 1.5], dtype="<f2"))
        g.create_dataset("scalar", data=np.float64(3.25))
        g.create_dataset("label", data="hello")
        g["counts"].attrs["units"] = "counts"
        g["link_to_counts"] = h5py.SoftLink("/entry/counts")
    return path


def build_app(base_dir: str, token: str | None):
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from h5grove.fastapi_utils import router, settings

    settings.base_dir = str(Path(base_dir).resolve())
    root = Path(settings.base_dir)
    app = FastAPI(title="h5grove test server")

    introspect_url = os.environ.get("INTROSPECT_URL")
    entitlement = os.environ.get("ENTITLEMENT")

    def introspect(bearer: str) -> dict:
        import base64
        import json
        import urllib.parse
        import urllib.request

        basic = base64.b64encode(
            f"{os.environ.get('INTROSPECT_CLIENT', '')}:{os.environ.get('INTROSPECT_SECRET', '')}".encode()
        ).decode()
        req = urllib.request.Request(
            introspect_url,
            data=urllib.parse.urlencode({"token": bearer}).encode(),
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)

    def unauthorized(message: str) -> JSONResponse:
        return JSONResponse(
            {"message": message},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="h5grove"'},
        )

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if introspect_url:
            auth = request.headers.get("authorization", "")
            if not auth.startswith("Bearer "):
                return unauthorized("sign in to read this file")
            info = await asyncio.to_thread(introspect, auth[7:])
            if not info.get("active"):
                return unauthorized("the token is not active")
            max_age = os.environ.get("MAX_TOKEN_AGE")
            if max_age and time.time() - info.get("iat", 0) > float(max_age):
                return unauthorized("the token is too old; get a fresh one")
            if entitlement and entitlement not in (info.get("entitlements") or []):
                return JSONResponse(
                    {"message": f"missing entitlement {entitlement}"}, status_code=403
                )
        if token:
            auth = request.headers.get("authorization", "")
            if not (auth.startswith("Bearer ") and hmac.compare_digest(auth[7:], token)):
                return JSONResponse(
                    {"message": "missing or invalid bearer token"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="h5grove"'},
                )
        # h5grove joins base_dir + "/" + file without normalising: refuse escapes.
        file = request.query_params.get("file")
        if file is not None:
            target = (root / file.lstrip("/")).resolve()
            if root not in target.parents and target != root:
                return JSONResponse({"message": "file outside served directory"}, status_code=403)
        return await call_next(request)

    app.include_router(router)
    return app


async def main() -> None:
    import uvicorn

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "9020"))
    app = build_app(os.environ.get("H5_DIR", "."), os.environ.get("TOKEN") or None)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    print(f"H5GROVE_READY http://{host}:{port}", flush=True)
    await task


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--make-sample":
        print(make_sample(sys.argv[2]))
        sys.exit(0)
    asyncio.run(main())
