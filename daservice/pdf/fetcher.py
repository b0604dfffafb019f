"""What a print template may load: the app's own static files and ``data:`` URIs, nothing else.

WeasyPrint's default fetcher follows any URL a document names: ``file:///etc/passwd``, an
intranet address, a slow host that holds a worker for its timeout. A PDF of case data must not be
a way to read the server's files or to reach the network, so this fetcher knows two kinds of URL:

- ``STATIC_ORIGIN`` + a path: a file under the app's static folder (``daservice/static``). The
  origin is under ``.invalid`` (RFC 6761), which never resolves, and it is never fetched over a
  network: the file is read from disk, after checking that the resolved path (``..`` and symlinks
  followed) is still inside the folder. Print templates get it as their base URL, so
  ``<img src="build/images/icon-192.png">`` works.
- ``data:`` URIs (a QR code made in Python, say), decoded by the standard library.

Anything else, or a static file that is not there, is refused before any I/O, and the refusal
stops the render (``fail_on_errors``): a template that names a forbidden resource is a bug to see
in its first test, not a PDF quietly missing its logo.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_ORIGIN = "https://static.daservice.invalid/"


class ResourceRefused(Exception):
    """A print template asked for something the PDF fetcher does not serve."""


class StaticOnlyFetcher(URLFetcher):
    """Serves ``STATIC_ORIGIN`` URLs from ``static_root`` and decodes ``data:`` URIs."""

    def __init__(self, static_root: str | Path) -> None:
        # The base class only ever sees data: URIs (allowed_protocols refuses any other scheme
        # even if a later WeasyPrint called it directly); every error stops the render.
        super().__init__(allowed_protocols={"data"}, fail_on_errors=True)
        self.static_root = Path(static_root).resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(STATIC_ORIGIN):
            return self._static(url)
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        scheme = url.split(":", 1)[0][:20] if ":" in url else "a relative URL"
        raise ResourceRefused(f"PDFs load only the app's static files and data: URIs, not {scheme}")

    def _static(self, url: str) -> URLFetcherResponse:
        relative = unquote(urlsplit(url).path).lstrip("/")
        path = (self.static_root / relative).resolve()
        if not path.is_relative_to(self.static_root) or not path.is_file():
            raise ResourceRefused(f"no static file {relative[:80]!r} for the PDF")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
