"""Build step: metadata and dependencies live in setup.cfg.

The field cipher's hot path (``daservice/security/_cellcipher.py``) is compiled to C with mypyc,
which is what brings encrypt + decrypt within 2x of raw AES-GCM (docs/performance.md). Beside the
compiled module goes ``_cellcipher.digest``, the SHA-256 of the source it was compiled from:
``crypto.py`` runs the compiled module only while the source still has that digest, and the source
itself otherwise. ``DASERVICE_PURE_PYTHON=1 pip install ...`` skips the compiler (for a machine
without one) and removes an earlier in-place build.
"""

import hashlib
import os
from pathlib import Path

from setuptools import setup

SOURCE = Path("daservice/security/_cellcipher.py")
DIGEST = SOURCE.with_suffix(".digest")


def extensions() -> list:
    if os.environ.get("DASERVICE_PURE_PYTHON"):
        for built in [*SOURCE.parent.glob("_cellcipher*.so"), DIGEST]:
            built.unlink(missing_ok=True)
        return []
    from mypyc.build import mypycify

    DIGEST.write_text(hashlib.sha256(SOURCE.read_bytes()).hexdigest() + "\n")
    # The module imports nothing of daservice's, and the build environment has none of its
    # dependencies: type-check it alone, not the package around it.
    return mypycify(
        ["--follow-imports=skip", "--no-warn-unused-ignores", str(SOURCE)],
        opt_level="3",
    )


setup(ext_modules=extensions(), package_data={"daservice.security": ["_cellcipher.digest"]})
