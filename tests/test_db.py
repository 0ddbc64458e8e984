"""Prepared statements: the same stored values SQLAlchemy would write, converted more cheaply."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite

from app.db import Prepared, _quicker

DIALECT = sqlite.dialect()
SLOW = DateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
QUICK = _quicker(SLOW)


@given(st.one_of(st.datetimes(), st.datetimes(timezones=st.just(UTC)), st.dates()))
def test_the_quicker_datetime_conversion_writes_what_sqlalchemy_writes(value):
    assert QUICK(value) == SLOW(value)


def test_processors_that_are_not_for_datetimes_are_kept_as_they_are():
    upper = str.upper
    assert _quicker(upper) is upper
    assert _quicker(int) is int


def test_a_prepared_executemany_stores_the_same_text_as_sqlalchemy(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'prepared.db'}")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", DateTime), Column("s", String))
    table.metadata.create_all(engine)
    stamps = [datetime(2026, 12, 3, 21, 30), datetime(2026, 12, 3, 21, 30, 0, 123456), None]
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": i, "at": None, "s": None} for i in range(6)])
        # rows 0-2 by SQLAlchemy, rows 3-5 by Prepared, with the same values
        connection.execute(
            update(table).where(table.c.id == bindparam("row")).values(at=bindparam("at"), s=bindparam("s")),
            [{"row": i, "at": at, "s": f"v{i % 3}"} for i, at in enumerate(stamps)],
        )
        statement = Prepared(
            update(table).where(table.c.id == bindparam("row")).values(at=bindparam("at"), s=bindparam("s"))
        )
        changed = statement.executemany(
            connection, [{"row": i + 3, "at": at, "s": f"v{i}"} for i, at in enumerate(stamps)]
        )
        assert changed == 3
        stored = connection.execute(text("SELECT id, at, s FROM t ORDER BY id")).all()
        single = Prepared(select(table.c.s).where(table.c.id == bindparam("row")))  # one parameter
        assert single.one(connection, {"row": 4}).s == "v1"
    assert [tuple(row[1:]) for row in stored[:3]] == [tuple(row[1:]) for row in stored[3:]]
    assert stored[1].at == "2026-12-03 21:30:00.123456"
