"""`python -m bench [name ...]`: run the benchmarks and write bench/out/results.json."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from bench.common import RESULTS

BENCHMARKS = ["bench_calculators", "bench_api_footprints", "bench_meetings", "bench_ledger_log", "bench_certificates",
              "bench_sinks", "bench_inventory"]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    for name in names:
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").run()
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(RESULTS, indent=2))
    failed = [r["name"] for r in RESULTS if r["ok"] is False]
    if failed:
        print(f"targets missed: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
