"""Fixtures for unit and HTTP tests: a fresh app and database per test, like flaskr's."""

from __future__ import annotations

import pytest

from app import create_app, db


def make_app(tmp_path, **config):
    """An app on its own migrated SQLite database."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'calmcalf.db'}", **config})
    db.upgrade(app)
    return app


@pytest.fixture
def app(tmp_path):
    """The app with test configuration."""
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    """A test client for HTTP requests."""
    return app.test_client()
