"""The fenced blocks of the README and the docs site, for tests/test_doc_examples.py.

A block is run (``bash``, ``python``), parsed (``yaml``, ``json``) or shown as output
(``text``). HTML comments on the lines right above a fence say more about it:
``<!-- not-run: REASON -->`` (a runnable block that cannot run here, and why) and
``<!-- answers: 400, 403 -->`` (HTTP errors the example gets on purpose).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNABLE = frozenset({"bash", "python"})
DATA = frozenset({"yaml", "json"})
OUTPUT = frozenset({"text"})
KNOWN = RUNNABLE | DATA | OUTPUT

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
_MARK = re.compile(r"^\s*<!--\s*(?P<kind>not-run|answers):(?P<value>.*?)-->\s*$")
_STATUS = re.compile(r"[1-5]\d\d")


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: str  # relative to the repository
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    not_run: str | None = None  # the reason, when marked not-run (may be empty: a mistake)
    answers: frozenset[int] = field(default_factory=frozenset)

    @property
    def where(self) -> str:
        """``page:line``, as a failure names the block."""
        return f"{self.page}:{self.line}"

    @property
    def is_pytest(self) -> bool:
        """A Python block that defines tests: run under pytest."""
        return self.lang == "python" and re.search(r"^def test_", self.code, re.M) is not None


@dataclass
class Page:
    """A page's blocks, and what is wrong with its fences and marks."""

    blocks: list[Block]
    problems: list[str]


def doc_pages() -> list[Path]:
    """The README and every page of the docs site."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def parse_page(path: Path) -> Page:
    """Split a Markdown page into its fenced blocks, with the marks above each."""
    name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    problems: list[str] = []
    marks: list[tuple[int, str, str]] = []  # (line, kind, value) waiting for their fence
    index = 0
    while index < len(lines):
        text = lines[index]
        mark = _MARK.match(text)
        opening = _FENCE.match(text)
        if mark:
            marks.append((index + 1, mark["kind"], mark["value"].strip()))
        elif opening:
            closing, body = _body(lines, index, opening)
            if closing is None:
                problems.append(f"{name}:{index + 1}: a fence that is never closed")
                break
            blocks.append(
                _block(name, index + 1, opening["info"], body, marks=marks, problems=problems)
            )
            marks = []
            index = closing
        else:
            problems.extend(
                f"{name}:{line}: '{kind}' is not right above a fence" for line, kind, _ in marks
            )
            marks = []
        index += 1
    return Page(blocks, problems)


def _body(lines: list[str], start: int, opening: re.Match[str]) -> tuple[int | None, list[str]]:
    indent, fence = len(opening["indent"]), opening["fence"]
    for index in range(start + 1, len(lines)):
        closing = _FENCE.match(lines[index])
        if (
            closing
            and not closing["info"]
            and closing["fence"][0] == fence[0]
            and len(closing["fence"]) >= len(fence)
        ):
            return index, [
                line[indent:] if line.startswith(" " * indent) else line.lstrip()
                for line in lines[start + 1 : index]
            ]
    return None, []


def _block(
    page: str,
    line: int,
    info: str,
    body: list[str],
    *,
    marks: list[tuple[int, str, str]],
    problems: list[str],
) -> Block:
    not_run: str | None = None
    answers: set[int] = set()
    for mark_line, kind, value in marks:
        if kind == "not-run":
            not_run = value
        else:
            statuses = _STATUS.findall(value)
            if not statuses:
                problems.append(f"{page}:{mark_line}: 'answers' names no HTTP status")
            answers.update(int(status) for status in statuses)
    lang = info.split(maxsplit=1)[0] if info else ""
    return Block(page, line, lang, "\n".join(body) + "\n", not_run, frozenset(answers))
