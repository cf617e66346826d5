"""Notebook files as the tools read and write them: plain JSON dicts, cell text, the repo's format."""

from __future__ import annotations

import json
from pathlib import Path


def load(path: Path) -> dict:
    """A notebook file as a dict (no nbformat upgrade: the tools keep what they read)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def dumps(nb: dict) -> str:
    """The repo's notebook format: one-space indent, UTF-8 kept, a final newline."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def save(path: Path, nb: dict) -> None:
    Path(path).write_text(dumps(nb), encoding="utf-8")


def source_text(cell: dict) -> str:
    """A cell's source as one string, whether stored as a string or a list of lines."""
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def set_source(cell: dict, text: str) -> None:
    """Store ``text`` as a list of lines, each but the last ending in a newline (as Jupyter writes it)."""
    cell["source"] = text.splitlines(keepends=True)


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)
