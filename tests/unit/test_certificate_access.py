"""A personal certificate's access key: its verify URL, the key check, and where a QR code leads."""

from __future__ import annotations

from certificates.access import may_read, new_access_key, qr_url, url_kwargs, verify_url

BASE = "https://tanzhong.example.org/"


def test_a_new_key_is_43_url_safe_characters_and_never_the_same_twice():
    keys = {new_access_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(key) == 43 and key.replace("-", "").replace("_", "").isalnum() for key in keys)


def test_the_verify_url_carries_the_key_only_when_there_is_one():
    assert verify_url(BASE, "ZCM-2026-000123") == "https://tanzhong.example.org/verify/ZCM-2026-000123"
    assert verify_url(BASE, "PCN-2026-000123", "abc_-9") == \
        "https://tanzhong.example.org/verify/PCN-2026-000123?k=abc_-9"
    assert url_kwargs("PCN-2026-000123", "abc") == {"number": "PCN-2026-000123", "k": "abc"}
    assert url_kwargs("ZCM-2026-000123", None) == {"number": "ZCM-2026-000123"}


def test_only_the_exact_key_opens_a_keyed_certificate_and_anything_opens_a_public_one():
    key = new_access_key()
    assert may_read(key, key)
    for wrong in (None, "", key[:-1], key + "x", key.upper() if key.upper() != key else key.lower(), "钥匙"):
        assert not may_read(key, wrong), wrong
    assert may_read(None, None) and may_read(None, "anything")


def test_the_qr_code_leads_to_the_signed_verify_url_else_to_the_number():
    signed = {"credentialSubject": {"number": "PCN-2026-000001",
                                    "verify_url": "https://old.example.org/verify/PCN-2026-000001?k=xyz"}}
    assert qr_url(signed, BASE) == "https://old.example.org/verify/PCN-2026-000001?k=xyz"
    assert qr_url({"credentialSubject": {"number": "ZCM-2026-000002"}}, BASE) == \
        "https://tanzhong.example.org/verify/ZCM-2026-000002"
    assert qr_url({}, BASE, number="ZCM-2026-000003") == "https://tanzhong.example.org/verify/ZCM-2026-000003"
