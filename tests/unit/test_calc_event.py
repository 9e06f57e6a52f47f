"""Event footprints: organiser lines, respondents, and the extrapolation to those who did not answer."""

from __future__ import annotations

import math
import random
from decimal import Context, Decimal, localcontext

import pytest

from calculators.enterprise import ElectricityUse, FuelUse, MaterialUse, WasteDisposal
from calculators.event import (
    EventInput,
    EventOptions,
    RespondentTotals,
    VenueEstimate,
    event_footprint,
    extrapolate,
    meeting_default_kgco2e,
)
from calculators.footprint import CalculationError, ceil_tonnes
from calculators.personal import FoodItem, Lodging, PersonalInput
from calculators.travel import Leg
from factors import load_factor_set

FS = load_factor_set("2025.1")  # the hand computations below use its rows (ADEME meals)
# The conference default by stratum, by hand from the rows: metro 0.0278, HSR 0.03048, economy flight (non-UK,
# with RF) 0.13465, hotel in China 53.5 per night, pork meal 1.58; 2 nights and 2 own meals away from home.
AWAY = 2 * Decimal("53.5") + 2 * Decimal("1.58")
CONFERENCE_DEFAULTS = {
    "same_city": 30 * Decimal("0.0278"),
    "same_province": 300 * Decimal("0.03048") + AWAY,
    "other_province": 800 * Decimal("0.03048") + 1200 * Decimal("0.13465") + AWAY,
    "hk_mo_tw": 3000 * Decimal("0.13465") + AWAY,
    "international": 16000 * Decimal("0.13465") + AWAY,
}
CONFERENCE_DEFAULT = (Decimal("0.40") * CONFERENCE_DEFAULTS["same_city"]
                      + Decimal("0.20") * CONFERENCE_DEFAULTS["same_province"]
                      + Decimal("0.30") * CONFERENCE_DEFAULTS["other_province"]
                      + Decimal("0.03") * CONFERENCE_DEFAULTS["hk_mo_tw"]
                      + Decimal("0.07") * CONFERENCE_DEFAULTS["international"])


def test_the_organisers_inputs_are_lines_of_their_own_rows():
    event = EventInput(
        electricity=(ElectricityUse(Decimal(5000), province="CN-SH"),),
        fuels=(FuelUse("natural_gas", Decimal(200), "m3"), FuelUse("diesel", Decimal(150), "kg")),
        catering={"vegetarian": 100, "beef_lamb": 20},
        materials=(MaterialUse("paper", Decimal(80)),),
        waste=(WasteDisposal("food", "composting", Decimal(120)), WasteDisposal("plastics", "landfill", Decimal(30))),
    )
    footprint = event_footprint(event, FS)
    assert footprint.extrapolation is None
    assert footprint.total_kgco2e == (
        5000 * Decimal("0.5737") + 200 * Decimal("2.1622") + 150 * Decimal("3.0959")
        + 100 * Decimal("0.51") + 20 * Decimal("7.26") + Decimal("0.08") * Decimal("1339.31834")
        + Decimal("0.12") * Decimal("8.88386") + Decimal("0.03") * Decimal("8.88386"))
    assert footprint.credits_needed_t == ceil_tonnes(footprint.total_kgco2e) == 5


def test_a_venue_estimate_needs_a_cited_intensity_and_is_flagged_estimated():
    estimate = VenueEstimate(Decimal(2000), Decimal(16), Decimal("0.05"), "", "CN-BJ")
    with pytest.raises(CalculationError) as caught:
        event_footprint(EventInput(venue_estimate=estimate), FS)
    assert caught.value.field == "venue_estimate.intensity_source"
    cited = VenueEstimate(Decimal(2000), Decimal(16), Decimal("0.05"), "venue operator's 2024 meter readings",
                          "CN-BJ")
    (item,) = event_footprint(EventInput(venue_estimate=cited), FS).items
    assert item.estimated
    assert item.quantity == 2000 * 16 * Decimal("0.05")
    assert item.kgco2e == 1600 * Decimal("0.5554")
    assert any("venue operator's 2024 meter readings" in note for note in item.notes)


