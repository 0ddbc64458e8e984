"""The app's pages. Each one works offline once the service worker has it."""

from __future__ import annotations

from flask import Blueprint, render_template

from . import content

bp = Blueprint("pages", __name__)

# Every page the service worker precaches, so all of them open offline.
OFFLINE_PAGES = ("/", "/relief", "/doctor")


def _relief_page(autostart: bool) -> str:
    """Home and the relief timer are one page, so a tap starts the timer at once."""
    return render_template(
        "index.html",
        content=content,
        steps=content.RELIEF_STEPS,
        autostart=autostart,
    )


@bp.get("/")
def home() -> str:
    """The big "Cramp now" button."""
    return _relief_page(autostart=False)


@bp.get("/relief")
def relief() -> str:
    """The relief timer, started on arrival (the manifest's "Cramp now" shortcut)."""
    return _relief_page(autostart=True)


@bp.get("/doctor")
def doctor() -> str:
    """When to see a doctor: the red flags, reachable from every screen."""
    return render_template("doctor.html", content=content)


@bp.app_errorhandler(404)
def not_found(error) -> tuple[str, int]:
    """A calm page instead of the server's default."""
    return render_template("not_found.html"), 404
