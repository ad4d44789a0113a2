"""Readable demo output: numbered steps with timings, indented details, streamed text and a closing table.

Colour is used only on a terminal (and never when ``NO_COLOR`` is set), so logs and the captured output in
``docs/demo-output.txt`` stay plain text.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

__all__ = ["Console", "StepRecord"]


@dataclass
class StepRecord:
    """What one finished step reports for the closing table.

    Attributes:
        name: The step's title.
        seconds: Wall time of the step.
        served_by: Which deployment(s) answered, e.g. ``emulator (model-inference, gpt-4o-mini)``.
        ok: False when the step raised.
    """

    name: str
    seconds: float = 0.0
    served_by: list[str] = field(default_factory=list)
    ok: bool = True


class Console:
    """Prints the demo: ``[n/m] title``, indented details, ``done in 0.12 s`` and the summary.

    Args:
        total: Number of steps (the ``m`` of ``[n/m]``).
        out: Where to write (stdout by default).
        color: Force colour on or off; by default on for a terminal unless ``NO_COLOR`` is set.
    """

    def __init__(self, total: int, out: TextIO | None = None, color: bool | None = None) -> None:
        self.total = total
        self.out = out or sys.stdout
        if color is None:
            color = self.out.isatty() and not os.environ.get("NO_COLOR")
        self.color = color
        encoding = (getattr(self.out, "encoding", None) or "ascii").lower()
        self._utf8 = encoding.replace("-", "") in ("utf8", "utf_8")
        self.started = time.perf_counter()
        self.records: list[StepRecord] = []
        self._index = 0

    # -- small formatting helpers --------------------------------------------------------------------------

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    @property
    def _ok(self) -> str:
        return self._paint("✓" if self._utf8 else "ok", "32")

    @property
    def _fail(self) -> str:
        return self._paint("✗" if self._utf8 else "FAILED", "31")

    def elapsed(self) -> float:
        """Seconds since the console was created (the demo's start)."""
        return time.perf_counter() - self.started

    def print(self, text: str = "") -> None:
        """Write one line and flush (so progress shows while a step runs)."""
        self.out.write(text + "\n")
        self.out.flush()

    def title(self, text: str) -> None:
        """The demo's heading."""
        self.print(self._paint(text, "1"))
        self.print("=" * len(text))

    def info(self, label: str, text: object) -> None:
        """An indented ``label  text`` detail line inside a step (continuation lines stay aligned)."""
        pad = " " * 4
        lines = str(text).splitlines() or [""]
        self.print(f"{pad}{self._paint(f'{label:<11}', '2')} {lines[0]}")
        for line in lines[1:]:
            self.print(f"{pad}{' ' * 12}{line}")

    def write(self, text: str) -> None:
        """Write without a newline (streamed tokens)."""
        self.out.write(text)
        self.out.flush()

    # -- steps ---------------------------------------------------------------------------------------------

    @contextmanager
    def step(self, name: str) -> Iterator[StepRecord]:
        """Run the body as step ``n`` of ``m``: heading first, then ``done in`` or ``failed after``."""
        self._index += 1
        record = StepRecord(name)
        self.records.append(record)
        self.print()
        self.print(self._paint(f"[{self._index}/{self.total}] {name}", "1;36"))
        start = time.perf_counter()
        try:
            yield record
        except BaseException:
            record.ok = False
            record.seconds = time.perf_counter() - start
            self.print(f"    {self._fail} failed after {record.seconds:.2f} s")
            raise
        record.seconds = time.perf_counter() - start
        self.print(f"    {self._ok} done in {record.seconds:.2f} s  (total {self.elapsed():.1f} s)")

    def summary(self) -> None:
        """The closing table: each step, how long it took and which deployment served it."""
        self.print()
        self.print(self._paint("Which deployment served each step", "1"))
        width = max(len(r.name) for r in self.records) if self.records else 10
        for i, record in enumerate(self.records, 1):
            mark = self._ok if record.ok else self._fail
            head = f"  {mark} {i}. {record.name:<{width}}  {record.seconds:5.2f} s  "
            served = record.served_by or ["-"]
            self.print(head + served[0])
            for line in served[1:]:  # one deployment per line keeps the table narrow
                self.print(" " * (len(head) - (len(mark) - 1)) + line)
        self.print(f"\nFinished in {self.elapsed():.1f} s.")
