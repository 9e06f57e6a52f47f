"""Inventory files out and back in: the template in both formats with Chinese and English headers, records and the
yearly report exported as CSV and XLSX with the report's exact figures, an exported file imported again, and a
small file with bad rows refused on the page with every bad value named."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import select

from db import utcnow
from inventory import reports
from inventory.entries import FIELD_NAMES
from inventory.imports import import_rows
from inventory.models import ActivityRecord
from inventory.rights import Actor
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user
from tests.inventory_data import as_csv, make_facilities, make_staffed_company, year_rows

# The test's clock: the data's year (2025) has ended by then, whatever today is.
NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def acme(session):
    return make_staffed_company(session)


def _table(data: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def _count(session, organisation_id) -> int:
    session.expire_all()  # the pages wrote through their own session
    return session.exec(select(func.count()).select_from(ActivityRecord)
                        .where(ActivityRecord.organisation_id == organisation_id)).one()


def _upload(client, data: bytes, name: str):
    token = csrf_token_from(client.get("/inventory").get_data(as_text=True))
    return client.post("/inventory/import", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_template_has_chinese_and_english_headers_in_both_formats_and_imports_as_it_is(session, client, acme):
    organisation, staff = acme
    login(client, staff.email, DEFAULT_PASSWORD)
    imported = 0
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/inventory/template.{fmt}")
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        header, *examples = _table(response.data, fmt)
        assert header[:6] == ["设施 facility", "月份 month", "类别 kind", "活动 activity", "数量 quantity",
                              "单位 unit"]
        assert len(header) == len(FIELD_NAMES) and len(examples) == 4
        # The template's example rows are real rows: uploaded unchanged, they are imported.
        assert _upload(client, response.data, f"template.{fmt}").status_code == 302
        imported += len(examples)
        assert _count(session, organisation.id) == imported
    assert client.get("/inventory/template.pdf").status_code == 422


def test_records_and_the_report_export_in_both_formats_with_the_report_s_exact_figures(session, client, acme):
    organisation, staff = acme
    rows = year_rows(2025)
    import_rows(session, organisation.id, staff.id, enumerate(rows, start=2), file_name="year.csv", now=NOW)
    report = reports.year_report(session=session, actor=Actor.member(organisation.id, staff.id, "staff"), year=2025)
    login(client, staff.email, DEFAULT_PASSWORD)
    exported = {}
    for fmt in ("csv", "xlsx"):
        header, *lines = _table(client.get(f"/inventory/2025/records.{fmt}").data, fmt)
        assert len(lines) == 360
        assert header[len(FIELD_NAMES):len(FIELD_NAMES) + 2] == ["编号 id", "范围 scope"]
        kg = header.index("排放量(kgCO2e) kgco2e")
        assert sum(Decimal(line[kg]) for line in lines) == report.totals.total
        exported[fmt] = (header, lines)

        table = _table(client.get(f"/inventory/2025/report.{fmt}").data, fmt)
        scopes = {row[1]: (Decimal(row[2]), Decimal(row[3])) for row in table if row[0] == "范围 scope"}
        assert scopes == {"1": (report.totals.scope1, report.totals.scope1),
                          "2": (report.totals.scope2_location, report.totals.scope2_market),
                          "3": (report.totals.scope3, report.totals.scope3)}
        (total,) = [row for row in table if row[0] == "合计 total"]
        assert (Decimal(total[2]), Decimal(total[3])) == (report.totals.total, report.totals.total_market)
        assert sum(Decimal(row[2]) for row in table if row[0] == "设施 facility") == report.totals.total
        assert sum(Decimal(row[2]) for row in table if row[0] == "ISO 14064-1") == report.totals.total
    assert exported["csv"] == exported["xlsx"]
    # The exported file imports again (its computed columns ignored) into another company with the same sites,
    # and gives the same report.
    other = make_organisation(session)
    clerk = make_user(session, other, role="staff")
    make_facilities(session, other.id)
    client.get("/logout")
    login(client, clerk.email, DEFAULT_PASSWORD)
    records_csv = client.get("/inventory/2025/records.csv")  # theirs: the header only
    assert records_csv.get_data(as_text=True).count("\n") == 1
    out = io.StringIO()
    csv.writer(out).writerows([exported["csv"][0], *exported["csv"][1]])
    assert _upload(client, out.getvalue().encode("utf-8-sig"), "export.csv").status_code == 302
    again = reports.year_report(session=session, actor=Actor.member(other.id, clerk.id, "staff"), year=2025)
    assert again.records == 360 and again.totals == report.totals


def test_a_small_file_with_bad_rows_is_refused_on_the_page_naming_each_and_writing_nothing(session, client, acme):
    organisation, staff = acme
    rows = year_rows(2025)[:40]
    rows[3] = {**rows[3], "quantity": "-5"}  # file row 5
    rows[20] = {**rows[20], "month": "2025-13"}  # file row 22
    login(client, staff.email, DEFAULT_PASSWORD)
    refused = _upload(client, as_csv(rows), "bad.csv")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert html.count('class="field-error" role="alert"') == 2
    assert "第 5 行，quantity &#39;-5&#39;：must be a number from 0 to 1000000000000" in html
    assert "第 22 行，month &#39;2025-13&#39;：a month written YYYY-MM, in the years 1990 to 2999" in html
    assert _count(session, organisation.id) == 0
