"""Event footprints: organiser lines, respondents, and the extrapolation to those who did not answer."""

from __future__ import annotations

import math
import time
from decimal import Context, Decimal, localcontext

import pytest

from calculators.enterprise import ElectricityUse, FuelUse, MaterialUse, WasteDisposal
from calculators.event import (
    EventInput,
    EventOptions,
    Prior,
    RespondentTotals,
    VenueEstimate,
    event_footprint,
    extrapolate,
    meeting_default_kgco2e,
    stratum_priors,
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


def test_the_respondents_mean_is_combined_with_the_default_by_their_weights():
    beef_eater = PersonalInput(food=(FoodItem("beef", Decimal(1)),))
    vegan_by_rail = PersonalInput(legs=(Leg(mode="rail", distance_km=Decimal(100)),))
    event = EventInput(attendance=10, responses=(beef_eater, vegan_by_rail, beef_eater, vegan_by_rail))
    footprint = event_footprint(event, FS)
    beef, rail = Decimal("99.48"), 100 * Decimal("0.03048")
    # (n0 × default + sum of the answers) / (n0 + n), n0 = 10.
    per_attendee = (10 * CONFERENCE_DEFAULT + 2 * beef + 2 * rail) / 14
    extrapolation = footprint.extrapolation
    assert extrapolation.method_note.code == "event_answers_and_default"
    assert extrapolation.method_note.params == {"respondents": 4, "prior_weight": 10}
    assert extrapolation.coverage == Decimal("0.4")
    with localcontext(Context(prec=60)):
        assert extrapolation.point_kgco2e == 6 * per_attendee
        assert footprint.total_kgco2e == 2 * beef + 2 * rail + 6 * per_attendee
    assert extrapolation.low_kgco2e < extrapolation.point_kgco2e < extrapolation.high_kgco2e
    with localcontext(Context(prec=60)):
        assert footprint.neutralisation_kgco2e == (footprint.total_kgco2e - extrapolation.point_kgco2e
                                                   + extrapolation.high_kgco2e)
    assert footprint.credits_needed_t == math.ceil(footprint.neutralisation_kgco2e / 1000)
    responses = [item for item in footprint.items if item.category != "extrapolation"]
    assert [(item.factor_id, item.quantity) for item in responses] == [("beef_beef_herd", 2), ("cn_hsr_full", 200)]
    (line,) = [item for item in footprint.items if item.category == "extrapolation"]
    assert (line.quantity, line.factor_value, line.estimated) == (6, per_attendee, True)
    assert line.activity_zh == "未填报参会者（外推），全部参会者"


def test_extrapolate_follows_the_documented_conjugate_normal_model():
    totals = [Decimal(10), Decimal(20), Decimal(30), Decimal("45.5")]
    prior = Prior(Decimal(100), Decimal(2500))
    result = extrapolate(totals, 10, prior=prior, prior_weight=10)
    n, n0, m = 4, 10, 6
    mean = Decimal("105.5") / 4
    deviations = sum((y - mean) ** 2 for y in totals)
    spread = (n0 * Decimal(2500) + deviations) / (n0 + n - 1)  # the prior's variance pooled with the answers'
    variance = m * m * spread / (n0 + n) + m * spread  # the mean's uncertainty + the attendees' differences
    margin = Decimal("1.6448536269514722") * variance.sqrt()
    assert abs(result.point_kgco2e - m * (n0 * Decimal(100) + Decimal("105.5")) / (n0 + n)) < Decimal("1E-20")
    assert abs(result.high_kgco2e - (result.point_kgco2e + margin)) < Decimal("1E-20")
    assert abs(result.low_kgco2e - (result.point_kgco2e - margin)) < Decimal("1E-20")
    (stratum,) = result.strata
    assert stratum.weight == Decimal(4) / 14 and stratum.prior_weight == 10
    assert result.samples == 0 and result.seed is None  # closed form: nothing drawn
    assert extrapolate(totals, 10, prior=prior) == result
    assert result.neutralisation_basis.startswith("credits cover the total")
    assert result.interval_note.code == "event_interval_normal"
    everyone = extrapolate(totals, 4, prior=prior)
    assert everyone.low_kgco2e == everyone.high_kgco2e == everyone.point_kgco2e == 0
    assert everyone.interval_note.code == "event_interval_all_answered"


def test_100000_respondents_are_computed_in_closed_form_quickly():
    totals = [Decimal(100), Decimal(200), Decimal(300)] * 33_334
    started = time.perf_counter()
    result = extrapolate(totals, 120_000, prior=Prior(Decimal(200), Decimal(10_000)))
    assert time.perf_counter() - started < 1
    n, m = len(totals), 120_000 - len(totals)
    spread = (10 * Decimal(10_000) + n * Decimal(20_000) / 3) / (n + 9)
    margin = Decimal("1.6448536269514722") * (m * m * spread / (n + 10) + m * spread).sqrt()
    assert result.point_kgco2e == m * Decimal(200)
    assert abs(result.high_kgco2e - result.point_kgco2e - margin) < Decimal("1E-15")


def test_the_prior_spread_is_the_mixture_of_the_assumed_ways_of_travel():
    priors = stratum_priors(FS, "conference")
    # Within one way of travel an attendee's kg is spread evenly over [0, 2d]: E[y²] = 4d²/3.
    assert priors["same_city"].mean_kgco2e == CONFERENCE_DEFAULTS["same_city"]
    assert abs(priors["same_city"].variance - CONFERENCE_DEFAULTS["same_city"] ** 2 / 3) < Decimal("1E-20")
    rail = 1600 * Decimal("0.03048") + AWAY
    flight = 2400 * Decimal("0.13465") + AWAY
    other = priors["other_province"]
    assert other.mean_kgco2e == CONFERENCE_DEFAULTS["other_province"] == (rail + flight) / 2
    expected = Decimal("0.5") * Decimal(4) / 3 * (rail ** 2 + flight ** 2) - other.mean_kgco2e ** 2
    assert abs(other.variance - expected) < Decimal("1E-20")
    overall = priors["all"]
    assert overall.mean_kgco2e == CONFERENCE_DEFAULT
    assert overall.variance > max(p.variance for s, p in priors.items() if s not in ("all", "unknown", "international"))
    travel_only = stratum_priors(FS, "conference", parts=("travel",))
    assert travel_only["same_province"].mean_kgco2e == 300 * Decimal("0.03048")


def test_with_no_respondents_the_default_carries_the_spread_of_its_assumptions():
    assert meeting_default_kgco2e(FS, "conference") == CONFERENCE_DEFAULT == Decimal("286.9741")
    footprint = event_footprint(EventInput(meeting_type="conference", attendance=100), FS)
    extrapolation = footprint.extrapolation
    assert extrapolation.point_kgco2e == 100 * CONFERENCE_DEFAULT
    assert extrapolation.low_kgco2e < extrapolation.point_kgco2e < extrapolation.high_kgco2e
    spread = stratum_priors(FS, "conference")["all"].variance
    # n = 0: the default weighs as 10 answers; variance 100²·s0²/10 + 100·s0².
    margin = Decimal("1.6448536269514722") * (100 * 100 * spread / 10 + 100 * spread).sqrt()
    assert abs(extrapolation.high_kgco2e - extrapolation.point_kgco2e - margin) < Decimal("1E-15")
    assert footprint.total_kgco2e == 100 * CONFERENCE_DEFAULT
    assert all(item.estimated and "estimated default" in item.activity for item in footprint.items)
    assert {item.factor_id for item in footprint.items} == {
        "land.rail.london_underground", "cn_hsr_full", "hotel.china", "meal.pork_standin",
        "air.intl.economy.with_rf"}
    assert any("same_city 0.40" in line for line in footprint.assumptions)
    assert any("2 hotel night(s)" in line for line in footprint.assumptions)
    assert [note.code for note in extrapolation.notes][:2] == ["event_assumed_shares", "event_travel_same_city"]
    assert extrapolation.notes[0].params["same_city"] == 40
    assert footprint.credits_needed_t == math.ceil((footprint.total_kgco2e + margin) / 1000) > 29


@pytest.mark.parametrize("meeting_type", ["conference", "exhibition", "training", "banquet", "hybrid"])
def test_every_meeting_type_has_a_positive_default_whose_shares_sum_to_one(meeting_type):
    from calculators.event import MEETING_PROFILES
    assert sum(MEETING_PROFILES[meeting_type].shares.values()) == 1
    assert meeting_default_kgco2e(FS, meeting_type) > 0


def test_a_registration_list_extrapolates_by_stratum_toward_each_strata_default():
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
    assert "n0 = 10" in extrapolation.shrinkage
    assert extrapolation.method_note.code == "event_stratified"
    assert same_city.respondent_mean_kgco2e == respondent and international.weight == 0
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
    per_attendee = (10 * CONFERENCE_DEFAULT + 20) / 12
    with localcontext(Context(prec=60)):
        assert footprint.extrapolation.point_kgco2e == 2 * per_attendee
        assert footprint.total_kgco2e == 20 + 2 * per_attendee
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


def test_the_prior_weight_option_moves_the_estimate_and_the_former_bootstrap_options_change_nothing():
    responses = tuple(PersonalInput(legs=(Leg(mode="taxi", distance_km=Decimal(d)),)) for d in (5, 9, 40, 12, 3))
    a = event_footprint(EventInput(attendance=50, responses=responses), FS).extrapolation
    b = event_footprint(EventInput(attendance=50, responses=responses,
                                   options=EventOptions(seed=99, bootstrap_samples=300)), FS).extrapolation
    c = event_footprint(EventInput(attendance=50, responses=responses,
                                   options=EventOptions(shrinkage_k=40)), FS).extrapolation
    assert a == b
    assert a.strata[0].weight == Decimal(5) / 15 and c.strata[0].weight == Decimal(5) / 45
    assert a.point_kgco2e < c.point_kgco2e  # short taxi rides: the heavier the default, the higher the estimate
