"""Jobs and their chunks in SQLite, and their rows in files, under the data directory.

A job's input is cut into chunks of rows when it is submitted (``in-NNNNN.jsonl``); an engine claims
one chunk at a time, tags it, writes ``out-NNNNN.jsonl`` under a temporary name and renames it into
place before marking the chunk done. A chunk done again after a crash overwrites its own output, so
each chunk counts once and the result (the outputs in chunk order) keeps every row in order.
State lives in SQLite so that every Gunicorn worker sees the same jobs and a restart loses nothing;
a chunk claimed by a process that no longer exists goes back to the queue.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import uuid
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

STATES = ("queued", "running", "done", "failed", "cancelled")
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, created REAL NOT NULL, started REAL, finished REAL,
    total INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL,
    options TEXT NOT NULL, error TEXT, owner TEXT);
CREATE TABLE IF NOT EXISTS chunks (
    job TEXT NOT NULL, number INTEGER NOT NULL, state TEXT NOT NULL, rows INTEGER NOT NULL,
    owner INTEGER, claimed REAL, task TEXT, sent REAL, attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job, number));
CREATE INDEX IF NOT EXISTS queued_chunks ON chunks (state, job, number);
"""


class UnknownJob(LookupError):
    """No job of that id (never made, or expired)."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobStore:
    def __init__(self, root: Path):
        self.folder = Path(root) / "jobs"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "jobs.sqlite3"
        # Gunicorn's workers open the same new database at the same moment; switching it to WAL (once,
        # it persists in the file) needs it alone, and SQLite answers "locked" at once rather than wait.
        for attempt in range(100):
            try:
                with self._db() as db:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.executescript(SCHEMA)
                    if "attempts" not in {row["name"] for row in db.execute("PRAGMA table_info(chunks)")}:
                        # A data directory from before chunks counted their attempts.
                        db.execute("ALTER TABLE chunks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0")
                    if "owner" not in {row["name"] for row in db.execute("PRAGMA table_info(jobs)")}:
                        # From before jobs belonged to keys: such jobs are shared (web/tenancy.py).
                        db.execute("ALTER TABLE jobs ADD COLUMN owner TEXT")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 99:
                    raise
                time.sleep(0.05)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One connection per use: SQLite connections are not shared between threads or forks."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    def _file(self, job: str, kind: str, number: int) -> Path:
        return self.folder / job / f"{kind}-{number:05d}.jsonl"

    def create(self, rows: Iterable[dict], options: dict, chunk_rows: int, owner: str | None = None) -> str:
        """Write the input in chunks and queue the job, owned by ``owner`` (a key's name); returns its id."""
        job = uuid.uuid4().hex
        (self.folder / job).mkdir()
        rows = iter(rows)
        sizes = []
        try:
            while chunk := list(islice(rows, chunk_rows)):
                with open(self._file(job, "in", len(sizes)), "w", encoding="utf-8") as stream:
                    for row in chunk:
                        stream.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                sizes.append(len(chunk))
        except BaseException:  # a file refused part-way (a limit, a broken row) leaves nothing on disk
            shutil.rmtree(self.folder / job, ignore_errors=True)
            raise
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO jobs (id, state, created, total, chunks, options, owner) "
                       "VALUES (?, 'queued', ?, ?, ?, ?, ?)",
                       (job, time.time(), sum(sizes), len(sizes), json.dumps(options, ensure_ascii=False), owner))
            db.executemany("INSERT INTO chunks (job, number, state, rows) VALUES (?, ?, 'queued', ?)",
                           [(job, number, size) for number, size in enumerate(sizes)])
            db.execute("COMMIT")
        return job

    def claim(self) -> tuple[str, int, dict] | None:
        """The oldest queued chunk of a live job, now owned by this process: (job, chunk number, options)."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT c.job, c.number, j.options FROM chunks c JOIN jobs j ON j.id = c.job "
                             "WHERE c.state = 'queued' AND j.state IN ('queued', 'running') "
                             "ORDER BY j.created, c.number LIMIT 1").fetchone()
            if row is None:
                db.execute("COMMIT")
                return None
            db.execute("UPDATE chunks SET state = 'running', owner = ?, claimed = ? WHERE job = ? AND number = ?",
                       (os.getpid(), time.time(), row["job"], row["number"]))
            db.execute("UPDATE jobs SET state = 'running', started = COALESCE(started, ?) WHERE id = ?",
                       (time.time(), row["job"]))
            db.execute("COMMIT")
        return row["job"], row["number"], json.loads(row["options"])

    def sent(self, job: str, number: int, task: str) -> None:
        """The chunk went to the queue as that task (scale-out engine)."""
        with self._db() as db:
            db.execute("UPDATE chunks SET task = ?, sent = ?, attempts = attempts + 1 WHERE job = ? AND number = ?",
                       (task, time.time(), job, number))

    def in_flight(self) -> list[tuple[str, int, str, float, int]]:
        """(job, chunk, task id, when sent, times sent) of every chunk on the queue whose job still runs."""
        with self._db() as db:
            return [(row["job"], row["number"], row["task"], row["sent"], row["attempts"]) for row in db.execute(
                "SELECT c.job, c.number, c.task, c.sent, c.attempts FROM chunks c JOIN jobs j ON j.id = c.job "
                "WHERE c.state = 'running' AND c.task IS NOT NULL AND j.state = 'running'")]

    def requeue(self, job: str, number: int) -> None:
        """Queue a chunk again whose task was lost (a broker restarted without its queue)."""
        with self._db() as db:
            db.execute("UPDATE chunks SET state = 'queued', owner = NULL, task = NULL WHERE job = ? AND number = ? "
                       "AND state = 'running'", (job, number))

    def rows(self, job: str, number: int) -> Iterator[dict]:
        with open(self._file(job, "in", number), encoding="utf-8") as stream:
            for line in stream:
                yield json.loads(line)

    def finish(self, job: str, number: int, rows: Iterable[dict]) -> None:
        """Write the chunk's output (replacing any earlier attempt's) and count it once."""
        final = self._file(job, "out", number)
        temporary = final.with_suffix(f".{os.getpid()}.tmp")
        try:
            with open(temporary, "w", encoding="utf-8") as stream:
                for row in rows:
                    stream.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            os.replace(temporary, final)
        except FileNotFoundError:  # the job was cancelled and deleted while this chunk was being tagged
            return
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            changed = db.execute("UPDATE chunks SET state = 'done' WHERE job = ? AND number = ? AND state = 'running'",
                                 (job, number)).rowcount
            if changed:
                db.execute("UPDATE jobs SET done = done + (SELECT rows FROM chunks WHERE job = ? AND number = ?) "
                           "WHERE id = ?", (job, number, job))
                db.execute("UPDATE jobs SET state = 'done', finished = ? WHERE id = ? AND state = 'running' AND NOT EXISTS "
                           "(SELECT 1 FROM chunks WHERE job = ? AND state != 'done')", (time.time(), job, job))
            db.execute("COMMIT")

    def fail(self, job: str, error: str) -> None:
        with self._db() as db:
            db.execute("UPDATE jobs SET state = 'failed', error = ?, finished = ? WHERE id = ? AND state IN "
                       "('queued', 'running')", (error, time.time(), job))

    def cancel(self, job: str) -> dict:
        self.status(job)
        with self._db() as db:
            db.execute("UPDATE jobs SET state = 'cancelled', finished = ? WHERE id = ? AND state IN ('queued', 'running')",
                       (time.time(), job))
        return self.status(job)

    def pending(self) -> bool:
        """Whether any job still has work queued or in progress."""
        with self._db() as db:
            return db.execute("SELECT 1 FROM jobs WHERE state IN ('queued', 'running') LIMIT 1").fetchone() is not None

    def requeue_orphans(self) -> int:
        """Chunks claimed by processes that no longer exist (a restart, a crash) go back to the queue."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            owners = [row["owner"] for row in db.execute("SELECT DISTINCT owner FROM chunks WHERE state = 'running'")]
            dead = [owner for owner in owners if owner is not None and not _alive(owner)]
            count = 0
            for owner in dead:
                count += db.execute("UPDATE chunks SET state = 'queued', owner = NULL WHERE state = 'running' AND owner = ?",
                                    (owner,)).rowcount
            db.execute("COMMIT")
        return count

    def status(self, job: str) -> dict:
        with self._db() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job,)).fetchone()
        if row is None:
            raise UnknownJob(job)
        return self._describe(row)

    @staticmethod
    def _describe(row: sqlite3.Row) -> dict:
        now = time.time()
        elapsed = ((row["finished"] or now) - row["started"]) if row["started"] else 0.0
        rate = row["done"] / elapsed if elapsed > 0 and row["done"] else 0.0
        left = row["total"] - row["done"]
        return {"id": row["id"], "state": row["state"], "rows_done": row["done"], "rows_total": row["total"],
                "rows_per_second": round(rate, 1),
                "eta_seconds": round(left / rate, 1) if rate and row["state"] in ("queued", "running") else None,
                "created": row["created"], "finished": row["finished"], "error": row["error"],
                "options": json.loads(row["options"]), "owner": row["owner"]}

    def recent(self, limit: int = 50, owner: str | None = None) -> list[dict]:
        """The newest jobs: all of them, or (``owner`` given) that owner's and the shared ones."""
        with self._db() as db:
            if owner is None:
                rows = db.execute("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
            else:
                rows = db.execute("SELECT * FROM jobs WHERE owner = ? OR owner IS NULL ORDER BY created DESC LIMIT ?",
                                  (owner, limit)).fetchall()
        return [self._describe(row) for row in rows]

    def result(self, job: str) -> Iterator[dict]:
        """The tagged rows in input order; call once the job is done."""
        with self._db() as db:
            row = db.execute("SELECT chunks FROM jobs WHERE id = ?", (job,)).fetchone()
        if row is None:
            raise UnknownJob(job)
        for number in range(row["chunks"]):
            with open(self._file(job, "out", number), encoding="utf-8") as stream:
                for line in stream:
                    yield json.loads(line)

    def expire(self, older_than_seconds: float) -> int:
        """Remove jobs created longer ago than that, with their files."""
        cutoff = time.time() - older_than_seconds
        with self._db() as db:
            old = [row["id"] for row in db.execute("SELECT id FROM jobs WHERE created < ?", (cutoff,))]
        return self._remove(old)

    def delete(self, job: str) -> None:
        """Remove an ended job (done, failed or cancelled) and its rows now, not at expiry."""
        if self.status(job)["state"] in ("queued", "running"):
            raise ValueError("cancel a job before deleting it")
        self._remove([job])

    def _remove(self, jobs: list[str]) -> int:
        with self._db() as db:
            db.executemany("DELETE FROM chunks WHERE job = ?", [(job,) for job in jobs])
            db.executemany("DELETE FROM jobs WHERE id = ?", [(job,) for job in jobs])
        for job in jobs:
            shutil.rmtree(self.folder / job, ignore_errors=True)
        return len(jobs)
