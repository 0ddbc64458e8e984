"""Reminder sending speed: the shipped `calmcalf dispatch --once` against its peers and the crypto floor.

    .venv/bin/python bench/dispatch.py [--n 5000] [--rounds 5] [--transport both|https|http]
    .venv/bin/python bench/dispatch.py --scaling [--n 5000] [--rounds 3]

N reminders are made due in a fresh SQLite database, and every sender posts the same
message to the same N subscriptions on one counting push service on 127.0.0.1
(bench/pushbench.py), over HTTPS and over plain HTTP. Each round runs, in an order
that turns by one each round so the machine's drift hits every side alike:
- `calmcalf dispatch --once` as shipped (its default processes, one per CPU), with
  nothing due (its start-up alone) and then with all N due;
- the same dispatcher in this process (`Dispatcher.run_once`): the CPU of sending alone;
- Node's web-push, tuned; pywebpush used well, on asyncio and on threads (bench/peers.py);
- the crypto floor.
The shipped command sends with pywebpush itself (app/reminders/sending.py), so the
pywebpush peer is also what its sending costs without the dispatcher around it.
CPU per message is counted two ways for each sender: its whole process (start-up
included, every process: the figure of record) and its sending alone. Goals, on the
figures of record: the shipped command at most 3x the floor, at least 2x the tuned Node
sender per core, and at least 3x pywebpush used well (its better mode). The script exits
0 only when all are met.

With --scaling, instead: N reminders due in PostgreSQL (a throwaway server on loopback,
as the tests start it), sent over HTTPS by `calmcalf dispatch --once --processes K` for
K = 1, 2 and 4, interleaved round by round, as a table of sending rates (each run's
wall time less a run of the same K with nothing due). Every run must deliver each
reminder exactly once (the push service's count is checked).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers
import pushbench as bench

PEERS = ("node", "pywebpush-async", "pywebpush-threads")
SENDERS = ("calmcalf", *PEERS)


def dispatch_once(setup: dict, args, due: bool = True) -> dict:
    """The shipped command, with all N due (or nothing, for its start-up alone): wall and CPU of all its processes."""
    command = [sys.executable, "-m", "app.cli", "dispatch", "--once"]
    command += ["--processes", str(args.processes)] if args.processes else []
    bench.make_due(setup["url"])
    now = bench.DUE if due else bench.DUE - timedelta(minutes=1)
    wall, cpu, line = peers.timed([*command, "--now", now.isoformat()], setup["env"], bench.ROOT)
    assert line.startswith(f"sent={args.n if due else 0} "), line
    return {"whole_wall_s": wall, "whole_cpu_s": cpu}


def in_process(setup: dict, args) -> dict:
    """One run of the real dispatcher in this process: the CPU of sending alone (no start-up, one process)."""
    bench.make_due(setup["url"])
    started = time.process_time()
    summary = setup["dispatcher"].run_once(bench.DUE)
    assert summary.sent == args.n, summary.line()
    return {"cpu_s": time.process_time() - started}


def one_round(number: int, setup: dict, args) -> dict:
    """Every sender once, starting from a different one each round: {sender: figures per message}."""
    subs, service = setup["subs"], setup["service"]
    them = (setup["folder"], subs, setup["message"], bench.SUBJECT, setup["keys"], service.cafile)
    steps = {
        "start-up": lambda: dispatch_once(setup, args, due=False),
        "calmcalf": lambda: dispatch_once(setup, args),
        "in-process": lambda: in_process(setup, args),
        "node": lambda: peers.node_sender(setup["modules"], *them),
        "pywebpush-async": lambda: peers.pywebpush_sender("async", *them),
        "pywebpush-threads": lambda: peers.pywebpush_sender("threads", *them),
        "floor": lambda: {"cpu_s": args.n * peers.crypto_floor(subs, setup["message"].encode())},
    }
    names = list(steps)
    turn = (number - 1) % len(names)
    row: dict[str, dict] = {}
    for name in names[turn:] + names[:turn]:
        row[name] = steps[name]()
        setup["sent"] += 0 if name in ("start-up", "floor") else args.n
        assert service.count() == setup["sent"], f"{name}: the push service counted {service.count()}"
    start = row.pop("start-up")
    row["calmcalf"]["cpu_s"] = row["calmcalf"]["whole_cpu_s"] - start["whole_cpu_s"]  # sending alone
    per_message = {name: {k: v / args.n for k, v in figures.items() if k != "sent"} for name, figures in row.items()}
    return per_message | {"start-up": start}


def measure(transport: str, args, modules: Path | None) -> list[dict]:
    """Every round for one transport; one line printed a round."""
    folder = Path(tempfile.mkdtemp(prefix=f"calmcalf-bench-{transport}-"))
    service = bench.PushService(transport, folder)
    saved = dict(os.environ)
    try:
        url = f"sqlite:///{folder / 'bench.db'}"
        subs = bench.subscriptions(service.origin, args.n)
        app = bench.fill_database(url, subs)
        env = bench.command_env(url, service)
        if service.cafile:  # the dispatcher in this process trusts the certificate as the command does
            os.environ["SSL_CERT_FILE"] = str(service.cafile)
        from app import create_app
        from app.reminders.dispatch import Dispatcher
        from app.reminders.message import encode, payload

        with app.app_context():
            message = encode(payload("en"))  # the very message Calm Calf sends, for every sender
        config = {"DATABASE_URL": url, "PUSH_ALLOW_HTTP": service.cafile is None, "PUSH_SERVICE_HOSTS": ["127.0.0.1"]}
        dispatcher = Dispatcher(create_app({**config, "VAPID_SUBJECT": bench.SUBJECT}, http=False))
        setup = {"service": service, "subs": subs, "message": message, "keys": bench.vapid_keys(app), "url": url}
        setup |= {"folder": folder, "env": env, "dispatcher": dispatcher, "modules": modules, "sent": 0}
        print(f"\n== {transport.upper()}: push service {service.origin}; {args.n} messages a round")
        print("round | CPU us per message, whole process (sending alone): " + ", ".join(SENDERS))
        rows = []
        for number in range(1, args.rounds + 1):
            row = one_round(number, setup, args)
            rows.append(row)
            cells = "  ".join(f"{1e6 * row[s]['whole_cpu_s']:4.0f} ({1e6 * row[s]['cpu_s']:3.0f})" for s in SENDERS)
            inside, floor = 1e6 * row["in-process"]["cpu_s"], 1e6 * row["floor"]["cpu_s"]
            print(f"{number:>5} | {cells} | in this process {inside:3.0f} | floor {floor:3.0f}", flush=True)
        return rows
    finally:
        service.stop()
        os.environ.clear()
        os.environ.update(saved)


def median(values) -> float:
    return statistics.median(list(values))


def spread(values: list[float]) -> str:
    return f"rounds {min(values):.2f} to {max(values):.2f}"


def pywebpush_best(row: dict, key: str) -> float:
    """pywebpush used well: the better of its two modes, in this round."""
    return min(row["pywebpush-async"][key], row["pywebpush-threads"][key])


def report(transport: str, rows: list[dict]) -> bool:
    """One transport's table and ratios (medians over rounds, with their ranges); whether every goal was met."""
    print(f"\n{transport.upper()}: medians of {len(rows)} interleaved rounds")
    print("| sender | CPU per message, whole process | sending alone | messages per second, whole process |")
    print("| --- | --- | --- | --- |")
    for sender in SENDERS:
        whole, alone = (median(r[sender][k] for r in rows) for k in ("whole_cpu_s", "cpu_s"))
        rate = median(1 / r[sender]["whole_wall_s"] for r in rows)
        print(f"| {sender} | {1e6 * whole:.0f} µs | {1e6 * alone:.0f} µs | {rate:,.0f} |")
    print(f"| calmcalf, in this process | | {1e6 * median(r['in-process']['cpu_s'] for r in rows):.0f} µs | |")
    print(f"| crypto floor | | {1e6 * median(r['floor']['cpu_s'] for r in rows):.0f} µs | |")
    startup = [r["start-up"]["whole_wall_s"] for r in rows]
    print(f"`dispatch --once` with nothing due: {median(startup):.2f} s ({spread(startup)})")
    goals = [
        ("CPU ÷ crypto floor", lambda r, k: r["calmcalf"][k] / r["floor"]["cpu_s"], "<=", 3.0),
        ("per core against tuned Node", lambda r, k: r["node"][k] / r["calmcalf"][k], ">=", 2.0),
        ("per core against pywebpush used well", lambda r, k: pywebpush_best(r, k) / r["calmcalf"][k], ">=", 3.0),
    ]
    met = True
    for words, ratio, sense, goal in goals:
        whole = [ratio(r, "whole_cpu_s") for r in rows]
        alone = [ratio(r, "cpu_s") for r in rows]
        value = median(whole)
        ok = value <= goal if sense == "<=" else value >= goal
        met &= ok
        print(
            f"  calmcalf dispatch --once, {words}: {value:.2f}x (goal {sense} {goal:g}: {'met' if ok else 'NOT MET'};"
            f" {spread(whole)}); sending alone {median(alone):.2f}x ({spread(alone)})"
        )
    inside = [r["in-process"]["cpu_s"] / r["floor"]["cpu_s"] for r in rows]
    print(f"  calmcalf in this process ÷ floor: {median(inside):.2f}x ({spread(inside)})")
    return met


