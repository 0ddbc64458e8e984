"""What Calm Calf tells people: relief steps, red flags and their sources.

Content is data, not markup. Pages render it and the service worker's precache
list is built from the pages that show it, so nothing here needs a network.
Every tip carries an evidence label and a short source note (see
shared/content-brief.md). Text is written for someone half-asleep and in pain:
short sentences, one action each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

# Evidence labels, in the brief's three words.
HELPS = "helps"
MAY_HELP = "may-help"
NO_BENEFIT = "no-benefit"

EVIDENCE_LABELS = {
    HELPS: _l("Helps"),
    MAY_HELP: _l("May help"),
    NO_BENEFIT: _l("No benefit shown"),
}


@dataclass(frozen=True)
class Source:
    """A public source a tip rests on."""

    name: str
    url: str | None = None


NHS = Source("NHS: Leg cramps", "https://www.nhs.uk/conditions/leg-cramps/")
NHS_OLD = Source("NHS (earlier leg cramps page)")
NICE = Source("NICE CKS: Leg cramps", "https://cks.nice.org.uk/topics/leg-cramps/")
MAYO = Source("Mayo Clinic: Night leg cramps")
MAYO_LETTER = Source("Mayo Clinic Health Letter")
AAFP = Source("Allen & Kirby, Am Fam Physician 2012")
DVT = Source("NHS and UCLH: deep vein thrombosis advice")

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


# In the order the guidance gives them. No source names an exact hold time;
# "hold about 30 seconds, then repeat" fits all of them. The sequence loops
# until the person taps "It's gone".
RELIEF_STEPS = (
    ReliefStep(
        key="toes-up",
        title=_l("Pull your toes up"),
        instruction=_l(
            "Straighten your leg. Pull your toes and foot up towards your shin, "
            "and hold."
        ),
        seconds=30,
        illustration="toes-up",
        sources=(NHS, MAYO, NICE),
    ),
    ReliefStep(
        key="stand-lean",
        title=_l("Stand and lean"),
        instruction=_l(
            "Stand up. Put your weight on the cramped leg with the knee slightly "
            "bent. Or lean on a wall with that leg back and the heel down."
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
    ),
)


def relief_steps(can_stand: bool = True) -> list[ReliefStep]:
    """The relief sequence for someone who can (or cannot) stand up."""
    skip = IN_BED if can_stand else STANDING
    return [step for step in RELIEF_STEPS if step.where != skip]


# Shown after "It's gone" for any soreness that lingers.
AFTERCARE = (
    {
        "text": _l("A warm shower, bath or heat pad can ease soreness that lingers."),
        "evidence": MAY_HELP,
        "sources": (MAYO, NHS),
    },
)

# A cramp lasting longer than this, despite stretching, needs urgent advice (NHS).
RED_FLAG_MINUTES = 10

DISCLAIMER = _l(
    "Calm Calf gives first aid and habits, not a diagnosis. "
    "If you are worried, talk to a doctor, nurse or midwife."
)


@dataclass(frozen=True)
class RedFlag:
    """A sign that needs a health professional, and how soon."""

    text: str
    sources: tuple[Source, ...]


URGENT = (
    RedFlag(
        _l("A cramp lasts longer than 10 minutes even though you have stretched."),
        (NHS,),
    ),
    RedFlag(
        _l(
            "One leg is swollen, warm, red or darker than usual, with throbbing or "
            "cramping pain. This can be a blood clot (deep vein thrombosis). Do not "
            "rub it. Pregnancy makes clots more likely."
        ),
        (DVT,),
    ),
    RedFlag(
        _l("Cramps began after a cut that had soil or dirt in it."),
        (NHS,),
    ),
    RedFlag(
        _l("Cramps began after you may have been exposed to a toxin such as lead."),
        (NHS,),
    ),
)

SOON = (
    RedFlag(_l("Cramps often wake you or spoil your sleep."), (NHS, NICE)),
    RedFlag(_l("Your leg feels numb or tingly, or it swells."), (NHS, NICE)),
    RedFlag(_l("The muscles in your leg are getting smaller or weaker."), (NHS, NICE)),
    RedFlag(
        _l(
            "Cramps started after you began a new medicine. Some water tablets, "
            "statins and asthma or blood-pressure medicines can cause them. Ask your "
            "doctor or pharmacist before you stop it."
        ),
        (NICE, AAFP),
    ),
    RedFlag(
        _l("You are pregnant and have cramps along with other symptoms: tell your midwife."),
        (NHS,),
    ),
)

LOOK_ALIKES = (
    RedFlag(
        _l(
            "Restless legs: an urge to move the legs that gets better when you move. "
            "A cramp is a hard, painful knot instead."
        ),
        (NICE,),
    ),
    RedFlag(
        _l("A swollen lump behind the knee (a Baker's cyst) or a blood clot can feel similar."),
        (NICE,),
    ),
)


# --- Bedtime -------------------------------------------------------------------

HALLEGRAEFF = Source("Hallegraeff et al., J Physiother 2012 (trial in adults over 55)")
COCHRANE_STRETCH = Source("Hawke et al., Cochrane review 2021")
COCHRANE_MAGNESIUM = Source("Garrison et al., Cochrane review 2020")
SEED = Source("Common advice; not tested in trials")


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
ROUTINE_HOLD_SECONDS = 10
ROUTINE_REST_SECONDS = 10
ROUTINE_HOLDS = 3
ROUTINE_GET_READY_SECONDS = 10
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
            steps.append(RoutineStep(f"{base}-ready", "ready", title, stretch.position,
                                     ROUTINE_GET_READY_SECONDS, stretch.illustration, leg, stretch.where))
            for n in range(1, ROUTINE_HOLDS + 1):
                steps.append(RoutineStep(f"{base}-hold-{n}", "hold", title, stretch.hold,
                                         ROUTINE_HOLD_SECONDS, stretch.illustration, leg, stretch.where))
                if n < ROUTINE_HOLDS:
                    steps.append(RoutineStep(f"{base}-rest-{n}", "rest", title, _l("Relax for a moment."),
                                             ROUTINE_REST_SECONDS, stretch.illustration, leg, stretch.where))
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


@dataclass(frozen=True)
class ChecklistItem:
    """A habit for tonight, with why it might help and on what evidence."""

    key: str
    label: str
    why: str
    evidence: str
    sources: tuple[Source, ...]


CHECKLIST = (
    ChecklistItem(
        "stretch", _l("Did the stretch routine"),
        _l("Stretching calves and hamstrings just before sleep reduced night cramps in one trial; others found no effect."),
        MAY_HELP, (HALLEGRAEFF, COCHRANE_STRETCH),
    ),
    ChecklistItem(
        "fluids", _l("Drank enough during the day"),
        _l("Being short of fluid may make cramps more likely. If a doctor has limited how much you drink, follow their advice."),
        MAY_HELP, (MAYO, AAFP),
    ),
    ChecklistItem(
        "alcohol-caffeine", _l("Kept alcohol and caffeine low this evening"),
        _l("Both are linked with night cramps in some people."),
        MAY_HELP, (MAYO,),
    ),
    ChecklistItem(
        "sheets", _l("Loosened the sheets at the foot of the bed"),
        _l("Tight sheets push the toes down, which shortens the calf muscle while you sleep."),
        MAY_HELP, (MAYO,),
    ),
    ChecklistItem(
        "shoes", _l("Wore comfortable shoes today"),
        _l("Comfortable, supportive shoes rather than long hours in high heels may help. This is plausible but untested."),
        MAY_HELP, (SEED,),
    ),
    ChecklistItem(
        "warm", _l("Had a warm shower or foot bath before bed"),
        _l("Warmth relaxes muscles and is pleasant; there is little evidence either way."),
        MAY_HELP, (SEED,),
    ),
)

# Shown beside the checklist, never as an item to tick.
NOT_SHOWN_TO_HELP = (
    {
        "text": _l(
            "Magnesium tablets did not help ordinary night cramps in older adults in "
            "trials. If you are pregnant, ask your midwife."
        ),
        "evidence": NO_BENEFIT,
        "sources": (COCHRANE_MAGNESIUM,),
    },
)

# What a doctor is likely to ask, printed on the report with space to answer.
DOCTOR_QUESTIONS = (
    _l("Do you have numbness or tingling in the legs?"),
    _l("Is either leg swollen?"),
    _l("Are the leg muscles weaker or smaller than before?"),
    _l("Have you started or changed any medicines in the months before the cramps began?"),
    _l("Are you pregnant?"),
)
