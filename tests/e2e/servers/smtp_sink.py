#!/usr/bin/python3
"""A real SMTP server on loopback for tests (Debian's python3-aiosmtpd).

Every message it accepts is written to DIR as NNNN.eml (the bytes as received) and NNNN.json
({"mail_from", "rcpt_to", "subject", "from", "to", "text", "html"}, MIME decoded by Python's
email package), each file renamed into place once complete. DIR/ready appears once it listens.

  smtp_sink.py --port 2525 --dir /tmp/mail [--starttls CERT KEY | --implicit-tls CERT KEY]
               [--auth USER:PASSWORD] [--hold-data N [--hold-timeout SECONDS]]

With --hold-data N, no DATA is answered until N sessions have sent theirs: the first session is
held until the others arrive (answered 451 if they have not after --hold-timeout, default 30 s),
so a client that runs sessions one at a time fails, and one that runs them in parallel succeeds.

With --auth, AUTH PLAIN/LOGIN is required (and, as aiosmtpd insists, only after TLS). Stops on
SIGTERM or after --lifetime seconds (default 900), so a crashed test never leaves it behind.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, folder, hold=0, hold_timeout=30):
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()
        self.hold = hold
        self.held = 0
        self.hold_timeout = hold_timeout
        self.all_arrived = asyncio.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.hold:
            self.held += 1  # the handlers all run on the controller's one event loop
            if self.held >= self.hold:
                self.all_arrived.set()
            try:
                await asyncio.wait_for(self.all_arrived.wait(), self.hold_timeout)
            except asyncio.TimeoutError:
                return "451 held until %d sessions ran at once; they did not" % self.hold
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.folder, "%04d" % n)
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        doc = {
            "mail_from": envelope.mail_from,
            "rcpt_to": list(envelope.rcpt_tos),
            "subject": str(msg.get("Subject", "")),
            "from": str(msg.get("From", "")),
            "to": str(msg.get("To", "")),
            "content_type": msg.get_content_type(),
            "text": "",
            "html": "",
        }
        for part in msg.walk():
            if part.get_content_type() == "text/plain" and not doc["text"]:
                doc["text"] = part.get_content()
            elif part.get_content_type() == "text/html" and not doc["html"]:
                doc["html"] = part.get_content()
        for suffix, data in ((".eml", raw), (".json", json.dumps(doc).encode())):
            with open(base + suffix + ".tmp", "wb") as f:
                f.write(data)
            os.rename(base + suffix + ".tmp", base + suffix)
        return "250 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth")
    p.add_argument("--lifetime", type=int, default=900)
    p.add_argument("--hold-data", type=int, default=0)
    p.add_argument("--hold-timeout", type=float, default=30)
    a = p.parse_args()

    kwargs = {}
    if a.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*a.starttls)
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = True
    if a.implicit_tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*a.implicit_tls)
        kwargs["ssl_context"] = ctx
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and \
                auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok)

        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        # aiosmtpd 1.4 does not count implicit TLS as TLS for AUTH: the whole session is TLS
        # there anyway, so only a STARTTLS server needs the check.
        kwargs["auth_require_tls"] = not a.implicit_tls

    controller = Controller(Sink(a.dir, a.hold_data, a.hold_timeout), hostname="127.0.0.1", port=a.port,
                            server_hostname="localhost", **kwargs)
    controller.start()
    with open(os.path.join(a.dir, "ready"), "w") as f:
        f.write("ready\n")
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait(a.lifetime)
    controller.stop()


if __name__ == "__main__":
    main()
