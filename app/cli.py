"""The `calmcalf` command: `serve` the app, or `dispatch` reminders."""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import sys
from datetime import UTC, datetime


def _port(text: str) -> int:
    """A TCP port number, 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port must be a number, not {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port must be between 1 and 65535, not {port}")
    return port


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
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
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
    dispatch.add_argument("--workers", type=int, default=64, help="concurrent sends per process (default 64)")
    dispatch.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="dispatcher processes, each claiming its own batches (default: one per CPU)",
    )
    return parser


def ready_app():
    """The app with its database migrated: what `serve` and `dispatch` both start from."""
    from . import create_app, db

    app = create_app()
    db.upgrade(app)
    return app


def schedule_dispatch(app, scheduler) -> None:
    """Run the dispatcher every DISPATCH_INTERVAL_SECONDS (one run at a time)."""
    from .reminders.dispatch import Dispatcher

    dispatcher = Dispatcher(app)
    log = logging.getLogger("calmcalf.dispatch")

    def run() -> None:
        summary = dispatcher.run_once()
        if summary.sent or summary.pruned or summary.retried or summary.failed or summary.skipped:
            log.info(summary.line())

    scheduler.add_job(
        run,
        "interval",
        seconds=app.config["DISPATCH_INTERVAL_SECONDS"],
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )


def serve(host: str, port: int, threads: int, dispatch: bool, workers: int = 1) -> None:
    """Run the app with waitress (not Flask's development server), dispatching in the background.

    With more than one worker, gunicorn runs that many processes (app.prefork).
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from waitress import serve as waitress_serve

    app = ready_app()
    if workers > 1:
        from .prefork import serve_prefork

        serve_prefork(app, host, port, workers, threads, dispatch)
        return
    if dispatch:
        scheduler = BackgroundScheduler(timezone=UTC)
        schedule_dispatch(app, scheduler)
        scheduler.start()
    print(f"Calm Calf is running on http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    waitress_serve(app, host=host, port=port, threads=threads, ident="calmcalf")


def _dispatch_process(now: datetime | None, workers: int) -> dict:
    """One dispatcher process: its own app, engine and event loop; claims its own batches."""
    from . import create_app
    from .reminders.dispatch import Dispatcher

    summary = Dispatcher(create_app(), workers=workers).run_once(now)
    return vars(summary)


def dispatch(once: bool, now: datetime | None, workers: int, processes: int = 1) -> None:
    """Send due reminders: once (with a summary line), or every interval until stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from .db import get_db
    from .reminders.dispatch import Summary

    app = ready_app()
    if once:
        if processes <= 1:
            print(Summary(**_dispatch_process(now, workers)).line(), flush=True)
            return
        get_db(app).engine.dispose()  # children open their own connections
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.starmap(_dispatch_process, [(now, workers)] * processes)
        total = Summary(**{key: sum(part[key] for part in parts) for key in parts[0]})
        print(total.line(), flush=True)
        return
    scheduler = BlockingScheduler(timezone=UTC)
    schedule_dispatch(app, scheduler)
    scheduler.start()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    from .reminders.vapid import ConfigError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        if args.command == "serve":
            serve(args.host, args.port, args.threads, not args.no_dispatch, args.workers)
        elif args.command == "dispatch":
            dispatch(args.once, args.now, args.workers, max(1, args.processes))
    except ConfigError as exc:
        print(f"calmcalf: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if args.command != "serve":
            raise
        print(f"calmcalf: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