def scaling(args) -> None:
    """1, 2 and 4 dispatcher processes on PostgreSQL, over HTTPS: a table of sending rates."""
    from tests.postgres import PostgresServer, server_binaries

    binaries = server_binaries()
    if binaries is None:
        sys.exit("--scaling needs PostgreSQL's server (Debian: apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="calmcalf-bench-scaling-"))
    service = bench.PushService("https", folder)
    server = PostgresServer(binaries).start()
    try:
        url = server.new_database()
        bench.fill_database(url, bench.subscriptions(service.origin, args.n))
        setup = {"url": url, "env": bench.command_env(url, service)}
        counts = (1, 2, 4)
        rates: dict[int, list[float]] = {k: [] for k in counts}
        print(f"\n== dispatcher processes on PostgreSQL, HTTPS: {args.n} messages a run, {args.rounds} rounds")
        for number in range(1, args.rounds + 1):
            for processes in counts:
                args.processes = processes
                idle = dispatch_once(setup, args, due=False)["whole_wall_s"]
                total = dispatch_once(setup, args)["whole_wall_s"]
                rates[processes].append(args.n / (total - idle))
                print(f"round {number}, {processes} process(es): {rates[processes][-1]:6.0f}/s", flush=True)
        assert service.count() == args.n * args.rounds * len(counts), "each reminder delivered once a run"
        print("\n| dispatcher processes | sending, per second (median) | rounds | vs 1 process |")
        print("| --- | --- | --- | --- |")
        for processes in counts:
            values = rates[processes]
            print(
                f"| {processes} | {median(values):.0f} | {min(values):.0f} to {max(values):.0f} |"
                f" {median(values) / median(rates[1]):.2f}x |"
            )
        print(f"every run delivered each of the {args.n} reminders once ({service.count()} in all)")
    finally:
        service.stop()
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="messages per sender per round (default 5000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--transport", choices=("both", "https", "http"), default="both")
    parser.add_argument("--processes", type=int, default=0, help="dispatcher processes (default: as shipped)")
    parser.add_argument("--scaling", action="store_true", help="1, 2 and 4 dispatcher processes on PostgreSQL instead")
    args = parser.parse_args()
    if args.scaling:
        scaling(args)
        return 0
    if not shutil.which("node") or not shutil.which("npm"):
        parser.error("the Node peer needs node and npm (Debian: apt-get install nodejs npm)")
    modules = peers.install_web_push(Path(tempfile.mkdtemp(prefix="calmcalf-bench-node-")))
    print(
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start (other work on the machine adds noise)"
    )
    transports = ("https", "http") if args.transport == "both" else (args.transport,)
    results = {transport: measure(transport, args, modules) for transport in transports}
    met = [report(transport, rows) for transport, rows in results.items()]
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
