"""Fixtures for unit and HTTP tests: a fresh app per test, like flaskr's."""

from __future__ import annotations

import pytest

from app import create_app


@pytest.fixture
def app():
    """The app with test configuration."""
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    """A test client for HTTP requests."""
    return app.test_client()
