"""What a reminder says: the notification, in the reminder's language, and its buttons."""

from __future__ import annotations

import json

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ..routine import ROUTINE_MINUTES


def payload(lang: str, quiet: bool = False) -> dict:
    """The message: opens the bedtime routine when tapped; "Later" asks for one snooze.

    `quiet`: the person asked for no sound or vibration (the worker shows it silently).
    """
    with force_locale(lang or "en"):
        return {
            "title": _("Bedtime stretches"),
            "body": ngettext(
                "About %(num)s minute of calf stretches before bed?",
                "About %(num)s minutes of calf stretches before bed?",
                ROUTINE_MINUTES,
            ),
            "url": "/bedtime",
            "tag": "bedtime",
            "actions": actions(),
            **({"quiet": True} if quiet else {}),
        }


def actions() -> list[dict]:
    """The notification's buttons, where the browser shows them: open the routine, or one snooze."""
    return [
        {"action": "routine", "title": _("Start routine")},
        {"action": "later", "title": _("Later")},
    ]


def encode(message: dict) -> str:
    """The message as compact JSON text."""
    return json.dumps(message, separators=(",", ":"))
