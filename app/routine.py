"""How long the bedtime routine takes: one source for its page and for the reminder.

The routine is the Hallegraeff trial's (J Physiother 2012): a calf stretch and a
hamstring stretch (standing, or seated for people who cannot stand safely), each
leg, held 10 s three times with 10 s rest, after a short get-ready step. The web
side builds its timed steps from these numbers; the reminders side only names the
length. Both may import this module; neither imports the other.
"""

from __future__ import annotations

ROUTINE_STRETCH_COUNT = 2  # a calf stretch and a hamstring stretch
ROUTINE_LEG_COUNT = 2
ROUTINE_GET_READY_SECONDS = 10
ROUTINE_HOLD_SECONDS = 10
ROUTINE_HOLDS = 3
ROUTINE_REST_SECONDS = 10


def routine_seconds() -> int:
    """The whole routine, get-ready steps included, in seconds."""
    per_leg = (
        ROUTINE_GET_READY_SECONDS + ROUTINE_HOLDS * ROUTINE_HOLD_SECONDS + (ROUTINE_HOLDS - 1) * ROUTINE_REST_SECONDS
    )
    return ROUTINE_STRETCH_COUNT * ROUTINE_LEG_COUNT * per_leg


# "About 4 minutes": the number every text that names the routine's length shows.
ROUTINE_MINUTES = round(routine_seconds() / 60)
