"""The ledger's canonical JSON: orjson with sorted keys is byte for byte RFC 8785 over the payloads it takes,
and everything else goes to rfc8785 itself."""

from __future__ import annotations

from datetime import UTC, datetime

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger.log import MAX_EXACT_INTEGER, _orjson_is_canonical, body_prefix, canonical_body, canonical_json

# What the ledger writes: ASCII keys; any text (control characters, quotes, backslashes, non-BMP characters,
# U+2028), booleans, None, exact integers, nested lists and objects.
scalars = (st.none() | st.booleans() | st.integers(-MAX_EXACT_INTEGER, MAX_EXACT_INTEGER)
           | st.text() | st.text(alphabet=st.characters(max_codepoint=0x7F)))
payloads = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(alphabet=st.characters(max_codepoint=0x7F)), children, max_size=5),
    max_leaves=30,
)


@given(payloads)
def test_the_fast_encoder_writes_exactly_what_rfc8785_writes_over_the_ledgers_payloads(value):
    assert _orjson_is_canonical(value)
    assert canonical_json(value) == rfc8785.dumps(value)


@given(st.dictionaries(st.text(), scalars, max_size=6))
def test_any_unicode_keys_still_come_out_as_rfc8785_writes_them(value):
    # Non-ASCII keys sort by UTF-16 code units in RFC 8785, not by code points: rfc8785 writes those.
    assert canonical_json(value) == rfc8785.dumps(value)


def test_keys_beyond_the_bmp_sort_by_utf16_code_units_as_rfc8785_says():
    value = {"\U0001f600": 1, "\ufb01": 2}  # U+1F600 is D83D DE00 in UTF-16, before U+FB01
    assert not _orjson_is_canonical(value)
    assert canonical_json(value) == rfc8785.dumps(value) == '{"\U0001f600":1,"\ufb01":2}'.encode()


def test_integers_beyond_two_to_the_53_and_floats_are_left_to_rfc8785():
    for value in ({"n": MAX_EXACT_INTEGER + 1}, {"x": 1.5}, [True, 2 ** 63]):
        assert not _orjson_is_canonical(value)
    assert canonical_json({"x": 1.5}) == rfc8785.dumps({"x": 1.5}) == b'{"x":1.5}'


def test_a_lone_surrogate_gets_rfc8785s_answer():
    value = {"s": "\udc00"}
    try:
        expected = rfc8785.dumps(value)
    except Exception as error:  # noqa: BLE001 - whatever rfc8785 raises, the ledger raises too
        try:
            canonical_json(value)
        except type(error):
            return
        raise AssertionError("canonical_json accepted what rfc8785 refuses") from None
    assert canonical_json(value) == expected


def test_control_characters_quotes_and_line_separators_are_escaped_as_rfc8785_does():
    value = {"b": "\x00\x08\t\n\x0b\x0c\r\x1f\"\\/\u2028\x7f", "a": [None, False, -0, 0]}
    assert canonical_json(value) == rfc8785.dumps(value)
    assert canonical_json(value) == (b'{"a":[null,false,0,0],'
                                     b'"b":"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\/\xe2\x80\xa8\x7f"}')


def test_the_entry_body_has_its_keys_in_canonical_order():
    at = datetime.now(UTC).isoformat()  # the test's clock, as an append stamps its entry
    body = canonical_body(seq=3, kind="retirement", at=at, prev="0" * 64,
                          data={"tonnes": 7, "beneficiary": "广州绿色论坛"})
    assert body == (f'{{"at":"{at}","data":{{"beneficiary":"广州绿色论坛","tonnes":7}},'
                    f'"kind":"retirement","prev":"{"0" * 64}","seq":3}}')


@given(st.dictionaries(st.text(alphabet=st.characters(max_codepoint=0x7F)), payloads, max_size=5),
       st.integers(0, MAX_EXACT_INTEGER), st.sampled_from(["issuance", "split", "retirement"]),
       st.datetimes(timezones=st.just(UTC)))
def test_the_entry_body_built_from_its_prefix_is_what_rfc8785_writes_for_the_whole_entry(data, seq, kind, when):
    # PostgreSQL appends build bodies as prefix || prev || '","seq":' || seq || '}' in SQL.
    at, prev = when.isoformat(), "ab" * 32
    whole = rfc8785.dumps({"seq": seq, "kind": kind, "at": at, "prev": prev, "data": data}).decode()
    assert canonical_body(seq=seq, kind=kind, at=at, prev=prev, data=data) == whole
    assert whole.startswith(body_prefix(kind=kind, at=at, data=data))
