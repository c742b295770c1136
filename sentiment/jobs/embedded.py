"""The default job engine: a thread in the service's own process, nothing else to install or run.

It claims a chunk, tags it with the process's own model (and taught classifier), writes the chunk's
output and marks it done, until the queue is empty; then it waits. Several processes may each run one
(Gunicorn workers): the store hands each chunk to one of them. At start it puts back the chunks of
processes that died mid-chunk, so a restarted service resumes a job from its last finished chunks.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable


from sentiment.bulk.tagging import Tagger
from sentiment.jobs.store import JobStore

log = logging.getLogger("sentiment")


class EmbeddedEngine:
    def __init__(self, store: JobStore, tagger_for: Callable[[dict], Tagger], ready: Callable[[], bool],
                 idle_seconds: float = 0.5):
        self.store, self.tagger_for, self.ready, self.idle_seconds = store, tagger_for, ready, idle_seconds
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure_started(self) -> None:
        """Start the worker thread once per process; picks up chunks orphaned by a dead process first."""
        with self._lock:
            if self._thread is not None:
                return
            if self.store.requeue_orphans():
                log.info("jobs: put back the chunks of a process that stopped mid-chunk")
            self._thread = threading.Thread(target=self._run, name="job-engine", daemon=True)
            self._thread.start()

    def work_once(self) -> bool:
        """Tag one queued chunk; False when there is none (or the model is not ready yet)."""
        if not self.ready():
            return False
        claimed = self.store.claim()
        if claimed is None:
            return False
        job, number, options = claimed
        try:
            tagger = self.tagger_for(options)
            first_row = number * options["chunk_rows"] + 1
            self.store.finish(job, number, list(tagger.tag(self.store.rows(job, number), start=first_row)))
        except Exception as error:  # a job that cannot go on says why in its state; the engine goes on
            log.exception("jobs: %s failed in chunk %d", job, number)
            self.store.fail(job, getattr(error, "message", None) or str(error))
        return True

    def _run(self) -> None:
        while True:
            if not self.work_once():
                time.sleep(self.idle_seconds)

