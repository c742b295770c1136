"""Behind nginx: believe ``X-Forwarded-For``, ``-Proto`` and ``-Host`` only from the proxies named in
``SENTIMENT_TRUSTED_PROXIES``; from anyone else they are a client's claim and are ignored, so no one
can pass for another address or for HTTPS by sending a header. ``*`` trusts every peer: only for a
service that nothing but its proxy can reach (compose.yaml publishes nginx alone)."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from werkzeug.middleware.proxy_fix import ProxyFix

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class TrustedProxies:
    def __init__(self, app: WsgiApp, proxies: Iterable[str]):
        self.proxies = frozenset(proxies)
        self.plain, self.fixed = app, ProxyFix(app, x_for=1, x_proto=1, x_host=1)

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        trusted = "*" in self.proxies or environ.get("REMOTE_ADDR") in self.proxies
        return (self.fixed if trusted else self.plain)(environ, start_response)
