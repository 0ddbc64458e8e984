"""The database: SQLite in the instance folder by default, PostgreSQL by URL.

The engine lives on the app (app.extensions["calmcalf_db"]); `session()` gives a
short unit of work. Alembic migrations (migrations/) are applied by `upgrade`,
which `calmcalf serve` and `calmcalf dispatch` call before they start.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from .config import ROOT


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker

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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers and one writer work at once; wait for a lock instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def init_app(app: Flask) -> None:
    """Create the engine for this app."""
    url = database_url(app)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"check_same_thread": False, "timeout": 10}
    engine = create_engine(url, **options)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    app.extensions["calmcalf_db"] = Database(engine, sessionmaker(engine, expire_on_commit=False))


def get_db(app: Flask | None = None) -> Database:
    """The database of this app (or of the current one)."""
    database: Database = (app or current_app).extensions["calmcalf_db"]
    return database


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["engine"] = engine
    return config


MIGRATION_LOCK = 0x6361_6C66  # any fixed number: PostgreSQL advisory locks are named by integers


def upgrade(app: Flask) -> None:
    """Apply every migration not yet applied (safe to run from many processes).

    On PostgreSQL, servers and dispatchers starting together take turns on an
    advisory lock, so two of them never create the same table at once.
    """
    engine = get_db(app).engine
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
