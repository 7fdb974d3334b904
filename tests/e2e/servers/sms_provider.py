#!/usr/bin/python3
"""A stand-in SMS provider on loopback for tests: an HTTP API that accepts
POST /send {"to": "+31...", "text": "..."} with `Authorization: Bearer TOKEN` and writes each
accepted message to DIR/NNNN.json ({"to", "text", "authorization"}). DIR/ready appears once it
listens.

  sms_provider.py --port 9099 --dir /tmp/sms [--token TOKEN] [--fail 503]

Wrong or missing token: 401. --fail N answers every request with status N. Stops on SIGTERM or
after --lifetime seconds (default 900).
"""
import argparse
import http.server
import json
import os
import signal
import threading


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--token")
    p.add_argument("--fail", type=int)
    p.add_argument("--lifetime", type=int, default=900)
    a = p.parse_args()
    lock = threading.Lock()
    count = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self, status, doc):
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(length)
            if a.fail:
                return self.answer(a.fail, {"error": "failing on purpose"})
            auth = self.headers.get("Authorization", "")
            if a.token and auth != "Bearer " + a.token:
                return self.answer(401, {"error": "bad token"})
            if self.path != "/send" or \
                    not self.headers.get("Content-Type", "").startswith("application/json"):
                return self.answer(404, {"error": "unknown"})
            doc = json.loads(data)
            with lock:
                count[0] += 1
                n = count[0]
            base = os.path.join(a.dir, "%04d.json" % n)
            with open(base + ".tmp", "w") as f:
                json.dump({"to": doc.get("to"), "text": doc.get("text"), "authorization": auth}, f)
            os.rename(base + ".tmp", base)
            return self.answer(200, {"id": "sms-%d" % n})

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with open(os.path.join(a.dir, "ready"), "w") as f:
        f.write("ready\n")
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait(a.lifetime)
    server.shutdown()


if __name__ == "__main__":
    main()
