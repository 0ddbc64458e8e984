"""The database: SQLite in the instance folder by default, PostgreSQL by URL.

The engine lives on the app (app.extensions["calmcalf_db"]); `session()` gives a
short unit of work. Alembic migrations (migrations/) are applied by `upgrade`,
which `calmcalf serve` and `calmcalf dispatch` call before they start.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy import ClauseElement, Connection, Engine, Row, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.compiler import SQLCompiler

from .config import ROOT

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


PING_AFTER_IDLE_S = 2.0


def ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use when it has sat unused for a while, not at every checkout.

    SQLAlchemy's pool_pre_ping costs every request a round trip. A connection handed back
    a moment ago is as good as the answer it just had; one idle for seconds may have
    lost its server (restarted, or a timeout on the way), and is then replaced before
    use instead of failing a request. (SQLAlchemy's "pessimistic" disconnect recipe:
    DisconnectionError in a checkout makes the pool try a fresh connection.)
    """

    def _idle_from(_dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def _ping_if_idle(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: object) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return  # just connected, or in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # whatever the driver raises for a dead connection
            raise DisconnectionError(str(error)) from error
        if not alive:
            raise DisconnectionError("the database did not answer a ping")

    event.listen(engine, "checkin", _idle_from)
    event.listen(engine, "checkout", _ping_if_idle)


class Prepared:
    """A Core statement compiled once per dialect, run as one DBAPI executemany (or once, for one row back).

    SQLAlchemy's execute() caches the compiled statement too, but still builds and
    converts each row's parameters through its general machinery, which for the
    dispatcher's small, frequent groups of answers, and for each save, costs more than
    the database's own work. Here each value goes through the same conversion (the column type's bind
    processor) SQLAlchemy would give it, in the order the compiled statement needs.
    """

    def __init__(self, statement: ClauseElement):
        self.statement = statement
        self.plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self.plans.get(dialect.name)
        if plan is None:
            compiled = self.statement.compile(dialect=dialect)
            assert isinstance(compiled, SQLCompiler)  # a statement, not DDL
            processors: dict[str, Callable[[Any], Any]] = {}
            for name, bind in compiled.binds.items():
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors[name] = _quicker(processor)
            order = list(compiled.positiontup) if compiled.positiontup is not None else None
            plan = self.plans[dialect.name] = _Plan(compiled.string, order, processors)
        return plan

    def _params(self, dialect: Dialect, rows: list[dict[str, Any]]) -> tuple[str, list[Any]]:
        plan = self._plan(dialect)
        processors = plan.processors
        if plan.order is None:  # named parameters (psycopg's %(name)s)
            return plan.sql, [
                {name: _bound(value, processors.get(name)) for name, value in row.items()} for row in rows
            ]
        # positional parameters (SQLite's "?"): every value fetched at once, then the few that need it converted
        fetch, converting, params = plan.fetch, plan.converting, []
        for row in rows:
            values = fetch(row)
            if converting:
                changed = list(values)
                for at, convert in converting:
                    value = changed[at]
                    if value is not None:
                        changed[at] = convert(value)
                values = tuple(changed)  # the DBAPI's executemany takes a list of tuples
            params.append(values)
        return plan.sql, params

    def one(self, connection: Connection, row: dict[str, Any]) -> Row[Any]:
        """Run the statement once and return the one row it returns (its RETURNING clause)."""
        sql, params = self._params(connection.dialect, [row])
        return connection.exec_driver_sql(sql, params[0]).one()

    def executemany(self, connection: Connection, rows: list[dict[str, Any]]) -> int:
        """Run the statement once per row (one executemany); the number of rows it matched."""
        sql, params = self._params(connection.dialect, rows)
        return int(connection.exec_driver_sql(sql, params).rowcount)


class _Plan:
    """A compiled statement for one dialect: its SQL, and how a row of parameters becomes the driver's."""

    def __init__(self, sql: str, order: list[str] | None, processors: dict[str, Callable[[Any], Any]]):
        self.sql, self.order, self.processors = sql, order, processors
        if order is not None:
            names = tuple(order)
            self.fetch: Callable[[dict[str, Any]], tuple[Any, ...]] = lambda row: tuple(row[n] for n in names)
            if len(names) > 1:
                self.fetch = itemgetter(*names)  # a tuple in the statement's order, in C
            self.converting = [(at, processors[name]) for at, name in enumerate(names) if name in processors]


# Naive datetimes that show whether a bind processor writes them as isoformat(" ", "microseconds") does.
_SAMPLES = (
    datetime(2026, 1, 2, 3, 4, 5),
    datetime(999, 12, 31, 23, 59, 59, 999999),
    datetime(2026, 11, 22, 21, 30, 0, 7),
)


def _quicker(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The same conversion, for naive datetimes in C where the processor writes them as isoformat does.

    SQLite stores datetimes as text: SQLAlchemy's processor formats each with a dict of its
    seven fields (about 1.5 µs; two per recorded answer); isoformat() writes the same text.
    Anything else (aware datetimes, dates, other types and formats) goes to the processor.
    """
    try:
        same = all(processor(sample) == sample.isoformat(" ", "microseconds") for sample in _SAMPLES)
    except Exception:  # not a processor for datetimes: whatever it raises, it is kept as it is
        return processor
    if not same:
        return processor

    def convert(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return processor(value)

    return convert


def _bound(value: Any, convert: Callable[[Any], Any] | None) -> Any:
    return value if convert is None or value is None else convert(value)


def init_app(app: Flask) -> None:
    """Create the engine for this app."""
    url = database_url(app)
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # A file on this machine: no connection to go stale, so nothing to test on each checkout.
        options["connect_args"] = {"check_same_thread": False, "timeout": 10}
    elif url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 10}  # an unreachable server is an error, not a hang
    engine = create_engine(url, **options)
    autocommit = None
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        ping_when_idle(engine)
        if engine.dialect.name == "postgresql":
            autocommit = create_engine(url, isolation_level="AUTOCOMMIT", **options)
            ping_when_idle(autocommit)
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


REVISION = re.compile(r"^(down_revision|revision)\s*=\s*['\"]?(\w+)", re.MULTILINE)


def newest_revision() -> str | None:
    """The one revision in migrations/versions/ that no other revision builds on (None if unclear)."""
    revisions, parents = set(), set()
    for script in (ROOT / "migrations" / "versions").glob("*.py"):
        found = dict(REVISION.findall(script.read_text()))
        if "revision" in found:
            revisions.add(found["revision"])
        if found.get("down_revision") not in (None, "None"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_current(engine: Engine) -> bool:
    """Whether the database already has every migration: a cheap look before asking Alembic."""
    head = newest_revision()
    try:
        with engine.connect() as connection:
            stamped = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False  # no table yet, or unreadable: let Alembic decide
    return head is not None and stamped == [head]


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


# SQLite: no room for a write, or for the shared-memory file WAL mode needs to open the database
# at all (after a clean stop removed it); PostgreSQL: SQLSTATE 53100 disk_full.
DISK_FULL_CODES = {"SQLITE_FULL", "SQLITE_IOERR_SHMSIZE", "53100"}


def disk_full(error: BaseException) -> bool:
    """Whether the database failed for want of disk space."""
    cause = getattr(error, "orig", None) or error
    code = getattr(cause, "sqlite_errorname", None) or getattr(cause, "sqlstate", None)
    return code in DISK_FULL_CODES or "no space left on device" in str(cause).lower()


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
