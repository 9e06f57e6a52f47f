"""Every coded message the calculators write has a wording in every language, and keeps its code on the way."""

from __future__ import annotations

import pickle
import re
from decimal import Decimal
from pathlib import Path

from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st

import footprints.messages  # noqa: F401  (registers the calculators' messages)
from calculators.footprint import Message, Name
from core.messages import is_known, render_text

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r'Message\(\s*f?"(calc\.[\w.{}]+)"')


def _codes() -> set[str]:
    codes = set()
    for path in [*ROOT.joinpath("calculators").glob("*.py"), ROOT / "footprints" / "schemas.py"]:
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            codes |= {code.replace("{cabin}", cabin) for cabin in ("economy", "premium_economy", "business",
                                                                    "first")} if "{" in code else {code}
    return codes


def test_every_code_the_calculators_write_is_registered_with_a_wording():
    codes = _codes()
    assert len(codes) > 60
    assert sorted(code for code in codes if not is_known(code)) == []


def test_a_coded_message_renders_in_chinese_and_english_with_its_parameters(app):
    message = Message("calc.great_circle", "great-circle distance %(km)s km (%(origin)s – %(destination)s)",
                      km=Decimal("1211.9"), origin="Shanghai 上海", destination="Guangzhou 广州")
    stand_in = Message("calc.hotel_stand_in", "stand-in: no factor for %(place)s; %(factor)s stands in",
                       place=Name("Macau, China", "中国澳门"), factor=Name("Hotel, China", "中国酒店"))
    with app.test_request_context(), force_locale("zh_CN"):
        assert render_text(message) == "大圆（直线）距离 1,211.9 公里（Shanghai 上海 – Guangzhou 广州）"
        assert render_text(stand_in).startswith("替代：DESNZ 未发布中国澳门的酒店因子，以中国酒店因子替代")
        assert render_text("a note stored before it had a code") == "a note stored before it had a code"
    with app.test_request_context(), force_locale("en"):
        assert render_text(message) == "great-circle distance 1,211.9 km (Shanghai 上海 – Guangzhou 广州)"
        assert "no hotel factor for Macau, China; Hotel, China stands in" in render_text(stand_in)


@given(st.text(min_size=1, max_size=20).filter(lambda text: "{" not in text and "}" not in text and "%" not in text),
       st.integers(0, 10**6))
def test_a_message_keeps_its_code_and_parameters_through_format_and_pickle(text, number):
    message = Message("calc.input.between", text + " %(max)s", max=number)
    assert message == f"{text} {number}"
    for copy in (message.format(max=-1, input=3), pickle.loads(pickle.dumps(message))):
        assert copy.code == "calc.input.between" and copy.params["max"] == number and str(copy) == f"{text} {number}"
