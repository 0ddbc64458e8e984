"""Load: today's default `calmcalf serve` against the scaled-out arrangement, side by side.

    .venv/bin/python bench/load.py [--rounds 3] [--duration 8] [--connections 200] [--only POST]

Starts, on loopback only, each piece as deploy/ configures it:
- default: `calmcalf serve` as it comes (waitress, SQLite, the dispatcher inside);
- scaled out: PostgreSQL with its default settings (durability on), Redis (the shared
  rate-limit storage), `--servers` x `calmcalf serve --workers N --no-dispatch`,
  `--dispatchers` x `calmcalf dispatch` (idle: nothing is due), and nginx with
  deploy/nginx/calmcalf.conf over HTTPS with HTTP/2 (a throwaway certificate), inside
  Debian's nginx.conf settings (access log on).
What it changes from deploy/, printed at the start of every run: the API's rate limit
(one client sends everything), and the push service allowed (loopback; nothing is sent).
Then, in interleaved rounds, wrk (Debian's; installed with apt-get if missing) runs at
200 connections against each, for `/` (answered from nginx's page cache), `/` with a
unique query string on every request (which nginx passes to the app servers uncached),
`/` with a unique tracking parameter (fbclid: answered from nginx's cache), a static asset,
a conditional `GET /` (304) and `POST /api/reminders` (real P-256 keys). wrk speaks
HTTP/1.1 (nginx offers HTTP/2 to browsers). Prints requests/s, p50, p99 and errors per
round and their medians, the peak memory of every process of each arrangement
(PostgreSQL, Redis, nginx, app servers and dispatchers included), and the ratios against
the goals: through the scaled-out arrangement cached `/` at least 10x the default,
uncached pages at least 3x, static files at least 10x, p99 under 250 ms for pages and
under 500 ms for the POST, with zero errors.
Before each run it waits (at most 15 s, printed) until every server process is idle, so
no run pays for work the one before left queued (`--no-settle`: no waiting).
Everything is bounded: rounds x targets x 2 runs of `--duration` seconds.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.arrangement import Nginx, calmcalf, stop, wait_until  # noqa: E402
from tests.net import free_port  # noqa: E402
from tests.postgres import PostgresServer, server_binaries  # noqa: E402
from tests.redisserver import RedisServer, redis_binary  # noqa: E402

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
GOALS = {"/": 10.0, "/?unique (uncached)": 3.0, "static": 10.0}
# What this benchmark sets differently from deploy/, and why: printed with the figures.
CHANGED = (
    "CALMCALF_API_RATE_LIMIT=100000000 per minute (deploy: 60 per minute per client; wrk is one client)",
    "CALMCALF_PUSH_SERVICE_HOSTS=[127.0.0.1], CALMCALF_PUSH_ALLOW_HTTP=true (the posted subscriptions point at loopback)",
    "one machine: every piece on loopback, sharing its cores with wrk",
)


def ensure_wrk() -> str:
    """wrk from Debian, installed if missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("bench/load.py needs wrk: apt-get install -y wrk")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    )
    return shutil.which("wrk") or "/usr/bin/wrk"


