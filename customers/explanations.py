"""A stored match explanation in words a steward reads: one bar per comparison (the
"waterfall"), its level said in Japanese or English, and its weight in the total.

The explanation is what customers.matching stored with a link or a review candidate; the bars
add up, with the starting weight (the prior), to the match weight whose probability is the score.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

COMPARISON_LABELS = {
    "identifier": _("Customer number or identifier"),
    "name": _("Name"),
    "birth_date": _("Birth date"),
    "gender": _("Gender"),
    "mobile": _("Mobile phone"),
    "landline": _("Landline"),
    "email": _("E-mail"),
    "address": _("Address or postal code"),
}

LEVEL_LABELS = {
    "exact": _("the same"),
    "close": _("nearly the same"),
    "different": _("different"),
    "missing": _("not known on both sides"),
    "typo": _("one digit off"),
    "swapped": _("day and month swapped"),
    "given_only": _("same given name, other family name"),
    "partial": _("one part of the name the same"),
    "family_only": _("same family name, other given name"),
    "postal_only": _("same postal code"),
    "nearby": _("same street or town, other numbers"),
}

HELD_BACK_LABELS = {
    "identifier_with_contradiction": _(
        "The identifier agrees but another field contradicts it: a steward decides."
    ),
    "kanji_differs": _("The names differ in kanji (twins are often named so): a steward decides."),
    "given_name_slip": _(
        "The given names are one letter apart under one family name and their phones or e-mails "
        "differ (twins are often named so): a steward decides."
    ),
    "household_only": _(
        "Only the given name and a household's landline or address agree: a steward decides."
    ),
}


@dataclass(frozen=True)
class Bar:
    label: str
    level: str
    weight: float
    # Where the bar starts and how long it is, in per cent of the chart's width.
    start: float
    width: float

    @property
    def direction(self) -> str:
        if self.weight > 0:
            return "for"
        return "against" if self.weight < 0 else "neutral"


@dataclass(frozen=True)
class Waterfall:
    bars: list[Bar]
    prior: float
    match_weight: float
    probability: float | None
    model_version: int | None
    held_back: str


def waterfall(explanation: dict | None) -> Waterfall | None:
    """The explanation as bars, each starting where the running total before it ended; None
    for a decision stored without one (the first matcher's links, a steward's own merge)."""
    if not explanation or "comparisons" not in explanation:
        return None
    prior = float(explanation.get("prior", 0.0))
    steps = [(str(_("Starting point (how rare a match is)")), "", prior)]
    steps += [
        (
            str(COMPARISON_LABELS.get(c["comparison"], c["comparison"])),
            str(LEVEL_LABELS.get(c["level"], c["level"])),
            float(c["weight"]),
        )
        for c in explanation["comparisons"]
    ]
    running, totals = 0.0, [0.0]
    for _label, _level, weight in steps:
        running += weight
        totals.append(running)
    low, high = min(totals), max(totals)
    span = (high - low) or 1.0
    bars, running = [], 0.0
    for label, level, weight in steps:
        start = min(running, running + weight)
        bars.append(
            Bar(
                label=label,
                level=level,
                weight=weight,
                start=round(100 * (start - low) / span, 2),
                width=round(100 * abs(weight) / span, 2),
            )
        )
        running += weight
    held_back = explanation.get("held_back") or ""
    return Waterfall(
        bars=bars,
        prior=prior,
        match_weight=float(explanation.get("match_weight", running)),
        probability=explanation.get("probability"),
        model_version=explanation.get("model_version"),
        held_back=str(HELD_BACK_LABELS.get(held_back, held_back)),
    )
