"""The docs' block parser: what tests/test_doc_examples.py runs, and the marks it reads."""

from __future__ import annotations

from pathlib import Path

from doc_blocks import parse_page

PAGE = """# A page

<!-- not-run: a server that runs until stopped -->
```bash
gong-tasks serve
```

* a list item with a block:

  ```python
  def test_it():
      assert True
  ```

<!-- answers: 400, 403 -->
```bash
curl -s http://127.0.0.1:8080/v2/tasks
```

````text
```
a fence inside an output sample
```
````
"""


def test_doc_blocks_parse_languages_lines_code_and_marks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE, encoding="utf-8")
    parsed = parse_page(page)
    assert parsed.problems == []
    served, listed, curled, sample = parsed.blocks
    assert (served.where, served.lang, served.not_run) == (
        "page.md:4",
        "bash",
        "a server that runs until stopped",
    )
    assert served.code == "gong-tasks serve\n"
    assert listed.code == "def test_it():\n    assert True\n"  # the list's indent is gone
    assert listed.is_pytest
    assert listed.not_run is None
    assert curled.answers == frozenset({400, 403})
    assert (sample.lang, sample.code) == ("text", "```\na fence inside an output sample\n```\n")


def test_doc_blocks_report_marks_away_from_fences_and_open_fences(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- not-run: why -->\n\n```bash\nls\n```\n<!-- answers: none -->\n```bash\nls\n```\n"
        "```python\nprint(1)\n",
        encoding="utf-8",
    )
    problems = parse_page(page).problems
    assert problems == [
        "page.md:1: 'not-run' is not right above a fence",
        "page.md:6: 'answers' names no HTTP status",
        "page.md:10: a fence that is never closed",
    ]
