"""/openapi.json: a valid OpenAPI 3.1 document, with every /api route in it, that real answers match;
and /docs shows it from static/ under the page's security policy."""
from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from app import create_app
from conftest import NO_ZERO_SHOT
from test_custom_api import examples
from chromium import open_page


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                       "SENTIMENT_DATA_DIR": str(tmp_path_factory.mktemp("openapi"))}).test_client()


@pytest.fixture(scope="module")
def document(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_api_route_and_method_is_documented(client, document):
    for rule in client.application.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"].get(path, {}), f"{method} {path} is not in /openapi.json"


def check(document, path: str, method: str, response) -> None:
    """The answer against the schema the document gives for its status."""
    responses = document["paths"][path][method]["responses"]
    status = str(response.status_code)
    documented = responses.get(status) or responses[status[0] + "XX"]
    if "$ref" in documented:
        documented = document["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = [error.message for error in validator.iter_errors(response.get_json())]
    assert not errors, (method, path, response.status_code, errors)


def test_real_answers_match_the_document(client, document):
    calls = [
        ("/api/sentiment", "post", client.post("/api/sentiment", json={"text": "很好吃"})),
        ("/api/sentiment", "post", client.post("/api/sentiment", json={"texts": ["很好吃", "太难吃了"]})),
        ("/api/sentiment", "post", client.post("/api/sentiment", json={"text": ""})),
        ("/api/sentiment", "post", client.post("/api/sentiment", data="x", content_type="text/plain")),
        ("/api/classifiers", "post", client.post("/api/classifiers", json={"name": "routing", "examples": examples()})),
        ("/api/classifiers", "get", client.get("/api/classifiers")),
        ("/api/classify", "post", client.post("/api/classify", json={"text": "快递慢", "classifier": "routing"})),
        ("/api/classify", "post", client.post("/api/classify", json={"texts": ["快递慢", "坏了"], "classifier": "routing"})),
        ("/api/classify", "post", client.post("/api/classify", json={"text": "快递慢", "labels": ["物流", "质量"]})),
        ("/api/classify", "post", client.post("/api/classify", json={"text": "快递慢", "classifier": "nobody"})),
        ("/api/jobs", "post", client.post("/api/jobs", json={"texts": ["好", "差"]})),
        ("/api/jobs", "get", client.get("/api/jobs")),
        ("/api/jobs/{job}", "get", client.get("/api/jobs/nope")),
        ("/api/classifiers/{name}", "delete", client.delete("/api/classifiers/routing")),
        ("/ready", "get", client.get("/ready")),
    ]
    job = client.get("/api/jobs").get_json()["jobs"][0]["id"]
    calls.append(("/api/jobs/{job}", "get", client.get(f"/api/jobs/{job}")))
    assert {response.status_code for _, _, response in calls} >= {200, 201, 202, 400, 404, 409, 415}
    for path, method, response in calls:
        check(document, path, method, response)


def test_a_wrong_answer_would_be_caught(document):
    """The check can fail: an answer missing its label does not match."""
    schema = document["components"]["schemas"]["Sentiment"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    assert list(validator.iter_errors({"text": "好", "confidence": 2}))


def test_the_docs_page_shows_the_document_from_static(browser, live_server):  # noqa: F811
    for page in open_page(browser, live_server):  # fails on any console error, CSP violations included
        page.goto(live_server.url + "/docs")
        from playwright.sync_api import expect

        expect(page.locator(".opblock-summary-path", has_text="/api/sentiment").first).to_be_visible(timeout=20000)
        expect(page.locator(".opblock-summary-path", has_text="/api/jobs/{job}/result")).to_be_visible()


# Bodies and whether the service takes them (200/404/409 are taken: the request was valid; 400 is not).
# Schemathesis found the first of each pair of routes refused although the document allowed it.
BODIES = [
    ("/api/sentiment", {"text": "", "texts": ["", ""]}, False),
    ("/api/sentiment", {"text": "好"}, True),
    ("/api/sentiment", {"text": "\u200b \t"}, False),
    ("/api/sentiment", {"texts": ["好", "差"], "extra": 1}, True),
    ("/api/sentiment", {"texts": []}, False),
    ("/api/classify", {"text": "快递慢", "labels": ["物流"]}, False),
    ("/api/classify", {"text": "快递慢", "labels": ["物流"], "multi_label": True}, True),
    ("/api/classify", {"text": "快递慢", "classifier": "路由", "multi_label": False}, False),
    ("/api/classify", {"text": "快递慢", "labels": ["a", "b"], "classifier": "路由"}, False),
    ("/api/classify", {"text": "快递慢", "labels": ["a", "b"], "hypothesis_template": "说的是"}, False),
    ("/api/jobs", {"texts": ["好"], "format": ""}, False),
    ("/api/jobs", {"texts": ["好"], "classifier": None}, False),
    ("/api/jobs", {"texts": ["好", ""], "format": "csv"}, True),
    ("/api/table/xlsx", {"columns": [{}], "rows": []}, False),
    ("/api/table/xlsx", {"name": 5, "columns": ["a"], "rows": []}, False),
    ("/api/table/xlsx", {"columns": ["a", 1], "rows": [["x", None]]}, True),
]


@pytest.mark.parametrize("path, body, taken", BODIES)
def test_the_document_says_what_the_service_takes(client, document, path, body, taken):
    """The request shape in /openapi.json and the service's own validation agree on each body."""
    schema = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    response = client.post(path, json=body)
    assert (response.status_code != 400) is taken, response.get_json()
    assert validator.is_valid(body) is taken, body