def post_bodies(count: int) -> list[str]:
    """Valid reminder bodies with real P-256 keys, on the (allowed) loopback push host."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    bodies = []
    for i in range(count):
        point = ec.generate_private_key(ec.SECP256R1()).public_key()
        raw = point.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        subscription = {
            "endpoint": f"http://127.0.0.1:9/push/{i}",
            "keys": {"p256dh": b64(raw), "auth": b64(os.urandom(16))},
        }
        bodies.append(
            json.dumps(
                {"subscription": subscription, "time": "21:30", "timezone": "Europe/London", "days": ["mon", "fri"]}
            )
        )
    return bodies


def lua_script(folder: Path, method: str, headers: dict, bodies: list[str] | None, unique: str = "") -> Path:
    """A wrk script: the headers; for POST a different body on each request; with `unique`, that
    query parameter with a value no other request has."""
    lines = [f'wrk.method = "{method}"']
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if unique:
        lines.append("local n = 0")
        lines.append("local threads = 0")
        lines.append('function setup(thread) thread:set("id", threads); threads = threads + 1 end')
        lines.append(
            f'request = function() n = n + 1; return wrk.format(nil, wrk.path .. "?{unique}=" .. id .. "-" .. n) end'
        )
    if bodies:
        lines.append("local bodies = {" + ",".join(json.dumps(b) for b in bodies) + "}")
        # Each wrk thread posts its own half of the bodies, so no two requests in flight share an endpoint.
        lines.append("local threads = 0")
        lines.append('function setup(thread) thread:set("id", threads); threads = threads + 1 end')
        lines.append("local i = 0")
        lines.append(
            "request = function() i = i + 2; return wrk.format(nil, nil, nil, bodies[(i + id) % #bodies + 1]) end"
        )
    path = folder / f"{method.lower()}-{len(list(folder.iterdir()))}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(wrk: str, url: str, script: Path, connections: int, duration: int) -> dict:
    """One wrk run: requests/s, p50 and p99 in ms, and errors (socket errors and non-2xx/3xx)."""
    out = subprocess.run(
        [
            wrk,
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    ).stdout
    latency = {
        m[0]: float(m[1]) * UNITS[m[2]] for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    }
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    names = ("connect", "read", "write", "timeout")
    kinds = dict(zip(names, map(int, socket.groups()), strict=True)) if socket else {}
    kinds["non-2xx/3xx"] = int(non2xx.group(1)) if non2xx else 0
    if not rate or "50" not in latency:
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    return {
        "rps": float(rate.group(1)),
        "p50": latency["50"],
        "p99": latency.get("99", float("nan")),
        "errors": sum(kinds.values()),
        "why": ", ".join(f"{kind} {n}" for kind, n in kinds.items() if n),  # which errors, if any
    }


def tree_stats(pids: list[int]) -> tuple[int, float]:
    """Resident memory (bytes) and CPU time so far (s) of these processes and all their descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    chosen, frontier = set(pids), list(pids)
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in chosen]
        chosen.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in chosen), sum(cpu.get(pid, 0.0) for pid in chosen)


def tree_rss(pids: list[int]) -> int:
    return tree_stats(pids)[0]


def settle(pids: list[int], limit: float = 15.0) -> float:
    """Wait (at most `limit` s) until these process trees are idle: under 5% of a core over half a second.

    When wrk stops, a server may still be working through requests it had already
    read (the default server queues them); without this, the next run would pay for them.
    Returns the seconds waited.
    """
    started = time.monotonic()
    _, before = tree_stats(pids)
    while time.monotonic() - started < limit:
        time.sleep(0.5)
        _, now = tree_stats(pids)
        if now - before < 0.025:
            break
        before = now
    return time.monotonic() - started


class PeakMemory:
    """Samples the memory of a set of process trees in the background; keeps the peak."""

    def __init__(self, pids: list[int]):
        self.pids, self.peak, self.running = pids, 0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, tree_rss(self.pids))
            time.sleep(0.25)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return self.peak