def test_the_respondent_mean_extrapolates_to_the_non_respondents():
    beef_eater = PersonalInput(food=(FoodItem("beef", Decimal(1)),))
    vegan_by_rail = PersonalInput(legs=(Leg(mode="rail", distance_km=Decimal(100)),))
    event = EventInput(attendance=10, responses=(beef_eater, vegan_by_rail, beef_eater, vegan_by_rail))
    footprint = event_footprint(event, FS)
    beef, rail = Decimal("99.48"), 100 * Decimal("0.03048")
    mean = (2 * beef + 2 * rail) / 4
    extrapolation = footprint.extrapolation
    assert extrapolation.method == "respondent mean"
    assert extrapolation.coverage == Decimal("0.4")
    assert extrapolation.point_kgco2e == 6 * mean
    assert footprint.total_kgco2e == 2 * beef + 2 * rail + 6 * mean
    assert extrapolation.low_kgco2e <= extrapolation.point_kgco2e <= extrapolation.high_kgco2e
    assert footprint.neutralisation_kgco2e == (footprint.total_kgco2e - extrapolation.point_kgco2e
                                               + extrapolation.high_kgco2e)
    assert footprint.credits_needed_t == math.ceil((footprint.total_kgco2e - extrapolation.point_kgco2e
                                                    + extrapolation.high_kgco2e) / 1000)
    responses = [item for item in footprint.items if item.category != "extrapolation"]
    assert [(item.factor_id, item.quantity) for item in responses] == [("beef_beef_herd", 2), ("cn_hsr_full", 200)]
    (line,) = [item for item in footprint.items if item.category == "extrapolation"]
    assert (line.quantity, line.factor_value, line.estimated) == (6, mean, True)


def test_extrapolate_runs_the_documented_bootstrap_on_plain_numbers():
    totals = [Decimal(10), Decimal(20), Decimal(30), Decimal("45.5")]
    result = extrapolate(totals, 10, seed=7, samples=500)
    # The method as documented: resample 4 with replacement, 6 × the resampled sum / 4, sorted, the 25th and
    # 475th of 500.
    rng = random.Random(7)
    scaled = [100, 200, 300, 455]  # tenths
    replicates = sorted(Decimal(sum(rng.choices(scaled, k=4))).scaleb(-1) * 6 / 4 for _ in range(500))
    assert (result.low_kgco2e, result.high_kgco2e) == (replicates[24], replicates[474])
    assert result.point_kgco2e == 6 * Decimal("105.5") / 4
    assert result.samples == 500 and result.seed == 7
    assert extrapolate(totals, 10, seed=7, samples=500) == result
    assert result.neutralisation_basis.startswith("credits cover the total")


def test_more_than_5000_respondents_use_the_normal_approximation_to_the_bootstrap():
    totals = [Decimal(100), Decimal(200), Decimal(300)] * 2000
    result = extrapolate(totals, 10000)
    assert result.point_kgco2e == 4000 * Decimal(200)
    assert result.samples == 0 and result.seed is None
    assert result.interval_method.startswith("normal approximation")
    # Var of the resampled sum = n × σ² (divisor n) = 6000 × 20000/3; the estimate is 4000/6000 of that sum.
    deviation = (Decimal(4000) / 6000) * (Decimal(6000) * Decimal(20000) / 3).sqrt()
    margin = Decimal("1.6448536269514722") * deviation
    assert abs(result.high_kgco2e - (result.point_kgco2e + margin)) < Decimal("1E-15")
    assert abs(result.low_kgco2e - (result.point_kgco2e - margin)) < Decimal("1E-15")


def test_with_no_respondents_the_meeting_default_is_built_from_rows_and_its_assumptions_shown():
    assert meeting_default_kgco2e(FS, "conference") == CONFERENCE_DEFAULT == Decimal("286.9741")
    footprint = event_footprint(EventInput(meeting_type="conference", attendance=100), FS)
    extrapolation = footprint.extrapolation
    assert extrapolation.point_kgco2e == 100 * CONFERENCE_DEFAULT
    assert extrapolation.low_kgco2e == extrapolation.high_kgco2e == extrapolation.point_kgco2e
    assert footprint.total_kgco2e == 100 * CONFERENCE_DEFAULT
    assert all(item.estimated and "estimated default" in item.activity for item in footprint.items)
    assert {item.factor_id for item in footprint.items} == {
        "land.rail.london_underground", "cn_hsr_full", "hotel.china", "meal.pork_standin",
        "air.intl.economy.with_rf"}
    assert any("same_city 0.40" in line for line in footprint.assumptions)
    assert any("2 hotel night(s)" in line for line in footprint.assumptions)
    assert footprint.credits_needed_t == 29


