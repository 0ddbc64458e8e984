"""The app's pages. Each one works offline once the service worker has it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from ..config import ROOT
from ..weekdays import day_names
from . import content
from .modules import page_scripts

bp = Blueprint("pages", __name__)

# Each page's own script (the entry module); the modules it imports, directly or not, are
# read from static/js once at start-up (web/modules.py), and the page preloads them all,
# so there is no waterfall.
SCRIPTS = page_scripts(
    ROOT / "static" / "js",
    {
        "relief": "relief.js",
        "bedtime": "bedtime.js",
        "checklist": "checklist.js",
        "diary": "diary.js",
        "report": "report.js",
        "reminders": "reminders.js",
        "doctor": "doctor.js",
    },
)

# Every page the service worker precaches, so all of them open offline.
OFFLINE_PAGES = ("/", "/relief", "/doctor", "/bedtime", "/checklist", "/diary", "/diary/report", "/reminders")


def _relief_page(autostart: bool) -> str:
    """Home and the relief timer are one page, so a tap starts the timer at once."""
    locale = str(get_locale())
    return render_template(
        "relief.html",
        page_script=SCRIPTS["relief"],
        content=content,
        steps=content.RELIEF_STEPS,
        autostart=autostart,
        countries=content.countries_for(locale),
        default_country=content.default_country(locale),
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
    locale = str(get_locale())
    return render_template(
        "doctor.html",
        page_script=SCRIPTS["doctor"],
        content=content,
        countries=content.countries_for(locale),
        default_country=content.default_country(locale),
    )


@bp.get("/bedtime")
def bedtime() -> str:
    """The guided bedtime stretch routine."""
    steps = content.routine_steps()
    return render_template(
        "bedtime.html",
        page_script=SCRIPTS["bedtime"],
        content=content,
        steps=steps,
        illustrations=sorted({step.illustration for step in steps}),
        kinds={"ready": _("Get ready."), "hold": _("Hold."), "rest": _("Rest.")},
        minutes=content.ROUTINE_MINUTES,
    )


@bp.get("/checklist")
def checklist() -> str:
    """Tonight's prevention checklist."""
    return render_template("checklist.html", page_script=SCRIPTS["checklist"], content=content)


@bp.get("/diary")
def diary() -> str:
    """The cramp diary: chart, comparison, episodes, export and import."""
    return render_template("diary.html", page_script=SCRIPTS["diary"], content=content)


@bp.get("/diary/report")
def report() -> str:
    """A printable report for a doctor, filled in on the device."""
    return render_template("report.html", page_script=SCRIPTS["report"], content=content)


@bp.get("/reminders")
def reminders() -> str:
    """Turn evening reminders on or off (needs the network; the page itself opens offline).

    The settings form, the status and the buttons below it are fragments (templates/partials/
    reminder_*.html) that the reminders side also returns alone to the page's htmx requests.
    Asked for by htmx itself, the page answers with its form alone (for no subscription).
    """
    parts = {"form": {"time": "21:30", "timezone": "", "days": [d for d, _ in day_names()]}, "errors": {}}
    if request.headers.get("HX-Request") == "true":
        return render_template("partials/reminder_form.html", day_names=day_names(), on=False, **parts)
    return render_template(
        "reminders.html",
        page_script=SCRIPTS["reminders"],
        day_names=day_names(),
        routine_minutes=content.ROUTINE_MINUTES,
        **parts,
    )
