"""Helpers shared by tests of any part: where things are, and finding a line in a text."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A copy of /work/shared/seed/klippekortet.txt, the only source of facts, kept with the tests so
# that a fresh clone checks the knowledge base against it instead of skipping.
SEED = ROOT / "tests" / "data" / "klippekortet.txt"


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line number of the n-th line containing `fragment`."""
    seen = 0
    for number, line in enumerate(text.splitlines(), 1):
        if fragment in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{fragment!r} not found")
