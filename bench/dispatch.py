"""Reminder sending speed: `calmcalf dispatch --once` against Node's web-push and the crypto floor.

    .venv/bin/python bench/dispatch.py [--n 5000] [--rounds 5] [--transport both|https|http] [--naive]
    .venv/bin/python bench/dispatch.py --scaling [--n 5000] [--rounds 3]

Every sender posts to the same counting push service on 127.0.0.1 (its own process,
HTTP/1.1 with keep-alive), over HTTPS like every real push service (a certificate
made for 127.0.0.1 that every client is told to trust) and over plain HTTP.

N reminders are made due in a fresh SQLite database. Each round, interleaved so the
machine's drift from minute to minute hits every side alike:
1. the real command with nothing due: its start-up alone (imports, migrations, keys);
2. the real command with all N due;
3. the peer: Node's web-push 3.6, tuned (VAPID header made once per origin,
   keep-alive, 128 in flight), installed from the npm registry into a temporary
   folder, sending to the same N subscriptions;
4. the crypto floor: RFC 8291 for each of the N messages with `cryptography` alone;
5. with --naive, the usual naive loop of pywebpush.webpush() on N / rounds of them.
Printed: rates, CPU per message (all processes of each sender), Calm Calf's CPU per
message against the floor (goal: at most 2x) and its rate per core against the
peer's (CPU per message, inverted; goal: at least 2x), per round (median, range) and
overall, and the start-up time (goal: under 0.5 s).

With --scaling, instead: N reminders due in PostgreSQL (a throwaway server on loopback,
as the tests start it), sent over HTTPS by `calmcalf dispatch --once --processes K` for
K = 1, 2 and 4, interleaved round by round; printed as a table of sending rates (each
run's wall time less a run of the same K with nothing due), with the ratio to 1 process.
Every run must deliver each reminder exactly once (the push service's count is checked).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import peers  # noqa: E402

from tests.net import make_certificate  # noqa: E402

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


def run_dispatch(env: dict, now: datetime, command: list[str]) -> tuple[float, float, str]:
    """Run `calmcalf dispatch --once --now`: wall time, CPU time (all its processes), summary line."""
    cpu = children_cpu()
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *command, "--now", now.isoformat()],
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


def send_all_due(
    env: dict, url: str, command: list[str], n: int, origin: str, cafile: Path | None, expected: int
) -> tuple[float, float]:
    """Make all N due, run the command with nothing due yet (its start-up) and then at DUE.

    Returns both wall times; the push service must have counted `expected` in all by then.
    """
    make_due(url)
    startup, _cpu, line = run_dispatch(env, DUE - timedelta(minutes=1), command)
    assert line.startswith("sent=0"), line
    total, _cpu, line = run_dispatch(env, DUE, command)
    delivered = count(origin, cafile)
    assert line.startswith(f"sent={n} ") and delivered == expected, (
        f"push service counted {delivered}, expected {expected}: {line}"
    )
    return startup, total


def naive_loop(subs: list[dict], private_key: str) -> tuple[float, float]:
    """What many apps do: pywebpush.webpush() per subscription, a new connection and signature each time.

    Returns wall time and this process's CPU time.
    """
    from pywebpush import webpush

    payload = json.dumps(
        {
            "title": "Bedtime stretches",
            "body": "About 4 minutes of calf stretches before bed?",
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


MESSAGE = json.dumps(
    {
        "title": "Bedtime stretches",
        "body": "About 4 minutes of calf stretches before bed?",
        "url": "/bedtime",
        "tag": "bedtime",
    }
)


def vapid_keys(app) -> tuple[str, str]:
    """This database's VAPID key as base64url (public point, raw private value), for the peers."""
    from cryptography.hazmat.primitives import serialization

    from app.reminders.vapid import load_vapid

    vapid = load_vapid(app)
    public = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64(public), b64(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def in_process_cpu(dispatcher, n: int) -> float:
    """CPU seconds per message of one run of the real dispatcher in this process."""
    started = time.process_time()
    summary = dispatcher.run_once(DUE)
    used = time.process_time() - started
    assert summary.sent == n, summary.line()
    return used / n


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f}, {min(values):.2f} to {max(values):.2f}"


