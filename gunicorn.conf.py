"""Gunicorn settings, each read from the environment with defaults for a small CPU server.

Each worker imports ``app:app`` after the fork and loads its own model there (no
``preload_app``: PyTorch's OpenMP state does not survive a fork, gunicorn #2478,
pytorch #49555). Torch threads are split between workers so they do not fight over cores.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the project, from whatever directory
from sentiment.config import ConfigError, from_env  # noqa: E402

_cores = os.cpu_count() or 1


def _whole(name: str, default: int, minimum: int = 1) -> int:
    """A whole-number setting, or the end of start-up with one line naming it (SystemExit
    prints just its message, where any other error would print Gunicorn's trace)."""
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < minimum:
        raise SystemExit(f"error: {name}={raw!r} must be a whole number of at least {minimum}")
    return int(raw)


# /metrics adds up every worker's counts from files here (prometheus_client's multiprocess mode): a
# fresh folder per start, unless the operator names one, whose count files are removed.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    import glob

    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    for _stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(_stale)
else:
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="sentiment-metrics-")


def child_exit(server, worker):
    """A worker's live gauges go with it; its counts stay in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


try:
    _settings = from_env()  # every SENTIMENT_* setting is checked here, before any worker starts
except ConfigError as error:
    raise SystemExit(f"error: {error}") from None

bind = os.environ.get("BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{_whole('PORT', 7860)}"
workers = _whole("WEB_CONCURRENCY", _whole("GUNICORN_WORKERS", max(1, min(_cores, 4))))
# More threads than the API requests a worker lets wait (SENTIMENT_MAX_PENDING), so that the surplus
# reaches the app and gets its 429 at once, and /health still answers under load.
threads = _whole("GUNICORN_THREADS", _settings["SENTIMENT_MAX_PENDING"] + 4)
# Above the cold load of StructBERT-base on a slow disk; the bundled model loads in under a second.
timeout = _whole("GUNICORN_TIMEOUT", 180)
graceful_timeout = _whole("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# A worker is replaced (after its in-flight requests) every ~1,000 requests, jitter apart so that workers
# do not restart together: memory that one large allowed request (a 50,000-row file) left behind is given
# back to the system. The bundled models load in under a second.
max_requests = _whole("GUNICORN_MAX_REQUESTS", 1000, minimum=0)  # 0: never
max_requests_jitter = _whole("GUNICORN_MAX_REQUESTS_JITTER", 100, minimum=0)
# X-Forwarded-Proto only from the proxies the app trusts too (sentiment/web/proxies.py); none by default.
forwarded_allow_ips = ",".join(_settings["SENTIMENT_TRUSTED_PROXIES"])
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("SENTIMENT_TORCH_THREADS", str(max(1, _cores // workers)))
# Gunicorn 27's control socket sits at one path per user; several instances on a host would fight over it.
control_socket_disable = True
