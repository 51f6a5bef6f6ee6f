"""Serves one file and breaks the first download halfway: the first GET
without a Range header promises the whole file, sends a third and closes
the connection; Range requests get proper 206 answers.

    FILE=path python flaky_serve.py    # prints "FLAKY_READY http://127.0.0.1:PORT/data.bin"
"""
import os
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DATA = open(os.environ["FILE"], "rb").read()
state = {"broken": False}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        rng = self.headers.get("Range")
        if rng:
            m = re.fullmatch(r"bytes=(\d+)-", rng)
            start = int(m.group(1)) if m else 0
            if start >= len(DATA):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(DATA)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = DATA[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(DATA) - 1}/{len(DATA)}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(DATA)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if not state["broken"]:
            state["broken"] = True
            self.wfile.write(DATA[: len(DATA) // 3])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(DATA)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"FLAKY_READY http://127.0.0.1:{server.server_address[1]}/data.bin", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
