"""Reminder sending speed: `calmcalf dispatch --once` against a naive pywebpush loop.

    .venv/bin/python bench/dispatch.py [--n 5000] [--rounds 5] [--plain-http]
    .venv/bin/python bench/dispatch.py --scaling [--n 5000] [--rounds 3]   # 1, 2, 4 processes on PostgreSQL

Both send to the same counting push service on 127.0.0.1 (its own process, HTTP/1.1
with keep-alive). Like every real push service it speaks HTTPS (a certificate made
for 127.0.0.1 that both clients are told to trust); --plain-http compares over
plain HTTP instead.

N reminders are made due in a fresh SQLite database. Each round runs the real
command twice, first with nothing due (its start-up time alone: imports,
migrations, keys) and then with all N due; then the naive loop, which calls
pywebpush.webpush() once per subscription as many apps do, on the round's share
of the subscriptions (N / rounds, so the naive loop meets every subscription once
over the whole run). The machine's speed drifts from minute to minute, so the two
are measured side by side, round after round, and compared per round as well as
overall. Prints both rates, the ratio (goal: at least 8x) and the CPU time each
side spends per message.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A push service that only counts: asyncio, keep-alive, answers 201 to every POST.
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

SUBJECT = "mailto:bench@calmcalf.example"
DUE = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscriptions(origin: str, n: int) -> list[dict]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    subs = []
    for i in range(n):
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        raw = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        subs.append({"endpoint": f"{origin}/push/{i}", "keys": {"p256dh": b64(raw), "auth": b64(os.urandom(16))}})
    return subs


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, so the local push service can speak HTTPS."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "push.pem", folder / "push.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def count(origin: str, cafile: Path | None) -> int:
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    with urllib.request.urlopen(f"{origin}/count", timeout=10, context=context) as response:
        return int(response.read())


def fill_database(url: str, subs: list[dict]) -> None:
    """N reminders due at DUE, written straight to the database (the API is rate-limited per client)."""
    from sqlalchemy import insert

    from app import create_app, db
    from app.reminders.models import Reminder

    app = create_app({"DATABASE_URL": url})
    db.upgrade(app)
    stamp = DUE.replace(tzinfo=None)
    rows = [
        {
            "endpoint": s["endpoint"],
            "p256dh": s["keys"]["p256dh"],
            "auth": s["keys"]["auth"],
            "local_time": "21:30",
            "timezone": "Europe/London",
            "days": "mon,tue,wed,thu,fri,sat,sun",
            "next_due_at": stamp,
            "attempts": 0,
            "lang": "en",
            "created_at": stamp,
            "updated_at": stamp,
        }
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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by another process (the push service)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_dispatch(env: dict, now: datetime, processes: int | None = None) -> tuple[float, float, str]:
    """Run `calmcalf dispatch --once --now`: wall time, CPU time (all its processes), summary line."""
    cpu = children_cpu()
    start = time.perf_counter()
    extra = ["--processes", str(processes)] if processes else []
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "dispatch", "--once", "--now", now.isoformat(), *extra],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return elapsed, children_cpu() - cpu, result.stdout.strip()


def naive_loop(subs: list[dict], private_key: str) -> tuple[float, float]:
    """What many apps do: pywebpush.webpush() per subscription, a new connection and signature each time.

    Returns wall time and this process's CPU time.
    """
    from pywebpush import webpush

    payload = json.dumps(
        {
            "title": "Bedtime stretches",
            "body": "Three minutes of calf stretches before bed?",
            "url": "/bedtime",
            "tag": "bedtime",
        }
    )
    cpu = time.process_time()
    start = time.perf_counter()
    for sub in subs:
        webpush(
            sub,
            data=payload,
            vapid_private_key=private_key,
            vapid_claims={"sub": SUBJECT},
            ttl=9000,
            timeout=15,
            headers={"Urgency": "normal", "Topic": "bedtime"},
        )
    return time.perf_counter() - start, time.process_time() - cpu


def scaling(args, env: dict, url: str, origin: str, cafile: Path | None) -> int:
    """The same N reminders sent by 1, 2 and 4 dispatcher processes on PostgreSQL, in interleaved rounds."""
    counts = (1, 2, 4)
    rates: dict[int, list[float]] = {p: [] for p in counts}
    expected = count(origin, cafile)
    print(f"dispatch scaling on PostgreSQL: {args.n} due, {args.rounds} rounds of 1, 2 and 4 processes")
    for number in range(1, args.rounds + 1):
        for processes in counts:
            make_due(url)
            startup, _, line = run_dispatch(env, DUE - timedelta(minutes=1), processes)
            assert line.startswith("sent=0"), line
            total, _, line = run_dispatch(env, DUE, processes)
            expected += args.n
            assert line.startswith(f"sent={args.n} ") and count(origin, cafile) == expected, line
            rates[processes].append(args.n / max(total - startup, 1e-6))
            print(
                f"round {number}: {processes} processes: {rates[processes][-1]:6.0f}/s (start-up {startup:.2f} s)",
                flush=True,
            )
    base = statistics.median(rates[1])
    print("\n| dispatcher processes | sending, per second (median) | rounds | vs 1 process |")
    print("| --- | --- | --- | --- |")
    for processes in counts:
        median = statistics.median(rates[processes])
        low, high = min(rates[processes]), max(rates[processes])
        print(f"| {processes} | {median:,.0f} | {low:,.0f} to {high:,.0f} | {median / base:.2f}x |")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="reminders due in each round (default 5000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each measuring both sides (default 5)")
    parser.add_argument("--plain-http", action="store_true", help="no TLS (unlike real push services)")
    parser.add_argument(
        "--scaling", action="store_true", help="instead: 1, 2 and 4 dispatcher processes on PostgreSQL, as a table"
    )
    args = parser.parse_args()
    if args.n < args.rounds:
        parser.error("--n must be at least --rounds")

    folder = Path(tempfile.mkdtemp(prefix="calmcalf-bench-"))
    cafile = None if args.plain_http else make_certificate(folder)[0]
    tls_args = [] if args.plain_http else [str(cafile), str(folder / "push.key")]
    counter = subprocess.Popen([sys.executable, "-c", COUNTER, *tls_args], stdout=subprocess.PIPE, text=True)
    postgres = None
    try:
        scheme = "http" if args.plain_http else "https"
        origin = f"{scheme}://127.0.0.1:{int(counter.stdout.readline())}"
        url = f"sqlite:///{folder / 'bench.db'}"
        if args.scaling:
            from tests.postgres import PostgresServer, server_binaries

            binaries = server_binaries()
            if binaries is None:
                raise SystemExit("--scaling needs PostgreSQL: apt-get install -y postgresql")
            postgres = PostgresServer(binaries).start()
            url = postgres.new_database()
        subs = subscriptions(origin, args.n)
        app = fill_database(url, subs)
        from app.reminders.vapid import load_vapid

        # The raw private key as a base64url string, the way apps usually hand it to webpush().
        private_key = b64(load_vapid(app).private_key.private_numbers().private_value.to_bytes(32, "big"))
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")},
            "CALMCALF_DATABASE_URL": url,
            "CALMCALF_PUSH_ALLOW_HTTP": json.dumps(args.plain_http),
            "CALMCALF_PUSH_SERVICE_HOSTS": '["127.0.0.1"]',
            "CALMCALF_VAPID_SUBJECT": SUBJECT,
        }
        if cafile:
            # Trust the local push service's certificate (OpenSSL and requests both read these).
            env["SSL_CERT_FILE"] = os.environ["SSL_CERT_FILE"] = str(cafile)
            os.environ["REQUESTS_CA_BUNDLE"] = str(cafile)

        print(f"push service: {origin} ({'plain HTTP' if args.plain_http else 'HTTPS, like real push services'})")
        if args.scaling:
            return scaling(args, env, url, origin, cafile)
        print(
            f"{args.rounds} rounds; each: calmcalf dispatch --once with {args.n} due, then the naive loop "
            f"on {args.n // args.rounds} subscriptions"
        )
        print("round  start-up  dispatch sending        naive loop           ratio")
        share = args.n // args.rounds
        totals = {
            "startup": 0.0,
            "sending": 0.0,
            "sent": 0,
            "naive": 0.0,
            "naive_sent": 0,
            "ours_cpu": 0.0,
            "naive_cpu": 0.0,
            "service_ours": 0.0,
            "service_naive": 0.0,
        }
        ratios, expected = [], 0
        for number in range(1, args.rounds + 1):
            make_due(url)
            startup, startup_cpu, line = run_dispatch(env, DUE - timedelta(minutes=1))  # nothing due yet
            assert line.startswith("sent=0"), line
            service = process_cpu(counter.pid)
            total, total_cpu, line = run_dispatch(env, DUE)
            totals["service_ours"] += process_cpu(counter.pid) - service
            expected += args.n
            delivered = count(origin, cafile)
            assert line.startswith(f"sent={args.n} ") and delivered == expected, (
                f"push service counted {delivered}, expected {expected}: {line}"
            )
            sending = total - startup
            ours = args.n / sending

            naive_subs = subs[(number - 1) * share : number * share]
            service = process_cpu(counter.pid)
            naive_time, naive_cpu = naive_loop(naive_subs, private_key)
            totals["service_naive"] += process_cpu(counter.pid) - service
            expected += len(naive_subs)
            assert count(origin, cafile) == expected
            naive = len(naive_subs) / naive_time
            ratios.append(ours / naive)
            print(
                f"{number:>5}  {startup:6.2f} s  {args.n} in {sending:5.2f} s = {ours:5.0f}/s  "
                f"{len(naive_subs)} in {naive_time:5.2f} s = {naive:4.0f}/s  {ours / naive:5.1f}x",
                flush=True,
            )
            for key, value in (
                ("startup", startup),
                ("sending", sending),
                ("sent", args.n),
                ("naive", naive_time),
                ("naive_sent", len(naive_subs)),
                ("ours_cpu", total_cpu - startup_cpu),
                ("naive_cpu", naive_cpu),
            ):
                totals[key] += value

        ours = totals["sent"] / totals["sending"]
        naive = totals["naive_sent"] / totals["naive"]
        ratio = ours / naive
        with_startup = totals["sent"] / (totals["sending"] + totals["startup"])
        print(
            f"calmcalf dispatch --once: {ours:.0f} per second sending "
            f"({with_startup:.0f}/s including start-up, which took {totals['startup'] / args.rounds:.2f} s a run)"
        )
        print(f"naive loop of pywebpush.webpush(): {naive:.0f} per second")
        print(
            f"CPU per message: dispatcher {1000 * totals['ours_cpu'] / totals['sent']:.2f} ms, "
            f"naive loop {1000 * totals['naive_cpu'] / totals['naive_sent']:.2f} ms; push service "
            f"{1000 * totals['service_ours'] / totals['sent']:.2f} ms and "
            f"{1000 * totals['service_naive'] / totals['naive_sent']:.2f} ms"
        )
        print(
            f"ratio: {ratio:.1f}x overall; per round: median {statistics.median(ratios):.1f}x, "
            f"lowest {min(ratios):.1f}x, highest {max(ratios):.1f}x (goal: at least 8x)"
        )
        return 0 if ratio >= 8 else 1
    finally:
        counter.terminate()
        if postgres:
            postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
