"""Database tables: evening reminders and shared settings (the VAPID key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, and_, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .schedule import split_days


class Base(DeclarativeBase):
    """Base of every table; Alembic migrations in migrations/ create them."""


class Setting(Base):
    """A value every server and dispatcher must share, such as the VAPID private key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Reminder(Base):
    """One push subscription's evening reminder. Times are naive UTC."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM"
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name
    days: Mapped[str] = mapped_column(String(32))  # "mon,tue,…"
    quiet: Mapped[bool] = mapped_column(Boolean, default=False)  # no sound or vibration when it arrives
    next_due_at: Mapped[datetime] = mapped_column(DateTime)
    done_through: Mapped[str | None] = mapped_column(String(10))  # last local date sent (or skipped)
    retry_after: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)  # claimed by a dispatcher until then
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(16), default="en")
    snoozed_on: Mapped[str | None] = mapped_column(String(10))  # the local date whose one snooze was used
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime)  # that snooze's send (pending while due)
    night_done: Mapped[str | None] = mapped_column(String(10))  # the night the device said was done
    # Nights in a row its push service refused it (400/401/403/413) while taking others' messages;
    # after outcomes.PARK_AFTER_NIGHTS, `parked` says why and no dispatcher claims it until a save.
    refused_nights: Mapped[int] = mapped_column(Integer, server_default="0")
    parked: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    def day_list(self) -> list[str]:
        return split_days(self.days)

    def settings(self) -> dict:
        """The person's choices, named as the schema names them (schema.Settings)."""
        return {"time": self.local_time, "timezone": self.timezone, "days": self.day_list(), "quiet": bool(self.quiet)}

    @staticmethod
    def columns(settings: dict) -> dict:
        """schema.Settings's fields as the columns they are stored in (the inverse of settings())."""
        return {
            "local_time": settings["time"],
            "timezone": settings["timezone"],
            "days": ",".join(settings["days"]),
            "quiet": settings["quiet"],
        }

    def to_json(self) -> dict:
        """The stored reminder as the API returns it."""
        return {"endpoint": self.endpoint, **self.settings(), "nextDueAt": self.next_due_at.isoformat() + "Z"}


# The dispatcher's indexes (migrations 0003_scale and 0004_parked): the rows waiting, by when each may next be sent,
# and the rows leased, by when their lease runs out. Each holds only the rows its statements work on.
_WAITING = and_(Reminder.lease_token.is_(None), Reminder.parked.is_(None))  # parked: never sent (outcomes.py)
_LEASED = Reminder.lease_token.is_not(None)
Index(
    "ix_reminders_ready",
    func.coalesce(Reminder.retry_after, Reminder.next_due_at),
    postgresql_where=_WAITING,
    sqlite_where=_WAITING,
)
Index("ix_reminders_lease_until", Reminder.lease_until, postgresql_where=_LEASED, sqlite_where=_LEASED)
