"""Serves one file and breaks the first download halfway: the first GET
without a Range header promises the whole file, sends a third and closes
the connection; Range requests get proper 206 answers, honouring If-Range
against the file's ETag as HTTP servers do.

    FILE=path python flaky_serve.py    # prints "FLAKY_READY http://127.0.0.1:PORT/data.bin"

MODE=changes: after the broken first download the file is replaced by
NEW_FILE (another ETag), as when a catalogue's file is updated between two
attempts. MODE=lies: every ranged answer claims to start at byte 0.
"""
import hashlib
import os
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = os.environ.get("MODE", "")
files = [open(os.environ["FILE"], "rb").read()]
if MODE == "changes":
    files.append(open(os.environ["NEW_FILE"], "rb").read())
state = {"broken": False, "version": 0}


def current():
    data = files[state["version"]]
    return data, '"' + hashlib.md5(data).hexdigest() + '"'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        data, etag = current()
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        # If-Range: the range only while the file is the one named.
        if rng and if_range is not None and if_range != etag:
            rng = None
        if rng:
            m = re.fullmatch(r"bytes=(\d+)-", rng)
            start = int(m.group(1)) if m else 0
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = data[start:]
            claimed = 0 if MODE == "lies" else start
            self.send_response(206)
            self.send_header("ETag", etag)
            self.send_header("Content-Range", f"bytes {claimed}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if not state["broken"]:
            state["broken"] = True
            # Replaced before the connection drops, so a client that asks
            # again at once already meets the new file.
            if MODE == "changes":
                state["version"] = 1
            self.wfile.write(data[: len(data) // 3])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"FLAKY_READY http://127.0.0.1:{server.server_address[1]}/data.bin", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
