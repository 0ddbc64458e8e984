"""The database's clock: what every dispatcher judges leases and due times by.

Dispatchers may run on several machines whose clocks disagree. A lease written by
one clock and judged by another that runs ahead by more than the lease would let
two dispatchers hold one reminder, and send it twice. So no dispatcher reads its
own clock for anything another must agree with: claims, leases and renewals
compare and write times in SQL with the database's clock (PostgreSQL's
`statement_timestamp()`, stable within a statement, so an index can use it; on
SQLite, the one machine's clock that every process of that file shares, read by
SQLite's `'now'`), and what a dispatcher judges in Python (late? the message's
TTL, when to retry) starts from the database's time read at the start of a run,
moved on by the machine's monotonic clock (which a wrong wall clock does not move).

`run_once(now)` and `dispatch --now` (for tests) shift that clock: the run sees the
database's clock moved by (now − the database's time when the run starts), in SQL
and in Python alike, so leases still run out in real seconds. The machine's own
wall clock is read once a run, only to say at start when it is off by more than
SKEW_WARNING.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Float, bindparam, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ..db import Database
from .schedule import from_naive_utc

log = logging.getLogger("calmcalf.dispatch")

SKEW_WARNING = timedelta(seconds=5)  # NTP keeps machines within milliseconds: more than this is a fault


class database_now(FunctionElement[datetime]):  # an SQL function, named like one
    """SQL: the database's clock, as stored instants are (naive UTC), moved on by a number of seconds."""

    type = DateTime()
    inherit_cache = True
    name = "database_now"


@compiles(database_now, "postgresql")
def _postgresql_now(element: database_now, compiler: SQLCompiler, **kw: object) -> str:
    seconds = compiler.process(element.clauses, **kw)
    return f"((statement_timestamp() AT TIME ZONE 'UTC') + make_interval(secs => {seconds}))"


@compiles(database_now, "sqlite")
def _sqlite_now(element: database_now, compiler: SQLCompiler, **kw: object) -> str:
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff'; 'now' has milliseconds.
    seconds = compiler.process(element.clauses, **kw)
    return f"(strftime('%Y-%m-%d %H:%M:%f', 'now', printf('%+.3f seconds', {seconds})) || '000')"


def at(name: str) -> database_now:
    """The database's clock moved on by the seconds in the bound parameter `name`."""
    return database_now(bindparam(name, type_=Float))


CLOCK = select(at("shift"))


class Clock:
    """A dispatcher's view of the database's clock, for one run at a time."""

    def __init__(self, db: Database, wall: Callable[[], datetime] | None = None):
        self.db = db
        self.wall = wall or (lambda: datetime.now(UTC))  # this machine's clock: read only to warn
        self.shift = 0.0  # seconds the run's clock is moved from the database's (tests: `now`)
        self.base = (datetime.now(UTC), time.monotonic())
        self.warned = False

    def sync(self, now: datetime | None = None) -> None:
        """Read the database's clock for a run (`now`: run as if it read that) and say if ours is off."""
        before = self.wall()
        with self.db.engine.connect() as connection:
            database = from_naive_utc(connection.execute(CLOCK, {"shift": 0.0}).scalar_one())
        mono, after = time.monotonic(), self.wall()
        # Up to the next millisecond: SQLite's clock and its shift in SQL have milliseconds, and a run
        # asked to judge at `now` must not see a row due at `now` as not yet due.
        self.shift = math.ceil((now - database).total_seconds() * 1000) / 1000 if now is not None else 0.0
        self.base = (database + timedelta(seconds=self.shift), mono)
        skew = before + (after - before) / 2 - database
        if abs(skew) > SKEW_WARNING and not self.warned:
            self.warned = True
            log.warning(
                "this machine's clock is %+.1f s off the database's: leases and due times are judged by the "
                "database's clock, so nothing is sent twice, but log times are off (set up NTP)",
                skew.total_seconds(),
            )

    def now(self) -> datetime:
        """The run's time (aware UTC): the database's clock at the sync, moved on by the monotonic clock."""
        start, mono = self.base
        return start + timedelta(seconds=time.monotonic() - mono)

    def params(self, lease: timedelta) -> dict[str, float]:
        """The bound parameters of the clock in SQL: `shift` for now, `until` for a lease from now."""
        return {"shift": self.shift, "until": self.shift + lease.total_seconds()}
