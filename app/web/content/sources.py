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

HALLEGRAEFF = Source("Hallegraeff et al., J Physiother 2012 (trial in adults over 55)")
COCHRANE_STRETCH = Source("Hawke et al., Cochrane review 2021")
COCHRANE_MAGNESIUM = Source("Garrison et al., Cochrane review 2020")
SEED = Source("Common advice; not tested in trials")
