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
