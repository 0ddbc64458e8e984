"""The database: SQLite in the instance folder by default, PostgreSQL by URL.

The engine lives on the app (app.extensions["calmcalf_db"]); `session()` gives a
short unit of work. Alembic migrations (migrations/) are applied by `upgrade`,
which `calmcalf serve` and `calmcalf dispatch` call before they start.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from .config import ROOT
from .errors import disk_full

if TYPE_CHECKING:
    from alembic.config import Config


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker
    # PostgreSQL: a second pool whose connections are in autocommit mode from the start, for
    # work that is one statement (a save): no BEGIN and COMMIT round trips, and nothing to
    # switch on each checkout. None on SQLite.
    autocommit: Engine | None = None

    def dispose(self) -> None:
        """Close every pooled connection (before a fork: each child opens its own)."""
        self.engine.dispose()
        if self.autocommit is not None:
            self.autocommit.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session


def database_url(app: Flask) -> str:
    """CALMCALF_DATABASE_URL, or an SQLite file in the instance folder."""
    url = app.config.get("DATABASE_URL")
    if url:
        return str(url)
    os.makedirs(app.instance_path, exist_ok=True)
    return f"sqlite:///{os.path.join(app.instance_path, 'calmcalf.db')}"


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    """WAL lets readers and one writer work at once; wait for a lock instead of failing.

    With WAL, synchronous=NORMAL syncs at checkpoints rather than at every commit: a
    killed process loses nothing committed (only a power cut could lose the last
    commits), and a commit costs a write instead of an fsync.
    """
    cursor = dbapi_connection.cursor()
    with contextlib.suppress(sqlite3.OperationalError):  # read-only: health.check_ready says what is wrong
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def init_app(app: Flask) -> None:
    """Create the engine for this app."""
    url = database_url(app)
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # A file on this machine: no connection to go stale, so nothing to test on each checkout.
        options["connect_args"] = {"check_same_thread": False, "timeout": 10}
    else:
        # A server may restart or drop an idle connection: each checkout is tested first, and a
        # dead connection replaced, so no request fails for it (SQLAlchemy's pessimistic disconnect handling).
        options["pool_pre_ping"] = True
        if url.startswith("postgresql"):
            options["connect_args"] = {"connect_timeout": 10}  # an unreachable server is an error, not a hang
    engine = create_engine(url, **options)
    autocommit = None
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        autocommit = create_engine(url, isolation_level="AUTOCOMMIT", **options)
    app.extensions["calmcalf_db"] = Database(engine, sessionmaker(engine, expire_on_commit=False), autocommit)


def get_db(app: Flask | None = None) -> Database:
    """The database of this app (or of the current one)."""
    database: Database = (app or current_app).extensions["calmcalf_db"]
    return database


def alembic_config(engine: Engine) -> Config:
    """Alembic's configuration for this engine (alembic is imported only when there is work for it)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["engine"] = engine
    return config


MIGRATION_LOCK = 0x6361_6C66  # any fixed number: PostgreSQL advisory locks are named by integers


def is_current(engine: Engine) -> bool:
    """Whether the database already has every migration: a cheap look before asking Alembic to upgrade.

    The heads come from Alembic's own ScriptDirectory (a small import; the migration
    machinery itself is imported only when there is work for it).
    """
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    try:
        with engine.connect() as connection:
            stamped = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError:
        return False  # no table yet, or unreadable: let Alembic decide
    return bool(heads) and stamped == heads


def upgrade(app: Flask) -> None:
    """Apply every migration not yet applied (safe to run from many processes).

    On PostgreSQL, servers and dispatchers starting together take turns on an
    advisory lock, so two of them never create the same table at once. Alembic (a
    large import) is loaded only when the database is behind, so a `dispatch --once`
    on an up-to-date database starts quickly.
    """
    engine = get_db(app).engine
    if is_current(engine):
        return
    from alembic import command

    try:
        if engine.dialect.name != "postgresql":
            command.upgrade(alembic_config(engine), "head")
            return
        with engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                command.upgrade(alembic_config(engine), "head")
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                lock.commit()
    except SQLAlchemyError as error:
        # SQLite has no advisory lock: two processes starting together on a new file both
        # migrate, and the one that loses finds the tables already there. That is success.
        # A file that cannot be opened or written is no such race: it is said at once.
        raced = _what(error)[0] == "cannot be used"
        if engine.dialect.name != "postgresql" and raced and _becomes_current(engine):
            return
        raise DatabaseProblem(describe_problem(error, safe_url(engine))) from None


def _becomes_current(engine: Engine, wait_s: float = 15.0) -> bool:
    """Whether another process finishes the same migrations within wait_s (it may still be stamping)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if is_current(engine):
            return True
        time.sleep(0.1)
    return False


class DatabaseProblem(RuntimeError):
    """The database cannot be used: one line that names it and says why."""


def _what(error: BaseException) -> tuple[str, str]:
    """What is wrong, in a few words, and the error's first line (without SQL or a traceback)."""
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    lower = first.lower()
    if disk_full(error):
        return "has no room to write (disk full)", first
    if "read-only" in lower or "readonly" in lower:
        return "is read-only", first
    if "unable to open" in lower or "does not exist" in lower:
        return "cannot be opened", first
    if "connect" in lower or "connection" in lower or "timeout" in lower:
        return "cannot be reached", first
    return "cannot be used", first


def describe_problem(error: BaseException, url: str = "") -> str:
    """One line for a database error: what is wrong, without SQL or a traceback."""
    what, first = _what(error)
    name = f"the database {url}" if url else "the database"
    return f"{name} {what}: {first}"


def safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
