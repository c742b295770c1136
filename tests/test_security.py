"""API keys, the page's session in place of a key, and the headers every answer carries."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from app import create_app
from conftest import NO_ZERO_SHOT, Gunicorn
from sentiment.web.security import CONTENT_SECURITY_POLICY
from chromium import open_page

KEYS = ["key-one-7f3a", "key-two-91bc"]


def make_client(**config):
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                       **config}).test_client()


def test_every_answer_carries_the_security_headers():
    client = make_client()
    for response in (client.get("/"), client.post("/api/sentiment", json={"text": "好"}), client.get("/nope"),
                     client.get("/static/chat.js")):
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY" and response.headers["Referrer-Policy"] == "no-referrer"
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_without_keys_the_api_is_open():
    assert make_client().post("/api/sentiment", json={"text": "好"}).status_code == 200


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "missing_api_key"),
    ({"Authorization": "Bearer wrong"}, 401, "invalid_api_key"),
    ({"X-API-Key": "key-one-7f3"}, 401, "invalid_api_key"),  # a prefix of a key is not the key
    ({"X-API-Key": "ключ-\udcff"}, 401, "invalid_api_key"),  # not even UTF-8
    ({"Authorization": "Bearer key-one-7f3a"}, 200, None),
    ({"Authorization": "bearer  key-two-91bc "}, 200, None),
    ({"X-API-Key": "key-two-91bc"}, 200, None),
    # Found by Schemathesis: every credential sent must be valid, and they must be one owner's.
    ({"X-API-Key": "key-two-91bc", "Authorization": "Basic Zm9vOmJhcg=="}, 401, "invalid_api_key"),
    ({"X-API-Key": "key-two-91bc", "Authorization": "Bearer wrong"}, 401, "invalid_api_key"),
    ({"X-API-Key": "key-two-91bc", "Authorization": "Bearer key-one-7f3a"}, 401, "invalid_api_key"),
    ({"X-API-Key": "key-two-91bc", "Authorization": "Bearer key-two-91bc"}, 200, None),
])
def test_with_keys_the_api_needs_one(headers, status, code):
    client = make_client(SENTIMENT_API_KEYS=KEYS)
    response = client.post("/api/sentiment", json={"text": "好"}, headers=headers)
    assert response.status_code == status, response.get_json()
    if code:
        assert response.get_json()["code"] == code and response.get_json()["error"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200


def test_the_page_gets_a_session_that_stands_in_for_a_key_and_cannot_be_forged():
    client = make_client(SENTIMENT_API_KEYS=KEYS)
    assert client.post("/api/sentiment", json={"text": "好"}).status_code == 401
    assert client.get("/").status_code == 200  # the page itself opens for staff
    cookie = client.get_cookie("sentiment_page")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    assert client.post("/api/sentiment", json={"text": "好"}).status_code == 200
    assert client.get("/api/classifiers").status_code == 200
    forger = make_client(SENTIMENT_API_KEYS=["other-key"])  # signs with the secret of other keys
    forger.get("/")
    stranger = make_client(SENTIMENT_API_KEYS=KEYS)
    stranger.set_cookie("sentiment_page", forger.get_cookie("sentiment_page").value)
    assert stranger.post("/api/sentiment", json={"text": "好"}).status_code == 401


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keyed")
    server = Gunicorn(folder / "log.txt", SENTIMENT_MODEL="bundled-lite", WEB_CONCURRENCY="2",
                      SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT, SENTIMENT_DATA_DIR=str(folder / "data"),
                      SENTIMENT_API_KEYS=",".join(KEYS))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def call(server, headers: dict) -> int:
    request = urllib.request.Request(server.url + "/api/sentiment", data=json.dumps({"text": "好"}).encode(),
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_through_gunicorn_keys_work_in_every_worker_and_the_page_works_under_its_policy(browser, keyed_server):  # noqa: F811
    assert [call(keyed_server, {}) for _ in range(4)] == [401] * 4
    assert [call(keyed_server, {"Authorization": f"Bearer {KEYS[at % 2]}"}) for at in range(6)] == [200] * 6
    for page in open_page(browser, keyed_server):  # fails on any console error, CSP violations included
        for text, label in (("这个东西真心很赞", "正面"), ("质量太差了，再也不买了", "负面"), ("送餐很快，味道也不错", "正面")):
            page.fill("#input", text)
            page.press("#input", "Enter")  # several calls: both workers must accept the page's session
            from playwright.sync_api import expect

            expect(page.locator(".bubble.bot:not(.pending)").last).to_contain_text(label)
        page.click("#tab-custom")
        expect(page.locator("#custom-view")).to_be_visible()


def test_the_page_session_is_short_secure_over_https_and_refused_from_a_foreign_origin():
    client = make_client(SENTIMENT_API_KEYS=KEYS, SENTIMENT_SESSION_HOURS=2.0, SENTIMENT_TRUSTED_PROXIES=["127.0.0.1"])
    response = client.get("/")
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "Secure" not in cookie
    import email.utils
    import time

    expires = email.utils.parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0]).timestamp()
    assert abs(expires - time.time() - 2 * 3600) < 120
    assert client.post("/api/sentiment", json={"text": "好"}, headers={"Origin": "http://localhost"}).status_code == 200
    foreign = client.post("/api/sentiment", json={"text": "好"}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and foreign.get_json()["code"] == "foreign_origin"
    over_https = make_client(SENTIMENT_API_KEYS=KEYS, SENTIMENT_TRUSTED_PROXIES=["127.0.0.1"]).get(
        "/", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in over_https.headers["Set-Cookie"]
    untrusted = make_client(SENTIMENT_API_KEYS=KEYS).get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in untrusted.headers["Set-Cookie"]  # the header is believed from a trusted proxy only
