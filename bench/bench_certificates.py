"""Certificate PDFs: the warm Typst render with its QR code against WeasyPrint on the same content, and 1,000
personal certificates as one ZIP built by a real queue consumer."""

from __future__ import annotations

import copy
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
import zipfile
from html import escape
from pathlib import Path

from bench.common import ROOT, report

TARGET_RENDER_MS = 20
TARGET_ZIP_S = 30
RENDERS = 30
BASELINE_RENDERS = 12
ZIP_COUNT = 1000
SAMPLE = json.loads((ROOT / "tests" / "data" / "certificate_sample.json").read_text())
VERIFY = "https://tanzhong.example.org/verify/"


def _median_ms(render, rounds: int) -> float:
    render()  # the first render loads fonts and compiles templates
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        render()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _weasyprint_html(credential: dict, verify_url: str) -> str:
    """The certificate's text and QR code as plain HTML, in the same CJK font, for the baseline."""
    from meetings.qr import qr_svg_element

    s = credential["credentialSubject"]
    about = s["subject"]
    rows = "".join(f"<tr><td>{escape(e['zh'])} {escape(e['en'])}</td><td>{escape(e['kgco2e'])}</td></tr>"
                   for e in s["emissions"])
    credits = "".join(f"<tr><td>{escape(c['project_zh'])}<br>{escape(c['project_en'])}</td>"
                      f"<td>{escape(', '.join(c['serials']))}</td><td>{c['tonnes']} t</td></tr>" for c in s["credits"])
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 18mm }} body {{ font-family: "AR PL UMing", serif; font-size: 10pt }}
      h1 {{ text-align: center; font-size: 30pt }} .claim {{ text-align: center; font-size: 34pt }}
      .qr {{ width: 27mm; height: 27mm }} table {{ width: 100% }}</style></head><body>
      <h1>零碳会议证书<br><small>Zero-Carbon Meeting Certificate</small></h1>
      <p class="claim">{escape(s['claim']['zh'])}<br><small>{escape(s['claim']['en'])}</small></p>
      <p>{escape(about['name_zh'])}<br>{escape(about['name_en'])}</p>
      <p>{escape(about['organisation_zh'])} {escape(about['organisation_en'])} · {escape(about['venue'])}</p>
      <p>{escape(s['standard']['zh'])}<br>{escape(s['standard']['en'])}</p>
      <table>{rows}</table><table>{credits}</table>
      {qr_svg_element(verify_url)}
      <p>{escape(s['number'])} · {escape(credential['issuer']['name'])} · {escape(s['issued_on'])}</p>
      </body></html>"""


def bench_render() -> None:
    from weasyprint import HTML

    from certificates.render import render_pdf

    credential = SAMPLE["meeting"]
    url = VERIFY + credential["credentialSubject"]["number"]
    typst_ms = _median_ms(lambda: render_pdf(credential, verify_url=url), RENDERS)
    html = _weasyprint_html(credential, url)
    weasy_ms = _median_ms(lambda: HTML(string=html).write_pdf(), BASELINE_RENDERS)
    report(f"certificate PDF, warm median render incl. QR code (Typst, load {os.getloadavg()[0]:.1f})", typst_ms, "ms",
           baseline=weasy_ms,
           baseline_name="WeasyPrint, same text and QR", target=f"<= {TARGET_RENDER_MS} ms",
           ok=typst_ms <= TARGET_RENDER_MS)


def bench_zip() -> None:
    """1,000 personal certificates through the queue: enqueue, a huey consumer on SQLite storage runs the job,
    whose pool of render processes (one per core) renders them into one ZIP, the job is done."""
    from sqlmodel import Session

    import tasks
    from accounts import service as accounts
    from app import create_app
    from db import make_engine
    from settings import Settings

    instance = Path(tempfile.mkdtemp(prefix="tanzhong-bench-certs-"))
    url = f"sqlite:///{instance / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "TANZHONG_INSTANCE_DIR": str(instance)}
    env.pop("REDIS_URL", None)
    env.pop("TASKS_IMMEDIATE", None)
    subprocess.run([str(ROOT / ".venv/bin/alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    create_app(Settings.from_env(env, database_url=url, instance_dir=instance, log_requests=False))
    engine = make_engine(url)
    credentials = []
    for n in range(1, ZIP_COUNT + 1):
        credential = copy.deepcopy(SAMPLE["personal"])
        credential["credentialSubject"]["number"] = f"PCN-2026-{n:06d}"
        credential["credentialSubject"]["subject"]["holder_name"] = f"参会者{n} Attendee {n}"
        credentials.append(credential)
    consumer = subprocess.Popen([str(ROOT / ".venv/bin/huey_consumer"), "tasks.huey", "--workers", "1", "-d", "0.05",
                                 "-m", "0.1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)  # the consumer is up, as under `make run`
        with Session(engine, expire_on_commit=False) as session:
            organisation = accounts.create_organisation(session=session, slug="bench", name_zh="基准", name_en="Bench")
            started = time.perf_counter()
            job = tasks.enqueue("certificates_zip", organisation.id, session=session, credentials=credentials,
                                verify_base_url="https://tanzhong.example.org")
            while (state := tasks.job_progress(job.id, session=session)["state"]) not in ("done", "failed"):
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            error = tasks.job_progress(job.id, session=session)["error"]
    finally:
        consumer.send_signal(signal.SIGINT)
        consumer.wait(timeout=30)
        engine.dispose()
    if state != "done":
        raise RuntimeError(f"the certificate ZIP job failed: {error}")
    archive = instance / "jobs" / f"{job.id}.zip"
    with zipfile.ZipFile(archive) as opened:
        assert len(opened.namelist()) == ZIP_COUNT
    size_mb = archive.stat().st_size / 1e6
    from certificates.batch import render_processes

    report(f"{ZIP_COUNT:,} personal certificates as one ZIP through the job queue ({size_mb:.0f} MB, "
           f"{render_processes()} render processes, load {os.getloadavg()[0]:.1f})", elapsed, "s",
           target=f"<= {TARGET_ZIP_S} s", ok=elapsed <= TARGET_ZIP_S)


def run() -> None:
    bench_render()
    bench_zip()
