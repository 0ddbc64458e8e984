"""One place for HTTP errors: JSON under /api/, a calm page everywhere else."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

BODY_LIMIT = 4096  # an API request body: a subscription and settings fit in well under 1 KB


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


def init_app(app: Flask) -> None:
    """Register the handler for every HTTP error."""
    app.register_error_handler(HTTPException, http_error)
