"""Faults against a real Gunicorn: a worker killed with SIGKILL under load, slow clients holding
connections, and a model that cannot load at start."""
from __future__ import annotations

import json
import shutil
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import NO_ZERO_SHOT, ROOT, Gunicorn, free_port


def post(server, text: str = "这家店很好", timeout: float = 10) -> int:
    request = urllib.request.Request(server.url + "/api/sentiment", data=json.dumps({"text": text}).encode(),
                                     headers={"Content-Type": "application/json", "Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # the connection broke


@pytest.fixture()
def server(tmp_path):
    # Workers are not recycled here (GUNICORN_MAX_REQUESTS=0): the tests count the workers that start.
    gunicorn = Gunicorn(tmp_path / "log.txt", SENTIMENT_MODEL="bundled-lite", WEB_CONCURRENCY="2",
                        SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT, SENTIMENT_DATA_DIR=str(tmp_path / "data"),
                        GUNICORN_MAX_REQUESTS="0")
    try:
        gunicorn.wait_ready()
        yield gunicorn
    finally:
        gunicorn.stop()


def worker_pids(server) -> list[int]:
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.process.pid)], capture_output=True, text=True)
    return [int(pid) for pid in children.stdout.split()]


def test_a_worker_killed_under_load_is_replaced_and_service_goes_on(server):
    answers: list[tuple[float, int]] = []
    stop = threading.Event()

    def load():
        while not stop.is_set():
            answers.append((time.monotonic(), post(server)))

    clients = [threading.Thread(target=load) for _ in range(4)]
    for client in clients:
        client.start()
    time.sleep(1.5)
    victim = worker_pids(server)[0]
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.log().count("sentiment model:") < 3:
        time.sleep(0.1)
    time.sleep(1.5)
    stop.set()
    for client in clients:
        client.join()
    assert server.log().count("sentiment model:") == 3, "the master started a new worker with its model"
    assert victim not in worker_pids(server) and len(worker_pids(server)) == 2
    failed = [status for _, status in answers if status != 200]
    assert len(failed) <= 4, f"more failures than requests in flight on the killed worker: {failed}"
    after = [status for at, status in answers if at > killed_at + 1.0]
    assert after and set(after) == {200}
    assert len(answers) > 100


def test_slow_clients_holding_connections_do_not_stop_the_others(server):
    slow = []
    for _ in range(3):  # a request line and half a header, then nothing
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        connection.sendall(b"POST /api/sentiment HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
        slow.append(connection)
    try:
        started = time.monotonic()
        assert [post(server, timeout=5) for _ in range(20)] == [200] * 20
        assert time.monotonic() - started < 10
    finally:
        for connection in slow:
            connection.close()


def test_a_model_that_cannot_load_stops_the_service_with_a_clear_message(tmp_path):
    log = tmp_path / "log.txt"
    env = {**os.environ, "PORT": str(free_port()), "HOST": "127.0.0.1", "SENTIMENT_BACKEND": "onnx",
           "SENTIMENT_MODEL": str(tmp_path / "missing"), "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT}
    process = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"], cwd=ROOT, env=env,
                             stdout=open(log, "wb"), stderr=subprocess.STDOUT, timeout=120)
    text = log.read_text(errors="replace")
    assert process.returncode != 0, "no half-working service"
    assert "SENTIMENT_BACKEND=onnx but" in text and "Worker failed to boot" in text


def test_loading_in_the_background_a_model_that_cannot_load_answers_503(tmp_path):
    server = Gunicorn(tmp_path / "log.txt", SENTIMENT_BACKEND="onnx", SENTIMENT_MODEL=str(tmp_path / "missing"),
                      SENTIMENT_LOAD_IN_BACKGROUND="1", WEB_CONCURRENCY="1", SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "no model serves" not in server.log():
            time.sleep(0.1)
        with pytest.raises(urllib.error.HTTPError) as ready:
            urllib.request.urlopen(server.url + "/ready", timeout=5)
        body = json.loads(ready.value.read())
        assert ready.value.code == 503 and body["code"] == "model_not_ready" and "SENTIMENT_BACKEND=onnx" in body["error"]
        assert post(server) == 503
        with urllib.request.urlopen(server.url + "/health", timeout=5) as health:
            assert health.status == 200  # alive, and saying why it cannot serve
    finally:
        server.stop()


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")
def test_through_the_shipped_nginx_site_150_slow_sockets_stall_nothing(server, tmp_path):
    """compose.yaml's nginx, with deploy/nginx/sentiment.conf as it ships (only its two addresses
    changed), in front of the Gunicorn: 150 sockets that send half a header and wait do not reach
    Gunicorn's threads, and /health and the API answer at once."""
    port = free_port()
    site = (ROOT / "deploy" / "nginx" / "sentiment.conf").read_text(encoding="utf-8")
    site = site.replace("web:7860", f"127.0.0.1:{server.port}").replace("listen 8080;", f"listen 127.0.0.1:{port};")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"worker_processes 1; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; daemon off;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f"fastcgi_temp_path {tmp_path}/f; uwsgi_temp_path {tmp_path}/u; scgi_temp_path {tmp_path}/s;\n"
        f"include {tmp_path}/site.conf; }}\n", encoding="utf-8")
    nginx = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    slow = []
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "/health", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for _ in range(150):
            connection = socket.create_connection(("127.0.0.1", port), timeout=30)
            connection.sendall(b"POST /api/sentiment HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
            slow.append(connection)
        started = time.monotonic()
        with urllib.request.urlopen(url + "/health", timeout=5) as response:
            assert response.status == 200
        proxied = type("Proxied", (), {"url": url})()
        assert [post(proxied, timeout=5) for _ in range(20)] == [200] * 20
        assert time.monotonic() - started < 5
    finally:
        for connection in slow:
            connection.close()
        nginx.terminate()
        nginx.wait(timeout=20)
