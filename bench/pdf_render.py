"""render_pdf of 30 certificates against a bare WeasyPrint render of the same HTML.

Target (DESIGN §7, for the certificates to come): 30 certificates in one PDF cost <= 1.5x a bare
WeasyPrint render of the same HTML. The document is what a course run's certificates will be: 30
A4 landscape pages extending ``pdf/base.html``, each with a name, a course, dates, a code and a QR
code (segno SVG, a ``data:`` URI) to the verify page.

- **ours**: ``daservice.pdf.render_pdf`` in an app context: Jinja, a render slot, the static-only
  fetcher, the warm font configuration / compiled stylesheet / image cache, tagged PDF/UA-1.
- **bare**: ``HTML(string=html).write_pdf(stylesheets=[print.css])`` on the HTML ``render_pdf``
  laid out (captured once), as code without the kernel would call it: WeasyPrint's own fetcher,
  a fresh font configuration and stylesheet each time, untagged.
- **bare, tagged**: the same with ``pdf_variant="pdf/ua-1"``, to show what tagging itself costs.

The first ``render_pdf`` in the process is timed on its own (cold: fonts, stylesheet, WeasyPrint's
first use); then one warm-up each and ROUNDS interleaved rounds; medians.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

import segno
from pypdf import PdfReader
from weasyprint import HTML

from ._app import bench_app, machine_busy, report

OTHER_LOAD_WARNING = 0.15  # cores used by other processes during the rounds before we warn

CERTIFICATES = """{% extends "pdf/base.html" %}
{% set orientation = "landscape" %}
{% block head %}<style>
  .certificate { text-align: center; padding-top: 18mm; }
  .certificate + .certificate { break-before: page; }
  .certificate h1 { font-size: 30pt; margin-bottom: 6mm; }
  .certificate .name { font-size: 24pt; font-weight: bold; margin: 8mm 0; }
  .certificate .qr { width: 32mm; height: 32mm; }
  .certificate .code { font-family: "DejaVu Sans Mono", monospace; font-size: 14pt; }
</style>{% endblock %}
{% block content %}
{% for c in certificates %}
<section class="certificate">
  <h1>Certificate of completion</h1>
  <p>This is to certify that</p>
  <p class="name">{{ c.name }}</p>
  <p>of {{ c.agency }} completed</p>
  <h2>{{ c.course }}</h2>
  <p>on {{ c.completed }}. Valid until {{ c.expires }}.</p>
  <p><img class="qr" src="{{ c.qr }}" alt="QR code to check this certificate"></p>
  <p class="code">{{ c.code }}</p>
</section>
{% endfor %}
{% endblock %}"""


def _certificates(n: int) -> list[dict[str, str]]:
    alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
    out = []
    for i in range(n):
        code = "-".join(
            "".join(alphabet[(i * 7 + j * 3 + k) % len(alphabet)] for k in range(4))
            for j in range(3)
        )
        out.append(
            {
                "name": f"Trainee Number{i:02d} Synthetic",
                "agency": "London Borough of Redbridge",
                "course": "Domestic abuse: practitioner level (Dash risk assessment)",
                "completed": "24 November 2026",
                "expires": "24 November 2029",
                "code": code,
                "qr": segno.make(f"https://daservice.example/verify/{code}").svg_data_uri(scale=4),
            }
        )
    return out


def _cpu_timed(run: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    from daservice import pdf
    from daservice.pdf.renderer import STYLESHEET

    app = bench_app()
    stylesheet = str(STYLESHEET)
    static = app.static_folder
    with app.app_context():
        template = app.jinja_env.from_string(CERTIFICATES)
        context = {"title": "Certificates: Dash practitioner, run 12", "generated_by": "Bench"}
        certificates = _certificates(args.pages)

        cold, _ = _cpu_timed(lambda: pdf.render_pdf(template, certificates=certificates, **context))
        # Exactly the HTML render_pdf lays out, so the bare side renders the same document.
        html = pdf.render_html(template, certificates=certificates, **context)

        sides: dict[str, Callable[[], Any]] = {
            "ours": lambda: pdf.render_pdf(template, certificates=certificates, **context),
            "bare": lambda: HTML(string=html, base_url=static).write_pdf(stylesheets=[stylesheet]),
            "bare_tagged": lambda: HTML(string=html, base_url=static).write_pdf(
                stylesheets=[stylesheet], pdf_variant="pdf/ua-1"
            ),
        }
        pages = {name: _page_count(run()) for name, run in sides.items()}  # warm-up, and a check
        assert set(pages.values()) == {args.pages}, pages
        times: dict[str, list[float]] = {name: [] for name in sides}
        cpu: dict[str, list[float]] = {name: [] for name in sides}
        busy, own, began = machine_busy(), time.process_time(), time.perf_counter()
        for _ in range(args.rounds):  # interleaved, so every side sees the same machine state
            for name, run in sides.items():
                wall, used = _cpu_timed(run)
                times[name].append(wall)
                cpu[name].append(used)
        elapsed = time.perf_counter() - began
        other = (machine_busy() - busy - (time.process_time() - own)) / elapsed
    median = {name: statistics.median(t) for name, t in times.items()}
    cpu_median = {name: statistics.median(t) for name, t in cpu.items()}
    ratio = median["ours"] / median["bare"]
    report(
        f"PDF: {args.pages} certificates, A4 landscape (median of {args.rounds} rounds)",
        [
            ("bare WeasyPrint, untagged (ms)", f"{median['bare'] * 1000:.0f}"),
            ("bare WeasyPrint, tagged PDF/UA-1 (ms)", f"{median['bare_tagged'] * 1000:.0f}"),
            ("render_pdf, tagged, warm (ms)", f"{median['ours'] * 1000:.0f}"),
            ("render_pdf, first in the process (ms)", f"{cold * 1000:.0f}"),
            (
                "ratio to bare (target <= 1.5)",
                f"{ratio:.2f}x  {'PASS' if ratio <= 1.5 else 'FAIL'}",
            ),
            ("ratio to bare, tagged", f"{median['ours'] / median['bare_tagged']:.2f}x"),
            (
                "CPU ms: bare / bare tagged / render_pdf",
                " / ".join(f"{cpu_median[n] * 1000:.0f}" for n in ("bare", "bare_tagged", "ours")),
            ),
            ("other processes' CPU meanwhile (cores)", f"{max(0.0, other):.2f}"),
        ],
    )
    if other > OTHER_LOAD_WARNING:
        print("WARNING: other processes were busy during the rounds; run again on a quiet machine.")
    return {**median, "cold": cold, "ratio": ratio}


def _page_count(pdf_bytes: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf_bytes)).pages)


if __name__ == "__main__":
    main()
