"""The estimate of those who did not answer rewards collecting answers: replayed answer streams and properties."""

from __future__ import annotations

import random
from decimal import Decimal
from statistics import fmean

from hypothesis import given, settings
from hypothesis import strategies as st

from calculators.event import (
    MEETING_PROFILES,
    STRATA,
    STRATUM_MODES,
    EventInput,
    RespondentTotals,
    default_attendee,
    event_footprint,
    stratum_priors,
)
from calculators.footprint import dsum
from calculators.personal import personal_items
from factors import default_factor_set

FS = default_factor_set()
ATTENDANCE = 200
ANSWER_COUNTS = (0, 3, 5, 10, 30, 100)
SEEDS = range(120)
PROFILE = MEETING_PROFILES["conference"]
# 200 registrants split by the conference's assumed shares: 80, 40, 60, 6, 14.
REGISTRANTS = {s: int(PROFILE.shares[s] * ATTENDANCE) for s in STRATA}
# The assumed attendee of each stratum and way of travel: (stratum, share of the stratum, kg).
ATOMS = [(stratum, share, dsum(item.kgco2e for item in personal_items(
    default_attendee("conference", stratum, legs=legs), FS)))
    for stratum in STRATA for share, legs in STRATUM_MODES[stratum]]


def _attendee(rng: random.Random, stratum: str) -> Decimal:
    """One attendee as the prior describes them: a way of travel by its share, kg evenly over [0, 2 × its figure]."""
    atoms = [(share, kg) for s, share, kg in ATOMS if s == stratum]
    kg = rng.choices([kg for _, kg in atoms], weights=[float(share) for share, _ in atoms])[0]
    return (kg * Decimal(rng.randrange(0, 2_000_001)) / 1_000_000).quantize(Decimal("0.001"))


def _stream(seed: int, count: int, stratified: bool) -> tuple[list[Decimal], list[str]]:
    """`count` answers of the registrants (or of the expected attendees) drawn from the prior's own distribution."""
    rng = random.Random(seed)
    population = [s for s in STRATA for _ in range(REGISTRANTS[s])]
    if stratified:
        strata = rng.sample(population, count)
    else:
        strata = rng.choices(STRATA, weights=[float(PROFILE.shares[s]) for s in STRATA], k=count)
    return [_attendee(rng, s) for s in strata], strata


def _footprint(values: list[Decimal], strata: list[str], stratified: bool):
    stored = RespondentTotals(tuple(values), tuple(strata) if stratified else ())
    if stratified:
        return event_footprint(EventInput(respondent_totals=stored, registrants_by_stratum=REGISTRANTS), FS)
    return event_footprint(EventInput(attendance=ATTENDANCE, respondent_totals=stored), FS)


def _replay(stratified: bool) -> tuple[list[float], list[float]]:
    credits, widths = [], []
    for count in ANSWER_COUNTS:
        results = [_footprint(*_stream(seed, count, stratified), stratified) for seed in SEEDS]
        credits.append(fmean(r.credits_needed_t for r in results))
        widths.append(fmean(float(r.extrapolation.high_kgco2e - r.extrapolation.low_kgco2e) for r in results))
    return credits, widths


def test_more_answers_from_the_defaults_own_distribution_never_raise_the_mean_credits_needed():
    for stratified in (False, True):
        credits, widths = _replay(stratified)
        assert all(later <= earlier for earlier, later in zip(credits, credits[1:], strict=False)), credits
        assert all(later < earlier for earlier, later in zip(widths, widths[1:], strict=False)), widths
        assert widths[0] > 0 and credits[-1] < credits[0]


def test_with_no_answers_the_interval_has_the_width_of_the_assumptions():
    for stratified in (False, True):
        extrapolation = _footprint([], [], stratified).extrapolation
        assert extrapolation.low_kgco2e < extrapolation.point_kgco2e < extrapolation.high_kgco2e


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=30), st.booleans())
def test_answers_all_below_the_default_lower_the_credits_needed(fractions, stratified):
    priors = stratum_priors(FS, "conference")
    rng = random.Random(len(fractions))
    population = [s for s in STRATA for _ in range(REGISTRANTS[s])]
    strata = rng.sample(population, len(fractions)) if stratified else ["all"] * len(fractions)
    # Each answer a fraction (0 to 1) of its stratum's default: below it, or at it.
    values = [(priors[s].mean_kgco2e * fraction / 1000).quantize(Decimal("0.001"))
              for s, fraction in zip(strata, fractions, strict=True)]
    answered = _footprint(values, strata, stratified)
    nobody = _footprint([], [], stratified)
    assert answered.neutralisation_kgco2e < nobody.neutralisation_kgco2e
    assert answered.credits_needed_t <= nobody.credits_needed_t
    assert answered.extrapolation.high_kgco2e - answered.extrapolation.low_kgco2e > 0


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=5000))
def test_a_handful_of_answers_cannot_wipe_out_the_prior(count, decigrams):
    kg = Decimal(decigrams) / 10
    footprint = _footprint([kg] * count, [], False)
    extrapolation = footprint.extrapolation
    default = stratum_priors(FS, "conference")["all"].mean_kgco2e
    (estimate,) = extrapolation.strata
    # Weight n/(n + 10) on the answers: at least 10/15 of the estimate stays the default.
    assert estimate.per_attendee_kgco2e >= default * 10 / (10 + count)
    assert estimate.weight == Decimal(count) / (10 + count)
    assert extrapolation.high_kgco2e - extrapolation.low_kgco2e > 0
