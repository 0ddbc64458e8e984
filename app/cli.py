"""The `calmcalf` command: `serve` the app, or `dispatch` reminders."""

from __future__ import annotations

import argparse
import gc
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler
    from flask import Flask


class CannotListen(OSError):
    """The web server could not bind its address."""


def _number(option: str, low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from low to high, or a message naming the option."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be a number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{option} must be between {low} and {high}, not {value}")
        return value

    return parse


_port = _number("--port", 1, 65535)


def _workers(text: str) -> int:
    """A number of web server processes, 1 to 64."""
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"--workers must be a whole number from 1 to 64, not {text!r}")
    return int(text)


def _instant(text: str) -> datetime:
    """An ISO-8601 date and time; without an offset it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--now must be an ISO-8601 date and time, not {text!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def build_parser() -> argparse.ArgumentParser:
    """The command line, one subcommand per runtime piece."""
    parser = argparse.ArgumentParser(prog="calmcalf", description="Calm Calf server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web app (and the reminder dispatcher) on waitress")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--threads", type=_number("--threads", 1, 256), default=8, help="worker threads (default 8)")
    serve.add_argument(
        "--connections",
        type=_number("--connections", 1, 100_000),
        default=CONNECTIONS,
        help=f"most open connections at once (default {CONNECTIONS}; each slow or idle client holds one)",
    )
    serve.add_argument("--no-dispatch", action="store_true", help="do not send reminders from this process")
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="web server processes (default 1: one waitress process; more: gunicorn, behind nginx)",
    )
    dispatch = commands.add_parser("dispatch", help="send the reminders that are due")
    dispatch.add_argument("--once", action="store_true", help="send what is due now, print a summary and exit")
    dispatch.add_argument("--now", type=_instant, help="the time to dispatch for (ISO-8601; for tests)")
    dispatch.add_argument(
        "--workers", type=_number("--workers", 1, 1024), default=64, help="concurrent sends per process (default 64)"
    )
    dispatch.add_argument(
        "--processes",
        type=_number("--processes", 1, 256),
        default=os.cpu_count() or 1,
        help="dispatcher processes, each claiming its own batches (default: one per CPU)",
    )
    return parser


def ready_app(http: bool = True) -> Flask:
    """The app with its database migrated and writable: what `serve` and `dispatch` both start from.

    A database that is read-only, unreachable or on a full disk stops the start with one line
    saying which (on a full disk SQLite cannot even open its database once a clean stop has
    removed its shared-memory file). A server whose disk fills while it runs keeps running:
    writes and /readyz answer 503 "disk full" until there is room again.
    """
    from . import create_app, db
    from .health import check_ready
    from .reminders.vapid import start_warning

    app = create_app(http=http)
    db.upgrade(app)
    check_ready(app)
    warning = start_warning(app)
    if warning:  # a zero-configuration start: say once what real push services need
        print(warning, file=sys.stderr, flush=True)
    return app


def schedule_dispatch(app: Flask, scheduler: BaseScheduler) -> None:
    """Run the dispatcher every DISPATCH_INTERVAL_SECONDS (one run at a time)."""
    from .reminders.dispatch import Dispatcher

    dispatcher = Dispatcher(app)
    log = logging.getLogger("calmcalf.dispatch")

    def run() -> None:
        try:
            summary = dispatcher.run_once()
        except Exception as exc:  # a database outage: say so, and try again next interval
            log.error("dispatch run failed: %s", exc)
            return
        if summary.sent or summary.reasons:
            log.info(summary.line())

    scheduler.add_job(
        run,
        "interval",
        seconds=app.config["DISPATCH_INTERVAL_SECONDS"],
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )


# Waitress stops accepting once this many connections are open, and a client that sends its
# headers a byte at a time holds one for as long as it likes (waitress times out only silent
# ones): at its default of 100, a hundred such clients froze the server for every visitor. Far
# above the thread count, each costs a few KB and a file descriptor while it waits.
CONNECTIONS = 1000
SPARE_FILES = 256  # descriptors beside the connections: the database, logs, pipes
IDLE_SECONDS = 30  # a connection that sends nothing for this long is closed (waitress's default: 120)


def room_for(connections: int) -> int:
    """Raise the open-file limit so this many connections fit (up to the hard limit); how many do."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return connections if soft == resource.RLIM_INFINITY else max(1, min(connections, soft - SPARE_FILES))


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach the address."""
    import ipaddress

    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost
        return False


def serve(host: str, port: int, threads: int, dispatch: bool, workers: int = 1, connections: int = CONNECTIONS) -> None:
    """Run the app with waitress (not Flask's development server), dispatching in the background.

    With more than one worker, gunicorn runs that many processes (app.prefork).
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from waitress.server import create_server

    app = ready_app()
    if not is_loopback(host):
        print("For the public internet, put nginx in front (deploy/nginx/calmcalf.conf).", flush=True)
    if workers > 1:
        from .prefork import serve_prefork

        try:
            serve_prefork(app, host, port, workers, threads, dispatch)
        except OSError as exc:
            raise CannotListen(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        return
    fitting = room_for(connections)
    if fitting < connections:
        print(f"Open-file limit: {fitting} connections at once, not {connections} (raise it: ulimit -n).", flush=True)
    try:
        server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="calmcalf",
            # Bodies are refused here before they are buffered (the API takes 4 KB at most).
            max_request_body_size=int(app.config["MAX_REQUEST_BODY_BYTES"]),
            # X-Forwarded-* are judged by the app (ProxyFix, CALMCALF_TRUSTED_PROXIES), so keep them.
            clear_untrusted_proxy_headers=not int(app.config["TRUSTED_PROXIES"]),
            connection_limit=fitting,
            # poll(), not select(): select() fails on descriptors above 1023, and stops the server.
            asyncore_use_poll=True,
            channel_timeout=IDLE_SECONDS,
            cleanup_interval=IDLE_SECONDS // 3,
        )
    except OSError as exc:
        raise CannotListen(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if dispatch:
        scheduler = BackgroundScheduler(timezone=UTC)
        schedule_dispatch(app, scheduler)
        scheduler.start()
    print(f"Calm Calf is running on http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    server.run()


_FORKED_APP: Flask | None = None  # the parent's app, inherited by forked dispatcher processes


def _dispatch_process(now: datetime | None, workers: int) -> dict:
    """One forked dispatcher process: the parent's app, its own connections; claims its own batches."""
    from .reminders.dispatch import Dispatcher

    assert _FORKED_APP is not None
    return vars(Dispatcher(_FORKED_APP, workers=workers).run_once(now))


def dispatch(once: bool, now: datetime | None, workers: int, processes: int = 1) -> None:
    """Send due reminders: once (with a summary line), or every interval until stopped."""
    global _FORKED_APP
    from .db import get_db
    from .reminders.dispatch import Dispatcher
    from .reminders.outcomes import Summary

    app = ready_app(http=False)
    if once:
        dispatcher = Dispatcher(app, workers=workers)
        if processes <= 1 or not dispatcher.anything_due(now):  # nothing due: no processes to start
            parts = [vars(dispatcher.run_once(now))]
        else:
            import aiohttp  # noqa: F401  (the sending stack and the VAPID key: loaded once here, not in each process)
            import pywebpush  # noqa: F401

            from .reminders import validation  # noqa: F401
            from .reminders.vapid import shared_vapid

            shared_vapid(app)
            gc.freeze()  # the children's collector never scans, so never copies, what they share (a tenth less CPU)
            get_db(app).dispose()  # children open their own connections
            _FORKED_APP = app
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                parts = pool.starmap(_dispatch_process, [(now, workers)] * processes)
        print(Summary.total(parts).line(), flush=True)
        return
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone=UTC)
    schedule_dispatch(app, scheduler)
    scheduler.start()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: problems at start are one line on stderr, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from .config import ConfigError
    from .db import DatabaseProblem, describe_problem

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl …" at every start says nothing
    try:
        if args.command == "serve":
            serve(args.host, args.port, args.threads, not args.no_dispatch, args.workers, args.connections)
        elif args.command == "dispatch":
            dispatch(args.once, args.now, args.workers, args.processes)
    except ConfigError as exc:
        print(f"calmcalf: {exc}", file=sys.stderr)
        return 2
    except DatabaseProblem as exc:
        print(f"calmcalf: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # the database went away after the start
        print(f"calmcalf: {describe_problem(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:  # CannotListen, or an instance folder that cannot be made
        print(f"calmcalf: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
