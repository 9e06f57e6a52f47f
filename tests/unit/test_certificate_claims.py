"""Claim wording: carbon neutral only when every condition holds; otherwise partially compensated or measured."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from certificates.claims import (
    CARBON_NEUTRAL,
    MEASURED,
    MEETING_SOURCES,
    PARTIALLY_COMPENSATED,
    ClaimFacts,
    decide_claim,
)

COVERED = ClaimFacts(standard="MEE-2019", required_tonnes=152, eligible_tonnes=152, respondents=40, attendance=200)


def test_a_fully_covered_meeting_with_every_input_is_carbon_neutral_without_reasons():
    claim = decide_claim(COVERED)
    assert claim.code == CARBON_NEUTRAL and claim.reasons == ()


def test_one_tonne_short_is_partially_compensated_and_says_how_many_are_missing():
    claim = decide_claim(replace(COVERED, eligible_tonnes=151))
    assert claim.code == PARTIALLY_COMPENSATED
    assert claim.reasons == (("claim.tonnes_missing", {"missing": 1, "required": 152}),)


def test_nothing_retired_is_measured_only():
    assert decide_claim(replace(COVERED, eligible_tonnes=0)).code == MEASURED


def test_a_boundary_item_without_data_withholds_the_neutral_claim_even_when_covered():
    claim = decide_claim(replace(COVERED, missing_inputs=("waste", "materials")))
    assert claim.code == PARTIALLY_COMPENSATED
    assert [r[1]["item"] for r in claim.reasons] == ["waste", "materials"]


def test_a_boundary_narrower_than_the_mee_2019_sources_is_named():
    claim = decide_claim(replace(COVERED, boundary=tuple(s for s in MEETING_SOURCES if s != "attendee_lodging")))
    assert claim.reasons == (("claim.outside_boundary", {"item": "attendee_lodging", "standard": "MEE-2019"}),)


@pytest.mark.parametrize("respondents, conservative, neutral", [
    (59, False, False),  # 29.5 % of 200, below the 30 % threshold
    (60, False, True),  # exactly 30 %
    (1, True, True),  # the conservative bound stands in for answers
])
def test_the_response_threshold_applies_unless_the_conservative_bound_was_used(respondents, conservative, neutral):
    claim = decide_claim(replace(COVERED, respondents=respondents, conservative_bound=conservative))
    assert claim.is_carbon_neutral is neutral


def test_a_stricter_threshold_set_by_the_organiser_is_applied():
    facts = replace(COVERED, respondents=60, conservative_bound=False, response_threshold=Decimal("0.5"))
    assert decide_claim(facts).reasons == (("claim.too_few_answers", {"share": "30", "threshold": "50"}),)


def test_iso_14068_needs_a_statement_of_reductions_before_offsets():
    iso = replace(COVERED, standard="ISO-14068-1:2023")
    assert decide_claim(iso).reasons == (("claim.no_reduction_statement", {"standard": "ISO-14068-1:2023"}),)
    assert decide_claim(replace(iso, reduction_statement="LED lighting; no printed programmes")).is_carbon_neutral


def test_a_personal_footprint_has_no_meeting_boundary_or_answers_to_check():
    facts = ClaimFacts(standard="MEE-2019", required_tonnes=1, eligible_tonnes=1, boundary=(), is_meeting=False)
    assert decide_claim(facts).is_carbon_neutral


def test_an_unknown_standard_is_refused():
    with pytest.raises(ValueError, match="unknown standard"):
        decide_claim(replace(COVERED, standard="PAS-2060"))
