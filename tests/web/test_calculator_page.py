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
