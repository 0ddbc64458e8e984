"""Evidence labels and the public sources every tip rests on (see shared/content-brief.md)."""

from __future__ import annotations

from dataclasses import dataclass

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
    """A public source a tip rests on: its name is translated (organisation, title, year)."""

    name: str
    url: str | None = None


NHS = Source(_l("NHS: Leg cramps"), "https://www.nhs.uk/conditions/leg-cramps/")
NHS_OLD = Source(_l("NHS (earlier leg cramps page)"))
NICE = Source(_l("NICE CKS: Leg cramps"), "https://cks.nice.org.uk/topics/leg-cramps/")
MAYO = Source(_l("Mayo Clinic: Night leg cramps"))
MAYO_LETTER = Source(_l("Mayo Clinic Health Letter"))
AAFP = Source(_l("Allen & Kirby, Am Fam Physician 2012"))
DVT = Source(_l("NHS and UCLH: deep vein thrombosis advice"))
PULMONARY_EMBOLISM = Source(_l("NHS: pulmonary embolism"), "https://www.nhs.uk/conditions/pulmonary-embolism/")
TORN_MUSCLE = Source(_l("NHS: Achilles tendon rupture, and sprains and strains"))
NHS_PREGNANCY = Source(
    _l("NHS: Leg cramps in pregnancy"),
    "https://www.nhs.uk/pregnancy/related-conditions/common-symptoms/leg-cramps/",
)
QUININE = Source(_l("FDA drug safety warning on quinine, 2010; MHRA"))

HALLEGRAEFF = Source(_l("Hallegraeff et al., J Physiother 2012 (trial in adults over 55)"))
COCHRANE_STRETCH = Source(_l("Hawke et al., Cochrane review 2021"))
COCHRANE_MAGNESIUM = Source(_l("Garrison et al., Cochrane review 2020"))
SEED = Source(_l("Common advice; not tested in trials"))
