"""Reference personas: pinned totals under factor sets 2025.1 and 2025.2, and totals that follow the set given."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from calculators.personas import PERSONAS, footprint_of, persona_totals
from factors import FactorSet, load_factor_set

FS = load_factor_set("2025.1")  # the hand computations below use its rows (ADEME meals)
# Pinned: a change here is a change in a factor, a default or the method, and must be explained in the commit.
PINNED = {
    "beijing_metro_commuter": (Decimal("3722.28000"), 4),
    "guangzhou_vegetarian_household": (Decimal("2201.84640"), 3),
    "citizen_kitchen_week": (Decimal("204.7818"), 1),
    "shanghai_attendee_by_hsr": (Decimal("177.354608"), 1),
    "guangzhou_attendee_flying_pek": (Decimal("629.189900"), 1),
    "london_attendee": (Decimal("3496.494226"), 4),
    # The event personas' estimate of those who did not answer combines their answers with the meeting type's
    # default (weight n / (n + 10)), and the credits cover its 95th percentile, never a zero-width interval.
    "conference_300_with_120_responses": (Decimal("213978.0124674615384615384615440"), 251),
    "banquet_200_no_responses": (Decimal("5548.1414415"), 14),
    "expo_with_registration_list": (Decimal("238086.4402609999999999999999790"), 267),
    "small_company_two_facilities": (Decimal("33955.4035956"), 34),
    "factory_with_refrigerant_leakage": (Decimal("1333814.12732"), 1334),
}

# The same personas under 2025.2, whose default meals are the Chinese recipe meals (cn_meal.*).
PINNED_2025_2 = {
    "beijing_metro_commuter": (Decimal("3561.379000"), 4),
    "guangzhou_vegetarian_household": (Decimal("2577.53080"), 3),
    "citizen_kitchen_week": (Decimal("204.7818"), 1),
    "shanghai_attendee_by_hsr": (Decimal("177.857958"), 1),
    "guangzhou_attendee_flying_pek": (Decimal("627.598900"), 1),
    "london_attendee": (Decimal("3494.838126"), 4),
    "conference_300_with_120_responses": (Decimal("213690.1077078461538461538461580"), 251),
    "banquet_200_no_responses": (Decimal("5357.1259415"), 14),
    "expo_with_registration_list": (Decimal("238000.6080526666666666666666545"), 267),
    "small_company_two_facilities": (Decimal("33955.4035956"), 34),
    "factory_with_refrigerant_leakage": (Decimal("1333814.12732"), 1334),
}


def test_every_persona_total_is_pinned_under_2025_2_too():
    fs = load_factor_set("2025.2")
    assert persona_totals(fs) == {name: total for name, (total, _) in PINNED_2025_2.items()}
    for name, (_, credits) in PINNED_2025_2.items():
        assert footprint_of(PERSONAS[name], fs).credits_needed_t == credits, name
    # 上海-北京 by HSR and metro, 2 nights; 2 vegetarian and 2 pork meals, now the Chinese recipe meals.
    assert persona_totals(fs)["shanghai_attendee_by_hsr"] == (
        2 * Decimal("1067.3") * Decimal("0.03048") + 40 * Decimal("0.0278") + 2 * Decimal("53.5")
        + 2 * Decimal("1.02605") + 2 * Decimal("1.315625"))


def test_at_least_eight_personas_cover_citizens_attendees_meetings_and_companies():
    assert len(PERSONAS) >= 8
    kinds = {footprint_of(persona, FS).kind for persona in PERSONAS.values()}
    assert kinds == {"personal", "event", "enterprise"}


def test_every_persona_total_and_credit_count_is_pinned():
    totals = persona_totals(FS)
    assert totals == {name: total for name, (total, _) in PINNED.items()}
    for name, (_, credits) in PINNED.items():
        assert footprint_of(PERSONAS[name], FS).credits_needed_t == credits, name


def test_the_shanghai_attendee_is_worked_by_hand():
    # HSR 上海-北京 great circle 1067.3 km each way; metro 20 km each way; 2 nights; 2 vegetarian, 2 pork meals.
    expected = (2 * Decimal("1067.3") * Decimal("0.03048") + 40 * Decimal("0.0278") + 2 * Decimal("53.5")
                + 2 * Decimal("0.51") + 2 * Decimal("1.58"))
    assert persona_totals(FS)["shanghai_attendee_by_hsr"] == expected


def test_the_london_attendee_is_worked_by_hand():
    # LHR-PEK 8153.3 km each way is long-haul from the UK (DESNZ: to/from the UK outside Europe).
    expected = (2 * Decimal("8153.3") * Decimal("0.20011") + 50 * Decimal("0.14861") + 4 * Decimal("53.5")
                + Decimal("7.26") + 3 * Decimal("0.51") + 2 * Decimal("1.58"))
    assert persona_totals(FS)["london_attendee"] == expected


def test_the_factory_is_worked_by_hand():
    expected = (1200000 * Decimal("0.5827") + 50000 * Decimal("2.1622") + 200000 * Decimal("1.9003")
                + 8000 * Decimal("3.0959") + 800 * 110 + 12 * 2255 + 5 * 1300 + 12 * Decimal("6.41061"))
    footprint = footprint_of(PERSONAS["factory_with_refrigerant_leakage"], FS)
    assert footprint.total_kgco2e == expected
    assert footprint.by_scope()["outside scopes"] == 3 * 1760  # HCFC-22, not in the total
    assert footprint.by_scope()["2-market"] == 800000 * Decimal("0.6096") + 800 * 110


def test_persona_totals_follow_the_factor_set_they_are_given():
    factors = dict(FS.factors)
    factors["hotel.china"] = replace(FS.factors["hotel.china"], kgco2e_per_unit=Decimal("63.5"))
    newer = FactorSet(version="2099.1", factors=factors, sources=FS.sources, content_hash="test")
    before, after = persona_totals(FS), persona_totals(newer)
    assert after["shanghai_attendee_by_hsr"] - before["shanghai_attendee_by_hsr"] == 2 * 10
    assert after["london_attendee"] - before["london_attendee"] == 4 * 10
    assert after["factory_with_refrigerant_leakage"] == before["factory_with_refrigerant_leakage"]
    assert footprint_of(PERSONAS["london_attendee"], newer).factor_set == "2099.1"
