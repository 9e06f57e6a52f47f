"""Factor sources and values as people see them: primary citations, folded cross-checks, no float artefacts."""

from __future__ import annotations

import re
from html import unescape

from factors import load_factor_set
from factorsets import service

# A binary float written out in full: six or more 0s before a last digit, or six or more 9s (59.599999999999994).
ARTEFACT = re.compile(r"\d\.\d*(?:0{6,}[1-9]|9{6,})")
EVERY_MEAL = {f"meals-{m}": "3" for m in ("vegan", "vegetarian", "poultry", "pork", "beef_lamb", "fish")}


def _publish_2025_1(session) -> None:
    service.publish_factor_set(session=session, factor_set=load_factor_set("2025.1"))


def _browser_pages(client, **query) -> list[str]:
    pages, page = [], 1
    while True:
        html = client.get("/factors", query_string={**query, "page": page}).get_data(as_text=True)
        pages.append(html)
        if f"page={page + 1}" not in html:
            return pages
        page += 1


def test_no_page_or_api_answer_shows_a_float_artefact_even_for_the_2025_1_median_rows(client, session):
    _publish_2025_1(session)
    assert ARTEFACT.search("59.599999999999994 / kg") and not ARTEFACT.search("1.315625 / 0.0278")
    texts = [*_browser_pages(client, category="food", version="2025.1"), *_browser_pages(client, category="meal"),
             *_browser_pages(client, category="food")]
    old_food = client.get("/api/v1/factors", query_string={"version": "2025.1", "category": "food", "limit": 500})
    texts.append(old_food.get_data(as_text=True))
    texts.append(client.get("/api/v1/factors", query_string={"limit": 500}).get_data(as_text=True))
    calculator = client.get("/calculator", query_string={"go": "1", "food-0-item": "beef_beef_herd",
                                                          "food-0-kg": "0.3", "food-1-item": "rice",
                                                          "food-1-kg": "0.15", **EVERY_MEAL})
    assert calculator.status_code == 200
    texts.append(calculator.get_data(as_text=True))
    personal = client.post("/api/v1/footprints/personal", json={
        "meals": {m: 3 for m in ("vegan", "vegetarian", "poultry", "pork", "beef_lamb", "fish")},
        "food": [{"item": "beef", "kg": "0.3"}, {"item": "rice", "kg": "0.15"}]})
    assert personal.status_code == 200
    texts.append(personal.get_data(as_text=True))
    for text in texts:
        assert not ARTEFACT.search(text), ARTEFACT.search(text).group(0)
    medians = {i["id"]: i["kgco2e_per_unit"] for i in old_food.json["items"]}
    assert medians["med_beef_beef_herd"] == "59.6" and medians["med_soybean_oil"] == "6.0"
    assert medians["beef_beef_herd"] == "99.48"
    assert "59.6" in "".join(_browser_pages(client, q="med_beef", version="2025.1"))


def test_the_browser_cites_the_primary_publication_and_folds_the_mirrors_away(client):
    html = client.get("/factors", query_string={"q": "beef_beef_herd"}).get_data(as_text=True)
    row = html[html.index('<code class="factor-id">beef_beef_herd</code>'):]
    row = row[:row.index("</tr>")]
    assert 'href="https://doi.org/10.1126/science.aaq0216"' in row
    assert "Science 360(6392):987–992" in row and "ghg-per-kg-poore" in row
    folded = row[row.index('<details class="cross-check">'):row.index("</details>", row.index("cross-check"))]
    assert "njsuthe/GhGlabeling" in folded and "nightingale-owid" in folded
    assert "github.com" not in row.replace(folded, "")


def test_the_api_gives_document_number_table_and_cross_checks_apart_from_the_source(client):
    body = client.get("/api/v1/factors", query_string={"q": "cn.elec.prov.beijing.2023"}).json
    item = next(i for i in body["items"] if i["id"] == "cn.elec.prov.beijing.2023")
    assert item["source"]["document_number"].startswith("公告2025年第47号")
    assert item["source"]["url"].startswith("https://www.mee.gov.cn/")
    assert "nengzhihe" in item["cross_checked_at"] and "nengzhihe" in item["source"]["cross_checked_at"]


def test_the_chinese_meals_are_listed_with_their_recipe_and_the_pork_stand_in_is_gone(client):
    html = "".join(_browser_pages(client, category="meal"))
    assert "cn_meal.pork" in html and "37.5 g pig_meat" in html and "1.315625" in html
    assert "meal.pork_standin" not in html and "以鸡肉餐代替" not in html
    calculator = client.get("/calculator", query_string={"go": "1", "meals-pork": "2"}).get_data(as_text=True)
    assert "cn_meal.pork" in calculator and "pork_standin" not in calculator and "stand-in" not in calculator


def test_the_calculator_shows_both_beef_values_names_the_default_and_says_why(client):
    html = unescape(client.get("/calculator").get_data(as_text=True))
    assert "默认 99.48 kg CO2e/千克：Poore & Nemecek 2018 全球均值" in html
    assert "备选 20.82 kg CO2e/千克：碳中惠计算器（辽宁碳中汇平台）" in html
    assert "同行评审" in html and "未公开" in html
    client.get("/lang/en?next=/calculator")
    english = unescape(client.get("/calculator").get_data(as_text=True))
    assert "Default, 99.48 kg CO2e per kg: Poore & Nemecek 2018 global mean" in english
    assert "Alternative, 20.82 kg CO2e per kg: 碳中惠 calculator (辽宁碳中汇 platform)" in english
