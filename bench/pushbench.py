"""What bench/dispatch.py sends to: a counting push service on 127.0.0.1, and N due reminders.

The push service is its own process (asyncio, HTTP/1.1 with keep-alive), over HTTPS like
every real push service (a certificate made for 127.0.0.1 that every client is told to
trust) or plain HTTP; it answers 201 to every POST and counts them.
"""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.net import make_certificate  # noqa: E402

COUNTER = r"""
import asyncio, sys
count = 0
async def handle(reader, writer):
    global count
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            if head.startswith(b"GET /count"):
                body = str(count).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            else:
                count += 1
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()
async def main():
    import ssl
    tls = None
    if len(sys.argv) > 2:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(sys.argv[1], sys.argv[2])
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024, ssl=tls)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""

SUBJECT = "mailto:bench@calmcalf.example.org"
DUE = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)
MESSAGE = (
    '{"title":"Bedtime stretches","body":"About 4 minutes of calf stretches before bed?","url":"/bedtime",'
    '"tag":"bedtime","actions":[{"action":"routine","title":"Start routine"},{"action":"later","title":"Later"}]}'
)  # what Calm Calf sends (its actions included), so every sender encrypts the same bytes


class PushService:
    """The counting push service, started in `folder`: `.origin`, `.cafile` (None over plain HTTP), `.count()`."""

    def __init__(self, transport: str, folder: Path):
        self.cafile, keyfile = (None, None) if transport == "http" else make_certificate(folder)
        tls = [] if self.cafile is None else [str(self.cafile), str(keyfile)]
        self.process = subprocess.Popen([sys.executable, "-c", COUNTER, *tls], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.origin = f"{transport}://127.0.0.1:{int(self.process.stdout.readline())}"

    def count(self) -> int:
        """POSTs answered so far."""
        context = ssl.create_default_context(cafile=str(self.cafile)) if self.cafile else None
        with urllib.request.urlopen(f"{self.origin}/count", timeout=10, context=context) as response:
            return int(response.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscriptions(origin: str, n: int) -> list[dict]:
    """n subscriptions on this push service, each with a real P-256 key and auth secret."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    subs = []
    for i in range(n):
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        raw = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        subs.append({"endpoint": f"{origin}/push/{i}", "keys": {"p256dh": b64(raw), "auth": b64(os.urandom(16))}})
    return subs


def fill_database(url: str, subs: list[dict]):
    """N reminders due at DUE, written straight to the database (the API is rate-limited per client)."""
    from sqlalchemy import insert

    from app import create_app, db
    from app.reminders.models import Reminder

    app = create_app({"DATABASE_URL": url, "VAPID_SUBJECT": SUBJECT}, http=False)
    db.upgrade(app)
    stamp = DUE.replace(tzinfo=None)
    fixed = {"local_time": "21:30", "timezone": "Europe/London", "days": "mon,tue,wed,thu,fri,sat,sun", "lang": "en"}
    rows = [
        {"endpoint": s["endpoint"], "p256dh": s["keys"]["p256dh"], "auth": s["keys"]["auth"], **fixed}
        | {"next_due_at": stamp, "attempts": 0, "created_at": stamp, "updated_at": stamp}
        for s in subs
    ]
    with db.get_db(app).session() as session:
        session.execute(insert(Reminder), rows)
    return app


def make_due(url: str) -> None:
    """Every reminder due again at DUE, as if nothing had been sent."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                "UPDATE reminders SET next_due_at = :due, done_through = NULL, retry_after = NULL, attempts = 0, "
                "lease_until = NULL, lease_token = NULL"
            ),
            {"due": DUE.replace(tzinfo=None)},
        )
    engine.dispose()


def vapid_keys(app) -> tuple[str, str]:
    """This database's VAPID key as base64url (public point, raw private value), for the peers."""
    from cryptography.hazmat.primitives import serialization

    from app.reminders.vapid import load_vapid

    vapid = load_vapid(app)
    public = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64(public), b64(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def command_env(url: str, service: PushService) -> dict:
    """The environment `calmcalf dispatch` runs in: this database and push service, nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")}
    env |= {
        "CALMCALF_DATABASE_URL": url,
        "CALMCALF_PUSH_ALLOW_HTTP": "true" if service.cafile is None else "false",
        "CALMCALF_PUSH_SERVICE_HOSTS": '["127.0.0.1"]',
        "CALMCALF_VAPID_SUBJECT": SUBJECT,
    }
    if service.cafile:  # Calm Calf (through Python's ssl) is told to trust the push service's certificate
        env["SSL_CERT_FILE"] = str(service.cafile)
    return env
