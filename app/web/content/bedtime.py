"""The bedtime stretch routine of the Hallegraeff trial, as timed steps."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ...routine import (
    ROUTINE_GET_READY_SECONDS,
    ROUTINE_HOLD_SECONDS,
    ROUTINE_HOLDS,
    ROUTINE_REST_SECONDS,
)
from ...routine import ROUTINE_MINUTES as ROUTINE_MINUTES  # named on the bedtime page
from .relief import STANDING
from .sources import COCHRANE_STRETCH, HALLEGRAEFF, MAY_HELP, MAYO


@dataclass(frozen=True)
class Stretch:
    """One stretch of the bedtime routine, done on each leg."""

    key: str
    title: str
    position: str
    hold: str
    illustration: str
    where: str  # STANDING, or SEATED for people who cannot stand safely


SEATED = "seated"

# The routine of the Hallegraeff trial: each stretch, each leg, held 10 s three
# times with 10 s rest between holds.
ROUTINE_STRETCHES = (
    Stretch(
        key="calf",
        title=_l("Calf stretch at a wall"),
        position=_l("Face a wall with your hands on it. Step this leg back, keep it straight and the heel down."),
        hold=_l("Lean towards the wall until you feel a moderate pull in the calf."),
        illustration="stand-lean",
        where=STANDING,
    ),
    Stretch(
        key="hamstring",
        title=_l("Hamstring stretch"),
        position=_l("Put this heel on a low step, leg straight. Hold on to something steady."),
        hold=_l("Lean forward from the hips, back straight, until you feel a moderate pull behind the thigh."),
        illustration="hamstring-standing",
        where=STANDING,
    ),
    Stretch(
        key="calf",
        title=_l("Seated calf stretch"),
        position=_l("Sit with this leg straight out. Loop a towel round the ball of the foot."),
        hold=_l("Pull the towel gently until you feel a moderate pull in the calf."),
        illustration="towel-pull",
        where=SEATED,
    ),
    Stretch(
        key="hamstring",
        title=_l("Seated hamstring stretch"),
        position=_l("Sit on the front of a chair with this leg straight out, heel on the floor."),
        hold=_l("Lean forward from the hips, back straight, until you feel a moderate pull behind the thigh."),
        illustration="hamstring-seated",
        where=SEATED,
    ),
)
# The timing (hold, rest, holds, get ready) lives in app/routine.py, which the
# reminder text reads too; tests/test_pages.py checks that these steps add up to it.
LEGS = (("right", _l("Right leg")), ("left", _l("Left leg")))


@dataclass(frozen=True)
class RoutineStep:
    """One timed step of the routine player."""

    key: str
    kind: str  # "ready", "hold" or "rest"
    title: str
    text: str
    seconds: int
    illustration: str
    leg: str
    where: str


def routine_steps() -> list[RoutineStep]:
    """The routine, step by step: get ready, then hold and rest, per stretch and leg."""
    steps = []
    for stretch in ROUTINE_STRETCHES:
        for leg, leg_name in LEGS:
            base = f"{stretch.where}-{stretch.key}-{leg}"
            title = f"{stretch.title}: {leg_name}"
            steps.append(
                RoutineStep(
                    f"{base}-ready",
                    "ready",
                    title,
                    stretch.position,
                    ROUTINE_GET_READY_SECONDS,
                    stretch.illustration,
                    leg,
                    stretch.where,
                )
            )
            for n in range(1, ROUTINE_HOLDS + 1):
                steps.append(
                    RoutineStep(
                        f"{base}-hold-{n}",
                        "hold",
                        title,
                        stretch.hold,
                        ROUTINE_HOLD_SECONDS,
                        stretch.illustration,
                        leg,
                        stretch.where,
                    )
                )
                if n < ROUTINE_HOLDS:
                    steps.append(
                        RoutineStep(
                            f"{base}-rest-{n}",
                            "rest",
                            title,
                            _l("Relax for a moment."),
                            ROUTINE_REST_SECONDS,
                            stretch.illustration,
                            leg,
                            stretch.where,
                        )
                    )
    return steps


def routine_minutes(where: str = STANDING) -> float:
    """How long the routine takes, in minutes."""
    return sum(s.seconds for s in routine_steps() if s.where == where) / 60


ROUTINE_EVIDENCE = {
    "evidence": MAY_HELP,
    "text": _l(
        "In a trial, adults over 55 who stretched like this every night before sleep "
        "had fewer and milder night cramps after six weeks. Other trials found no "
        "benefit, so it may help: it is low-risk, not a cure."
    ),
    "sources": (HALLEGRAEFF, COCHRANE_STRETCH),
}

# More from Mayo Clinic, beside the routine (not part of it: the routine is the trial's).
ALSO_TRY = (
    {"text": _l("A few minutes on a stationary bike before bed."), "evidence": MAY_HELP, "sources": (MAYO,)},
    {
        "text": _l("Stay active in the day, with breaks from long sitting or standing."),
        "evidence": MAY_HELP,
        "sources": (MAYO,),
    },
)
# Late in pregnancy balance changes: the seated routine is there for that too.
PREGNANT_SEATED = _l("Late in pregnancy, or if your balance is unsure, choose this.")
