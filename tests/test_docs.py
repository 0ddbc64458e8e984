"""The documents stay what the design says: a short README, and links between them that work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # the checkout: the documents are not in a wheel
DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)|src=\"([^\"]+)\"")


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(document: Path) -> set[str]:
    """Every heading's anchor in a Markdown file."""
    return {slug(h) for h in re.findall(r"^#+\s+(.*)$", document.read_text(), re.M)}


def test_the_readme_is_short():
    """The README is the front door: at most 250 lines; details live in docs/."""
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


def test_the_quick_start_is_the_two_commands():
    """The README's quick start is exactly `bash scripts/serve` and `bash scripts/test`."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start\n.*?```sh\n(.*?)```", readme, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert commands == ["bash scripts/serve", "bash scripts/test"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_and_picture_points_at_something_there(document):
    """A relative link names a file that exists and, after #, a heading it has."""
    broken = []
    for match in LINK.finditer(document.read_text()):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z]+:", target):
            continue  # another site: not checked here (the tests reach nothing beyond 127.0.0.1)
        path, _, anchor = target.partition("#")
        linked = (document.parent / path) if path else document
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []
