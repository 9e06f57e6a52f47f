"""Shared benchmark plumbing: scratch databases, a gunicorn server on one, wrk load, result lines."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
RESULTS: list[dict] = []
# The PostgreSQL server the benches make their scratch databases on (through its maintenance database).
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def report(name: str, value: float, unit: str, *, baseline: float | None = None, baseline_name: str = "",
           target: str = "", ok: bool | None = None) -> None:
    """Print one figure (and its ratio to the baseline) and keep it for the JSON summary."""
    ratio = value / baseline if baseline else None
    line = f"{name}: {value:,.1f} {unit}"
    if baseline is not None:
        line += f" | baseline {baseline_name}: {baseline:,.1f} {unit} | ratio {ratio:.2f}"
    if target:
        line += f" | target {target}: {'PASS' if ok else 'FAIL'}"
    print(line, flush=True)
    RESULTS.append({"name": name, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio,
                    "target": target, "ok": ok})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def scratch_database(backend: str, name: str, *, server_url: str = POSTGRES_ADMIN_URL):
    """A new, empty database for the block: a SQLite file in a temporary folder, or a PostgreSQL database `name`
    on `server_url`'s server (dropped afterwards); yields its URL."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    from tests.conftest import scratch_postgres_database

    with scratch_postgres_database(name, server_url=server_url) as url:
        yield url


def postgres_reachable(url: str = POSTGRES_ADMIN_URL) -> bool:
    from sqlalchemy import text

    from db import make_engine

    try:
        engine = make_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return False


def available_backends() -> list[str]:
    """SQLite, and PostgreSQL when its server answers (else the figures skipped are said)."""
    if postgres_reachable():
        return ["sqlite", "postgresql"]
    print(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: its figures are skipped", flush=True)
    return ["sqlite"]


def prepare_database(url: str) -> None:
    """Migrate the scratch database and publish the factor library (what `make run` does)."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([str(ROOT / ".venv/bin/alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", "factors", "load"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


@contextmanager
def gunicorn(app_spec: str, database_url: str, *, workers: int = 2, extra_env: dict | None = None):
    """A gunicorn server on 127.0.0.1 for the duration of the block; yields its base URL."""
    port = free_port()
    instance = tempfile.mkdtemp(prefix="tanzhong-bench-")
    env = {**os.environ, "DATABASE_URL": database_url, "TANZHONG_INSTANCE_DIR": instance,
           "RATELIMIT_ENABLED": "false", "LOG_REQUESTS": "false", "GUNICORN_ACCESS_LOG": "",
           "GUNICORN_MAX_REQUESTS": "0",  # no worker recycling (a restart pause) inside a measurement
           **(extra_env or {})}
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", "/dev/null", "--log-level", "warning",
         app_spec],
        cwd=ROOT, env=env, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310 (loopback only)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        shutil.rmtree(instance, ignore_errors=True)


def wrk(url: str, *, seconds: int = 10, connections: int = 4, threads: int = 1, body: dict | None = None,
        method: str = "GET") -> dict:
    """Run wrk against a loopback URL; returns requests/s, latency percentiles and non-2xx count."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed; run `make bench` (it installs it)")
    payload = json.dumps(body) if body is not None else ""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            f'wrk.method = "{method}"\n'
            f"wrk.body = {json.dumps(payload)}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            "done = function(summary, latency, requests)\n"
            '  io.write(string.format("P50 %f\\nP99 %f\\n", latency:percentile(50), latency:percentile(99)))\n'
            "end\n"
        )
    output = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", script.name, url],
        capture_output=True, text=True, check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {"rps": rps, "p50_ms": float(re.search(r"P50 ([\d.]+)", output).group(1)) / 1000,
            "p99_ms": float(re.search(r"P99 ([\d.]+)", output).group(1)) / 1000,
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(0) if errors else ""}
