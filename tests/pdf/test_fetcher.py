"""A PDF loads the app's static files and data: URIs, and nothing else: no files, no network."""

from __future__ import annotations

import base64
import socket
import threading
import time

import pytest

from daservice.pdf.fetcher import STATIC_ORIGIN, ResourceRefused, StaticOnlyFetcher
from daservice.pdf.renderer import Renderer
from daservice.pdf.slots import RenderSlots

from .conftest import document, image_count, page_texts, png_bytes


@pytest.fixture()
def renderer(static_root, tmp_path) -> Renderer:
    return Renderer(static_root, RenderSlots(tmp_path / "slots", 1, 5), 64)


class Listener:
    """A local server that records every connection and never answers (so a fetch would hang)."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        held = []
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            held.append(conn)
        for conn in held:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture()
def listener():
    server = Listener()
    yield server
    server.close()


def test_a_static_image_is_loaded_from_the_static_folder(renderer):
    pdf = renderer.render(document('<img src="images/logo.png" alt="Logo">'))
    assert image_count(pdf) == 1


def test_a_static_stylesheet_may_be_linked(renderer):
    pdf = renderer.render(document('<link rel="stylesheet" href="print-extra.css"><h1>Hi</h1>'))
    assert "Hi" in page_texts(pdf)[0]


def test_a_data_uri_image_is_loaded(renderer):
    uri = "data:image/png;base64," + base64.b64encode(png_bytes("blue")).decode()
    assert image_count(renderer.render(document(f'<img src="{uri}" alt="QR code">'))) == 1


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/passwd" alt="">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        "<style>@import url('file:///etc/hostname');</style>",
        '<div style="background: url(file:///etc/passwd)">x</div>',
        '<base href="file:///etc/"><img src="passwd" alt="">',
        '<img src="ftp://127.0.0.1/x.png" alt="">',
        '<img src="images/../../secret.txt" alt="">',
        '<img src="images/%2e%2e/%2e%2e/secret.txt" alt="">',
        '<img src="no-such-file.png" alt="">',
    ],
)
def test_anything_but_static_files_and_data_uris_is_refused(renderer, markup):
    with pytest.raises(ResourceRefused):
        renderer.render(document(markup))


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="http://127.0.0.1:{port}/logo.png" alt="">',
        '<link rel="stylesheet" href="http://127.0.0.1:{port}/print.css">',
        "<style>@font-face {{ font-family: X; src: url(http://127.0.0.1:{port}/x.ttf) }}"
        " p {{ font-family: X }}</style><p>x</p>",
        '<img src="https://127.0.0.1:{port}/logo.png" alt="">',
    ],
)
def test_the_network_is_never_reached_and_the_render_does_not_hang(renderer, listener, markup):
    started = time.monotonic()
    with pytest.raises(ResourceRefused):
        renderer.render(document(markup.format(port=listener.port)))
    assert time.monotonic() - started < 5  # WeasyPrint's own fetcher would wait 10 s for this
    time.sleep(0.2)  # a connection attempt would have been accepted by now
    assert listener.connections == 0


def test_a_symlink_out_of_the_static_folder_is_refused(static_root, renderer):
    (static_root / "images" / "escape.png").symlink_to(static_root.parent / "secret.txt")
    with pytest.raises(ResourceRefused):
        renderer.render(document('<img src="images/escape.png" alt="">'))


def test_the_fetcher_itself_refuses_files_and_the_network(static_root):
    fetcher = StaticOnlyFetcher(static_root)
    for url in ("file:///etc/passwd", "http://example.invalid/", "https://example.invalid/x"):
        with pytest.raises(ResourceRefused):
            fetcher.fetch(url)
    response = fetcher.fetch(STATIC_ORIGIN + "images/logo.png")
    assert response.content_type == "image/png" and response.read() == png_bytes()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
