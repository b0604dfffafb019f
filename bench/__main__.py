"""Run every benchmark: ``python -m bench`` (``make bench``)."""

from __future__ import annotations

from . import (
    api_intake,
    crypto_overhead,
    inbox,
    matching,
    matching_timing,
    month_triggers,
    pdf_render,
    reencrypt,
    reports,
    training_dashboard,
)

if __name__ == "__main__":
    crypto_overhead.main()
    reencrypt.main()
    matching.main()
    inbox.main()
    training_dashboard.main()
    api_intake.main()
    matching_timing.main()
    pdf_render.main([])
    reports.main([])
    month_triggers.main()
