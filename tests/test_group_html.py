"""The scan's HTML page in a real headless browser (Debian's chromium): rows, counts, sorting."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from runner_ext.gitlab.auth import Credentials
from runner_ext.group.outputs import write_outputs
from runner_ext.group.scan import ScanRequest, ScanResult, scan_group
from runner_ext.lab.fake_gitlab import FakeGitLab, serve
from runner_ext.lab.group_fixture import populate
from runner_ext.lab.tools import require_tool

TOKEN = "glpat-CANARY-html-0c4e"
HOSTILE_JOB = '<img src=x onerror="document.title=1">'


class _Table(HTMLParser):
    """Rows of ``#projects``: (cells' text, hidden), and the attributes of chosen elements."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[list[str], bool]] = []
        self.counts: dict[str, str] = {}
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.images = 0
        self._table = ""
        self._cells: list[str] | None = None
        self._hidden = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "img":
            self.images += 1
        if tag == "table":
            self._table = found.get("id") or ""
            self.attrs[self._table] = found
        elif tag == "tr" and self._table in ("projects", "counts"):
            self._cells, self._hidden = [], "hidden" in found
        elif tag == "td" and self._cells is not None:
            self._cells.append("")
        elif tag == "span" and found.get("id") == "shown":
            self.attrs["shown"] = found

    def handle_data(self, data: str) -> None:
        if self._cells:
            self._cells[-1] += data
        if self.attrs.get("shown") is not None and "shown-text" not in self.attrs:
            self.attrs["shown-text"] = {"text": data}

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._cells:
            self._cells = [cell.strip() for cell in self._cells]
            if self._table == "projects":
                self.rows.append((self._cells, self._hidden))
            else:
                self.counts[self._cells[0]] = self._cells[1]
        if tag == "tr":
            self._cells = None


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ScanResult]]:
    tmp = tmp_path_factory.mktemp("html")
    fake = FakeGitLab(token=TOKEN)
    populate(fake, 14)
    fake.add_project("acme/odd", {".gitlab-ci.yml": f"'{HOSTILE_JOB}':\n  image: docker:27\n"
                                                    "  script: [docker build .]\n"})
    with serve(fake):
        result = scan_group(ScanRequest(Credentials(url=fake.url, token=TOKEN), "acme",
                                        tmp / "state.jsonl", workers=4))
    write_outputs(result, tmp)
    yield tmp / "scan.html", result


def dom(html: Path, tmp_path: Path, fragment: str = "") -> _Table:
    """The page's DOM after its script ran, as headless chromium dumps it."""
    chromium = require_tool("chromium")
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         html.as_uri() + fragment],
        capture_output=True, text=True, timeout=120, check=True)
    table = _Table()
    table.feed(done.stdout)
    assert table.rows, done.stderr[-2000:]
    return table


def test_every_project_is_a_row_and_the_counts_add_up(page: tuple[Path, ScanResult],
                                                      tmp_path: Path) -> None:
    html, result = page
    table = dom(html, tmp_path)

    assert sorted(cells[0] for cells, _ in table.rows) == sorted(r.path for r in result.rows)
    kinds = {cells[0]: cells[1] for cells, _ in table.rows}
    assert kinds == {r.path: r.kind for r in result.rows}
    assert table.counts == {k: str(n) for k, n in result.counts().items() if n}
    assert table.images == 0  # the job name stayed text
    odd = next(cells for cells, _ in table.rows if cells[0] == "acme/odd")
    assert HOSTILE_JOB in odd[4]
    assert TOKEN not in html.read_text()


def test_sorting_by_risk_from_the_address(page: tuple[Path, ScanResult],
                                          tmp_path: Path) -> None:
    html, result = page
    table = dom(html, tmp_path, "#sort=-risk")

    risks = [int(cells[2]) for cells, _ in table.rows]
    assert risks == sorted((r.risk for r in result.rows), reverse=True)
    assert risks[0] > risks[-1]
    assert table.attrs["projects"]["data-sorted"] == "risk:desc"


def test_clicking_a_header_sorts_and_a_second_click_reverses(page: tuple[Path, ScanResult],
                                                             tmp_path: Path) -> None:
    html, result = page
    clicked = tmp_path / "clicked.html"
    head = "document.querySelector('th[data-key=\"project\"]')"
    clicked.write_text(html.read_text().replace(
        "</body>", f"<script>{head}.click(); {head}.click();</script>\n</body>"))

    table = dom(clicked, tmp_path)

    paths = [cells[0] for cells, _ in table.rows]
    assert paths == sorted((r.path for r in result.rows), key=str.lower, reverse=True)
    assert table.attrs["projects"]["data-sorted"] == "project:desc"


def test_filtering_by_class(page: tuple[Path, ScanResult], tmp_path: Path) -> None:
    html, result = page
    table = dom(html, tmp_path, "#class=dind")

    shown = sorted(cells[0] for cells, hidden in table.rows if not hidden)
    assert shown == sorted(r.path for r in result.rows if r.kind == "dind")
    assert table.attrs["shown-text"]["text"] == str(len(shown))


def test_the_page_needs_no_network(page: tuple[Path, ScanResult]) -> None:
    text = page[0].read_text()
    assert "default-src 'none'" in text
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=", text)
