"""Scale: the dispatcher on 1M reminders (100k waiting to retry) against an almost empty table, side by side.

    .venv/bin/python bench/scale.py [--rows 1000000] [--deferred 100000] [--due 50000] [--rounds 3]

Starts, on loopback only, a PostgreSQL server with its default settings (durability
on, as deploy/ runs it) and the fake push service (tests/fakepush.py, counting only:
no decryption, so its CPU stays small; it runs in this process, whose CPU is not
counted). Two databases:
- big: `--rows` reminders (tests/bulkload.py: generate_series and COPY), of which
  `--deferred` wait to retry (their push service paused) and `--due` are due now,
  for real subscriptions of the fake push service; the rest were sent tonight;
- almost empty: the same `--due` reminders and nothing else.
Then, for each database:
1. each statement of the dispatcher (the due look, the release of expired leases,
   a claim of 250, the renewal of 250, a record of 64 answers), run `--repeat` times in
   a transaction that is rolled back: median and range of its time, and the pages it
   touched (EXPLAIN (ANALYZE, BUFFERS), once);
2. in interleaved rounds, the whole dispatch of the `--due` reminders by
   `calmcalf dispatch --once` as shipped (its default processes), after a run with
   nothing due (its start-up): CPU per message of the dispatcher's processes (start-up
   subtracted) and of PostgreSQL's (its backends, which run the statements, apart from
   its autovacuum and background writers), the sending rate, what the push service got
   (each reminder exactly once), and from pg_stat_statements each statement's mean time
   and pages during the dispatch.
Goals: per-message CPU on the big table within 10% of the almost empty table's, and no
statement whose pages grow with the table (at most 1.2x those on the empty one, plus
a page per index visit of each row in hand, for a B-tree one level deeper). The machine is shared: read medians and ranges.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from tests import bulkload  # noqa: E402
from tests.fakepush import FakePushService  # noqa: E402
from tests.postgres import PostgresServer, server_binaries  # noqa: E402

SUBJECT = "mailto:bench@calmcalf.example"
ROWS_IN_HAND = {"due look": 1, "release": 0, "claim": 250, "renew": 250, "record 64": 64}


def statement_stats(url: str, reset: bool = False) -> dict[str, tuple[int, float, float]]:
    """pg_stat_statements for the dispatcher's statements: name -> (calls, mean ms, mean pages); or reset it."""
    # As pg_stat_statements shows them (constants made parameters): the longest matching start names it.
    kinds = {
        "WITH due AS": "claim",
        "UPDATE reminders SET lease_until=$": "release",
        "UPDATE reminders SET lease_until=((statement_timestamp()": "renew",
        "UPDATE reminders SET next_due_at=": "record",
        "SELECT (SELECT reminders.id": "due look",
        "SELECT ((statement_timestamp()": "clock",
    }
    with psycopg.connect(bulkload.plain_url(url), autocommit=True) as connection:
        if reset:
            connection.execute("SELECT pg_stat_statements_reset()")
            return {}
        rows = connection.execute(
            "SELECT query, calls, mean_exec_time, (shared_blks_hit + shared_blks_read)::float / calls"
            " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
    found: dict[str, tuple[int, float, float]] = {}
    for query, calls, mean_ms, pages in rows:
        matches = [prefix for prefix in kinds if query.startswith(prefix)]
        if matches:
            found[kinds[max(matches, key=len)]] = (calls, mean_ms, pages)
    return found


class PostgresCpu:
    """CPU of a PostgreSQL server's processes while it runs, by kind (backends, autovacuum, background)."""

    def __init__(self, postmaster: int):
        self.postmaster = postmaster
        self.first: dict[int, float] = {}  # CPU when first seen: the baseline of processes already running
        self.last: dict[int, tuple[str, float]] = {}  # kind (from the latest title) and CPU when last seen
        self.samples = 0
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        """Every 50 ms: each child's CPU so far (a backend that ends loses at most its last 50 ms)."""
        ticks = os.sysconf("SC_CLK_TCK")
        while self.running:
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[1]) != self.postmaster:
                        continue
                    title = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
                cpu = (int(fields[11]) + int(fields[12])) / ticks
                # A backend shows the postmaster's command line until it has set its own title: the latest names it.
                kind = "autovacuum" if "autovacuum" in title else "backends" if "127.0.0.1(" in title else "background"
                self.first.setdefault(int(entry), cpu if self.samples == 0 else 0.0)
                self.last[int(entry)] = (kind, cpu)
            self.samples += 1
            time.sleep(0.05)

    def stop(self) -> dict[str, float]:
        self.running = False
        self.thread.join()
        used: dict[str, float] = {"backends": 0.0, "autovacuum": 0.0, "background": 0.0}
        for pid, (kind, cpu) in self.last.items():
            used[kind] += cpu - self.first[pid]
        return used


