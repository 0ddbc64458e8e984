"""Alembic environment: runs migrations on the engine the app passes in."""

from alembic import context

from app.reminders.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
