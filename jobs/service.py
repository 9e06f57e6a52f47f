"""Use cases of a job's life: created queued, started, advanced, finished or failed; read by its organisation."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from db import transaction, utcnow
from errors import NotFound
from jobs.models import Job, JobState

MAX_ERROR_CHARS = 2000


def new_job_token() -> str:
    """32 random bytes, URL-safe: a job's address cannot be guessed from another's."""
    return secrets.token_urlsafe(32)


def create_job(*, session: Session, kind: str, organisation_id: int, total: int = 0) -> Job:
    with transaction(session):
        job = Job(id=new_job_token(), kind=kind, organisation_id=organisation_id, progress_total=total)
        session.add(job)
    return job


def get_job(*, session: Session, job_id: str, organisation_id: int | None = None) -> Job:
    """The job, or NotFound when it does not exist or belongs to another organisation (the two look alike)."""
    job = session.get(Job, job_id)
    if job is None or (organisation_id is not None and job.organisation_id != organisation_id):
        raise NotFound("no such job")
    return job


def start_job(*, session: Session, job_id: str) -> Job:
    with transaction(session):
        job = get_job(session=session, job_id=job_id)
        job.state = JobState.running
    return job


def record_progress(*, session: Session, job_id: str, done: int, total: int) -> None:
    with transaction(session):
        job = get_job(session=session, job_id=job_id)
        job.progress_total = total
        job.progress_done = min(done, total)


def finish_job(*, session: Session, job_id: str, result_path: str | None) -> Job:
    with transaction(session):
        job = get_job(session=session, job_id=job_id)
        job.state = JobState.done
        job.progress_done = job.progress_total
        job.result_path = result_path
        job.finished_at = utcnow()
    return job


def fail_job(*, session: Session, job_id: str, error: str, done: int | None = None) -> Job:
    """Mark the job failed with `error`, keeping how far it got (`done` items, when given)."""
    with transaction(session):
        job = get_job(session=session, job_id=job_id)
        if done is not None:
            job.progress_done = min(done, job.progress_total)
        job.state = JobState.failed
        job.error = error[:MAX_ERROR_CHARS]
        job.finished_at = utcnow()
    return job
