"""The database layer: migrations judged by Alembic's own heads, and the counts the dispatcher relies on."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from sqlalchemy import Engine, insert, select, text

from app import db
from app.reminders.models import Reminder
from app.reminders.outcomes import RECORD_AS_CLAIMED
from tests.conftest import make_app

STAMP = datetime(2026, 11, 22, 21, 30)


def index_names(engine: Engine) -> set[str]:
    """The reminders table's indexes, from the catalogue (SQLAlchemy does not reflect expression indexes on SQLite)."""
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reminders'",
        "postgresql": "SELECT indexname FROM pg_indexes WHERE tablename = 'reminders'",
    }[engine.dialect.name]
    with engine.connect() as connection:
        return set(connection.execute(text(query)).scalars())


def test_a_database_is_current_only_at_every_head_alembic_knows(tmp_path, database_url):
    """A database behind is not current; upgrading brings it back (each migration after 0002 runs both ways)."""
    engine = db.get_db(make_app(tmp_path, database_url)).engine
    assert db.is_current(engine)
    command.downgrade(db.alembic_config(engine), "-1")
    assert not db.is_current(engine)
    command.downgrade(db.alembic_config(engine), "0002")
    assert "ix_reminders_next_due_at" in index_names(engine)
    command.upgrade(db.alembic_config(engine), "head")
    assert db.is_current(engine)
    names = index_names(engine)
    assert {"ix_reminders_ready", "ix_reminders_lease_until"} <= names
    assert "ix_reminders_next_due_at" not in names


def test_an_executemany_counts_every_row_it_matched(tmp_path, database_url):
    """The dispatcher records a group of answers in one executemany and checks the count (both drivers give it)."""
    app = make_app(tmp_path, database_url)
    rows = [
        {
            "endpoint": f"https://push.example/{n}",
            "p256dh": "k",
            "auth": "a",
            "local_time": "21:30",
            "timezone": "UTC",
            "days": "mon",
            "next_due_at": STAMP,
            "attempts": 0,
            "lang": "en",
            "created_at": STAMP,
            "updated_at": STAMP,
            "lease_token": f"token{n}",
        }
        for n in range(5)
    ]
    engine = db.get_db(app).engine
    with engine.begin() as connection:
        connection.execute(insert(Reminder), rows)
        ids = connection.execute(select(Reminder.id).order_by(Reminder.id)).scalars().all()
    change = {"next_due_at": STAMP, "done_through": "2026-11-22", "retry_after": None, "attempts": 0, "seen": STAMP}
    change |= {"refused_nights": 0, "parked": None}
    changes = [{**change, "row_id": row_id, "token": f"token{n}"} for n, row_id in enumerate(ids)]
    changes[1]["token"] = "someone-else"  # re-leased meanwhile: not matched
    changes[2]["seen"] = datetime(2026, 11, 22, 21, 31)  # saved meanwhile: not matched
    with engine.begin() as connection:
        assert connection.execute(RECORD_AS_CLAIMED, changes).rowcount == 3
    with engine.connect() as connection:
        done = connection.execute(select(Reminder.done_through).order_by(Reminder.id)).scalars().all()
    assert done == ["2026-11-22", None, None, "2026-11-22", "2026-11-22"]
