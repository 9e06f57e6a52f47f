"""The certificate PDF read back with a second renderer: its text, fonts and QR code; user text kept literal."""

from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from certificates.render import (
    CertificateRenderError,
    certificate_sheet,
    proof_fingerprint,
    render_annex_pdf,
    render_pdf,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = json.loads((ROOT / "tests" / "data" / "certificate_sample.json").read_text())
OUTPUT = ROOT / "test-output" / "certificates"
VERIFY = "https://tanzhong.example.org/verify/"


def _pdftotext(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def _contains(text: str, expected: str) -> bool:
    """Whether `expected` is in the extracted text, ignoring the spaces that extraction puts between scripts."""
    return "".join(expected.split()) in "".join(text.split())


def _pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _page_one_png(pdf: bytes, name: str) -> Image.Image:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", str(OUTPUT / f"{name}.pdf"),
                    str(OUTPUT / name)], check=True, capture_output=True)
    return Image.open(OUTPUT / f"{name}.png")


def _logo() -> bytes:
    image = Image.new("RGB", (320, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, 114, 114), fill=(29, 79, 54))
    draw.rectangle((132, 42, 310, 78), fill=(29, 79, 54))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_meeting_certificate_is_one_page_with_its_title_number_serials_and_a_qr_code_of_the_verify_url():
    credential = SAMPLE["meeting"]
    url = VERIFY + "ZCM-2026-000123"
    pdf = render_pdf(credential, verify_url=url, logo=_logo(), logo_type="image/png")

    assert _pages(pdf) == 1
    text = _pdftotext(pdf)
    for expected in ("零碳会议证书", "Zero-Carbon Meeting Certificate", "碳中和", "Carbon neutral", "ZCM-2026-000123",
                     "CCER-FJ-14-2024-1001-1060", "CCER-FJ-14-2024-2101-2110", "CCER-ZJ-31-2025-0501-0504",
                     "73.94", "北京绿色发展研究会", "2026年11月20日至22日", "20–22 November 2026", "2 December 2026",
                     proof_fingerprint(credential)):
        assert _contains(text, expected), expected
    # Chinese above English: the Chinese title comes first on the page.
    assert text.index("零碳会议证书") < text.index("Zero-Carbon Meeting Certificate")

    page = _page_one_png(pdf, "meeting")
    assert page.size == (1241, 1754)  # A4 portrait at 150 dpi
    [code] = zxingcpp.read_barcodes(page)
    assert code.text == url


def test_the_personal_certificate_names_the_holder_and_decodes_to_its_own_url():
    url = VERIFY + "PCN-2026-004517"
    pdf = render_pdf(SAMPLE["personal"], verify_url=url)

    assert _pages(pdf) == 1
    text = _pdftotext(pdf)
    for expected in ("个人碳中和证书", "Personal Carbon Neutrality Certificate", "林晓雯 Lin Xiaowen",
                     "PCN-2026-004517", "CCER-FJ-14-2024-1001-1001", "119.60", "kg CO₂e"):
        assert _contains(text, expected), expected
    [code] = zxingcpp.read_barcodes(_page_one_png(pdf, "personal"))
    assert code.text == url


def test_the_chinese_font_is_embedded_as_a_subset_truetype_font():
    pdf = render_pdf(SAMPLE["meeting"], verify_url=VERIFY + "ZCM-2026-000123")
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    cjk = [line for line in fonts.splitlines() if "UMing" in line or "UKai" in line]
    assert cjk, fonts
    for line in cjk:
        name, kind = line.split()[0], " ".join(line.split()[1:3])
        assert re.match(r"^[A-Z]{6}\+", name), line  # a subset tag
        assert kind == "CID TrueType", line
        assert line.split()[-5:-2] == ["yes", "yes", "yes"], line  # embedded, subset, with a ToUnicode map
    # Subsetting keeps the file small although the two font files weigh over 30 MB.
    assert len(pdf) < 400_000


def test_user_text_with_typst_markup_characters_is_printed_literally():
    credential = copy.deepcopy(SAMPLE["meeting"])
    hostile = r"#set page(fill: red) $x^2$ *bold* _it_ [link] \ <lbl> @ref #{1+1} // no comment"
    credential["credentialSubject"]["subject"]["name_en"] = hostile
    credential["credentialSubject"]["subject"]["organisation_zh"] = "#import \"/etc/passwd\" 某公司"
    pdf = render_pdf(credential, verify_url=VERIFY + "ZCM-2026-000123")

    text = " ".join(_pdftotext(pdf).split())
    for fragment in ("#set page(fill: red)", "$x^2$", "*bold*", "_it_", "[link]", "\\", "<lbl>", "@ref", "#{1+1}",
                     "// no comment", '#import "/etc/passwd" 某公司'):
        assert fragment in text, fragment
    # The page was not turned red: its corner pixel is white paper.
    assert _page_one_png(pdf, "markup").getpixel((5, 5))[:3] == (255, 255, 255)


