"""Benchmarks (not tests): each compares daservice with a bare baseline side by side in one run.

Run all with ``make bench``; figures are written up in docs/performance.md.
"""
