"""Computed attendee answers are kept per process by what they depend on: the same answers give the same result
from the cache, anything that changes the result misses it, refusals are never kept, and callers cannot change
what the next caller gets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from errors import ValidationError
from meetings import responses
from meetings.links import AnswerTarget

SHANGHAI_MEETING = AnswerTarget(id=1, city_code="cn-310000", province="CN-SH",
                                closes_at=datetime.now(UTC) + timedelta(days=3), require_badge_codes=False)
ANSWERS = {"origin": "北京", "travel_mode": "high_speed_rail", "round_trip": True, "hotel_nights": 2,
           "meals": {"vegetarian": 1}}


@pytest.fixture(autouse=True)
def empty_cache():
    responses._answer_cache.clear()
    yield
    responses._answer_cache.clear()


def test_the_same_answers_are_computed_once_and_give_the_same_footprint():
    first = responses.compute_answers(dict(ANSWERS), SHANGHAI_MEETING)
    assert len(responses._answer_cache) == 1
    second = responses.compute_answers(dict(ANSWERS), SHANGHAI_MEETING)
    assert len(responses._answer_cache) == 1
    assert second[0] == first[0] and second[2].total_kgco2e == first[2].total_kgco2e > 0


def test_another_answer_or_another_venue_is_computed_afresh():
    base = responses.compute_answers(dict(ANSWERS), SHANGHAI_MEETING)[2].total_kgco2e
    more_nights = responses.compute_answers({**ANSWERS, "hotel_nights": 3}, SHANGHAI_MEETING)[2].total_kgco2e
    guangzhou = replace(SHANGHAI_MEETING, city_code="cn-440100", province="CN-GD")
    farther = responses.compute_answers(dict(ANSWERS), guangzhou)[2].total_kgco2e
    assert len(responses._answer_cache) == 3
    assert more_nights > base and farther > base  # 北京→广州 is farther than 北京→上海
    # An integer and a boolean are different answers even though 1 == True.
    assert responses._frozen({"n": 1}) != responses._frozen({"n": True})


def test_a_refused_answer_is_refused_every_time_and_never_kept():
    for _ in range(2):
        with pytest.raises(ValidationError):
            responses.compute_answers({**ANSWERS, "hotel_nights": -1}, SHANGHAI_MEETING)
    assert responses._answer_cache == {}


def test_a_caller_changing_its_answers_does_not_change_the_next_callers():
    answers, _origin, _footprint = responses.compute_answers(dict(ANSWERS), SHANGHAI_MEETING)
    answers["meals"]["vegetarian"] = 99
    answers["origin"] = "changed"
    again = responses.compute_answers(dict(ANSWERS), SHANGHAI_MEETING)[0]
    assert again["meals"]["vegetarian"] == 1 and again["origin"] != "changed"
