"""Which claim a certificate may make: 碳中和 / carbon neutral, 部分抵消 / partially compensated or 已核算 / measured.

Pure: the facts come in, a claim code and the reasons that withheld a stronger claim come out, as codes with
parameters that the web layer and the PDF word in each language.

A carbon-neutral claim needs every one of these (a missing one is a reason):
- the required tonnes are covered by eligible credits: ex-post, retired against this subject, not invalidated;
- no boundary item was counted without the organiser's data (`missing_inputs` of the snapshot);
- enough attendees answered (the organiser's stated threshold, 30 % unless set), or the tonnes required were
  taken at the upper end of the extrapolation interval (the conservative bound), which every snapshot does;
- the boundary holds what the chosen standard asks of a meeting:
  - MEE 2019, 《大型活动碳中和实施指南（试行）》 (生态环境部公告 2019年第19号), annex table of emission sources:
    fossil fuel combustion and purchased electricity and heat of the venue (venue energy), the participants'
    travel (交通排放), their lodging and meals (住宿餐饮排放), goods used by the meeting (会议用品隐含的碳排放:
    materials) and waste treatment (废弃物处理产生的排放);
  - ISO 14068-1:2023 (Climate change management — Transition to net zero — Part 1: Carbon neutrality, which
    replaced PAS 2060): the same sources of the subject, and a stated plan of reductions made before offsetting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

CARBON_NEUTRAL = "carbon_neutral"
PARTIALLY_COMPENSATED = "partially_compensated"
MEASURED = "measured"

DEFAULT_RESPONSE_THRESHOLD = Decimal("0.30")

MEETING_SOURCES: tuple[str, ...] = ("venue_energy", "attendee_travel", "attendee_lodging", "catering", "materials",
                                    "waste")


@dataclass(frozen=True)
class Standard:
    code: str
    required_boundary: tuple[str, ...]
    needs_reduction_statement: bool


STANDARDS: dict[str, Standard] = {
    "MEE-2019": Standard("MEE-2019", MEETING_SOURCES, needs_reduction_statement=False),
    "ISO-14068-1:2023": Standard("ISO-14068-1:2023", MEETING_SOURCES, needs_reduction_statement=True),
}
DEFAULT_STANDARD = "MEE-2019"


@dataclass(frozen=True)
class ClaimFacts:
    """What is known of one subject when a certificate is issued for it."""

    standard: str
    required_tonnes: int
    eligible_tonnes: int  # ex-post, retired against the subject, not invalidated
    boundary: tuple[str, ...] = MEETING_SOURCES
    missing_inputs: tuple[str, ...] = ()
    respondents: int = 0
    attendance: int = 0
    response_threshold: Decimal = DEFAULT_RESPONSE_THRESHOLD
    conservative_bound: bool = True  # the required tonnes use the interval's upper end
    reduction_statement: str = ""
    # A personal or enterprise subject has no attendees to extrapolate and its own boundary.
    is_meeting: bool = True


@dataclass(frozen=True)
class Claim:
    code: str
    reasons: tuple[tuple[str, dict], ...] = field(default=())

    @property
    def is_carbon_neutral(self) -> bool:
        return self.code == CARBON_NEUTRAL


def decide_claim(facts: ClaimFacts) -> Claim:
    """The strongest claim the facts allow, with every reason a stronger one was withheld."""
    standard = STANDARDS.get(facts.standard)
    if standard is None:
        raise ValueError(f"unknown standard {facts.standard!r}; known: {', '.join(STANDARDS)}")
    reasons: list[tuple[str, dict]] = []
    shortfall = facts.required_tonnes - facts.eligible_tonnes
    if shortfall > 0:
        reasons.append(("claim.tonnes_missing", {"missing": shortfall, "required": facts.required_tonnes}))
    for item in facts.missing_inputs:
        reasons.append(("claim.input_missing", {"item": item}))
    if facts.is_meeting:
        outside = [item for item in standard.required_boundary if item not in facts.boundary]
        for item in outside:
            reasons.append(("claim.outside_boundary", {"item": item, "standard": standard.code}))
        if not facts.conservative_bound and facts.attendance > 0:
            share = Decimal(facts.respondents) / Decimal(facts.attendance)
            if share < facts.response_threshold:
                reasons.append(("claim.too_few_answers", {
                    "share": f"{share * 100:.0f}", "threshold": f"{facts.response_threshold * 100:.0f}"}))
    if standard.needs_reduction_statement and not facts.reduction_statement.strip():
        reasons.append(("claim.no_reduction_statement", {"standard": standard.code}))
    if not reasons:
        return Claim(CARBON_NEUTRAL)
    if facts.eligible_tonnes > 0:
        return Claim(PARTIALLY_COMPENSATED, tuple(reasons))
    return Claim(MEASURED, tuple(reasons))
