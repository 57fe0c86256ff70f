"""Progress for long CLI runs: a bar on a terminal, plain lines in a log.

A redrawn bar in a log file is noise, so when the stream is not a TTY the
reporter writes one line at every tenth of the work instead.
"""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    def __init__(
        self, total: int, label: str, *, stream: TextIO | None = None, width: int = 30
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_tenth = -1

    def advance(self, step: int = 1, what: str = "") -> None:
        self.done = min(self.done + step, self.total) if self.total else self.done + step
        if self.tty:
            self._draw(what)
        else:
            self._line()

    def _fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    def _draw(self, what: str) -> None:
        filled = int(self._fraction() * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"\r{self.label} [{bar}] {self.done}/{self.total} {what[:30]:<30}"
        self.stream.write(text)
        self.stream.flush()

    def _line(self) -> None:
        tenth = int(self._fraction() * 10)
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            percent = int(self._fraction() * 100)
            self.stream.write(f"{self.label}: {self.done}/{self.total} ({percent}%)\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
        elif self._last_tenth != 10 and self.total:
            self.done = self.total
            self._line()
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.finish()
