"""Certificates in bulk: every credential's PDF in one ZIP file, built by a background job with its progress."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Mapping
from typing import Any

from certificates.render import render_pdf

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def verify_url_from_base(base_url: str) -> Callable[[Mapping[str, Any]], str]:
    """<base>/verify/<number>: where a certificate's QR code leads."""
    base = base_url.rstrip("/")
    return lambda credential: f"{base}/verify/{credential['credentialSubject']['number']}"


def build_certificates_zip(job, credentials: list[Mapping[str, Any]],
                           verify_url_of: Callable[[Mapping[str, Any]], str] | str) -> str:
    """Render each credential into instance/jobs/<token>.zip as <number>.pdf, reporting progress to `job`
    (a tasks.RunningJob); returns the file's path. A credential that cannot be rendered fails the whole job,
    naming it, and leaves no half-written file behind."""
    url_of = verify_url_from_base(verify_url_of) if isinstance(verify_url_of, str) else verify_url_of
    path = job.result_file(".zip")
    partial = path.with_suffix(".zip.partial")
    total = len(credentials)
    job.progress(0, total)
    seen: set[str] = set()
    try:
        # PDFs are already compressed: storing them is as small and much faster than deflating them again.
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            for index, credential in enumerate(credentials):
                number = str((credential.get("credentialSubject") or {}).get("number") or f"certificate-{index + 1}")
                name = _UNSAFE.sub("_", number)
                if name in seen:
                    raise ValueError(f"certificate {number} appears twice in the batch")
                seen.add(name)
                try:
                    pdf = render_pdf(credential, verify_url=url_of(credential))
                except ValueError as error:
                    raise ValueError(f"certificate {number} (item {index + 1}): {error}") from error
                archive.writestr(f"{name}.pdf", pdf)
                job.progress(index + 1, total)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return str(path)


def run_certificates_zip(job, *, credentials: list[dict], verify_base_url: str) -> None:
    """The queue's entry point for the `certificates_zip` job kind (plain parameters only)."""
    build_certificates_zip(job, credentials, verify_base_url)
