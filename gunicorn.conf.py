"""Gunicorn settings, each read from the environment with defaults for a small CPU server.

Each worker imports ``app:app`` after the fork and loads its own model there (no
``preload_app``: PyTorch's OpenMP state does not survive a fork, gunicorn #2478,
pytorch #49555). Torch threads are split between workers so they do not fight over cores.
"""
import os

_cores = os.cpu_count() or 1

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '7860')}")
workers = int(os.environ.get("WEB_CONCURRENCY", os.environ.get("GUNICORN_WORKERS", str(max(1, min(_cores, 4))))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Above the cold load of StructBERT-base on a slow disk; the bundled model loads in under a second.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("SENTIMENT_TORCH_THREADS", str(max(1, _cores // workers)))
# Gunicorn 27's control socket sits at one path per user; several instances on a host would fight over it.
control_socket_disable = True
