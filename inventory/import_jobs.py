"""Large imports as background jobs: the file waits on disk, a job checks every row and writes all or nothing.

A file of more than LARGE_IMPORT_ROWS rows is not imported in the request: it is kept under instance/jobs/ and a
job of kind `inventory_import` (tasks.JOB_KINDS) runs inventory.imports.import_rows on it, reporting its progress
as it reads the rows. As for a small file, every row is checked before anything is written: a refused file
fails the job with the list of bad values (row, column, value, reason) and writes nothing.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import tasks
from inventory import imports
from inventory.rights import Actor
from jobs.models import Job

LARGE_IMPORT_ROWS = 20_000
PROGRESS_EVERY = 1_000  # rows between two progress reports (the reporter itself writes at most twice a second)
UPLOADS = "jobs"


def count_rows(data: bytes, file_name: str) -> int:
    """About how many data rows the file has: CSV lines, or the XLSX sheet's stated dimension, less the header."""
    if file_name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        except Exception:  # noqa: BLE001 (a damaged workbook is refused with its reason by the import itself)
            return 0
        return max(0, (sheet.max_row or 1) - 1)
    return max(0, data.count(b"\n") - 1)


def is_large(data: bytes, file_name: str) -> bool:
    return count_rows(data, file_name) > LARGE_IMPORT_ROWS


def start_import(*, actor: Actor, data: bytes, file_name: str) -> Job:
    """Keep the file and queue its import; the job's page shows its progress."""
    actor.require("log")
    suffix = ".xlsx" if file_name.lower().endswith(".xlsx") else ".csv"
    relative = f"{UPLOADS}/import-{secrets.token_urlsafe(16)}{suffix}"
    path = tasks.instance_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return tasks.enqueue("inventory_import", actor.organisation_id, upload=relative, file_name=file_name,
                         total=count_rows(data, file_name), user_id=actor.user_id)


def _reported(job, rows, total: int):
    done = 0
    job.progress(0, total)
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            job.progress(min(done, total), total)
        yield row
    job.progress(min(done, total), total)


def run_import_job(job, *, upload: str, file_name: str, total: int, user_id: int | None) -> None:
    """The job: read the kept file, check every row, write all of them (or fail naming every bad value).

    The member's rights are those they hold when the job runs, not when it was queued.
    """
    path: Path = tasks.instance_path(upload)
    try:
        rows = imports.rows_from_file(path.read_bytes(), file_name)
        with tasks.job_session() as session:
            result = imports.import_rows(session, job.organisation_id, user_id, _reported(job, rows, total),
                                         file_name=file_name)
    except imports.ImportRefused as refused:
        listed = "; ".join(f"row {e.row}, {e.column} {e.value!r}: {e.reason}" for e in refused.errors)
        raise ValueError(f"{refused.total} bad value(s), nothing imported: {listed}") from None
    finally:
        path.unlink(missing_ok=True)
    job.progress(result.imported, max(total, result.imported))
