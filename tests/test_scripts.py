"""Each page preloads exactly the modules its script imports (pages.SCRIPTS), so there is no waterfall."""

from __future__ import annotations

import re

import pytest

from app.config import ROOT
from app.web.pages import SCRIPTS

JS = ROOT / "static" / "js"
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'";]*?(?:from\s*)?['"]\./([\w.-]+\.js)['"]""", re.M)


def imported(module: str, seen: set[str] | None = None) -> set[str]:
    """Every module `module` imports, directly or through others."""
    seen = set() if seen is None else seen
    for name in IMPORT.findall((JS / module).read_text()):
        if name not in seen:
            seen.add(name)
            imported(name, seen)
    return seen


@pytest.mark.parametrize("page", sorted(SCRIPTS))
def test_each_page_preloads_every_module_its_script_imports(page):
    script = SCRIPTS[page]
    assert sorted(script["imports"]) == sorted(imported(script["entry"]))
    assert len(set(script["imports"])) == len(script["imports"])


def test_the_shared_scripts_load_after_the_page_and_are_not_preloaded():
    """main.js imports nothing up front: the update and install offers, links and language come later."""
    base = (ROOT / "templates" / "base.html").read_text()
    main = (JS / "main.js").read_text()
    assert imported("main.js") == set()
    later = set(re.findall(r"import\('\./([\w.-]+\.js)'\)", main))
    assert later == {"language.js", "links.js", "install.js", "updates.js"}
    assert "updates.js" not in base and "language.js" not in base
