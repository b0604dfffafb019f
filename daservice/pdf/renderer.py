"""WeasyPrint kept warm: one font configuration, compiled stylesheet and image cache per thread.

A cold WeasyPrint render pays for things that do not change between documents: Fontconfig and
Pango setting up fonts, parsing the print stylesheet, decoding the same logo. Each worker thread
keeps them for the life of the process (gunicorn workers are long-lived), so only the document
itself is laid out on each call. Per thread, not per process, because WeasyPrint does not promise
that a font configuration can be used by two renders at once; under sync workers there is one
thread, so one warm set per process.

The image cache is keyed by URL. Static images are worth keeping; a ``data:`` URI (a QR code per
certificate) is used once, so the cache is emptied before a render once it holds more than
``image_cache_entries`` entries, which bounds it without touching a render in progress.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from .fetcher import STATIC_ORIGIN, ResourceRefused, StaticOnlyFetcher
from .slots import RenderSlots

# Tagged for screen readers (structure tree, reading order, language, title): PDF/UA-1.
PDF_VARIANT = "pdf/ua-1"
STYLESHEET = Path(__file__).with_name("print.css")


@dataclass
class _Warm:
    fetcher: StaticOnlyFetcher
    font_config: FontConfiguration = field(default_factory=FontConfiguration)
    stylesheets: list[CSS] = field(default_factory=list)
    images: dict[str, Any] = field(default_factory=dict)


class Renderer:
    """Renders HTML to tagged PDF bytes, one render per free slot."""

    def __init__(self, static_root: str | Path, slots: RenderSlots, image_cache_entries: int):
        self.static_root = static_root
        self.slots = slots
        self.image_cache_entries = image_cache_entries
        self._local = threading.local()

    def warm(self) -> _Warm:
        """This thread's font configuration, compiled stylesheet and image cache."""
        warm: _Warm | None = getattr(self._local, "warm", None)
        if warm is None:
            warm = _Warm(StaticOnlyFetcher(self.static_root))
            warm.stylesheets.append(
                CSS(
                    filename=str(STYLESHEET),
                    base_url=STATIC_ORIGIN,
                    url_fetcher=warm.fetcher,
                    font_config=warm.font_config,
                )
            )
            self._local.warm = warm
        return warm

    def render(self, html: str) -> bytes:
        """Lay out ``html`` (served from ``STATIC_ORIGIN``) and return the PDF."""
        with self.slots.held():
            warm = self.warm()
            if len(warm.images) > self.image_cache_entries:
                warm.images.clear()
            try:
                pdf: bytes = HTML(
                    string=html, base_url=STATIC_ORIGIN, url_fetcher=warm.fetcher
                ).write_pdf(
                    stylesheets=warm.stylesheets,
                    font_config=warm.font_config,
                    cache=warm.images,
                    pdf_variant=PDF_VARIANT,
                )
            except FatalURLFetchingError as fatal:  # a BaseException: turn it into an error
                cause = fatal.__cause__
                if isinstance(cause, ResourceRefused):
                    raise cause from None
                raise ResourceRefused(f"a PDF resource could not be read: {cause}") from cause
            return pdf