def migrated(url: str):
    """The app (dispatcher parts) on a migrated database."""
    from app import create_app, db

    app = create_app({"DATABASE_URL": url, "PUSH_SERVICE_HOSTS": ["127.0.0.1"], "PUSH_ALLOW_HTTP": True}, http=False)
    db.upgrade(app)
    return app


def load(url: str, rows: int, deferred: int, subscriptions: list[dict]) -> float:
    """Fill a database; the seconds it took."""
    started = time.perf_counter()
    with psycopg.connect(bulkload.plain_url(url), autocommit=True) as connection:
        if rows:
            bulkload.add_rows(connection, "later", rows - deferred - len(subscriptions))
            bulkload.add_rows(connection, "deferred", deferred)
        bulkload.add_subscribed(connection, subscriptions)
        connection.execute("VACUUM ANALYZE reminders")
    return time.perf_counter() - started


def make_due(url: str, due: int) -> None:
    """The subscribed reminders (the last `due` rows loaded) due again a minute ago; the rest as they were.

    By primary key, and with no VACUUM or ANALYZE: reading the whole table would leave
    PostgreSQL's cache full of it for the next run. Autovacuum does the upkeep, as deployed.
    """
    with psycopg.connect(bulkload.plain_url(url), autocommit=True) as connection:
        connection.execute(
            f"UPDATE reminders SET next_due_at = {bulkload.NOW} - interval '1 minute', done_through = NULL,"
            " retry_after = NULL, attempts = 0, lease_until = NULL, lease_token = NULL"
            " WHERE id > (SELECT max(id) FROM reminders) - %s",
            (due,),
        )


def statement_times(app, repeat: int) -> dict[str, tuple[list[float], int]]:
    """Each statement's times (ms) over `repeat` rolled-back runs, and its pages (EXPLAIN BUFFERS, once)."""
    from app.db import get_db
    from app.reminders.answers import Outcome
    from app.reminders.dispatch import ANY_DUE, BATCH, CLAIM, RECORD_GROUP, RELEASE, RENEW, Dispatcher
    from app.reminders.outcomes import RECORD_AS_CLAIMED, Claimed, _plan
    from app.reminders.schedule import from_naive_utc

    dispatcher = Dispatcher(app)
    dispatcher.time.sync()
    clock = dispatcher.time.params(dispatcher.lease)
    engine = get_db(app).engine
    rng = random.Random(1)
    times: dict[str, list[float]] = {}

    def timed(name: str, run):
        started = time.perf_counter()
        result = run()
        times.setdefault(name, []).append(1000 * (time.perf_counter() - started))
        return result

    def one_of_each(connection, token: str, explain: bool) -> list[dict]:
        """A dispatcher's statements in its order, rolled back: timed, or run under EXPLAIN (their plans)."""
        with connection.begin() as transaction:
            with bulkload.explaining(connection) if explain else contextlib.nullcontext([]) as plans:
                timed("due look", lambda: connection.execute(ANY_DUE, clock).scalar())
                timed("release", lambda: connection.execute(RELEASE, clock))
            if explain:  # the claim for real, as the renewal and the record need its rows
                with bulkload.explaining(connection) as claimed:
                    connection.execute(CLAIM, {**clock, "token": "explained", "batch": BATCH})
                plans += claimed
            rows = timed("claim", lambda: connection.execute(CLAIM, {**clock, "token": token, "batch": BATCH}).all())
            batch = [Claimed(r[0], token, r[1], r[2], r[3], from_naive_utc(r[4]), *r[5:]) for r in rows]
            now = dispatcher.clock()
            changes = [
                {**_plan(row, Outcome("sent", 201), row, now, rng).change, "seen": row.updated_at}
                for row in batch[:RECORD_GROUP]
            ]
            with bulkload.explaining(connection) if explain else contextlib.nullcontext([]) as written:
                renew = {**clock, "tokens": [token], "ids": [row.id for row in batch]}
                timed("renew", lambda: connection.execute(RENEW, renew))
                # one answer under EXPLAIN (its pages x 64); all 64 in one executemany when timed
                timed("record 64", lambda: connection.execute(RECORD_AS_CLAIMED, changes[:1] if explain else changes))
            transaction.rollback()
        return plans + written

    with engine.connect() as connection:
        plans = one_of_each(connection, "explained-too", explain=True)
        times.clear()  # the explained run also warmed the caches: its times are not counted
        pages = dict(
            zip(("due look", "release", "claim", "renew", "record 64"), map(bulkload.pages, plans), strict=True)
        )
        pages["record 64"] *= RECORD_GROUP
        for n in range(repeat):
            one_of_each(connection, f"bench{n}", explain=False)
    return {name: (values, pages[name]) for name, values in times.items()}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def postgres_cpu(pid: int) -> float:
    """CPU seconds of the PostgreSQL server: the postmaster, its live backends, and those that have ended."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid:
            total += sum(int(f) for f in fields[11:15]) / ticks  # utime, stime, and reaped children's
        elif int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def dispatch(url: str, push: FakePushService, server_pid: int) -> dict:
    """The whole dispatch, with PostgreSQL's CPU by kind and its statements' figures."""
    return dispatch_command(url, push, server_pid)


def wal_stats(url: str) -> tuple[float, float]:
    """The server's WAL written so far: bytes, and fsyncs (pg_stat_wal; the runs are one at a time)."""
    with psycopg.connect(bulkload.plain_url(url), autocommit=True) as connection:
        row = connection.execute("SELECT wal_bytes::float, wal_sync::float FROM pg_stat_wal").fetchone()
    assert row is not None
    return row[0], row[1]


