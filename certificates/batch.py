"""Certificates in bulk: every credential's PDF in one ZIP file, built by a background job with its progress.

A large batch is rendered by a pool of processes (one per core by default, TANZHONG_RENDER_PROCESSES to
change it), each loading the fonts once; the job's own process writes the PDFs into the ZIP in order as they
come back, so the archive and the progress are the same as with one process.
"""

from __future__ import annotations

import base64
import functools
import multiprocessing
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from certificates.access import qr_url
from certificates.render import render_pdf

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
POOL_FROM = 16  # fewer certificates than this are rendered in the job's process: starting a pool costs more
CHUNK = 8  # certificates handed to a pool process at a time (a failure loses the rest of its chunk)


def render_processes() -> int:
    """How many processes render a large batch: TANZHONG_RENDER_PROCESSES, else one per core."""
    configured = os.environ.get("TANZHONG_RENDER_PROCESSES", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise ValueError(f"TANZHONG_RENDER_PROCESSES: {configured!r} is not a whole number of processes >= 1")
        return int(configured)
    return os.cpu_count() or 1


def verify_url_from_base(base_url: str) -> Callable[[Mapping[str, Any]], str]:
    """Where each certificate's QR code leads: the verify URL signed into it (a personal certificate's carries its
    access key), else <base>/verify/<number>; as the single PDF's (certificates.access.qr_url)."""
    return lambda credential: qr_url(credential, base_url, number=credential["credentialSubject"]["number"])


def _render_item(item: tuple[int, str, Mapping[str, Any], str], logo: bytes | None = None,
                 logo_type: str | None = None) -> bytes:
    """One certificate's PDF; a failure names the certificate (as a plain ValueError, which crosses processes)."""
    index, number, credential, verify_url = item
    try:
        return render_pdf(credential, verify_url=verify_url, logo=logo, logo_type=logo_type)
    except ValueError as error:
        raise ValueError(f"certificate {number} (item {index + 1}): {error}") from None


def _rendered(items: list[tuple[int, str, Mapping[str, Any], str]], processes: int, *,
              logo: bytes | None = None, logo_type: str | None = None) -> Iterator[bytes]:
    """The PDFs in the order of `items` (each with the organisation's logo, if given), rendered here or by a
    pool of `processes`."""
    render = functools.partial(_render_item, logo=logo, logo_type=logo_type)
    if processes <= 1 or len(items) < POOL_FROM:
        yield from map(render, items)
        return
    # spawn, not fork: the job may run in a threaded consumer, and Typst keeps threads of its own.
    with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            yield from pool.map(render, items, chunksize=CHUNK)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def build_certificates_zip(job, credentials: list[Mapping[str, Any]],
                           verify_url_of: Callable[[Mapping[str, Any]], str] | str, *,
                           processes: int | None = None, logo: bytes | None = None,
                           logo_type: str | None = None) -> str:
    """Render each credential into instance/jobs/<token>.zip as <number>.pdf, reporting progress to `job`
    (a tasks.RunningJob); returns the file's path. The PDFs carry `logo` as the single certificate's does. A
    credential that cannot be rendered fails the whole job, naming it, and leaves no half-written file behind."""
    url_of = verify_url_from_base(verify_url_of) if isinstance(verify_url_of, str) else verify_url_of
    path = job.result_file(".zip")
    partial = path.with_suffix(".zip.partial")
    total = len(credentials)
    job.progress(0, total)
    seen: set[str] = set()
    items, names = [], []
    for index, credential in enumerate(credentials):
        number = str((credential.get("credentialSubject") or {}).get("number") or f"certificate-{index + 1}")
        name = _UNSAFE.sub("_", number)
        if name in seen:
            raise ValueError(f"certificate {number} appears twice in the batch")
        seen.add(name)
        try:
            url = url_of(credential)
        except (KeyError, TypeError) as error:
            raise ValueError(f"certificate {number} (item {index + 1}): no verify URL ({error})") from None
        items.append((index, number, credential, url))
        names.append(name)
    try:
        # PDFs are already compressed: storing them is as small and much faster than deflating them again.
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            rendered = _rendered(items, render_processes() if processes is None else processes, logo=logo,
                                 logo_type=logo_type)
            for index, pdf in enumerate(rendered):
                archive.writestr(f"{names[index]}.pdf", pdf)
                job.progress(index + 1, total)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return str(path)


def run_certificates_zip(job, *, credentials: list[dict], verify_base_url: str, logo_base64: str | None = None,
                         logo_type: str | None = None) -> None:
    """The queue's entry point for the `certificates_zip` job kind (plain parameters only: the organisation's
    logo travels as base64 text)."""
    logo = base64.b64decode(logo_base64) if logo_base64 else None
    build_certificates_zip(job, credentials, verify_base_url, logo=logo, logo_type=logo_type if logo else None)
