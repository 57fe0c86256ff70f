"""Errors that point at the file: file, line and key, one problem a line."""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[str | int, ...]


def dotted(path: Path) -> str:
    """``("pages", 0, "url")`` -> ``pages[0].url``: the key as a reader finds it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}"


class ConfigError(Exception):
    """The file was refused; nothing was applied."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SpecProblem(Exception):
    """Raised by a section's plan or apply with the path of the object at fault.

    The engine turns it into a ``ConfigError`` with the file's line for that path.
    """

    def __init__(self, path: Path, message: str):
        self.path = tuple(path)
        self.message = message
        super().__init__(f"{dotted(self.path)}: {message}")
