"""Pure parts of meetings: QR images that decode, the factor behind each input, CSV parsing and strata."""

from __future__ import annotations

import io

import cairosvg
import pytest
import zxingcpp
from PIL import Image

from factors import default_factor_set
from factors.regions import CN_PROVINCES
from meetings import qr
from meetings.badges import BADGE_ALPHABET, format_badge_code, normalise_badge_code
from meetings.inputs import (
    BOUNDARY_ORDER,
    DEFAULT_BOUNDARY,
    MEAL_COLUMNS,
    QUANTITY_UNITS,
    WASTE_KEYS,
    MeetingType,
    electricity_factor,
    factor_hints,
)
from meetings.models import Stratum
from meetings.registrations import parse_registrations, stratum_of

LINK = "https://tanzhong.example.cn/m/Xq3-_kV9bZ0aLp7TqWc2nR8yHf4JdE6u"


def _read(png: bytes) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return found.text


def test_the_png_decodes_to_the_link():
    png = qr.qr_png(LINK)
    assert png.startswith(b"\x89PNG") and _read(png) == LINK


def test_the_svg_document_and_the_inline_svg_decode_to_the_link():
    document = qr.qr_svg(LINK)
    assert document.startswith(b"<?xml") and b'width="' in document and b"mm" in document
    assert _read(cairosvg.svg2png(bytestring=document, output_width=330)) == LINK
    inline = qr.qr_svg_element(LINK, title="<Forum & Expo>")
    assert "&lt;Forum &amp; Expo&gt;" in inline and 'width="' not in inline.split(">")[0]
    assert _read(cairosvg.svg2png(bytestring=inline.encode(), output_width=330)) == LINK


def test_links_are_absolute_whatever_the_base_ends_with():
    assert qr.event_link("https://a.example/", "tok") == qr.event_link("https://a.example", "tok") == \
        "https://a.example/m/tok"
    assert qr.badge_link("http://h:8000/", "ABCD") == "http://h:8000/m/b/ABCD"


def test_every_input_names_a_factor_that_the_library_has():
    factor_set = default_factor_set()
    hints = factor_hints(factor_set, "CN-GD")
    assert set(hints) == {*QUANTITY_UNITS, *MEAL_COLUMNS, *(f"waste.{k}" for k in WASTE_KEYS)}
    for name, hint in hints.items():
        assert factor_set.get(hint.factor.id) is hint.factor, name
    assert {hints[f"waste.{k}"].unit for k in WASTE_KEYS} == {"t"}
    assert hints["paper_kg"].conversion == "kg_to_t" and hints["diesel_kg"].conversion == "diesel_kg"


def test_the_grid_factor_is_the_provinces_latest_or_the_national_average():
    factor_set = default_factor_set()
    assert electricity_factor(factor_set, "CN-GD").id == "cn.elec.prov.guangdong.2023"
    assert electricity_factor(factor_set, "CN-NM").id == "cn.elec.prov.inner_mongolia.2023"
    assert electricity_factor(factor_set, "CN-XZ").id == "cn.elec.national_avg.2023"  # no Tibet factor
    assert electricity_factor(factor_set, None).id == "cn.elec.national_avg.2023"
    assert all(electricity_factor(factor_set, p).valid_year == 2023 for p in CN_PROVINCES)


def test_each_meeting_type_has_a_default_boundary_from_the_fixed_set():
    assert set(DEFAULT_BOUNDARY) == set(MeetingType)
    for boundary in DEFAULT_BOUNDARY.values():
        assert boundary and set(boundary) <= set(BOUNDARY_ORDER)


@pytest.mark.parametrize(("country", "province", "code", "expected"), [
    ("CN", "CN-GD", "cn-440100", Stratum.same_city),
    ("CN", "CN-GD", "cn-440300", Stratum.same_province),
    ("CN", "CN-BJ", "cn-110000", Stratum.other_province),
    ("HK", None, "gn-1819729", Stratum.hk_mo_tw),
    ("TW", None, "gn-1668341", Stratum.hk_mo_tw),
    ("FR", None, "gn-2988507", Stratum.international),
    (None, None, None, Stratum.unknown),
])
def test_an_origin_falls_in_one_stratum_relative_to_the_venue(country, province, code, expected):
    assert stratum_of(country=country, province=province, code=code, event_city_code="cn-440100",
                      event_province="CN-GD") == expected


def _parse(text: str, max_rows: int = 100):
    return parse_registrations(text, event_city_code="cn-440100", event_province="CN-GD", max_rows=max_rows)


def test_a_list_with_only_the_origin_column_and_blank_lines_parses():
    rows, errors = _parse("origin_city\n\n广州\n  Shenzhen  \n\n")
    assert errors == []
    assert [(r.line_no, r.origin_raw, r.stratum, r.ticket_type) for r in rows] == [
        (3, "广州", Stratum.same_city, None), (4, "Shenzhen", Stratum.same_province, None)]


def test_quoted_cells_may_hold_commas():
    rows, errors = _parse('origin_city,ticket_type\n"Washington, D.C.",VIP\n')
    assert errors == [] and rows[0].origin_raw == "Washington, D.C." and rows[0].ticket_type == "VIP"


@pytest.mark.parametrize("text", ["", "\ufeff", "name\nShanghai\n", "origin_city,ticket_type,name\nx,y,z\n"])
def test_a_missing_or_wrong_header_is_reported_on_line_one(text):
    rows, errors = _parse(text)
    assert rows == [] and len(errors) == 1 and errors[0].startswith("line 1: ")


def test_too_many_rows_stop_the_import():
    _rows, errors = _parse("origin_city\n" + "Shanghai\n" * 4, max_rows=3)
    assert errors == ["line 5: the list has more than 3 rows"]


def test_badge_codes_are_read_back_however_they_are_typed():
    assert normalise_badge_code(" abcd-efgh-jk0o ") == "ABCDEFGHJK00"
    assert normalise_badge_code("il") == "11"
    assert format_badge_code("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
    assert not set("ILOU") & set(BADGE_ALPHABET)
