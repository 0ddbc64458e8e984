"""Liveness and readiness, for load balancers and deploy scripts.

`/healthz`: the process answers. `/readyz`: the database can be reached and
written (a row is inserted and rolled back). Both are JSON and never cached.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from .db import DatabaseProblem, check_writable

bp = Blueprint("health", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok"), 200, NO_STORE


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    try:
        check_writable(current_app, named=False)
    except DatabaseProblem as problem:
        return jsonify(error=str(problem)), 503, NO_STORE
    return jsonify(status="ready"), 200, NO_STORE


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
