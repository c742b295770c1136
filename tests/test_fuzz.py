"""Fuzzing every route: generated methods, bodies, content types and headers (lone surrogates, zero-width
and control characters, other encodings). Never a 5xx, always JSON on /api/*, healthy afterwards."""
from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app import create_app
from conftest import NO_ZERO_SHOT

ODD = "\u200b\u200d\ufeff\u0000\u0007\u001b\u202e\r\n\t\ud800\udfff\U0001f600好评差"
text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(list(ODD))), max_size=40)
scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True), text)
value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                     st.dictionaries(text, inner, max_size=5)), max_leaves=12)
# Bodies that look like what each route reads, so that the fuzzing reaches past the first check.
FIELDS = ["text", "texts", "labels", "classifier", "multi_label", "hypothesis_template", "name", "examples",
          "replace", "format", "column", "rows", "columns"]
shaped = st.dictionaries(st.sampled_from(FIELDS), value, max_size=4)
CONTENT_TYPES = ["application/json", "application/json; charset=gbk", "text/plain", "multipart/form-data",
                 "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "", "application/xml",
                 "application/json; charset=utf-16"]
latin1 = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=30)


def encoded(draw_body, encoding: str) -> bytes:
    raw = json.dumps(draw_body, ensure_ascii=False)
    return raw.encode(encoding, "surrogatepass") if encoding != "gbk" else raw.encode("gbk", "replace")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                      "SENTIMENT_DATA_DIR": str(tmp_path_factory.mktemp("fuzz")), "SENTIMENT_MAX_FILE_ROWS": 200})
    return app.test_client()


def routes(client) -> list[str]:
    """Every rule, its variables filled by the test: they are fuzzed too."""
    return sorted({rule.rule for rule in client.application.url_map.iter_rules()})


# Random each run on a developer's machine (new inputs every time); the same inputs on CI, so that a red
# CI is always about the change, never about the draw.
@settings(max_examples=2500, deadline=None, suppress_health_check=list(HealthCheck), derandomize=bool(os.environ.get("CI")))
@given(data=st.data())
def test_no_generated_request_breaks_the_service(client, data):
    rule = data.draw(st.sampled_from(routes(client)))
    path = rule
    for variable in ("<job>", "<name>", "<path:filename>"):
        path = path.replace(variable, quote((data.draw(text) or "x").encode("utf-8", "surrogatepass"), safe=""))
    method = data.draw(st.sampled_from(["GET", "POST", "POST", "POST", "DELETE", "PUT", "OPTIONS"]))
    kind = data.draw(st.sampled_from(["json", "shaped", "bytes", "text"]))
    if kind == "bytes":
        body = data.draw(st.binary(max_size=300))
    elif kind == "text":
        body = data.draw(text).encode("utf-8", "surrogatepass")
    else:
        body = encoded(data.draw(shaped if kind == "shaped" else value),
                       data.draw(st.sampled_from(["utf-8", "utf-8", "gbk", "utf-16"])))
    headers = {"Content-Type": data.draw(st.sampled_from(CONTENT_TYPES)),
               "X-Request-ID": data.draw(latin1), "Authorization": data.draw(latin1), "X-API-Key": data.draw(latin1),
               "Accept-Language": data.draw(latin1), "Origin": data.draw(st.sampled_from(["", "https://evil.example"]))}
    response = client.open(path, method=method, data=body, headers=headers)
    assert response.status_code < 500, (method, path, headers, body[:200], response.data[:300])
    if path.startswith("/api/"):
        assert response.mimetype == "application/json", (method, path, response.mimetype)
        payload = response.get_json()
        if response.status_code >= 400:
            assert payload["code"] and payload["error"], payload


def test_the_service_is_healthy_after_the_fuzzing(client):
    assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200
    answer = client.post("/api/sentiment", json={"text": "这家店很好"})
    assert answer.status_code == 200 and answer.get_json()["label"] in ("正面", "负面")


@pytest.mark.parametrize("method, path", [("DELETE", "/api/classifiers/%2F0"), ("GET", "/api/jobs//x"),
                                          ("DELETE", "/api/classifiers/%3A"), ("OPTIONS", "/api/sentiment")])
def test_what_the_fuzzing_found_stays_fixed(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code < 500 and response.mimetype == "application/json", (response.status_code, response.data)
