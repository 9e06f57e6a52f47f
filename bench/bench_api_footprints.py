"""POST /api/v1/footprints/personal under gunicorn, against a hello-world endpoint in the same run."""

from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path

from bench.common import gunicorn, prepare_database, report, wrk

TARGET_RATIO = 0.5
ROUNDS = 3
REQUEST = {
    "legs": [{"mode": "flight", "from": "PEK", "to": "SHA", "cabin": "economy", "round_trip": False},
             {"mode": "rail", "rail_type": "high_speed", "distance_km": "500"}],
    "lodging": [{"country": "CN", "nights": 2}],
    "meals": {"vegan": 0, "vegetarian": 3, "poultry": 0, "pork": 0, "beef_lamb": 0, "fish": 0},
    "food": [{"item": "beef", "kg": "1"}],
    "home": {"province": "CN-GD", "electricity_kwh": "1000", "natural_gas_m3": "100"},
    "options": {"radiative_forcing": True},
}


def run(seconds: int = 5) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        prepare_database(url)
        with gunicorn("bench.wsgi_hello:application", url) as base:
            check = urllib.request.Request(base + "/api/v1/footprints/personal", data=json.dumps(REQUEST).encode(),
                                           headers={"Content-Type": "application/json"})
            assert json.load(urllib.request.urlopen(check))["total_kgco2e"]  # noqa: S310 (loopback only)
            wrk(base + "/bench/hello", seconds=2, body={}, method="POST")  # warm up both workers
            # Alternate the two three times and keep each one's median run: the machine's noise hits both.
            hellos, personals = [], []
            for _ in range(ROUNDS):
                hellos.append(wrk(base + "/bench/hello", seconds=seconds, body={}, method="POST"))
                personals.append(wrk(base + "/api/v1/footprints/personal", seconds=seconds, body=REQUEST,
                                     method="POST"))
    hello = sorted(hellos, key=lambda r: r["rps"])[ROUNDS // 2]
    personal = sorted(personals, key=lambda r: r["rps"])[ROUNDS // 2]
    errors = sum(r["non2xx"] for r in hellos + personals)
    report("POST /api/v1/footprints/personal (gunicorn, 2 workers)", personal["rps"], "req/s",
           baseline=hello["rps"], baseline_name="POST /bench/hello", target=f"ratio >= {TARGET_RATIO}",
           ok=personal["rps"] / hello["rps"] >= TARGET_RATIO and errors == 0)
    report("  its p99 latency", personal["p99_ms"], "ms", baseline=hello["p99_ms"], baseline_name="hello p99")
    if errors:
        print(f"  non-2xx responses: {errors}")
