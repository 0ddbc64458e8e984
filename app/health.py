"""Liveness and readiness, for load balancers and deploy scripts.

`/healthz`: the process answers. `/readyz`: the database can be reached and
written: a small heartbeat row (one per machine) is written and committed, since a
write that is rolled back never reaches the disk on SQLite. A full disk is said as
such ("disk full"), apart from a database that is read-only or unreachable. Both
answers are JSON and never cached. `calmcalf serve` and `dispatch` run the same
check at start (app.cli.ready_app).
"""

from __future__ import annotations

import os
import socket

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from .db import DatabaseProblem, describe_problem, get_db, safe_url
from .errors import disk_full

bp = Blueprint("health", __name__)
NO_STORE = {"Cache-Control": "no-store"}

HOST = socket.gethostname()[:255]
# The database's clock; the count changes the row even within one second of it, so every beat is written.
BEAT = text(
    "INSERT INTO heartbeat (host, beat_at, beats) VALUES (:host, CURRENT_TIMESTAMP, 1)"
    " ON CONFLICT (host) DO UPDATE SET beat_at = excluded.beat_at, beats = heartbeat.beats + 1"
)
# SQLite reuses the room its write-ahead log already has, so a small commit can still succeed
# on a full disk while the next checkpoint or larger write fails: with less than this free
# beside the database file, it counts as full.
FREE_BYTES_NEEDED = 1 << 20


class DiskFull(DatabaseProblem):
    """The database's disk has no room for writes."""


def sqlite_folder(engine: Engine) -> str | None:
    """The folder of an SQLite database file (None for PostgreSQL or an in-memory database)."""
    name = engine.url.database or ""
    if engine.dialect.name != "sqlite" or name in ("", ":memory:"):
        return None
    path = name.removeprefix("file:").split("?", 1)[0]
    return os.path.dirname(os.path.abspath(path))


def free_bytes(folder: str) -> int:
    """Room left for this process on the folder's file system (root may use the reserved blocks)."""
    stats = os.statvfs(folder)
    return stats.f_frsize * (stats.f_bfree if os.geteuid() == 0 else stats.f_bavail)


def check_ready(app: Flask, named: bool = True) -> None:
    """Commit the heartbeat row, and see the disk has room: raises DiskFull or DatabaseProblem."""
    engine = get_db(app).engine
    url = safe_url(engine) if named else ""
    try:
        with engine.begin() as connection:
            connection.execute(BEAT, {"host": HOST})
    except SQLAlchemyError as error:
        raise (DiskFull if disk_full(error) else DatabaseProblem)(describe_problem(error, url)) from None
    folder = sqlite_folder(engine)
    if folder is not None and (left := free_bytes(folder)) < FREE_BYTES_NEEDED:
        name = f"the database {url}" if url else "the database"
        raise DiskFull(f"{name} has no room to write (disk full): {left // 1024} KiB free beside it")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok"), 200, NO_STORE


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    try:
        check_ready(current_app, named=False)
    except DatabaseProblem as problem:
        return jsonify(error=str(problem)), 503, NO_STORE
    return jsonify(status="ready"), 200, NO_STORE


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