def bench_env(database_url: str | None, rate_limits: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")}
    env.update(
        CALMCALF_API_RATE_LIMIT="100000000 per minute",  # the benchmark is one client sending everything
        CALMCALF_PUSH_ALLOW_HTTP="true",
        CALMCALF_PUSH_SERVICE_HOSTS='["127.0.0.1"]',
        CALMCALF_TRUSTED_PROXIES="1",
    )
    if database_url:
        env["CALMCALF_DATABASE_URL"] = database_url
    if rate_limits:
        env["CALMCALF_RATELIMIT_STORAGE_URI"] = rate_limits
    return env


def summary(rows: list[dict]) -> str:
    rps = [r["rps"] for r in rows]
    return (
        f"{statistics.median(rps):8.0f}/s ({min(rps):.0f}–{max(rps):.0f})  p50 {statistics.median(r['p50'] for r in rows):7.1f} ms"
        f"  p99 {statistics.median(r['p99'] for r in rows):7.1f} ms (worst {max(r['p99'] for r in rows):.0f})"
        f"  errors {sum(r['errors'] for r in rows)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--only", default="", help="run only the targets whose name contains this (e.g. POST)")
    parser.add_argument("--servers", type=int, default=2, help="calmcalf serve processes behind nginx")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--dispatchers", type=int, default=2, help="calmcalf dispatch processes (as deploy/ runs 2)")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers, as deploy/)"
    )
    parser.add_argument(
        "--no-settle",
        dest="settle",
        action="store_false",
        help="start each run straight after the last, without waiting for the servers to go idle",
    )
    args = parser.parse_args()
    if server_binaries() is None:
        sys.exit("bench/load.py needs PostgreSQL: apt-get install -y postgresql")
    wrk = ensure_wrk()
    print("changed from deploy/ for the benchmark:" + "".join(f"\n  - {change}" for change in CHANGED), flush=True)
    folder = Path(tempfile.mkdtemp(prefix="calmcalf-load-"))
    postgres = PostgresServer(server_binaries(), durable=True).start()  # PostgreSQL's defaults, as deployed
    # The scaled-out servers share one rate-limit budget per client in Redis, as deploy/calmcalf.env has it.
    binary = redis_binary()
    if binary is None:
        sys.exit("bench/load.py needs redis-server: apt-get install -y redis-server")
    redis = RedisServer(binary).start()
    processes: list[subprocess.Popen] = []
    nginx = None
    try:
        default_port = free_port()
        default = calmcalf(
            ["serve", "--port", str(default_port)], bench_env(f"sqlite:///{folder}/default.db"), folder / "default.log"
        )
        processes.append(default)
        scaled_env = bench_env(postgres.new_database(), redis.url)
        ports = [free_port() for _ in range(args.servers)]
        scaled = []
        for port in ports:
            command = [
                "serve",
                "--port",
                str(port),
                "--no-dispatch",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
            ]
            scaled.append(calmcalf(command, scaled_env, folder / f"scaled-{port}.log"))
        dispatchers = [
            calmcalf(["dispatch"], scaled_env, folder / f"dispatch-{n}.log") for n in range(args.dispatchers)
        ]
        processes += scaled + dispatchers
        for port in [default_port, *ports]:
            wait_until(lambda p=port: requests.get(f"http://127.0.0.1:{p}/", timeout=5).ok, 120, f"server on {port}")
        nginx = Nginx(free_port(), ports, workers=2).start()
        bases = {"default": f"http://127.0.0.1:{default_port}", "scaled": f"https://127.0.0.1:{nginx.port}"}
        wait_until(lambda: requests.get(bases["scaled"] + "/", verify=False, timeout=5).ok, 30, "nginx")

        page = requests.get(bases["default"] + "/", headers={"Accept-Encoding": "gzip"}, timeout=10)
        static = re.search(r'href="(/static/[0-9a-f]{12}/css/app\.css)"', page.text).group(1)
        gzip = {"Accept-Encoding": "gzip"}
        scripts = folder / "lua"
        scripts.mkdir()
        bodies = post_bodies(2000)
        targets = {
            "/": ("/", lua_script(scripts, "GET", gzip, None)),
            "/?unique (uncached)": ("/", lua_script(scripts, "GET", gzip, None, unique="v")),
            "/?fbclid=unique": ("/", lua_script(scripts, "GET", gzip, None, unique="fbclid")),
            "static": (static, lua_script(scripts, "GET", gzip, None)),
            "GET / (304)": ("/", lua_script(scripts, "GET", {**gzip, "If-None-Match": page.headers["ETag"]}, None)),
            "POST /api/reminders": (
                "/api/reminders",
                lua_script(scripts, "POST", {"Content-Type": "application/json"}, bodies),
            ),
        }
        targets = {name: target for name, target in targets.items() if args.only in name}
        for base in bases.values():  # warm up: pages rendered, caches filled, connections made
            for path, script in targets.values():
                run_wrk(wrk, base + path, script, 20, 1)

        helpers = [server.process for server in (postgres, redis) if server.process]
        scaled_pids = [*(p.pid for p in scaled + dispatchers), nginx.process.pid, *(p.pid for p in helpers)]
        memory = {"default": PeakMemory([default.pid]), "scaled": PeakMemory(scaled_pids)}
        everything = [default.pid, *scaled_pids]
        results: dict[tuple[str, str], list[dict]] = {}
        for round_number in range(1, args.rounds + 1):
            for name, (path, script) in targets.items():
                for arrangement, base in bases.items():
                    waited = settle(everything) if args.settle else 0.0  # each run starts on quiet servers
                    row = run_wrk(wrk, base + path, script, args.connections, args.duration)
                    results.setdefault((name, arrangement), []).append(row)
                    print(
                        f"round {round_number} {name:22} {arrangement:8} {row['rps']:8.0f}/s  p50 {row['p50']:7.1f} ms"
                        f"  p99 {row['p99']:7.1f} ms  errors {row['errors']}  (settled {waited:.1f} s)"
                        + (f" ({row['why']})" if row["why"] else ""),
                        flush=True,
                    )
        peaks = {name: sampler.stop() for name, sampler in memory.items()}
    finally:
        stop(processes)
        if nginx:
            nginx.stop()
        postgres.stop()
        redis.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return report(results, peaks, args)


