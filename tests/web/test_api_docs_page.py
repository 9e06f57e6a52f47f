"""The API docs page: the site's header, each group of endpoints named in the page's language, a valid document."""

from __future__ import annotations

import schemathesis

from api.docs import API_TAGS


def test_the_docs_page_has_the_site_header_and_names_each_group_in_chinese(client):
    client.set_cookie("lang", "zh_CN")
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert 'class="site-nav"' in html and "<h1>API 文档</h1>" in html
    for title in ("排放因子", "碳足迹计算", "机构与 API 密钥", "会议"):
        assert f"<strong>{title}</strong>" in html
    assert "api_factors" not in html and "api_meetings" not in html


def test_the_docs_page_reads_a_document_whose_tags_are_titles_in_the_pages_language(client):
    canonical = client.get("/api/v1/openapi.json").json
    client.set_cookie("lang", "zh_CN")
    shown = client.get("/api/v1/docs/openapi.json").json
    assert [tag["x-tag-name"] for tag in shown["tags"]] == [tag["name"] for tag in canonical["tags"]]
    titles = {tag["name"] for tag in shown["tags"]}
    assert titles == {"排放因子", "碳足迹计算", "机构与 API 密钥", "会议", "碳汇登记簿", "登记簿证明", "证书",
                      "林业碳汇估算", "企业温室气体清单"}
    used = {name for operations in shown["paths"].values() for operation in operations.values()
            if isinstance(operation, dict) for name in operation.get("tags", [])}
    assert used <= titles
    # Only the tags and the description differ: paths, parameters and schemas are the canonical document's.
    assert shown["components"] == canonical["components"] and shown["paths"].keys() == canonical["paths"].keys()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(shown).get_all_operations()]
    assert len(operations) == sum(1 for ops in canonical["paths"].values() for op in ops.values()
                                  if isinstance(op, dict))
    client.set_cookie("lang", "en")
    english = client.get("/api/v1/docs/openapi.json").json
    assert {tag["name"] for tag in english["tags"]} == {str(tag.title) for tag in API_TAGS.values()}


def test_the_canonical_document_keeps_its_machine_tag_names(client):
    client.set_cookie("lang", "zh_CN")
    canonical = client.get("/api/v1/openapi.json").json
    assert {tag["name"] for tag in canonical["tags"]} == set(API_TAGS)
