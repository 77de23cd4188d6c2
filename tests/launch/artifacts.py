"""Where launch tests leave evidence: screenshots and how long each launch path took.

CI sets ``GDLAB_ARTIFACTS`` (see .ci/run) and keeps that folder; locally a temporary
folder is used and its path is printed, so a person can look at the screenshots.
"""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

_DEFAULT = None


def folder() -> Path:
    """The artifacts folder (created on first use)."""
    global _DEFAULT
    env = os.environ.get("GDLAB_ARTIFACTS")
    if env:
        path = Path(env)
    else:
        if _DEFAULT is None:
            _DEFAULT = Path(tempfile.mkdtemp(prefix="gdlab-artifacts-"))
        path = _DEFAULT
    path.mkdir(parents=True, exist_ok=True)
    return path


def record_timing(name: str, seconds: float, detail: str = "") -> None:
    """Append ``name seconds detail`` to launch-timings.txt and print it.

    Timings are reported, never asserted: the machine is shared and they are noisy.
    """
    line = f"{name} {seconds:.1f}s {detail}".rstrip()
    with open(folder() / "launch-timings.txt", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    print(f"[launch timing] {line} (artifacts: {folder()})")


@contextmanager
def timed(name: str, detail: str = ""):
    """Time a block and record it, also when the block fails (marked FAILED)."""
    start = time.perf_counter()
    ok = False
    try:
        yield
        ok = True
    finally:
        record_timing(name, time.perf_counter() - start,
                      detail if ok else f"{detail} FAILED".strip())
