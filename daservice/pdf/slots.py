"""At most N PDF renders at once on this machine, whatever runs them.

A render is seconds of CPU. Under gunicorn each sync worker is its own process with one thread,
so a ``threading.Semaphore`` would bound nothing: the bound has to hold across processes. Each of
the N slots is a file in the instance folder; a render holds an exclusive ``flock`` on one of them
while WeasyPrint runs. Every acquisition opens its own descriptor, so threads of one process
compete for the slots exactly as processes do, and the kernel releases a slot when its holder
dies, so a killed worker never leaks one. Slots are per machine (per instance folder), which is
what matters: the CPU they protect is this machine's.

A render that finds every slot taken asks again every ``POLL`` seconds until its wait runs out,
then raises ``RenderBusy`` (a 503: the user tries again). Polling is fine at this scale (renders
take hundreds of milliseconds, not microseconds); it spares us a queue.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from werkzeug.exceptions import ServiceUnavailable

POLL = 0.05


class RenderBusy(ServiceUnavailable):
    """Every PDF render slot stayed taken for the whole wait."""

    description = "Too many documents are being prepared at the moment. Try again in a minute."

    def __init__(self) -> None:
        super().__init__(retry_after=60)


class RenderSlots:
    def __init__(self, folder: str | Path, count: int, wait_seconds: float) -> None:
        if count < 1:
            raise ValueError("PDF_MAX_CONCURRENT_RENDERS must be at least 1")
        self.folder = Path(folder)
        self.count = count
        self.wait_seconds = wait_seconds
        self.paths = [self.folder / f"slot-{i}.lock" for i in range(count)]

    @contextlib.contextmanager
    def held(self) -> Iterator[int]:
        """Hold one slot for the block; yields its number."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            taken = self._try_each()
            if taken is not None:
                break
            if time.monotonic() >= deadline:
                raise RenderBusy()
            time.sleep(POLL)
        number, fd = taken
        try:
            yield number
        finally:
            os.close(fd)  # closing the descriptor releases its lock

    def _try_each(self) -> tuple[int, int] | None:
        # Start from a different slot in each process so they do not all queue on slot 0.
        start = os.getpid() % self.count
        for step in range(self.count):
            number = (start + step) % self.count
            fd = os.open(self.paths[number], os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                continue
            return number, fd
        return None
