"""Job pages: the JSON progress a page polls, and the download of a finished job's file (its organisation only)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, send_file

import tasks
from accounts.access import organisation_required
from db import get_session
from errors import NotFound
from jobs import service

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

DOWNLOAD_TYPES = {".zip": "application/zip", ".pdf": "application/pdf"}


@bp.get("/<token>")
@organisation_required("read")
def progress(token: str):
    """The job's state, progress and error as JSON; 404 for another organisation's job or an unknown token."""
    return jsonify(tasks.job_progress(token, organisation_id=g.organisation.id, session=get_session()))


@bp.get("/<token>/download")
@organisation_required("read")
def download(token: str):
    job = service.get_job(session=get_session(), job_id=token, organisation_id=g.organisation.id)
    path = tasks.result_file(job)
    if path is None:
        raise NotFound("this job has no file to download (yet)")
    return send_file(path, mimetype=DOWNLOAD_TYPES.get(path.suffix, "application/octet-stream"),
                     as_attachment=True, download_name=f"{job.kind}-{job.created_at:%Y%m%d-%H%M%S}{path.suffix}")
