"""The sink estimator: its API (422s naming the field), its page in Chinese with the chart, its CLI and rate limit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app import create_app
from tests.conftest import make_test_settings

JIANGXI_FIR = {"area": "1400", "area_unit": "mu", "province": "CN-JX", "species_group": "other_conifer",
               "origin": "planted", "stand_age": 0, "crediting_years": 2}


def test_the_api_estimate_equals_the_hand_calculation_and_cites_its_rows(client):
    response = client.post("/api/v1/sinks/estimate", json={"plots": [JIANGXI_FIR], "risk_buffer_pct": "10"})
    assert response.status_code == 200
    body = response.get_json()
    # 1400 亩 = 1400/15 ha; Table 4.10 G = 8; Table 4.4 (2019) R = 0.230; Table 4.3 CF = 0.47.
    above = (Decimal(1400) * Decimal(8) * Decimal("0.47") * 44 / (12 * 15)).quantize(Decimal("0.000001"))
    below = (Decimal(1400) * Decimal(8) * Decimal("0.230") * Decimal("0.47") * 44 / (12 * 15)).quantize(
        Decimal("0.000001"))
    assert Decimal(body["gross_t_co2"]) == 2 * (above + below)
    assert body["kind"] == "ex_ante_estimate" and body["notes"][0]["code"] == "sink.ex_ante"
    assert Decimal(body["buffer_t_co2"]) == (Decimal(body["gross_t_co2"]) / 10).quantize(Decimal("0.000001"))
    assert body["valuation"]["price"] == "70.76" and body["valuation"]["as_of"] == "2025-12-31"
    assert {p["row_id"] for p in body["lines"][1]["parameters"]} == {
        "ipcc19.g_plant.subtrop_humid.all", "ipcc19.r.subtrop_humid.nat.le125", "ipcc06.cf.all"}


def test_impossible_plots_are_422s_naming_the_field(client):
    cases = [({"area": "0"}, "plots[0].area"), ({"stand_age": 500}, "plots[0].stand_age"),
             ({"species_group": "baobab"}, "plots[0].species_group"), ({"area": "-1"}, "plots[0].area"),
             ({"province": "CN-HI"}, "plots[0].climate_zone")]
    for change, field in cases:
        response = client.post("/api/v1/sinks/estimate", json={"plots": [{**JIANGXI_FIR, **change}]})
        assert response.status_code == 422, change
        error = response.get_json()["error"]
        assert field in error["fields"] and field in error["message"], error


def test_a_planting_year_and_the_first_crediting_year_give_the_stand_age(client):
    start = date.today().year
    aged = {key: value for key, value in JIANGXI_FIR.items() if key != "stand_age"}
    by_years = client.post("/api/v1/sinks/estimate", json={"plots": [{**aged, "planting_year": start - 10,
                                                                       "start_year": start}]})
    by_age = client.post("/api/v1/sinks/estimate", json={"plots": [{**aged, "stand_age": 10}]})
    assert by_years.status_code == by_age.status_code == 200
    assert by_years.get_json()["lines"] == by_age.get_json()["lines"]
    assert [line["stand_age"] for line in by_years.get_json()["lines"]] == [11, 11, 12, 12]
    cases = [({"planting_year": start + 1, "start_year": start}, "plots[0].planting_year"),
             ({"planting_year": start - 10}, "plots[0].stand_age"), ({}, "plots[0].stand_age")]
    for change, field in cases:
        response = client.post("/api/v1/sinks/estimate", json={"plots": [{**aged, **change}]})
        assert response.status_code == 422, change
        assert field in response.get_json()["error"]["fields"], response.get_json()


def test_a_band_warning_reaches_the_api(client):
    dry = {**JIANGXI_FIR, "species_group": "eucalyptus", "climate_zone": "subtropical_dry"}
    body = client.post("/api/v1/sinks/estimate", json={"plots": [dry]}).get_json()
    assert [w["code"] for w in body["warnings"]] == ["sink.above_band"]
    # The band and the rates the mean is compared with (SINKS.md): national ≈ 3.3, the 遂川 project ≈ 8.6.
    assert body["sanity_band"] == {"low": "0.7", "high": "17.2", "national": "3.3", "project": "8.6"}
    assert Decimal(body["mean_t_co2_per_ha_yr"]) > Decimal(body["sanity_band"]["high"])


def test_the_page_compares_the_rate_with_the_national_and_a_project_rate_in_each_language(client):
    query = "&".join(f"{k}={v}" for k, v in JIANGXI_FIR.items())
    client.set_cookie("lang", "zh_CN")
    zh = client.get(f"/sinks?go=1&{query}").get_data(as_text=True)
    assert "全国森林约 3.3；江西遂川一个 CCER 造林项目约 8.6" in zh
    client.set_cookie("lang", "en")
    en = client.get(f"/sinks?go=1&{query}").get_data(as_text=True)
    assert "China's forests: about 3.3; a CCER afforestation project in Suichuan, Jiangxi: about 8.6" in en


def test_the_estimator_page_shows_the_chart_and_rows_in_chinese(client):
    query = "&".join(f"{k}={v}" for k, v in JIANGXI_FIR.items())
    page = client.get(f"/sinks?go=1&{query}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "cumulative-chart" in text and "ipcc19.g_plant.subtrop_humid.all" in text
    assert "碳汇" in text and "事前" in text


def test_the_estimator_page_marks_bad_fields_in_chinese(client):
    page = client.get("/sinks?go=1&area=0&species_group=baobab&stand_age=500")
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert text.count('class="field-error"') == 3 and "必须" in text


def test_the_cli_prints_the_estimate_and_fails_naming_the_field(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sinks", "estimate", "--area", "100", "--province", "CN-JX", "--species",
                                 "other_conifer", "--years", "5"])
    assert result.exit_code == 0, result.output
    assert "gross 8478.800000 t CO2" in result.output and "ipcc19.g_plant.subtrop_humid.all" in result.output
    bad = runner.invoke(args=["sinks", "estimate", "--area", "100", "--province", "CN-JX", "--species", "baobab"])
    assert bad.exit_code == 2 and "species_group" in bad.output


def test_the_estimate_api_is_rate_limited(app, tmp_path):
    limited = create_app(make_test_settings(tmp_path, public_rate_limit="2 per minute"),
                         database=app.extensions["db"])
    client = limited.test_client()
    statuses = [client.post("/api/v1/sinks/estimate", json={"plots": [JIANGXI_FIR]}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
