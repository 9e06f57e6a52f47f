"""Fill zh_CN msgstrs from a Python dict file (msgid -> Chinese) and make en catalog entries identity."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]


def main(table_path: str) -> int:
    table = runpy.run_path(table_path)["T"]
    for locale in ("zh_Hans_CN", "en"):
        path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        with open(path, "rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if not message.id:
                continue
            if locale == "zh_Hans_CN" and message.id in table:
                message.string = table[message.id]
                message.flags.discard("fuzzy")
        with open(path, "wb") as handle:
            write_po(handle, catalog, width=120)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