@pytest.mark.parametrize("meeting_type", ["conference", "exhibition", "training", "banquet", "hybrid"])
def test_every_meeting_type_has_a_positive_default_whose_shares_sum_to_one(meeting_type):
    from calculators.event import MEETING_PROFILES
    assert sum(MEETING_PROFILES[meeting_type].shares.values()) == 1
    assert meeting_default_kgco2e(FS, meeting_type) > 0


def test_a_registration_list_extrapolates_by_stratum_with_shrinkage_toward_the_default():
    local = PersonalInput(legs=(Leg(mode="metro", distance_km=Decimal(50)),))
    event = EventInput(responses=(local, local, local), response_strata=("same_city",) * 3,
                       registrants_by_stratum={"same_city": 20, "international": 5})
    footprint = event_footprint(event, FS)
    extrapolation = footprint.extrapolation
    same_city, international = extrapolation.strata
    respondent = 50 * Decimal("0.0278")
    # (sum + k × default) / (n + k) with k = 10: a weight 3/13 on the respondents' mean.
    per_attendee = (3 * respondent + 10 * CONFERENCE_DEFAULTS["same_city"]) / 13
    assert same_city.per_attendee_kgco2e == per_attendee
    assert same_city.weight == Decimal(3) / 13
    assert international.respondents == 0
    assert international.per_attendee_kgco2e == CONFERENCE_DEFAULTS["international"]
    with localcontext(Context(prec=60)):
        assert extrapolation.point_kgco2e == 17 * per_attendee + 5 * CONFERENCE_DEFAULTS["international"]
        assert footprint.total_kgco2e == 3 * respondent + extrapolation.point_kgco2e
    assert extrapolation.coverage == Decimal(3) / 25
    assert "k = 10" in extrapolation.shrinkage
    default_lines = [item for item in footprint.items if "international attendees (estimated default)" in item.activity]
    assert sum(item.kgco2e for item in default_lines) == 5 * CONFERENCE_DEFAULTS["international"]


def test_a_registration_list_needs_every_responses_stratum():
    event = EventInput(responses=(PersonalInput(),), registrants_by_stratum={"same_city": 3})
    with pytest.raises(CalculationError) as caught:
        event_footprint(event, FS)
    assert caught.value.field == "response_strata"


def test_stored_respondent_totals_give_lines_by_category_and_feed_the_extrapolation():
    stored = RespondentTotals((Decimal("12.5"), Decimal("7.5")),
                              by_category_kgco2e={"flight": Decimal(15), "hotel": Decimal(5)}, factor_set="2025.1")
    footprint = event_footprint(EventInput(attendance=4, respondent_totals=stored), FS)
    assert [(item.category, item.kgco2e) for item in footprint.items[:2]] == [("flight", 15), ("hotel", 5)]
    assert footprint.extrapolation.point_kgco2e == 2 * Decimal(10)
    assert footprint.total_kgco2e == 40
    mismatch = RespondentTotals((Decimal(1),), by_category_kgco2e={"flight": Decimal(2)})
    with pytest.raises(CalculationError) as caught:
        event_footprint(EventInput(attendance=4, respondent_totals=mismatch), FS)
    assert caught.value.field == "respondent_totals.by_category_kgco2e"


def test_more_responses_than_attendees_are_refused():
    with pytest.raises(CalculationError) as caught:
        event_footprint(EventInput(attendance=1, responses=(PersonalInput(), PersonalInput())), FS)
    assert caught.value.field == "attendance"


def test_errors_inside_a_response_name_the_response():
    bad = PersonalInput(lodging=(Lodging("CN", Decimal(-1)),))
    with pytest.raises(CalculationError) as caught:
        event_footprint(EventInput(attendance=5, responses=(PersonalInput(), bad)), FS)
    assert caught.value.field == "responses[1].lodging[0].nights"


def test_options_change_seed_and_resamples_but_not_the_point_estimate():
    responses = tuple(PersonalInput(legs=(Leg(mode="taxi", distance_km=Decimal(d)),)) for d in (5, 9, 40, 12, 3))
    a = event_footprint(EventInput(attendance=50, responses=responses), FS).extrapolation
    b = event_footprint(EventInput(attendance=50, responses=responses,
                                   options=EventOptions(seed=99, bootstrap_samples=300)), FS).extrapolation
    assert a.point_kgco2e == b.point_kgco2e
    assert (a.seed, a.samples, b.seed, b.samples) == (2025, 2000, 99, 300)
