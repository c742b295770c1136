"""A taught classifier does not force an off-topic text into one of its labels (issue 25): below a
confidence, or less like any example than cross-validation's held-out examples were, the answer is 其他;
on the API, in files and jobs, and on the command line, with a threshold the user may set."""
from __future__ import annotations

import csv
import io

import pytest

from app import create_app
from conftest import NO_ZERO_SHOT
from test_custom_api import ROUTING
from test_jobs import wait

OFF_TOPIC = "东西不错，下次还来"


@pytest.fixture(scope="module")
def taught(tmp_path_factory):
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                      "SENTIMENT_DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    client = app.test_client()
    examples = [{"text": text, "label": label} for label, texts in ROUTING.items() for text in texts]
    made = client.post("/api/classifiers", json={"name": "路由", "examples": examples})
    assert made.status_code == 201
    return client, made.get_json()


def classify(client, text: str, **extra) -> dict:
    response = client.post("/api/classify", json={"text": text, "classifier": "路由", **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_bounds_of_other_come_from_cross_validation(taught):
    _, report = taught
    assert 0 < report["threshold"] < 1 and 0 < report["similarity"] < 1
    assert report["threshold"] == report["cross_validation"]["threshold"]


def test_an_off_topic_review_is_other_and_on_topic_ones_keep_their_labels(taught):
    client, report = taught
    off = classify(client, OFF_TOPIC)
    assert off["label"] == "其他" and off["threshold"] == report["threshold"]
    assert off["labels"][0] in ROUTING  # the scores are still there, best first
    assert classify(client, "快递三天才到")["label"] == "物流问题"
    assert classify(client, "退货好麻烦")["label"] == "售后体验"


def test_the_user_sets_the_threshold_and_zero_turns_other_off(taught):
    client, _ = taught
    assert classify(client, OFF_TOPIC, threshold=0)["label"] in ROUTING
    assert classify(client, "快递三天才到", threshold=0.99)["label"] == "其他"


@pytest.mark.parametrize("body, code", [
    ({"threshold": 1.5}, "invalid_threshold"), ({"threshold": "high"}, "invalid_threshold"),
    ({"threshold": True}, "invalid_threshold"), ({"threshold": None}, "invalid_threshold"),
])
def test_a_bad_threshold_is_refused(taught, body, code):
    client, _ = taught
    response = client.post("/api/classify", json={"text": "好", "classifier": "路由", **body})
    assert response.status_code == 400 and response.get_json()["code"] == code


def test_a_threshold_with_zero_shot_labels_is_refused(taught):
    client, _ = taught
    response = client.post("/api/classify", json={"text": "好", "labels": ["a", "b"], "threshold": 0.5})
    assert response.status_code == 400 and response.get_json()["code"] == "ambiguous_model"


def test_files_and_jobs_say_other_too(taught):
    client, _ = taught
    source = f"评论\n{OFF_TOPIC}\n快递三天才到\n".encode()
    tagged = client.post("/api/sentiment/file", data={"file": (io.BytesIO(source), "r.csv"), "classifier": "路由"},
                         content_type="multipart/form-data")
    rows = list(csv.DictReader(io.StringIO(tagged.data.decode("utf-8-sig"))))
    assert [row["路由_label"] for row in rows] == ["其他", "物流问题"]
    job = client.post("/api/jobs", json={"texts": [OFF_TOPIC, "快递三天才到"], "classifier": "路由", "threshold": 0,
                                         "format": "csv"})
    status = wait(client, job.get_json()["id"])
    rows = list(csv.DictReader(io.StringIO(client.get(status["result_url"]).data.decode("utf-8-sig"))))
    assert rows[0]["路由_label"] in ROUTING  # threshold 0: no 其他


def test_examples_with_text_and_label_swapped_are_named_as_such(taught):
    client, _ = taught
    swapped = [{"text": label, "label": text} for label, texts in ROUTING.items() for text in texts]
    response = client.post("/api/classifiers", json={"name": "反了", "examples": swapped})
    body = response.get_json()
    assert response.status_code == 400 and body["code"] == "swapped_columns" and "放反了" in body["error"]
    assert sorted(body["labels"]) == sorted(ROUTING)