def dispatch_command(url: str, push: FakePushService, server_pid: int) -> dict:
    """`calmcalf dispatch --once` as shipped: with nothing due (start-up), then with everything due."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")},
        "CALMCALF_DATABASE_URL": url,
        "CALMCALF_PUSH_ALLOW_HTTP": "true",
        "CALMCALF_PUSH_SERVICE_HOSTS": '["127.0.0.1"]',
        "CALMCALF_VAPID_SUBJECT": SUBJECT,
    }
    command = [sys.executable, "-m", "app.cli", "dispatch", "--once"]

    def run(extra: list[str]) -> tuple[float, float, float, str]:
        cpu, pg, started = children_cpu(), postgres_cpu(server_pid), time.perf_counter()
        result = subprocess.run([*command, *extra], env=env, capture_output=True, text=True, cwd=ROOT, timeout=1800)
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        return time.perf_counter() - started, children_cpu() - cpu, postgres_cpu(server_pid) - pg, result.stdout.strip()

    _, idle_cpu, idle_pg, line = run(["--now", "2000-01-01T00:00:00Z"])  # nothing is due then
    assert line.startswith("sent=0 "), line
    push.messages.clear()
    statement_stats(url, reset=True)
    wal = wal_stats(url)
    watch = PostgresCpu(server_pid)  # the run with everything due only
    wall, cpu, pg, line = run([])
    kinds = watch.stop()
    used = {"wal": [after - before for before, after in zip(wal, wal_stats(url), strict=True)]}
    used.update(pg_kinds=kinds, statements=statement_stats(url))
    return {"wall": wall, "cpu": cpu - idle_cpu, "pg": pg - idle_pg, "line": line, **used}


def spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    return f"{scale * statistics.median(values):.{digits}f} ({scale * min(values):.{digits}f}–{scale * max(values):.{digits}f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--deferred", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=30, help="rolled-back runs of each statement")
    args = parser.parse_args()
    binaries = server_binaries()
    if binaries is None:
        sys.exit("bench/scale.py needs PostgreSQL: apt-get install -y postgresql")
    server = PostgresServer(binaries, durable=True)
    server.settings["shared_preload_libraries"] = "pg_stat_statements"  # each statement's time and pages
    server.start()
    push = FakePushService(verify=False)
    push.start()
    try:
        print(f"PostgreSQL {binaries.parent.name} with its default settings (fsync, synchronous_commit on)", flush=True)
        subscribers = [push.subscriber() for _ in range(args.due)]
        subscriptions = [s.subscription() for s in subscribers]
        urls = {"big": server.new_database(), "empty": server.new_database()}
        apps = {name: migrated(url) for name, url in urls.items()}
        for url in urls.values():
            with psycopg.connect(bulkload.plain_url(url), autocommit=True) as connection:
                connection.execute("CREATE EXTENSION pg_stat_statements")
        for name, rows in (("big", args.rows), ("empty", 0)):
            seconds = load(urls[name], rows, args.deferred if rows else 0, subscriptions)
            total = rows or args.due
            print(f"{name}: {total:,} reminders loaded in {seconds:.1f} s", flush=True)
        statements = {name: statement_times(app, args.repeat) for name, app in apps.items()}
        runs: dict[str, list[dict]] = {"big": [], "empty": []}
        for number in range(1, args.rounds + 1):
            for name, url in urls.items():
                make_due(url, args.due)
                run = dispatch(url, push, server.process.pid)
                tally = push.tally(subscribers)
                assert tally == {"delivered": args.due, "lost": 0, "doubled": 0}, (name, tally, run["line"])
                runs[name].append(run)
                kinds = ", ".join(f"{kind} {1e6 * cpu / args.due:.0f}" for kind, cpu in run["pg_kinds"].items())
                kinds += f"; WAL {run['wal'][0] / args.due:.0f} bytes/msg, {run['wal'][1]:.0f} fsyncs"
                print(
                    f"round {number} {name:5}: {run['line']}; {args.due / run['wall']:6.0f}/s,"
                    f" CPU {1e6 * run['cpu'] / args.due:5.0f} us/msg (dispatcher),"
                    f" {1e6 * run['pg'] / args.due:5.0f} us/msg (PostgreSQL: {kinds}); each delivered once",
                    flush=True,
                )
    finally:
        push.refuse()
        server.stop()
    return report(args, statements, runs)


def report(args, statements: dict, runs: dict) -> int:
    """The side-by-side table, and the goals."""
    print(f"\nstatements (ms: median (range) of {args.repeat} rolled-back runs; pages: EXPLAIN BUFFERS)")
    print(
        f"| statement | {args.rows:,} rows, {args.deferred:,} waiting to retry | {args.due:,} rows | pages big / empty |"
    )
    print("| --- | --- | --- | --- |")
    grows = []
    for name, (big, big_pages) in statements["big"].items():
        empty, empty_pages = statements["empty"][name]
        print(f"| {name} | {spread(big)} ms | {spread(empty)} ms | {big_pages} / {empty_pages} |")
        # A bigger table may give a B-tree one more level: a page more for each of a row's (up to 4) index visits.
        if big_pages > 1.2 * empty_pages + 4 * ROWS_IN_HAND[name] + 20:
            grows.append(name)
    cpu = {name: [r["cpu"] / args.due for r in rows] for name, rows in runs.items()}
    pg = {name: [r["pg"] / args.due for r in rows] for name, rows in runs.items()}
    rate = {name: [args.due / r["wall"] for r in rows] for name, rows in runs.items()}
    print(
        f"\nwhole dispatch of {args.due:,} due (calmcalf dispatch --once as shipped; {args.rounds} interleaved rounds)"
    )
    print("| table | sent per second | dispatcher CPU us/msg | PostgreSQL CPU us/msg |")
    print("| --- | --- | --- | --- |")
    for name in ("big", "empty"):
        print(f"| {name} | {spread(rate[name], digits=0)} | {spread(cpu[name], 1e6, 0)} | {spread(pg[name], 1e6, 0)} |")
    backends = {name: [r["pg_kinds"]["backends"] / args.due for r in rows] for name, rows in runs.items()}
    vacuum = {name: [r["pg_kinds"]["autovacuum"] / args.due for r in rows] for name, rows in runs.items()}
    for name in ("big", "empty"):
        print(
            f"  {name}: PostgreSQL's backends {spread(backends[name], 1e6, 0)} us/msg,"
            f" autovacuum {spread(vacuum[name], 1e6, 0)} us/msg"
        )
    print("\nstatements during the dispatch (pg_stat_statements, last round: calls, mean ms, mean pages)")
    print("| statement | big | empty |")
    print("| --- | --- | --- |")
    for kind in ("clock", "due look", "release", "claim", "renew", "record"):
        cells = []
        for name in ("big", "empty"):
            calls, mean_ms, pages = runs[name][-1]["statements"].get(kind, (0, 0.0, 0.0))
            cells.append(f"{calls} calls, {mean_ms:.3f} ms, {pages:.0f} pages")
        print(f"| {kind} | {cells[0]} | {cells[1]} |")
    ratio = statistics.median(cpu["big"]) / statistics.median(cpu["empty"])
    pg_ratio = statistics.median(pg["big"]) / statistics.median(pg["empty"])
    print(f"dispatcher CPU per message, big / empty: {ratio:.2f}x; PostgreSQL's: {pg_ratio:.2f}x")
    cpu_ok = ratio <= 1.10
    print(f"goal: per-message CPU within 10% of the empty table's: {'PASS' if cpu_ok else 'FAIL'}")
    print(f"goal: no statement whose pages grow with the table: {'PASS' if not grows else 'FAIL: ' + ', '.join(grows)}")
    return 0 if cpu_ok and not grows else 1


if __name__ == "__main__":
    sys.exit(main())
