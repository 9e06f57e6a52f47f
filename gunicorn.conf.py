"""gunicorn settings for production: workers from the CPU count, access log, timeouts; override by env."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# The app logs one structured line per request itself; gunicorn's access log is kept for the proxy view.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Forwarded headers are read by the app's ProxyFix, for exactly TRUSTED_PROXY_HOPS proxies (settings.py); gunicorn
# itself believes none of them, so that there is one place that decides whom to trust.
forwarded_allow_ips = ""
secure_scheme_headers = {}
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): a second instance on the
# same machine takes it over from the first. It is off unless GUNICORN_CONTROL_SOCKET names this instance's own.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
    control_socket_mode = 0o600
limit_request_line = 8190
limit_request_fields = 100
