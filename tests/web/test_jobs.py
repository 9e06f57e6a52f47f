"""Background jobs through the real queue: a ZIP of certificates built inline (immediate mode) and by a real
consumer process, progress as JSON for the owner only, failures shown with their message."""

from __future__ import annotations

import copy
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from flask import render_template_string
from sqlmodel import Session

import tasks
from app import create_app
from certificates import batch
from db import make_engine
from jobs.models import Job, JobState
from tests.conftest import login, make_test_settings
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = json.loads((ROOT / "tests" / "data" / "certificate_sample.json").read_text())
BASE = "https://tanzhong.example.org"


def personal_credentials(count: int) -> list[dict]:
    credentials = []
    for n in range(1, count + 1):
        credential = copy.deepcopy(SAMPLE["personal"])
        credential["credentialSubject"]["number"] = f"PCN-2026-{n:06d}"
        credential["credentialSubject"]["subject"]["holder_name"] = f"参会者 {n} Attendee {n}"
        credentials.append(credential)
    return credentials


@pytest.fixture
def app(database, tmp_path):
    return create_app(make_test_settings(tmp_path, tasks_immediate=True), database=database)


def test_a_certificate_zip_job_runs_through_the_queue_and_only_its_organisation_sees_and_downloads_it(
        app, client, session):
    organisation = make_organisation(session)
    member = make_user(session, organisation)
    stranger = make_user(session, make_organisation(session))

    job = tasks.enqueue("certificates_zip", organisation.id, session=session,
                        credentials=personal_credentials(3), verify_base_url=BASE)

    assert job.state == JobState.done
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.result_path == f"jobs/{job.id}.zip"
    assert len(job.id) >= 43  # 32 random bytes

    login(client, member.email, DEFAULT_PASSWORD)
    progress = client.get(f"/jobs/{job.id}")
    assert progress.status_code == 200
    assert progress.json["state"] == "done"
    assert (progress.json["done"], progress.json["total"], progress.json["percent"]) == (3, 3, 100)
    assert progress.json["error"] is None

    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert archive.namelist() == ["PCN-2026-000001.pdf", "PCN-2026-000002.pdf", "PCN-2026-000003.pdf"]
    assert all(archive.read(name).startswith(b"%PDF-") for name in archive.namelist())
    text = subprocess.run(["pdftotext", "-", "-"], input=archive.read("PCN-2026-000002.pdf"),
                          capture_output=True, check=True).stdout.decode()
    assert "PCN-2026-000002" in text

    assert client.get("/jobs/not-a-job").status_code == 404
    assert client.get("/jobs/not-a-job").json["error"]["code"] == "not_found"

    client.post("/logout")
    client.delete_cookie("session")
    login(client, stranger.email, DEFAULT_PASSWORD)
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


def test_a_failing_job_is_marked_failed_with_its_message_and_the_progress_partial_shows_it(app, session, tmp_path):
    organisation = make_organisation(session)
    credentials = personal_credentials(3)
    credentials[1]["credentialSubject"]["total_tco2e"] = "a lot"

    job = tasks.enqueue("certificates_zip", organisation.id, session=session, credentials=credentials,
                        verify_base_url=BASE)

    assert job.state == JobState.failed
    assert "PCN-2026-000002" in job.error
    assert "credentialSubject.total_tco2e" in job.error
    assert job.progress_done == 1  # the first certificate was rendered before the second failed
    assert not list((tmp_path / "jobs").glob(f"{job.id}*"))  # no half-written ZIP left behind

    progress = tasks.job_progress(job.id, organisation_id=organisation.id, session=session)
    with app.test_request_context("/"):
        html = render_template_string('{% from "jobs/_progress.html" import job_progress %}{{ job_progress(p) }}',
                                      p=progress)
    assert 'data-state="failed"' in html
    assert "PCN-2026-000002" in html
    assert f'class="job-download" href="/jobs/{job.id}/download" hidden' in html


def test_a_large_batch_is_rendered_by_a_process_pool_in_order_and_a_failure_still_names_its_certificate(
        app, session, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "POOL_FROM", 2)
    monkeypatch.setattr(batch, "CHUNK", 2)
    monkeypatch.setenv("TANZHONG_RENDER_PROCESSES", "2")
    organisation = make_organisation(session)

    job = tasks.enqueue("certificates_zip", organisation.id, session=session, credentials=personal_credentials(5),
                        verify_base_url=BASE)

    assert job.state == JobState.done, job.error
    assert (job.progress_done, job.progress_total) == (5, 5)
    with zipfile.ZipFile(tmp_path / job.result_path) as archive:
        assert archive.namelist() == [f"PCN-2026-{n:06d}.pdf" for n in range(1, 6)]
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        for n in (1, 5):
            text = subprocess.run(["pdftotext", "-", "-"], input=archive.read(f"PCN-2026-{n:06d}.pdf"),
                                  capture_output=True, check=True).stdout.decode()
            assert f"PCN-2026-{n:06d}" in text
            assert f"Attendee {n}" in text

    credentials = personal_credentials(6)
    credentials[3]["credentialSubject"]["total_tco2e"] = "a lot"
    failed = tasks.enqueue("certificates_zip", organisation.id, session=session, credentials=credentials,
                           verify_base_url=BASE)

    assert failed.state == JobState.failed
    assert "certificate PCN-2026-000004 (item 4)" in failed.error
    assert "credentialSubject.total_tco2e" in failed.error
    # Certificates go to the pool in chunks of two: the chunk of items 3 and 4 failed, items 1 and 2 were written.
    assert failed.progress_done == 2
    assert not list((tmp_path / "jobs").glob(f"{failed.id}*"))


