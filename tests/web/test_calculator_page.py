"""The citizen's calculator page: a GET form that shows line items, a total and a comparison, or field errors."""

from __future__ import annotations

import re
from decimal import Decimal

from factors import default_factor_set


def _value(factor_id: str) -> Decimal:
    return default_factor_set().get(factor_id).kgco2e_per_unit


def test_one_kg_of_beef_and_three_vegetarian_meals_show_their_line_items_and_total(client):
    page = client.get("/calculator", query_string={
        "go": "1", "food-0-item": "beef_beef_herd", "food-0-kg": "1", "meals-vegetarian": "3"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    total = _value("beef_beef_herd") + 3 * _value("cn_meal.vegetarian")
    assert f"<strong>{total.quantize(Decimal('0.1'))}</strong>" in html
    assert "beef_beef_herd" in html and "cn_meal.vegetarian" in html
    assert "Poore" in html  # the source of the beef row is named next to it
    km = (total / _value("land.car.average.petrol.vkm")).quantize(Decimal("1"))
    assert f"{km} 公里" in html  # the plain comparison, in Chinese by default


def test_the_alternative_beef_row_can_be_chosen_and_the_line_says_which(client):
    html = client.get("/calculator", query_string={
        "go": "1", "food-0-item": "beef_beef_herd", "food-0-kg": "1", "beef": "tanzhonghui"}).get_data(as_text=True)
    assert "food.beef_tanzhonghui" in html and "<strong>20.8</strong>" in html


def test_a_trip_between_cities_is_a_great_circle_flight(client):
    html = client.get("/calculator", query_string={
        "go": "1", "trip-0-mode": "flight", "trip-0-from": "北京", "trip-0-to": "Shanghai",
        "trip-0-cabin": "economy"}).get_data(as_text=True)
    assert "air.intl.economy.with_rf" in html


def test_bad_input_is_shown_next_to_its_field_and_never_a_500(client):
    page = client.get("/calculator", query_string={
        "go": "1", "food-0-item": "beef_beef_herd", "food-0-kg": "-1", "meals-vegan": "many",
        "trip-1-mode": "rail_high_speed", "trip-1-km": "30000"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    errors = re.findall(r'id="([\w-]+)"[^>]*>(?:</select>)?<p class="field-error"', html)
    assert {"food-0-kg", "meals-vegan", "trip-1-km"} <= set(errors)


def test_an_unknown_city_is_named_with_suggestions(client):
    page = client.get("/calculator", query_string={
        "go": "1", "trip-0-mode": "flight", "trip-0-from": "Shangai", "trip-0-to": "PEK"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "Shangai" in html and "Shanghai" in html


def _errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="([\w-]+)"[^>]*>(?:</select>)?<p class="field-error" role="alert">([^<]*)<', html))


def _english(client) -> None:
    assert client.get("/lang/en?next=/calculator").status_code == 302


def test_a_5_kg_footprint_needs_1_t_bought_in_whole_tonnes_and_says_the_kg_it_covers(client):
    query = {"go": "1", "meals-vegan": "5"}  # 5 × 0.9093 kg (the Chinese vegan meal) = 4.5465 kg
    html = client.get("/calculator", query_string=query).get_data(as_text=True)
    assert "按整吨计 1 吨（覆盖 4.5 kg）" in html
    _english(client)
    html = client.get("/calculator", query_string=query).get_data(as_text=True)
    assert "1 t when bought in whole tonnes (covers 4.5 kg)" in html


def test_an_empty_form_prompts_instead_of_showing_a_zero_footprint(client):
    page = client.get("/calculator", query_string={"go": "1", "trip-0-mode": "flight", "rf": "1"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "还没有可计算的内容" in html
    assert "result-title" not in html and "0.0</strong>" not in html


def test_a_flight_from_a_city_to_itself_is_refused_on_its_destination_field(client):
    page = client.get("/calculator", query_string={
        "go": "1", "trip-0-mode": "flight", "trip-0-from": "北京", "trip-0-to": "PEK"})
    assert page.status_code == 422
    assert "没有离开同一城市" in _errors(page.get_data(as_text=True))["trip-0-to"]


def test_calculator_errors_are_in_the_pages_language(client):
    query = {"go": "1", "food-0-item": "rice", "food-0-kg": "abc", "meals-vegan": "200000"}
    zh = _errors(client.get("/calculator", query_string=query).get_data(as_text=True))
    assert zh == {"food-0-kg": "不是有效的数字。", "meals-vegan": "必须在 0 到 100,000 之间"}
    unknown = {"go": "1", "trip-0-mode": "flight", "trip-0-from": "XYZ", "trip-0-to": "上海"}
    assert _errors(client.get("/calculator", query_string=unknown).get_data(as_text=True))["trip-0-from"] \
        .startswith("未知的机场或城市“XYZ”；您是否要找：")
    _english(client)
    en = _errors(client.get("/calculator", query_string=query).get_data(as_text=True))
    assert en == {"food-0-kg": "Not a valid number.", "meals-vegan": "must be between 0 and 100,000"}


def test_notes_and_units_are_in_the_pages_language(client):
    query = {"go": "1", "trip-0-mode": "rail_high_speed", "trip-0-from": "PVG", "trip-0-to": "CAN",
             "meals-vegan": "2"}
    html = client.get("/calculator", query_string=query).get_data(as_text=True)
    result = html[html.index('<section class="result'):html.index("</section>")]
    assert "高铁 上海 → 广州，往返" in result and "PVG" not in result.split("<details")[0]
    assert "大圆（直线）距离" in html and "未乘绕行系数" in html
    assert "人·公里" in html and "kg CO2e/餐" in html and "passenger.km" not in html and "每 meal" not in html
    _english(client)
    html = client.get("/calculator", query_string=query).get_data(as_text=True)
    assert "High-speed rail Shanghai → Guangzhou, round trip" in html and "passenger-km" in html
    assert "no detour factor applied" in html


def test_a_trip_is_a_return_trip_unless_one_way_is_chosen_as_on_the_attendee_form(client):
    from meetings.attendee_form import AttendeeForm

    assert AttendeeForm.trip.kwargs["default"] == "return"
    trip = {"go": "1", "trip-0-mode": "rail_high_speed", "trip-0-km": "100"}
    km = Decimal(100)
    html = client.get("/calculator", query_string=trip).get_data(as_text=True)
    assert f"<strong>= {(2 * km * _value('cn_hsr_full')).quantize(Decimal('0.01'))}</strong>" in html
    assert '<option value="return" selected>' in html
    html = client.get("/calculator", query_string={**trip, "trip-0-trip": "one_way"}).get_data(as_text=True)
    assert f"<strong>= {(km * _value('cn_hsr_full')).quantize(Decimal('0.01'))}</strong>" in html


def test_home_electricity_asks_for_its_period_and_the_line_states_it(client):
    query = {"go": "1", "home-province": "CN-GD", "home-electricity_kwh": "250"}
    html = client.get("/calculator", query_string=query).get_data(as_text=True)
    assert 'name="home-period"' in html and "电力，广东省电网（一个月）" in html
    html = client.get("/calculator", query_string={**query, "home-period": "year"}).get_data(as_text=True)
    assert "电力，广东省电网（一年）" in html and "家庭能源按所填一年计" in html
    kg = (250 * _value("cn.elec.prov.guangdong.2023")).quantize(Decimal("0.01"))
    assert f"<strong>= {kg}</strong>" in html  # stated, not converted: 250 kWh stays 250 kWh


def test_more_rows_can_be_asked_for_without_javascript_and_keep_what_was_typed(client):
    html = client.get("/calculator").get_data(as_text=True)
    assert len(re.findall(r'class="row trip"', html)) == 2 and len(re.findall(r'class="row food"', html)) == 3
    page = client.get("/calculator", query_string={"go": "1", "trips": "2", "more": "trip", "trip-1-mode": "bus",
                                                   "trip-1-km": "7"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "result-title" not in html
    assert len(re.findall(r'class="row trip"', html)) == 3 and 'name="trip-2-mode"' in html
    assert 'name="trip-1-km" value="7"' in html
    page = client.get("/calculator", query_string={"go": "1", "trips": "3", "trip-2-mode": "bus", "trip-2-km": "7",
                                                   "foods": "4", "food-3-item": "rice", "food-3-kg": "2"})
    html = page.get_data(as_text=True)
    assert "land.bus.average_local" in html and "rice" in html and 'name="food-3-kg"' in html
