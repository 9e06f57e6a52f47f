"""The factor API, the OpenAPI document, the docs page and the factor browser."""

from __future__ import annotations

from decimal import Decimal

from factors import DEFAULT_VERSION, load_factor_set


def test_the_factor_api_lists_the_default_version_with_a_source_on_every_item(client):
    response = client.get("/api/v1/factors?limit=500")
    assert response.status_code == 200
    body = response.json
    factor_set = load_factor_set()
    assert body["version"] == DEFAULT_VERSION
    assert body["total"] == len(factor_set.factors)
    for item in body["items"]:
        assert {"id", "category", "activity", "label_zh", "label_en", "unit", "kgco2e_per_unit", "region",
                "source"} <= item.keys()
        assert item["source"]["title"] and item["source"]["id"] == factor_set.get(item["id"]).source_id
        assert Decimal(item["kgco2e_per_unit"]) == factor_set.get(item["id"]).kgco2e_per_unit


def test_the_factor_api_filters_by_category_and_searches_labels(client):
    flights = client.get("/api/v1/factors?category=flight").json
    assert flights["total"] > 0 and {i["category"] for i in flights["items"]} == {"flight"}
    economy = client.get("/api/v1/factors", query_string={"q": "economy", "category": "flight"}).json
    assert 0 < economy["total"] < flights["total"]
    beef = client.get("/api/v1/factors", query_string={"q": "牛肉"}).json
    assert beef["total"] >= 1 and all("牛" in i["label_zh"] for i in beef["items"])


def test_the_factor_api_names_the_bad_parameter(client):
    response = client.get("/api/v1/factors?limit=0")
    assert response.status_code == 422
    assert "limit" in response.json["error"]["fields"]
    unknown = client.get("/api/v1/factors?colour=green")
    assert unknown.status_code == 422 and "colour" in unknown.json["error"]["fields"]
    version = client.get("/api/v1/factors?version=1999.9")
    assert version.status_code == 404
    assert "1999.9" in version.json["error"]["message"]


def test_the_openapi_document_and_the_docs_page_are_served_locally(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/factors" in spec.json["paths"]
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "http://" not in docs.replace("http://localhost", "") and "https://" not in docs
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_the_factor_browser_shows_each_factor_with_its_source(client):
    page = client.get("/factors?q=beef")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "排放因子" in html  # zh_CN by default
    assert "Poore" in html
    assert html.count('class="source"') >= 1


def test_the_factor_browser_speaks_english_after_the_switch(client):
    switched = client.get("/lang/en?next=/factors")
    assert switched.status_code == 302 and switched.headers["Location"] == "/factors"
    html = client.get("/factors").get_data(as_text=True)
    assert "Emission factors" in html and 'lang="en"' in html


def test_the_factor_browser_rejects_a_bad_page_with_a_clear_error(client):
    response = client.get("/factors?page=abc")
    assert response.status_code == 422
    assert "abc" in response.get_data(as_text=True)