def test_the_render_process_count_must_be_a_whole_number(monkeypatch):
    monkeypatch.setenv("TANZHONG_RENDER_PROCESSES", "many")
    with pytest.raises(ValueError, match="TANZHONG_RENDER_PROCESSES: 'many' is not a whole number"):
        batch.render_processes()
    monkeypatch.setenv("TANZHONG_RENDER_PROCESSES", "3")
    assert batch.render_processes() == 3


def test_a_queued_job_shows_a_refresh_link_and_no_download(app, session):
    organisation = make_organisation(session)
    job = Job(id="queued-job-token", kind="certificates_zip", organisation_id=organisation.id, progress_total=10)
    session.add(job)
    session.commit()
    progress = tasks.job_progress(job.id, organisation_id=organisation.id, session=session)
    assert (progress["state"], progress["percent"], progress["has_result"]) == ("queued", 0, False)
    with app.test_request_context("/"):
        html = render_template_string('{% from "jobs/_progress.html" import job_progress %}{{ job_progress(p) }}',
                                      p=progress)
    assert '<progress max="100" value="0">' in html
    assert '<a class="job-refresh" href="">' in html
    assert "job-progress.js" in html


def test_an_unknown_job_kind_is_refused_naming_it(app, session):
    organisation = make_organisation(session)
    with pytest.raises(Exception, match="unknown job kind 'nope'"):
        tasks.enqueue("nope", organisation.id, session=session)


def test_a_job_enqueued_while_no_consumer_runs_is_done_by_a_consumer_started_later(committed_database_url, tmp_path):
    """The queue is on disk (SQLite under the instance folder): what a web worker enqueued before it restarted
    is still there for the consumer."""
    settings = make_test_settings(tmp_path, database_url=committed_database_url, redis_url="")
    create_app(settings)  # points the queue at tmp_path/tasks.sqlite3
    engine = make_engine(committed_database_url)
    with Session(engine, expire_on_commit=False) as session:
        organisation = make_organisation(session)
        job = tasks.enqueue("certificates_zip", organisation.id, session=session,
                            credentials=personal_credentials(4), verify_base_url=BASE)
        assert job.state == JobState.queued
    assert (tmp_path / "tasks.sqlite3").exists()

    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "TASKS_IMMEDIATE")}
    env.update(DATABASE_URL=committed_database_url, TANZHONG_INSTANCE_DIR=str(tmp_path),
               SECRET_KEY="test-secret-key-0123456789abcdef0123456789")
    consumer = subprocess.Popen([str(Path(sys.executable).with_name("huey_consumer")), "tasks.huey", "-w", "1",
                                 "-d", "0.05", "-m", "0.2"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        with Session(engine, expire_on_commit=False) as session:
            while True:
                progress = tasks.job_progress(job.id, organisation_id=organisation.id, session=session)
                if progress["state"] in ("done", "failed") or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
    finally:
        consumer.send_signal(signal.SIGINT)
        output = consumer.communicate(timeout=30)[0].decode(errors="replace")
    engine.dispose()
    assert progress["state"] == "done", output
    assert (progress["done"], progress["total"]) == (4, 4)
    with zipfile.ZipFile(tmp_path / "jobs" / f"{job.id}.zip") as archive:
        assert len(archive.namelist()) == 4


def _png_logo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (240, 90), (29, 79, 54)).save(buffer, format="PNG")
    return buffer.getvalue()


def _images_in(pdf: bytes, folder: Path) -> int:
    path = folder / "certificate.pdf"
    path.write_bytes(pdf)
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True).stdout
    return len(listed.decode().splitlines()) - 2  # two header lines


def test_a_zip_job_prints_the_organisations_logo_on_every_certificate_as_the_single_pdf_does(app, session,
                                                                                             tmp_path):
    import base64

    organisation = make_organisation(session)
    plain = tasks.enqueue("certificates_zip", organisation.id, session=session,
                          credentials=personal_credentials(2), verify_base_url=BASE)
    with_logo = tasks.enqueue("certificates_zip", organisation.id, session=session,
                              credentials=personal_credentials(2), verify_base_url=BASE,
                              logo_base64=base64.b64encode(_png_logo()).decode(), logo_type="image/png")
    assert plain.state == with_logo.state == JobState.done
    instance = Path(app.instance_path)
    without = zipfile.ZipFile(instance / plain.result_path)
    logoed = zipfile.ZipFile(instance / with_logo.result_path)
    for name in ("PCN-2026-000001.pdf", "PCN-2026-000002.pdf"):
        assert _images_in(logoed.read(name), tmp_path) == _images_in(without.read(name), tmp_path) + 1
