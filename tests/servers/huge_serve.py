"""A server whose every answer is far too large: for any path and method it
answers 200 (207 for PROPFIND) with a body that does not end. MODE=announced
sends a Content-Length of 10 GB first; MODE=stream sends no length (the body
simply goes on). Clients must stop at their limit and say so.
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = os.environ.get("MODE", "stream")
CHUNK = b" " * (1 << 16)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(207 if self.command == "PROPFIND" else 200)
        self.send_header("Content-Type", "application/json")
        if MODE == "announced":
            self.send_header("Content-Length", str(10 << 30))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            # A JSON-looking start, then no end.
            self.wfile.write(b'{"data": "')
            for _ in range(1 << 20):
                self.wfile.write(CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_PROPFIND = answer


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"HUGE_READY http://127.0.0.1:{server.server_address[1]}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
