"""What a service facing the internet needs around every request: API keys on ``/api/*``, the
page's own session in place of a key, and headers that keep the page to its own scripts.

With ``SENTIMENT_API_KEYS`` set, a call to ``/api/*`` needs one of the keys
(``Authorization: Bearer KEY`` or ``X-API-Key: KEY``), compared in constant time, or the session
cookie that loading the page sets (signed, HttpOnly, SameSite=Strict: a browser sends it only on
requests from the page's own origin, so another site cannot borrow it). Staff who can open the
page can therefore use it without a key; protect the page itself (nginx basic auth, the office
network) when that is too much. Without keys everything is open, as before.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta

from flask import Flask, Response, request, session
from flask.sessions import SecureCookieSessionInterface

from sentiment.web.errors import ApiError
from sentiment.web.tenancy import PAGE, set_owner

_NAMED = re.compile(r"^([A-Za-z0-9_\-]{1,40}):(.+)$")

# The page loads only its own files: no inline script or style, nothing from another origin, never framed.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                           "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _given_keys() -> list[str]:
    """Every credential the request carries: an ``Authorization`` header of any kind counts (one that is
    not ``Bearer KEY`` can match no key), and ``X-API-Key``. Each one given must be valid."""
    given = []
    if "Authorization" in request.headers:
        authorization = request.headers["Authorization"]
        given.append(authorization[7:].strip() if authorization[:7].lower() == "bearer " else "\0")
    if "X-API-Key" in request.headers:
        given.append(request.headers["X-API-Key"].strip())
    return given


def named_keys(entries: list[str]) -> dict[str, bytes]:
    """``name:KEY`` entries (or bare keys, named ``key-`` and the start of their SHA-256) as name → key."""
    keys = {}
    for entry in entries:
        named = _NAMED.match(entry)
        name, key = (named.group(1), named.group(2)) if named else (
            "key-" + hashlib.sha256(entry.encode("utf-8")).hexdigest()[:8], entry)
        keys[name] = key.encode("utf-8")
    return keys


def _matching(given: str, keys: dict[str, bytes]) -> str | None:
    """The name of the key given, or None. Every key is compared, each in constant time: how long this
    takes says nothing about which matched."""
    candidate = given.encode("utf-8", "surrogateescape")
    matched = None
    for name, key in keys.items():
        if hmac.compare_digest(candidate, key):
            matched = name
    return matched


def mark_page_session() -> None:
    """Called when the page is served: its later API calls need no key, for SENTIMENT_SESSION_HOURS
    (the cookie expires then, and a signature older than that is refused even if a browser keeps it)."""
    session.permanent = True
    session["page"] = True


class PageSessions(SecureCookieSessionInterface):
    """The page's cookie is ``Secure`` whenever the page was served over HTTPS (directly, or through a
    trusted proxy's ``X-Forwarded-Proto``): a browser then never sends it over plain HTTP."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or bool(app.config["SESSION_COOKIE_SECURE"])


def _foreign_origin() -> bool:
    """A browser's ``Origin`` that is not this service's own (scheme and host as the request reached it)."""
    origin = request.headers.get("Origin")
    return origin is not None and origin.rstrip("/") != request.host_url.rstrip("/")


def install(app: Flask) -> None:
    keys = named_keys(app.config["SENTIMENT_API_KEYS"])
    # Every Gunicorn worker must verify the cookie another signed: a secret from the settings, else one
    # derived from the keys (as secret as they are, and the same in every worker and after a restart).
    app.secret_key = app.config["SENTIMENT_SECRET_KEY"] or hashlib.sha256(
        b"sentiment page session\0" + b"\0".join(sorted(keys.values()))).hexdigest()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_NAME="sentiment_page",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["SENTIMENT_SESSION_HOURS"]))
    app.session_interface = PageSessions()

    @app.before_request
    def require_key():
        set_owner(None)
        if not keys or not request.path.startswith("/api/") or request.method == "OPTIONS":
            return None
        given = _given_keys()
        names = {_matching(key, keys) for key in given}
        if given and None not in names and len(names) == 1:  # two valid keys of two owners: whose request?
            set_owner(names.pop())
            return None
        if not given and session.get("page"):
            if _foreign_origin():  # SameSite=Strict already keeps the cookie home; this refuses it anyway
                return ApiError(403, "foreign_origin", "请从本服务自己的页面使用（其他网站不能借用页面的登录）。").response()
            set_owner(PAGE)
            return None
        message = "API 密钥无效。" if given else "需要 API 密钥：请在请求头加上 Authorization: Bearer <密钥> 或 X-API-Key: <密钥>。"
        body, status = ApiError(401, "invalid_api_key" if given else "missing_api_key", message).response()
        body.headers["WWW-Authenticate"] = 'Bearer realm="sentiment"'
        return body, status

    @app.after_request
    def secure_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
