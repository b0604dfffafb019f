"""Build step: metadata and dependencies live in setup.cfg.

The field cipher's hot path (``daservice/security/_cellcipher.py``) is compiled to C with mypyc,
which is what brings encrypt + decrypt within 2x of raw AES-GCM (docs/performance.md). The same
source runs interpreted if it is not built: ``DASERVICE_PURE_PYTHON=1 pip install ...`` skips
the compiler, for a machine without one.
"""

import os

from setuptools import setup


def extensions() -> list:
    if os.environ.get("DASERVICE_PURE_PYTHON"):
        return []
    from mypyc.build import mypycify

    # The module imports nothing of daservice's, and the build environment has none of its
    # dependencies: type-check it alone, not the package around it.
    return mypycify(
        ["--follow-imports=skip", "--no-warn-unused-ignores", "daservice/security/_cellcipher.py"],
        opt_level="3",
    )


setup(ext_modules=extensions())
