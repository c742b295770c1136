"""Keys carry ownership: one key cannot see, download, replace or delete what another key made; a key
named admin sees everything; the page's session is its own owner; bare keys still work."""
from __future__ import annotations

import io
import time

from app import create_app
from conftest import NO_ZERO_SHOT
from test_custom_api import examples

KEYS = ["crm:key-of-crm", "shop:key-of-shop", "admin:key-of-admin", "bare-old-style-key"]
CRM, SHOP, ADMIN, BARE = ({"X-API-Key": key.split(":")[-1]} for key in KEYS)


def make_client(tmp_path):
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                       "SENTIMENT_DATA_DIR": str(tmp_path), "SENTIMENT_API_KEYS": KEYS}).test_client()


def finished_job(client, headers) -> str:
    job = client.post("/api/jobs", json={"texts": ["很好吃", "太慢了"]}, headers=headers).get_json()["id"]
    for _ in range(600):
        if client.get(f"/api/jobs/{job}", headers=headers).get_json()["state"] == "done":
            return job
        time.sleep(0.05)
    raise TimeoutError(job)


def test_one_key_cannot_reach_another_keys_jobs(tmp_path):
    client = make_client(tmp_path)
    job = finished_job(client, CRM)
    assert [j["id"] for j in client.get("/api/jobs", headers=CRM).get_json()["jobs"]] == [job]
    assert client.get("/api/jobs", headers=SHOP).get_json()["jobs"] == []
    for method, path in (("get", f"/api/jobs/{job}"), ("get", f"/api/jobs/{job}/result"), ("delete", f"/api/jobs/{job}")):
        response = getattr(client, method)(path, headers=SHOP)
        assert response.status_code == 404 and response.get_json()["code"] == "unknown_job", (method, path)
    assert client.get(f"/api/jobs/{job}/result", headers=CRM).status_code == 200
    assert [j["id"] for j in client.get("/api/jobs", headers=ADMIN).get_json()["jobs"]] == [job]
    assert client.get(f"/api/jobs/{job}", headers=ADMIN).get_json()["owner"] == "crm"


def test_deleting_an_ended_job_removes_its_rows_at_once(tmp_path):
    client = make_client(tmp_path)
    job = finished_job(client, CRM)
    folder = tmp_path / "jobs" / job
    assert folder.is_dir()
    deleted = client.delete(f"/api/jobs/{job}", headers=CRM)
    assert deleted.status_code == 200 and deleted.get_json()["deleted"] is True
    assert not folder.exists()
    assert client.get(f"/api/jobs/{job}/result", headers=CRM).status_code == 404
    assert client.delete(f"/api/jobs/{job}", headers=CRM).status_code == 404


def test_one_key_cannot_use_replace_or_delete_another_keys_classifier(tmp_path):
    client = make_client(tmp_path)
    taught = client.post("/api/classifiers", json={"name": "路由", "examples": examples()}, headers=CRM)
    assert taught.status_code == 201 and taught.get_json()["owner"] == "crm"
    assert [c["name"] for c in client.get("/api/classifiers", headers=CRM).get_json()["classifiers"]] == ["路由"]
    assert client.get("/api/classifiers", headers=SHOP).get_json()["classifiers"] == []
    used = client.post("/api/classify", json={"text": "快递太慢", "classifier": "路由"}, headers=SHOP)
    assert used.status_code == 404 and used.get_json()["code"] == "unknown_classifier"
    replaced = client.post("/api/classifiers", json={"name": "路由", "examples": examples(), "replace": True}, headers=SHOP)
    assert replaced.status_code == 409 and replaced.get_json()["code"] == "classifier_exists"
    assert client.delete("/api/classifiers/路由", headers=SHOP).status_code == 404
    file = client.post("/api/sentiment/file", data={"file": (io.BytesIO("text\n快递太慢\n".encode()), "a.csv"),
                                                    "classifier": "路由"}, headers=SHOP, content_type="multipart/form-data")
    assert file.status_code == 404
    job = client.post("/api/jobs", json={"texts": ["快递太慢"], "classifier": "路由"}, headers=SHOP)
    assert job.status_code == 404
    assert client.post("/api/classify", json={"text": "快递太慢", "classifier": "路由"}, headers=CRM).status_code == 200
    assert client.delete("/api/classifiers/路由", headers=ADMIN).status_code == 200


def test_the_page_session_and_an_old_style_key_are_owners_of_their_own(tmp_path):
    client = make_client(tmp_path)
    assert client.get("/").status_code == 200  # sets the page's session cookie
    page_job = finished_job(client, {})
    assert client.get(f"/api/jobs/{page_job}", headers=BARE).status_code == 404
    bare_job = finished_job(client, BARE)
    assert client.get(f"/api/jobs/{bare_job}", headers=ADMIN).get_json()["owner"].startswith("key-")
    assert [j["id"] for j in client.get("/api/jobs").get_json()["jobs"]] == [page_job]


def test_a_classifier_taught_with_the_cli_is_shared_but_only_admin_deletes_it(tmp_path):
    from sentiment.models.custom.store import ClassifierStore
    from sentiment.models.custom.taught import teach

    rows = examples()
    ClassifierStore(tmp_path).save(teach("共享", [r["text"] for r in rows], [r["label"] for r in rows]))
    client = make_client(tmp_path)
    assert client.post("/api/classify", json={"text": "快递太慢", "classifier": "共享"}, headers=SHOP).status_code == 200
    forbidden = client.delete("/api/classifiers/共享", headers=SHOP)
    assert forbidden.status_code == 403 and forbidden.get_json()["code"] == "forbidden"
    assert client.delete("/api/classifiers/共享", headers=ADMIN).status_code == 200
