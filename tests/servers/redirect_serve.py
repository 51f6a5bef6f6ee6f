"""Two servers: the first answers every request with 307 Temporary Redirect
to the same path on the second; the second answers a Slurm ping as `UP` and
remembers every token header it was sent. GET /seen on the second tells
(without the tokens themselves): {"requests": n, "tokens": n}.

    python redirect_serve.py   # prints "REDIRECT_READY http://127.0.0.1:A http://127.0.0.1:B"
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEEN = {"requests": 0, "tokens": 0}
TOKEN_HEADERS = ("x-slurm-user-token", "authorization", "cookie")


class Target(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, obj):
        data = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/seen":
            return self.send(SEEN)
        SEEN["requests"] += 1
        if any(h.lower() in TOKEN_HEADERS for h in self.headers.keys()):
            SEEN["tokens"] += 1
        return self.send({"pings": [{"hostname": "elsewhere", "ping": "UP"}], "errors": []})

    do_POST = do_DELETE = do_GET


def redirector(to):
    class Redirect(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self):
            self.send_response(307)
            self.send_header("Location", to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_DELETE = answer

    return Redirect


def main():
    target = ThreadingHTTPServer(("127.0.0.1", 0), Target)
    b = f"http://127.0.0.1:{target.server_address[1]}"
    front = ThreadingHTTPServer(("127.0.0.1", 0), redirector(b))
    a = f"http://127.0.0.1:{front.server_address[1]}"
    threading.Thread(target=target.serve_forever, daemon=True).start()
    print(f"REDIRECT_READY {a} {b}", flush=True)
    front.serve_forever()


if __name__ == "__main__":
    main()
