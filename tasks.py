"""The task queue: huey with its queue in instance/tasks.sqlite3, or in Redis when REDIS_URL is set.

`make run` starts its consumer next to gunicorn (`huey_consumer tasks.huey`). A job is a row in the `job`
table (state, progress, error, result file) plus one message in the queue naming it; the message outlives any
web worker, so a job enqueued before a restart still runs. Tests set TASKS_IMMEDIATE to run jobs inline.
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huey import Huey
from huey.storage import RedisStorage, SqliteStorage
from sqlmodel import Session

from db import Database, create_private_file, make_engine
from errors import ValidationError
from jobs import service
from jobs.models import Job, JobState
from settings import INSTANCE_DIR, Settings

log = logging.getLogger(__name__)

TASKS_FILE = "tasks.sqlite3"
JOBS_DIR = "jobs"
# Each kind of job and the function that does it: f(job: RunningJob, **params). Imported when a job runs, so
# the queue needs no feature at import time.
JOB_KINDS = {
    "certificates_zip": "certificates.batch:run_certificates_zip",
    "inventory_import": "inventory.import_jobs:run_import_job",
}
PROGRESS_INTERVAL_S = 0.5  # a running job writes its progress at most this often


def storage_options(redis_url: str, instance_dir: Path) -> dict:
    if redis_url:
        return {"storage_class": RedisStorage, "url": redis_url}
    # Created readable by its owner only, as the main database is: the queue holds jobs' parameters.
    create_private_file(str(instance_dir / TASKS_FILE))
    return {"storage_class": SqliteStorage, "filename": str(instance_dir / TASKS_FILE)}


# Read from the environment directly (not Settings.from_env(), which may create files): the consumer process
# is started with the same environment as gunicorn and finds the same queue.
huey = Huey("tanzhong", results=False, utc=True, **storage_options(
    os.environ.get("REDIS_URL", ""), Path(os.environ.get("TANZHONG_INSTANCE_DIR", INSTANCE_DIR))))


@dataclass
class _Runtime:
    database: Database | None = None
    instance_dir: Path | None = None


_runtime = _Runtime()


def configure(settings: Settings, database: Database) -> None:
    """Point the queue at `settings`' storage (or run inline when settings.tasks_immediate) and the jobs at
    `database`; create_app calls this."""
    _runtime.database = database
    _runtime.instance_dir = settings.instance_dir
    if settings.tasks_immediate:
        huey.immediate = True
        return
    huey.immediate = False
    options = storage_options(settings.redis_url, settings.instance_dir)
    storage_class = options.pop("storage_class")
    if storage_class is not huey.storage_class or options != huey.storage_kwargs:
        huey.storage_class, huey.storage_kwargs = storage_class, options
        huey.storage = huey.create_storage()


def _database() -> Database:
    if _runtime.database is None:  # in the consumer: the same environment as the web process
        settings = Settings.from_env()
        _runtime.database = Database(make_engine(settings.database_url))
        _runtime.instance_dir = settings.instance_dir
    return _runtime.database


def _instance_dir() -> Path:
    _database()
    return _runtime.instance_dir


@contextmanager
def _session():
    database = _database()
    session = database.session_factory()
    try:
        yield session
    finally:
        if database.owns_sessions:
            session.close()


def job_session():
    """A database session for a job's own work, closed afterwards (a context manager)."""
    return _session()


def instance_path(relative: str) -> Path:
    """A path under the instance folder (where jobs keep their files)."""
    return _instance_dir() / relative


def enqueue(kind: str, organisation_id: int, *, session: Session | None = None, **params: Any) -> Job:
    """Record a queued job of `kind` for the organisation and put it on the queue; `params` must be plain
    data (they travel through the queue's storage)."""
    if kind not in JOB_KINDS:
        raise ValidationError(f"unknown job kind {kind!r}", fields={"kind": [f"one of {', '.join(JOB_KINDS)}"]})
    if session is None:
        with _session() as own:
            return enqueue(kind, organisation_id, session=own, **params)
    job = service.create_job(session=session, kind=kind, organisation_id=organisation_id)
    run_job(job.id, params)
    if huey.immediate:
        session.refresh(job)
    return job


def job_progress(job_id: str, *, organisation_id: int | None = None, session: Session | None = None) -> dict:
    """The job's state as plain data, for the JSON endpoint and the progress bar."""
    if session is None:
        with _session() as own:
            return job_progress(job_id, organisation_id=organisation_id, session=own)
    job = service.get_job(session=session, job_id=job_id, organisation_id=organisation_id)
    session.refresh(job)
    percent = 100 if job.state == JobState.done else (
        int(100 * job.progress_done / job.progress_total) if job.progress_total else 0)
    return {"id": job.id, "kind": job.kind, "state": job.state.value, "done": job.progress_done,
            "total": job.progress_total, "percent": percent, "error": job.error,
            "has_result": job.state == JobState.done and job.result_path is not None,
            "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


def result_file(job: Job) -> Path | None:
    """The job's result on disk, when it has one."""
    if job.state != JobState.done or not job.result_path:
        return None
    path = _instance_dir() / job.result_path
    return path if path.is_file() else None


class RunningJob:
    """What a job function gets: its token, its organisation, a result path, and a progress reporter."""

    def __init__(self, job: Job):
        self.id = job.id
        self.organisation_id = job.organisation_id
        self.result_path: str | None = None
        self.done = 0
        self._last_report = 0.0

    def result_file(self, suffix: str) -> Path:
        """instance/jobs/<token><suffix>; recorded as the job's result when it finishes."""
        self.result_path = f"{JOBS_DIR}/{self.id}{suffix}"
        path = _instance_dir() / self.result_path
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def progress(self, done: int, total: int) -> None:
        self.done = done
        now = time.monotonic()
        if done in (0, total) or now - self._last_report >= PROGRESS_INTERVAL_S:
            self._last_report = now
            with _session() as session:
                service.record_progress(session=session, job_id=self.id, done=done, total=total)


def _job_function(kind: str) -> Callable[..., None]:
    module, _, name = JOB_KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


@huey.task(name="tanzhong.run_job")
def run_job(job_id: str, params: dict) -> None:
    """Run one job: mark it running, call its function, then record done with its result, or failed with
    the error's message (logged with its traceback too)."""
    running: RunningJob | None = None
    try:
        with _session() as session:
            job = service.start_job(session=session, job_id=job_id)
            running, kind = RunningJob(job), job.kind
        _job_function(kind)(running, **params)
    except Exception as error:  # noqa: BLE001 (any failure is the job's failure, shown to its owner)
        log.exception("job %s failed", job_id)
        with _session() as session:
            service.fail_job(session=session, job_id=job_id, error=str(error) or type(error).__name__,
                             done=running.done if running else None)
        return
    with _session() as session:
        service.finish_job(session=session, job_id=job_id, result_path=running.result_path)