def report(results: dict, peaks: dict, args) -> int:
    """Medians, ratios per round and overall, and the goals."""
    ok = True
    print(
        f"\n{args.connections} connections, {args.rounds} rounds of {args.duration} s; wrk shares the 2 cores with the servers"
    )
    print(
        f"scaled out: nginx (2 workers, HTTPS, HTTP/2 offered, access log on) + {args.servers} x calmcalf serve"
        f" --workers {args.workers} --threads {args.threads} + {args.dispatchers} x calmcalf dispatch,"
        " on PostgreSQL (default settings: fsync, synchronous_commit, full_page_writes on), rate limits in Redis"
    )
    print("changed from deploy/ for the benchmark:" + "".join(f"\n  - {change}" for change in CHANGED))
    for name in ("/", "/?unique (uncached)", "/?fbclid=unique", "static", "GET / (304)", "POST /api/reminders"):
        if (name, "scaled") not in results:
            continue
        default, scaled = results[(name, "default")], results[(name, "scaled")]
        ratios = [s["rps"] / d["rps"] for s, d in zip(scaled, default, strict=True)]
        ratio = statistics.median(s["rps"] for s in scaled) / statistics.median(d["rps"] for d in default)
        print(f"{name}\n  default {summary(default)}\n  scaled  {summary(scaled)}")
        print(f"  ratio {ratio:.1f}x (rounds {min(ratios):.1f}x–{max(ratios):.1f}x)")
        goal = GOALS.get(name)
        budget = 500.0 if name.startswith("POST") else 250.0
        worst = max(s["p99"] for s in scaled)
        errors = sum(s["errors"] for s in scaled)
        passed = (goal is None or ratio >= goal) and worst < budget and errors == 0
        ok = ok and passed
        goal_text = f"ratio >= {goal:.0f}x, " if goal else ""
        print(f"  goal: {goal_text}p99 < {budget:.0f} ms, zero errors: {'PASS' if passed else 'FAIL'}")
    print(
        f"peak memory: default {peaks['default'] / 2**20:.0f} MB; scaled out (every process: app servers, dispatchers,"
        f" nginx, PostgreSQL, Redis) {peaks['scaled'] / 2**20:.0f} MB"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    requests.packages.urllib3.disable_warnings()  # the throwaway certificate
    sys.exit(main())
