"""Cramp now: the relief steps, what to do after, and when a cramp is too long.

Text is written for someone half-asleep and in pain: short sentences, one action each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from .sources import DVT, HELPS, MAY_HELP, MAYO, MAYO_LETTER, NHS, NHS_OLD, NICE, PULMONARY_EMBOLISM, Source

# Where a relief step can be done: standing, in bed, or either way.
EITHER = "either"
STANDING = "standing"
IN_BED = "in-bed"


@dataclass(frozen=True)
class ReliefStep:
    """One guided step of the Cramp now sequence."""

    key: str
    title: str
    instruction: str
    seconds: int
    illustration: str
    where: str = EITHER
    evidence: str = HELPS
    sources: tuple[Source, ...] = field(default_factory=tuple)
    caution: str = ""  # said before the instruction (HOLD_ON for a standing step)


# Never press or massage a leg that may hold a clot: said on the step that says to rub the calf.
NOT_IF_SWOLLEN = _l("Not if the leg is swollen, warm or red.")

# In the order the guidance gives them. No source names an exact hold time;
# "hold about 30 seconds, then repeat" fits all of them. The sequence loops
# until the person taps "It's gone".
RELIEF_STEPS = (
    ReliefStep(
        key="toes-up",
        title=_l("Pull your toes up"),
        instruction=_l("Straighten your leg. Pull your toes and foot up towards your shin, and hold."),
        seconds=30,
        illustration="toes-up",
        sources=(NHS, MAYO, NICE),
    ),
    ReliefStep(
        key="stand-lean",
        title=_l("Stand and lean"),
        instruction=_l(
            "Stand with your weight on the cramped leg, knee slightly bent. Or lean on a wall, that leg back, heel down."
        ),
        seconds=30,
        illustration="stand-lean",
        where=STANDING,
        sources=(MAYO_LETTER, NHS_OLD),
    ),
    ReliefStep(
        key="towel-pull",
        title=_l("Pull with a sheet"),
        instruction=_l(
            "Loop a sheet or towel round the ball of your foot. Keep the leg "
            "straight and gently pull the foot towards you."
        ),
        seconds=30,
        illustration="towel-pull",
        where=IN_BED,
        sources=(NHS, MAYO),
    ),
    ReliefStep(
        key="heel-walk",
        title=_l("Walk on your heels"),
        instruction=_l("Lift your toes and walk slowly around on your heels."),
        seconds=60,
        illustration="heel-walk",
        where=STANDING,
        sources=(NHS_OLD,),
    ),
    ReliefStep(
        key="massage",
        title=_l("Rub the calf"),
        instruction=_l("Knead the tight muscle firmly with both hands."),
        seconds=60,
        illustration="massage",
        sources=(NHS, MAYO, NICE),
        caution=NOT_IF_SWOLLEN,
    ),
)


def relief_steps(can_stand: bool = True) -> list[ReliefStep]:
    """The relief sequence for someone who can (or cannot) stand up."""
    skip = IN_BED if can_stand else STANDING
    return [step for step in RELIEF_STEPS if step.where != skip]


# Before every standing step: the person is half-asleep, in the dark, often older.
# The step says to hold on, and offers the in-bed version (a button) instead.
HOLD_ON = _l("Hold on to something steady.")
UNSTEADY = _l("Unsteady? Stay in bed")


@dataclass(frozen=True)
class Fact:
    """Something true about cramps, with where it comes from (not a tip: no evidence label)."""

    text: str
    sources: tuple[Source, ...]


# While the timer runs (until the 10-minute advice takes its place), and after "It's gone".
PASSES = Fact(_l("Most cramps pass within seconds, or at most about 10 minutes."), (NHS,))
SORE_AFTER = Fact(_l("The calf can stay sore or tender for up to a day. That is normal after a cramp."), (NHS,))

# The 10-minute advice (NHS), followed by the country's urgent route (emergency.py), and with it
# the emergency one: a clot may have reached the lungs.
TOO_LONG = Fact(_l("Get urgent medical advice."), (NHS,))
EMERGENCY_NOW = Fact(
    _l("Sudden breathlessness, chest pain or coughing up blood? Call the emergency number now."),
    (PULMONARY_EMBOLISM, DVT),
)

# After "It's gone": a short check of the legs (Yes / No), before any warmth tip. "Yes" opens
# the urgent clot advice; the warmth tip waits for "No" (no warmth on a leg that may hold a clot).
LEG_CHECK_QUESTION = _l("Is one leg swollen, warm, red or darker than usual?")
LEG_CHECK_ADVICE = Fact(
    _l("That can be a blood clot (deep vein thrombosis). Do not rub or massage it. Get urgent medical advice now."),
    (DVT,),
)

# Shown after "It's gone" for any soreness that lingers, once the leg check says "No".
AFTERCARE = (
    {
        "text": _l("A warm shower, bath or heat pad can ease soreness that lingers."),
        "evidence": MAY_HELP,
        "sources": (MAYO, NHS),
    },
)

# A cramp lasting longer than this, despite stretching, needs urgent advice (NHS).
RED_FLAG_MINUTES = 10
