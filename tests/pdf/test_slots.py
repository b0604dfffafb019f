"""At most PDF_MAX_CONCURRENT_RENDERS renders at once, across threads and processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from daservice.pdf import RenderBusy
from daservice.pdf import renderer as renderer_module
from daservice.pdf.renderer import Renderer
from daservice.pdf.slots import RenderSlots

from .conftest import document, page_texts

HOLD_ALL = """
import fcntl, os, sys
fds = [os.open(p, os.O_RDWR | os.O_CREAT, 0o600) for p in sys.argv[1:]]
for fd in fds:
    fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


class SlowWeasyPrint:
    """Stands in for WeasyPrint's HTML: each render takes a while and counts who else is in."""

    lock = threading.Lock()
    inside = 0
    peak = 0

    def __init__(self, **_: object) -> None:
        pass

    def write_pdf(self, **_: object) -> bytes:
        cls = type(self)
        with cls.lock:
            cls.inside += 1
            cls.peak = max(cls.peak, cls.inside)
        time.sleep(0.25)
        with cls.lock:
            cls.inside -= 1
        return b"%PDF-1.7 stand-in"


def test_threads_render_at_most_the_configured_number_at_once(static_root, tmp_path, monkeypatch):
    monkeypatch.setattr(renderer_module, "HTML", SlowWeasyPrint)
    monkeypatch.setattr(SlowWeasyPrint, "peak", 0)
    renderer = Renderer(static_root, RenderSlots(tmp_path / "slots", 2, 30), 64)
    results: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: results.append(renderer.render("<p>x</p>")))
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 5  # everyone was served, in turn
    assert SlowWeasyPrint.peak == 2


@pytest.fixture()
def slots_held_elsewhere(tmp_path):
    """Another process (another gunicorn worker) holding every slot."""
    slots = RenderSlots(tmp_path / "slots", 2, 0.3)
    slots.folder.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_ALL, *map(str, slots.paths)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield slots, holder
    holder.kill()
    holder.wait()


def test_a_render_waits_for_other_processes_then_gives_up_busy(static_root, slots_held_elsewhere):
    slots, _ = slots_held_elsewhere
    renderer = Renderer(static_root, slots, 64)
    started = time.monotonic()
    with pytest.raises(RenderBusy) as busy:
        renderer.render(document("<p>x</p>"))
    assert 0.3 <= time.monotonic() - started < 3
    assert busy.value.code == 503  # the user is asked to try again, not shown a crash


def test_a_slot_whose_holder_died_is_free_again(static_root, slots_held_elsewhere):
    slots, holder = slots_held_elsewhere
    holder.kill()  # a gunicorn worker killed mid-render
    holder.wait()
    pdf = Renderer(static_root, slots, 64).render(document("<p>After the crash</p>"))
    assert "After the crash" in page_texts(pdf)[0]


def test_a_slot_is_given_back_when_the_render_fails(static_root, tmp_path):
    from daservice.pdf import ResourceRefused

    renderer = Renderer(static_root, RenderSlots(tmp_path / "slots", 1, 0.2), 64)
    with pytest.raises(ResourceRefused):
        renderer.render(document('<img src="file:///etc/passwd" alt="">'))
    assert "still works" in page_texts(renderer.render(document("<p>still works</p>")))[0]


def test_a_busy_renderer_answers_503_with_retry_after(base_config, _schema):
    from daservice import create_app
    from daservice.security.guard import public

    app = create_app(dict(base_config))

    @app.route("/test-busy-pdf")
    @public
    def busy_pdf():
        raise RenderBusy()

    with app.app_context():
        response = app.test_client().get("/test-busy-pdf")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
