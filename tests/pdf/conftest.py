"""Helpers for reading the PDFs the kernel makes (pypdf: text per page, catalogue, metadata)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, line breaks as spaces (where the footer wraps is layout, not content)."""
    return [" ".join(page.extract_text().split()) for page in read(pdf).pages]


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in read(pdf).pages)


def png_bytes(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


def document(body: str, *, title: str = "A test document") -> str:
    """A whole HTML document, for rendering with a Renderer directly (no template)."""
    head = f'<head><meta charset="utf-8"><title>{title}</title></head>'
    return f'<!DOCTYPE html><html lang="en-GB">{head}<body>{body}</body></html>'


@pytest.fixture()
def static_root(tmp_path: Path) -> Path:
    """A static folder of its own: one image, one stylesheet, and a secret beside (not in) it."""
    root = tmp_path / "static"
    (root / "images").mkdir(parents=True)
    (root / "images" / "logo.png").write_bytes(png_bytes())
    (root / "print-extra.css").write_text("h1 { color: #1d70b8 }")
    (tmp_path / "secret.txt").write_text("not for PDFs")
    return root
