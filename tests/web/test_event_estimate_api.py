"""The event footprint API: one answer out of 200 narrows the estimate a little and never replaces the prior."""

from __future__ import annotations

from decimal import Decimal

from calculators.event import meeting_default_kgco2e
from factors import default_factor_set

METRO = {"legs": [{"mode": "metro", "distance_km": "12", "round_trip": True}]}


def test_one_local_metro_answer_out_of_200_keeps_the_prior_and_a_wide_interval(client):
    nobody = client.post("/api/v1/footprints/event", json={"meeting_type": "conference", "attendance": 200}).json
    one = client.post("/api/v1/footprints/event", json={"meeting_type": "conference", "attendance": 200,
                                                         "responses": [METRO]}).json
    default = meeting_default_kgco2e(default_factor_set(), "conference")
    assert Decimal(nobody["total_kgco2e"]) == 200 * default  # 57.39 t
    before, after = nobody["extrapolation"], one["extrapolation"]
    # No answer: an interval of positive width from the assumptions, not "nothing sampled".
    assert Decimal(before["low_kgco2e"]) < Decimal(before["point_kgco2e"]) < Decimal(before["high_kgco2e"])
    assert before["method_code"] == "event_default_only" and before["interval_code"] == "event_interval_normal"
    # One metro ride (0.67 kg) weighs 1/11: the 199 others are still estimated near the default.
    (stratum,) = after["strata"]
    assert Decimal(stratum["weight"]) == Decimal(1) / 11 and stratum["prior_weight"] == 10
    assert Decimal(after["point_kgco2e"]) > 199 * default * 10 / 11 - 1
    assert Decimal(one["total_kgco2e"]) > 50_000  # not 0.70 t
    width = Decimal(after["high_kgco2e"]) - Decimal(after["low_kgco2e"])
    assert width > Decimal(after["point_kgco2e"])  # still wide: far from "701 – 701 kg"
    # And a low answer lowers the credits needed rather than raising them.
    assert one["credits_needed_t"] < nobody["credits_needed_t"]
    assert Decimal(one["neutralisation_kgco2e"]) < Decimal(nobody["neutralisation_kgco2e"])


def test_the_method_travels_as_code_parameters_and_english_text(client):
    body = client.post("/api/v1/footprints/event", json={"meeting_type": "banquet", "attendance": 50,
                                                          "responses": [METRO, METRO]}).json
    extrapolation = body["extrapolation"]
    assert extrapolation["method_code"] == "event_answers_and_default"
    assert extrapolation["method_params"] == {"respondents": 2, "prior_weight": 10}
    assert extrapolation["method"].startswith("the mean of 2 respondents combined with")
    assert extrapolation["interval_params"]["z"] == "1.6448536269514722"
    codes = [note["code"] for note in extrapolation["notes"]]
    assert codes[0] == "event_assumed_shares" and "event_profile_banquet" in codes
    shares = extrapolation["notes"][0]["params"]
    assert (shares["meeting_type"], shares["same_city"]) == ("banquet", "80")
    assert body["assumptions"] == [note["text"] for note in extrapolation["notes"]]
