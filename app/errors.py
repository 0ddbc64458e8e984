"""One place for HTTP errors: JSON under /api/, a calm page everywhere else."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

BODY_LIMIT = 4096  # an API request body: a subscription and settings fit in well under 1 KB

# SQLite: no room for a write, or for the shared-memory file WAL mode needs to open the database
# at all (after a clean stop removed it); PostgreSQL: SQLSTATE 53100 disk_full.
DISK_FULL_CODES = {"SQLITE_FULL", "SQLITE_IOERR_SHMSIZE", "53100"}


def disk_full(error: BaseException) -> bool:
    """Whether the database failed for want of disk space."""
    cause = getattr(error, "orig", None) or error
    code = getattr(cause, "sqlite_errorname", None) or getattr(cause, "sqlstate", None)
    return code in DISK_FULL_CODES or "no space left on device" in str(cause).lower()


def http_error(error: HTTPException) -> ResponseReturnValue:
    """Routing, size and rate-limit errors on /api/ answer in JSON; a 404 page gets a calm page."""
    if request.path.startswith("/api/"):
        messages = {
            404: "no such API endpoint",
            405: f"method {request.method} is not allowed here",
            413: f"the request body is larger than {BODY_LIMIT} bytes",
            429: "too many requests: slow down and try again in a minute",
        }
        response = jsonify(error=messages.get(error.code or 500, error.description))
        allow = dict(error.get_headers()).get("Allow")
        if allow:  # a 405 says which methods are allowed
            response.headers["Allow"] = allow
        return response, error.code or 500
    if error.code == 404:
        return render_template("not_found.html"), 404
    return error


def database_error(error: SQLAlchemyError) -> ResponseReturnValue:
    """The database went read-only or away while running: a 503 that says so, not a 500."""
    cause = str(getattr(error, "orig", None) or error).strip().splitlines()
    current_app.logger.error("database unavailable: %s", cause[0] if cause else type(error).__name__)
    why = "disk full" if disk_full(error) else "read-only or unreachable"
    message = f"the database is not available right now ({why}); try again later"
    return jsonify(error=message), 503, {"Retry-After": "30"}


def init_app(app: Flask) -> None:
    """Register the handlers for every HTTP error and for a database that cannot be used."""
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(SQLAlchemyError, database_error)
