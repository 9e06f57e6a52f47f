"""Every visible string in templates and code is in the zh_CN and en catalogs, translated in zh_CN."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]
SKIP_DIRS = {".venv", "tests", "migrations", "bench", "tools", "static", "node_modules"}


def _extracted() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        callback=None, strip_comment_tags=True, directory_filter=lambda d: Path(d).name not in SKIP_DIRS,
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, filename)
    return found


def _catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def _translated(message) -> bool:
    # A plural entry's string is a tuple of forms; every form must be filled in.
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(forms)


def test_every_message_is_in_both_catalogs_and_translated_into_chinese():
    messages = _extracted()
    assert len(messages) > 50, "extraction found too few messages; is the extractor configured?"
    zh, en = _catalog("zh_Hans_CN"), _catalog("en")
    missing = [f"{where}: {msgid!r} missing from {name}" for msgid, where in messages.items()
               for name, catalog in (("zh_CN", zh), ("en", en)) if catalog.get(msgid) is None]
    untranslated = [f"{where}: {msgid!r} has no zh_CN translation" for msgid, where in messages.items()
                    if zh.get(msgid) is not None and not _translated(zh.get(msgid))]
    fuzzy = [m.id for m in zh if m.id and m.fuzzy]
    assert not missing, "\n".join(missing)
    assert not untranslated, "\n".join(untranslated)
    assert not fuzzy, f"fuzzy zh_CN entries need review: {fuzzy}"