def test_long_names_and_many_serial_ranges_still_fit_one_page_and_the_annex_lists_every_range():
    credential = copy.deepcopy(SAMPLE["meeting"])
    subject = credential["credentialSubject"]
    subject["subject"]["name_zh"] = ("第二十七届粤港澳大湾区暨泛珠三角区域绿色低碳发展与林业碳汇"
                                     "生态产品价值实现高峰论坛暨成果展示交流会")
    subject["subject"]["name_en"] = ("The 27th Guangdong–Hong Kong–Macao Greater Bay Area and Pan-Pearl River Delta "
                                     "Summit on Green and Low-Carbon Development and Forestry Carbon Sinks")
    subject["credits"] = [dict(subject["credits"][i % 2], serials=[f"CCER-FJ-14-2024-{i:02d}{j:02d}1-{i:02d}{j:02d}3"
                                                                   for j in range(12)]) for i in range(8)]
    pdf = render_pdf(credential, verify_url=VERIFY + "ZCM-2026-000123")

    assert _pages(pdf) == 1
    text = _pdftotext(pdf)
    assert "CCER-FJ-14-2024-00001-00003" in text
    assert "more in the annex" in text
    _page_one_png(pdf, "crowded")

    annex = render_annex_pdf(credential)
    annex_text = " ".join(_pdftotext(annex).split())
    assert _pages(annex) >= 2
    for i in range(8):
        for j in range(12):
            assert f"CCER-FJ-14-2024-{i:02d}{j:02d}1-{i:02d}{j:02d}3" in annex_text


def test_the_annex_states_boundary_method_data_quality_reductions_and_credits_or_says_not_stated():
    text = " ".join(_pdftotext(render_annex_pdf(SAMPLE["meeting"])).split())
    for expected in ("合格解释声明", "Qualifying Explanatory Statement", "核算边界", "参会人员交通", "2025.2",
                     "70.10–152.00 t CO₂e", "交通与住宿为实测数据", "会场使用绿色电力", "CCER-FJ-14-2024-1001-1060",
                     "https://tanzhong.example.org/ledger/retirements/41"):
        assert _contains(text, expected), expected

    personal = " ".join(_pdftotext(render_annex_pdf(SAMPLE["personal"])).split())
    # The personal sample states no extrapolation interval, data quality or reductions.
    assert personal.count("not stated") == 3


def test_a_partial_claim_lists_what_is_missing():
    credential = copy.deepcopy(SAMPLE["meeting"])
    subject = credential["credentialSubject"]
    subject["claim"] = {"code": "partially_compensated", "zh": "部分抵消", "en": "Partially compensated"}
    subject["boundary"][3]["missing"] = True
    subject["missing"] = [{"zh": "会场能源数据缺失", "en": "Venue energy data missing"}]
    text = _pdftotext(render_pdf(credential, verify_url=VERIFY + "ZCM-2026-000123"))
    for expected in ("部分抵消", "Partially compensated", "会场能源数据缺失", "Venue energy data missing",
                     "缺失 missing"):
        assert _contains(text, expected), expected


def test_the_same_credential_always_gives_the_same_bytes():
    url = VERIFY + "PCN-2026-004517"
    assert render_pdf(SAMPLE["personal"], verify_url=url) == render_pdf(SAMPLE["personal"], verify_url=url)


def test_a_warm_render_takes_milliseconds_not_a_font_load():
    url = VERIFY + "ZCM-2026-000123"
    render_pdf(SAMPLE["meeting"], verify_url=url)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        render_pdf(SAMPLE["meeting"], verify_url=url)
        timings.append(time.perf_counter() - started)
    # Generous for a shared machine; a font set loaded per call would take far longer.
    assert sorted(timings)[2] < 0.25


@pytest.mark.parametrize(("change", "field"), [
    (lambda c: c["credentialSubject"].update(type="Diploma"), "credentialSubject.type"),
    (lambda c: c["credentialSubject"].pop("number"), "credentialSubject.number"),
    (lambda c: c["credentialSubject"]["emissions"][1].update(kgco2e=12.5), "credentialSubject.emissions[1].kgco2e"),
    (lambda c: c["credentialSubject"].update(total_tco2e="lots"), "credentialSubject.total_tco2e"),
    (lambda c: c["credentialSubject"].update(issued_on=f"{date.today().year}-13-01"), "credentialSubject.issued_on"),
    (lambda c: c["credentialSubject"]["credits"][0].update(tonnes=2.5), "credentialSubject.credits[0].tonnes"),
])
def test_a_malformed_credential_is_refused_naming_the_field(change, field):
    credential = copy.deepcopy(SAMPLE["meeting"])
    change(credential)
    with pytest.raises(CertificateRenderError) as error:
        certificate_sheet(credential)
    assert error.value.field == field


def test_a_logo_must_be_the_png_or_jpeg_it_claims_to_be():
    url = VERIFY + "ZCM-2026-000123"
    with pytest.raises(CertificateRenderError, match="logo_type"):
        render_pdf(SAMPLE["meeting"], verify_url=url, logo=b"<svg/>", logo_type="image/svg+xml")
    with pytest.raises(CertificateRenderError, match="not a readable image"):
        render_pdf(SAMPLE["meeting"], verify_url=url, logo=b"not a png", logo_type="image/png")
    with pytest.raises(CertificateRenderError, match="the file is PNG, not image/jpeg"):
        render_pdf(SAMPLE["meeting"], verify_url=url, logo=_logo(), logo_type="image/jpeg")


def test_the_fingerprint_is_the_first_64_bits_of_the_proof_value_hash():
    assert proof_fingerprint({"proof": {"proofValue": "z3FX"}}) == "3bff dff7 f1a2 8af5"
    assert proof_fingerprint({}) == ""
