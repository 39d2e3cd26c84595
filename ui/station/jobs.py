"""Long commands (launch takes tens of seconds) run as jobs in the background; pages poll their progress."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Job:
    id: int
    vehicle: str
    action: str
    started_unix_s: float
    status: str = "running"  # running | done | failed
    steps: list[str] = field(default_factory=list)
    message: str = ""
    finished_unix_s: float | None = None

    @property
    def done(self) -> bool:
        return self.status != "running"


class Jobs:
    def __init__(self, keep: int = 100) -> None:
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._keep = keep

    def run(
        self,
        vehicle: str,
        action: str,
        work: Callable[[Callable[[str], None]], str],
        on_end: Callable[[Job], None],
    ) -> Job:
        """Start ``work(progress)`` in a thread; its return value is the job's message, an exception fails it."""
        job = Job(id=next(self._ids), vehicle=vehicle, action=action, started_unix_s=time.time())
        with self._lock:
            self._jobs[job.id] = job
            for old in sorted(self._jobs)[: -self._keep]:
                del self._jobs[old]

        def progress(text: str) -> None:
            job.steps.append(text)

        def target() -> None:
            try:
                job.message = work(progress)
                job.status = "done"
            except Exception as exc:
                job.message = str(exc)
                job.status = "failed"
            job.finished_unix_s = time.time()
            on_end(job)

        threading.Thread(target=target, name=f"job-{job.id}-{action}", daemon=True).start()
        return job

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, vehicle: str | None = None) -> list[Job]:
        with self._lock:
            jobs = list(self._jobs.values())
        return sorted((j for j in jobs if vehicle is None or j.vehicle == vehicle), key=lambda j: -j.id)
