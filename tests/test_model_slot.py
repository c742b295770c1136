"""The process's model slot: readiness is announced only once the outcome is stored."""
from __future__ import annotations

import logging
import threading

import pytest

from sentiment.config import from_env
from sentiment.models.backends import BackendUnavailable
from sentiment.models.coalescer import CoalescingBackend
from sentiment.models.model_slot import ModelNotReady, ModelSlot


def settings(**overrides):
    return {**from_env({}), "SENTIMENT_MODEL": "bundled-lite", **overrides}


def load_and_wait(config) -> tuple[ModelSlot, list]:
    """Load in the background while another thread waits; the loader is frozen right after it
    announces readiness until the waiter has looked, so what the waiter sees is what ``wait``
    promises, whatever the scheduler would have done."""
    slot = ModelSlot()
    looked = threading.Event()
    seen: list = []

    def freeze_after_announcing(frame, event, arg):
        if event == "return" and frame.f_code is threading.Event.set.__code__ and frame.f_locals["self"] is slot._done:
            looked.wait(10)

    def waiter():
        try:
            seen.append(slot.wait(30) and (slot.get(), slot.error))
        except ModelNotReady as error:
            seen.append((None, str(error)))
        looked.set()

    watcher = threading.Thread(target=waiter)
    watcher.start()
    threading.setprofile(freeze_after_announcing)  # for the loader thread started next
    try:
        loader = slot.load_in_background(config)
    finally:
        threading.setprofile(None)
    loader.join(30)
    watcher.join(30)
    return slot, seen


def test_a_waiter_that_sees_the_model_loaded_finds_it_served():
    slot, seen = load_and_wait(settings())
    assert slot.loaded is not None and seen == [(slot.loaded.service, None)]


def test_a_waiter_that_sees_a_failed_load_finds_the_reason(tmp_path):
    slot, seen = load_and_wait(settings(SENTIMENT_LITE_MODEL=str(tmp_path / "missing.npz")))
    assert len(seen) == 1 and seen[0][1] and "missing.npz" in seen[0][1]
    assert "模型还在加载" not in seen[0][1]


def test_before_loading_the_slot_says_it_is_loading_and_after_a_failure_why():
    slot = ModelSlot()
    assert slot.wait(0) is False and slot.status() == {"ready": False, "error": None}
    with pytest.raises(ModelNotReady) as loading:
        slot.get()
    assert str(loading.value) == "模型还在加载，请稍后再试。"
    with pytest.raises(BackendUnavailable, match="missing.npz"):
        slot.load(settings(SENTIMENT_LITE_MODEL="missing.npz"))
    assert slot.wait(0) is True
    with pytest.raises(ModelNotReady, match="模型不可用：.*missing.npz"):
        slot.get()


@pytest.fixture()
def log_lines():
    """What the service logs; its logger does not propagate to pytest's capture once an app set it up."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = logging.getLogger("sentiment")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_loaded_slot_reports_its_model_and_logs_which_and_why(log_lines):
    slot = ModelSlot()
    slot.load(settings())
    status = slot.status()
    assert status == {"ready": True, "model": "bundled-char-ngram-lr", "backend": "bundled", "labels": ["负面", "正面"],
                      "reason": "SENTIMENT_MODEL=bundled-lite", "load_seconds": round(slot.loaded.seconds, 3)}
    assert slot.get() is slot.loaded.service and 0 <= slot.loaded.seconds < 30
    assert log_lines == [f"sentiment model: bundled-char-ngram-lr (bundled backend, labels 负面/正面), "
                         f"loaded in {slot.loaded.seconds:.1f}s, because SENTIMENT_MODEL=bundled-lite"]


def test_a_failed_load_is_logged_with_its_reason(tmp_path, log_lines):
    with pytest.raises(BackendUnavailable):
        ModelSlot().load(settings(SENTIMENT_LITE_MODEL=str(tmp_path / "missing.npz")))
    assert len(log_lines) == 1 and log_lines[0].startswith("no model serves: cannot load the bundled-lite model from ")
    assert str(tmp_path / "missing.npz") in log_lines[0]


@pytest.mark.parametrize("wait_ms, coalesced", [(0.5, True), (0, False), (None, False)])
def test_any_positive_coalescing_wait_switches_it_on(wait_ms, coalesced):
    slot = ModelSlot()
    slot.load(settings(SENTIMENT_COALESCE_MS=wait_ms))
    assert isinstance(slot.get().backend, CoalescingBackend) is coalesced


def test_the_loader_thread_is_named_and_does_not_keep_a_process_alive():
    thread = ModelSlot().load_in_background(settings())
    assert thread.name == "model-loader" and thread.daemon
    thread.join(30)


def test_a_setting_the_service_refuses_fails_the_load_with_its_reason(tiny_structbert):
    slot = ModelSlot()
    with pytest.raises(BackendUnavailable, match="SENTIMENT_WINDOW_OVERLAP=300 must be from 0 to 255"):
        slot.load(settings(SENTIMENT_BACKEND="modelscope", SENTIMENT_MODEL=str(tiny_structbert),
                           SENTIMENT_WINDOW_OVERLAP=300))
    assert "SENTIMENT_WINDOW_OVERLAP" in slot.error