def measure(transport: str, args, modules: Path) -> dict:
    """Every round for one transport; returns the figures for the closing table."""
    plain = transport == "http"
    folder = Path(tempfile.mkdtemp(prefix=f"calmcalf-bench-{transport}-"))
    cafile, keyfile = (None, None) if plain else make_certificate(folder)
    tls_args = [] if plain else [str(cafile), str(keyfile)]
    counter = subprocess.Popen([sys.executable, "-c", COUNTER, *tls_args], stdout=subprocess.PIPE, text=True)
    saved = {name: os.environ.get(name) for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")}
    try:
        origin = f"{transport}://127.0.0.1:{int(counter.stdout.readline())}"
        url = f"sqlite:///{folder / 'bench.db'}"
        subs = subscriptions(origin, args.n)
        app = fill_database(url, subs)
        keys = vapid_keys(app)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")},
            "CALMCALF_DATABASE_URL": url,
            "CALMCALF_PUSH_ALLOW_HTTP": json.dumps(plain),
            "CALMCALF_PUSH_SERVICE_HOSTS": '["127.0.0.1"]',
            "CALMCALF_VAPID_SUBJECT": SUBJECT,
        }
        for name in saved:
            os.environ.pop(name, None)
        if cafile:
            # Trust the local push service's certificate (OpenSSL, libcurl through Calm Calf, requests).
            env["SSL_CERT_FILE"] = os.environ["SSL_CERT_FILE"] = str(cafile)
            os.environ["REQUESTS_CA_BUNDLE"] = str(cafile)
        from app import create_app
        from app.reminders.dispatch import Dispatcher

        config = {"DATABASE_URL": url, "PUSH_ALLOW_HTTP": plain, "PUSH_SERVICE_HOSTS": ["127.0.0.1"]}
        dispatcher = Dispatcher(create_app({**config, "VAPID_SUBJECT": SUBJECT}, http=False))
        command = ["dispatch", "--once"] + (["--processes", str(args.processes)] if args.processes else [])
        print(f"\n== {transport.upper()}: push service {origin}; {args.n} messages a round, {args.rounds} rounds")
        print(
            "round  start-up | calmcalf: rate, CPU/msg | web-push (Node, tuned): rate, CPU/msg | floor CPU/msg |"
            " ours/floor  per-core vs Node"
        )
        rows, expected = [], 0
        for number in range(1, args.rounds + 1):
            expected += args.n
            startup, total = send_all_due(env, url, command, args.n, origin, cafile, expected)
            ours_s = total - startup
            # CPU per message from the same dispatcher code run in this process (one process, no
            # start-up in the figure): exact, where subtracting a separate start-up run is noisy.
            make_due(url)
            ours_cpu = in_process_cpu(dispatcher, args.n)
            expected += args.n
            assert count(origin, cafile) == expected
            node = peers.node_sender(modules, folder, subs, MESSAGE, SUBJECT, keys, cafile)
            expected += node["sent"]
            assert node["sent"] == args.n and count(origin, cafile) == expected, node
            node_cpu = node["cpu_s"] / args.n
            floor = peers.crypto_floor(subs, MESSAGE.encode())
            row = {
                "startup": startup,
                "ours_rate": args.n / ours_s,
                "ours_cpu": ours_cpu,
                "node_rate": args.n / node["wall_s"],
                "node_cpu": node_cpu,
                "floor": floor,
                "vs_floor": ours_cpu / floor,
                "per_core": node_cpu / ours_cpu,
            }
            if args.naive:
                share = subs[(number - 1) * (args.n // args.rounds) : number * (args.n // args.rounds)]
                naive_s, naive_cpu = naive_loop(share, keys[1])
                expected += len(share)
                row["naive_rate"], row["naive_cpu"] = len(share) / naive_s, naive_cpu / len(share)
            rows.append(row)
            print(
                f"{number:>5}  {startup:5.2f} s | {row['ours_rate']:6.0f}/s {1e6 * ours_cpu:5.0f} us |"
                f" {row['node_rate']:6.0f}/s {1e6 * node_cpu:5.0f} us | {1e6 * floor:4.0f} us |"
                f" {row['vs_floor']:5.2f}x {row['per_core']:5.2f}x"
                + (f" | naive {row['naive_rate']:.0f}/s {1e6 * row['naive_cpu']:.0f} us" if args.naive else ""),
                flush=True,
            )
        return {"transport": transport, "rows": rows, "peak_kb": peak_child_kb()}
    finally:
        counter.terminate()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def peak_child_kb() -> int:
    """The largest resident size any child process reached (the dispatcher's processes among them)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def report(result: dict) -> bool:
    """Print one transport's figures; whether both goals were met overall."""
    rows = result["rows"]
    ours = statistics.median(r["ours_cpu"] for r in rows)
    node = statistics.median(r["node_cpu"] for r in rows)
    floor = statistics.median(r["floor"] for r in rows)
    vs_floor, per_core = ours / floor, node / ours
    print(f"\n{result['transport'].upper()} (medians of {len(rows)} rounds; ranges per round):")
    print(
        f"  calmcalf dispatch --once: {statistics.median(r['ours_rate'] for r in rows):.0f}/s, "
        f"CPU {1e6 * ours:.0f} us per message; start-up {spread([r['startup'] for r in rows])} s"
    )
    print(
        f"  web-push (Node, tuned):   {statistics.median(r['node_rate'] for r in rows):.0f}/s, "
        f"CPU {1e6 * node:.0f} us per message"
    )
    print(f"  crypto floor:             CPU {1e6 * floor:.0f} us per message ({1 / floor:.0f} messages/s on one core)")
    if "naive_rate" in rows[0]:
        print(
            f"  naive pywebpush loop:     {statistics.median(r['naive_rate'] for r in rows):.0f}/s, "
            f"CPU {1e6 * statistics.median(r['naive_cpu'] for r in rows):.0f} us per message"
        )
    print(f"  calmcalf CPU / floor: {vs_floor:.2f}x (goal <= 2; rounds {spread([r['vs_floor'] for r in rows])})")
    print(
        f"  calmcalf per core / Node per core: {per_core:.2f}x (goal >= 2; rounds {spread([r['per_core'] for r in rows])})"
    )
    return vs_floor <= 2 and per_core >= 2


def scaling(args) -> None:
    """1, 2 and 4 dispatcher processes on PostgreSQL, over HTTPS: a table of sending rates."""
    from tests.postgres import PostgresServer, server_binaries

    binaries = server_binaries()
    if binaries is None:
        sys.exit("--scaling needs PostgreSQL's server (Debian: apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="calmcalf-bench-scaling-"))
    cafile, keyfile = make_certificate(folder)
    counter = subprocess.Popen(
        [sys.executable, "-c", COUNTER, str(cafile), str(keyfile)], stdout=subprocess.PIPE, text=True
    )
    server = PostgresServer(binaries).start()
    try:
        origin = f"https://127.0.0.1:{int(counter.stdout.readline())}"
        url = server.new_database()
        fill_database(url, subscriptions(origin, args.n))
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")},
            "CALMCALF_DATABASE_URL": url,
            "CALMCALF_PUSH_SERVICE_HOSTS": '["127.0.0.1"]',
            "CALMCALF_VAPID_SUBJECT": SUBJECT,
            "SSL_CERT_FILE": str(cafile),
        }
        counts = (1, 2, 4)
        rates: dict[int, list[float]] = {k: [] for k in counts}
        expected = 0
        print(f"\n== dispatcher processes on PostgreSQL, HTTPS: {args.n} messages a run, {args.rounds} rounds")
        for number in range(1, args.rounds + 1):
            for processes in counts:
                command = ["dispatch", "--once", "--processes", str(processes)]
                expected += args.n
                idle, total = send_all_due(env, url, command, args.n, origin, cafile, expected)
                rates[processes].append(args.n / (total - idle))
                print(f"round {number}, {processes} process(es): {rates[processes][-1]:6.0f}/s", flush=True)
        base = statistics.median(rates[1])
        print("\n| dispatcher processes | sending, per second (median) | rounds | vs 1 process |")
        print("| --- | --- | --- | --- |")
        for processes in counts:
            values = rates[processes]
            print(
                f"| {processes} | {statistics.median(values):.0f} | {min(values):.0f} to {max(values):.0f} |"
                f" {statistics.median(values) / base:.2f}x |"
            )
        print(f"every run delivered each of the {args.n} reminders once ({expected} in all)")
    finally:
        counter.terminate()
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="messages per sender per round (default 5000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--transport", choices=("both", "https", "http"), default="both")
    parser.add_argument("--processes", type=int, default=0, help="dispatcher processes (default: one per CPU)")
    parser.add_argument("--naive", action="store_true", help="also run the naive pywebpush.webpush() loop")
    parser.add_argument("--scaling", action="store_true", help="1, 2 and 4 dispatcher processes on PostgreSQL instead")
    args = parser.parse_args()
    if args.n < args.rounds:
        parser.error("--n must be at least --rounds")
    if args.scaling:
        scaling(args)
        return 0
    if not shutil.which("node") or not shutil.which("npm"):
        parser.error("the Node peer needs node and npm (Debian: apt-get install nodejs npm)")
    modules = peers.install_web_push(Path(tempfile.mkdtemp(prefix="calmcalf-bench-node-")))
    transports = ("https", "http") if args.transport == "both" else (args.transport,)
    results = [measure(transport, args, modules) for transport in transports]
    met = [report(result) for result in results]
    print(f"\npeak resident memory of a child process: {results[-1]['peak_kb'] / 1024:.0f} MB")
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
