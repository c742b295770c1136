"""The scale-out job engine: chunks go to Celery workers through Redis; this process hands them out
and collects their results into the job store, which the API reads exactly as in embedded mode.

Job state stays in the service's SQLite (with each chunk's task id), so a restarted service goes on
collecting. A chunk is sent again when its task is lost: not started within ``chunk_timeout`` seconds
while nothing waits in the queue (a broker restarted without its queue). A task a worker has started is
never sent again for time (if that worker dies, the broker hands the chunk out again after its
visibility timeout), nor is one waiting its turn behind others: on a busy machine a chunk may take longer
than any timeout, and sending it again each time it did kept a job at 0 rows for ever. Its output
replaces any earlier one, so it counts once.
A chunk whose task failed is sent again too (a worker that lost Redis while storing its answer
stores a failure once it is back), up to ``MAX_ATTEMPTS`` sends; then the job fails with the error.
Tagging itself never fails a chunk (a bad row gets an error column), so a failure is the machinery's.

A result read back from Redis is checked before it is trusted (``checked``): anyone who can write to
Redis could store one. It must be the chunk's own rows, in order, each with its columns unchanged and
only plain values added; anything else counts as a failed send (sent again, then the job fails), and
one chunk's bad result never stops the others from being collected. Keep Redis to the service and its
workers, with a password (README: "Jobs at scale").
"""
from __future__ import annotations

import logging
import threading
import time

from sentiment.jobs.store import JobStore

log = logging.getLogger("sentiment")
MAX_ATTEMPTS = 3


def checked(result: object, rows: list[dict]) -> list[dict] | None:
    """The task's rows if they are ``rows`` in order, each with its own columns unchanged and plain
    values (text, numbers, empty) added; else None."""
    if not isinstance(result, list) or len(result) != len(rows):
        return None
    for got, sent in zip(result, rows):
        if not isinstance(got, dict) or len(got) <= len(sent) or any(got.get(k, got) != v for k, v in sent.items()):
            return None
        if not all(isinstance(value, (str, int, float, type(None))) for key, value in got.items() if key not in sent):
            return None
    return result


def _reason(result: object) -> str:
    """A failed task's exception as the job's error: its type and message."""
    return f"{type(result).__name__}: {result}" if isinstance(result, BaseException) else str(result)


class ScaleOutEngine:
    def __init__(self, store: JobStore, broker: str, chunk_timeout: float, poll_seconds: float = 0.2):
        from sentiment.jobs.celery_app import make_app

        self.store, self.chunk_timeout, self.poll_seconds = store, chunk_timeout, poll_seconds
        self.celery = make_app(broker)  # this service's own connection; tasks are sent by name
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure_started(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="job-dispatcher", daemon=True)
                self._thread.start()

    def work_once(self) -> None:
        """Send every queued chunk; collect every finished one; send again the ones lost."""
        from sentiment.jobs.celery_app import TASK

        while (claimed := self.store.claim()) is not None:
            job, number, options = claimed
            task = self.celery.send_task(TASK, (list(self.store.rows(job, number)), options,
                                                number * options["chunk_rows"] + 1))
            self.store.sent(job, number, task.id)
        waiting: list[int] = []  # messages in the queue, asked of the broker once per round, when needed
        for job, number, task, sent, attempts in self.store.in_flight():
            try:
                self._collect(job, number, task, sent, attempts, waiting)
            except (ValueError, TypeError, KeyError, AttributeError) as error:  # a stored record that does not decode
                self._failed(job, number, task, attempts, f"unreadable result ({type(error).__name__})")

    def _queued(self) -> int:
        """Messages waiting in the broker's queue (not yet taken by a worker)."""
        with self.celery.connection_for_read() as connection:
            queue = self.celery.conf.task_default_queue
            # Not passive: Redis keeps no key for an empty queue, and passive would call that "no queue".
            return connection.default_channel.queue_declare(queue=queue).message_count

    def _collect(self, job: str, number: int, task: str, sent: float, attempts: int, waiting: list[int]) -> None:
        """One chunk's stored state, read directly (see celery_app.PollingRedisBackend), acted on."""
        backend = self.celery.backend
        meta = backend.get_task_meta(task)
        status, result = meta.get("status"), meta.get("result")
        if status == "SUCCESS":
            rows = checked(result, list(self.store.rows(job, number)))
            if rows is not None:
                self.store.finish(job, number, rows)
                backend.forget(task)
                return
            status, result = "FAILURE", "the result read back is not this chunk's rows"
        if status == "FAILURE":
            self._failed(job, number, task, attempts, _reason(result))
        elif status == "PENDING" and time.time() - sent > self.chunk_timeout:
            if not waiting:
                waiting.append(self._queued())
            if waiting[0] == 0:  # not started, and not waiting its turn either: lost
                log.warning("jobs: chunk %d of %s not started after %.0f s and not queued; sending it again",
                            number, job, self.chunk_timeout)
                self.store.requeue(job, number)

    def _failed(self, job: str, number: int, task: str, attempts: int, reason: str) -> None:
        """Send a failed chunk again, or fail its job once it has been sent ``MAX_ATTEMPTS`` times."""
        if attempts < MAX_ATTEMPTS:
            log.warning("jobs: chunk %d of %s failed (%s); sending it again", number, job, reason)
            self.store.requeue(job, number)
            self.celery.backend.forget(task)
        else:
            self.store.fail(job, f"chunk {number} failed {attempts} times: {reason}")

    def _run(self) -> None:
        while True:
            try:
                self.work_once()
            except Exception as error:  # the broker away (restarting): say so, wait, try again
                log.warning("jobs: broker unreachable (%s); retrying", error)
                time.sleep(1.0)
            time.sleep(self.poll_seconds)
