"""Registry serial numbers parsed into intervals: the real shapes, and bad ones refused with a code."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.models import Registry
from ledger.serials import SerialError, ccer_interval, check_quantity, normalise_project, parse_serial

VERRA = "12345-123456789-123456799-VCS-VCU-263-VER-CN-14-1234-01012015-31122015-0"
VERRA_LEGACY = "5968-265661394-265671393-VCU-016-MER-KE-14-1234-01012015-31122015-0"
GOLD_STANDARD = "GS1-1-KE-GS7495-16-2025-30645-608-30350"
ITMO = "CA0004-VU-CH-356-1-3000-2023"


def test_a_current_verra_serial_names_its_interval_vintage_and_global_namespace():
    interval = parse_serial(VERRA)
    assert interval.registry == Registry.verra
    assert (interval.project, interval.start, interval.end, interval.quantity) == ("1234", 123456789, 123456799, 11)
    assert (interval.vintage_start, interval.vintage_end, interval.vintage) == (
        date(2015, 1, 1), date(2015, 12, 31), 2015)
    assert interval.namespace == "verra"
    assert interval.text == VERRA


def test_a_legacy_verra_serial_without_programme_parses_the_same_way():
    interval = parse_serial(VERRA_LEGACY, Registry.verra)
    assert (interval.project, interval.start, interval.end, interval.quantity) == ("1234", 265661394, 265671393,
                                                                                   10000)
    assert interval.vintage == 2015 and interval.namespace == "verra"


def test_a_gold_standard_serial_names_project_vintage_and_block():
    interval = parse_serial(GOLD_STANDARD)
    assert interval.registry == Registry.gold_standard
    assert (interval.project, interval.vintage, interval.start, interval.end) == ("GS7495", 2025, 608, 30350)
    assert interval.quantity == 29743
    assert interval.namespace == "gold_standard:GS7495"


def test_an_itmo_serial_names_project_range_and_vintage():
    interval = parse_serial(ITMO)
    assert interval.registry == Registry.undp
    assert (interval.project, interval.start, interval.end, interval.vintage) == ("356", 1, 3000, 2023)
    assert interval.namespace == "undp:356"


def test_a_ccer_block_keeps_the_statement_text_and_the_stated_interval():
    interval = ccer_interval("  CCER-JX-2023-000001-000500 ", "CCER-14-JX-001", 2023, 1, 500)
    assert interval.text == "CCER-JX-2023-000001-000500"
    assert (interval.registry, interval.quantity, interval.namespace) == (Registry.ccer, 500, "ccer:CCER-14-JX-001")


def test_ccer_text_alone_cannot_be_parsed():
    with pytest.raises(SerialError) as caught:
        parse_serial("CCER-JX-2023-000001-000500", Registry.ccer)
    assert caught.value.code == "serial_interval_required"


@pytest.mark.parametrize(("text", "registry", "code"), [
    ("", None, "serial_empty"),
    ("x" * 301, None, "serial_too_long"),
    ("not-a-serial", None, "serial_unrecognised"),
    (GOLD_STANDARD, Registry.verra, "serial_unrecognised"),
    ("12345-123456799-123456789-VCS-VCU-263-VER-CN-14-1234-01012015-31122015-0", None, "serial_range_reversed"),
    ("12345-1-10-VCS-VCU-263-VER-CN-14-1234-32012015-31122015-0", None, "serial_date_invalid"),
    ("12345-1-10-VCS-VCU-263-VER-CN-14-1234-01012016-31122015-0", None, "serial_vintage_reversed"),
    ("GS1-1-KE-GS7495-16-1890-30645-608-30350", None, "serial_vintage_out_of_range"),
    ("CA0004-VU-CH-356-3000-1-2023", None, "serial_range_reversed"),
    ("CA0004-VU-CH-356-1-99999999999999999999-2023", None, "serial_number_too_large"),
])
def test_bad_serials_are_refused_with_a_code(text, registry, code):
    with pytest.raises(SerialError) as caught:
        parse_serial(text, registry)
    assert caught.value.code == code
    assert caught.value.fields == {"serial_text": [caught.value.message]}


def test_a_stated_quantity_must_be_end_minus_start_plus_one():
    interval = parse_serial(ITMO)
    check_quantity(interval, 3000)
    with pytest.raises(SerialError) as caught:
        check_quantity(interval, 2999)
    assert caught.value.code == "serial_quantity_mismatch"
    assert caught.value.params == {"start": 1, "end": 3000, "range": 3000, "quantity": 2999}
    assert caught.value.field == "quantity"


def test_a_reversed_ccer_interval_is_refused_on_its_end():
    with pytest.raises(SerialError) as caught:
        ccer_interval("text", "P1", 2023, 500, 1)
    assert (caught.value.code, caught.value.field) == ("serial_range_reversed", "serial_end")


def test_project_ids_compare_as_serials_write_them():
    assert normalise_project(Registry.verra, "VCS1234") == "1234"
    assert normalise_project(Registry.verra, "01234") == "1234"
    assert normalise_project(Registry.gold_standard, "7495") == "GS7495"
    assert normalise_project(Registry.gold_standard, "gs7495") == "GS7495"
