"""One structured (JSON) log line per request, with a request id echoed in X-Request-ID."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("tanzhong.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def init_request_log(app: Flask, enabled: bool = True) -> None:
    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if enabled:
            started = g.get("request_started", time.perf_counter())
            log.info(json.dumps({
                "event": "request", "request_id": g.get("request_id"), "method": request.method,
                "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "remote_addr": request.remote_addr, "user_agent": request.user_agent.string[:200],
            }, ensure_ascii=False))
        return response
