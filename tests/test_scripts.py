"""Each page preloads exactly the modules its script imports (pages.SCRIPTS, read from static/js), so there is no waterfall.

The browser's side of the same fact (nothing fetched that was not preloaded) is tests/browser/test_preload.py.
"""

from __future__ import annotations

import re

import pytest

from app.config import ROOT
from app.web.modules import import_table, imported, page_scripts, static_imports
from app.web.pages import SCRIPTS

JS = ROOT / "static" / "js"

SOURCE = """// import { old } from './commented.js';
import { $ } from './dom.js';
import {
  a,
  b as c,
} from './several-lines.js';
import * as whole from "./double-quoted.js";
import './side-effect.js';
export { plural } from './re-exported.js';
export * from './all-of-it.js';
export function later() { return import('./dynamic.js'); }
const meta = import.meta.url;
import('./dynamic-at-line-start.js');
import { outside } from '../not-a-sibling.js';
const text = "import { x } from './in-a-string-mid-line.js'";
"""


def test_static_imports_are_found_in_every_form_and_in_order():
    assert static_imports(SOURCE) == [
        "dom.js",
        "several-lines.js",
        "double-quoted.js",
        "side-effect.js",
        "re-exported.js",
        "all-of-it.js",
    ]


def test_the_graph_is_followed_through_every_module_once_even_in_a_circle():
    table = {"a.js": ["b.js", "c.js"], "b.js": ["d.js", "c.js"], "c.js": ["a.js", "d.js"], "d.js": []}
    assert imported(table, "a.js") == ["b.js", "d.js", "c.js"]
    assert imported(table, "d.js") == []


def test_a_page_s_script_is_read_from_the_folder(tmp_path):
    (tmp_path / "page.js").write_text("import { x } from './x.js';\n")
    (tmp_path / "x.js").write_text("import { y } from './y.js';\nexport const x = 1;\n")
    (tmp_path / "y.js").write_text("export const y = 2;\n")
    assert page_scripts(tmp_path, {"page": "page.js"}) == {"page": {"entry": "page.js", "imports": ["x.js", "y.js"]}}


def test_every_module_imported_anywhere_is_in_static_js():
    table = import_table(JS)
    assert {name for names in table.values() for name in names} - set(table) == set()


PATHS = {"relief": "/", "report": "/diary/report"}  # the others are at /<page>
PRELOAD = re.compile(r'<link rel="modulepreload" href="/static/[^"]*/js/([\w.-]+\.js)"')
ENTRY = re.compile(r'<script type="module" src="/static/[^"]*/js/([\w.-]+\.js)"')


@pytest.mark.parametrize("page", sorted(SCRIPTS))
def test_each_page_preloads_every_module_its_script_imports(client, page):
    """What the page sends: its entry, and every module below it preloaded once, through every layer."""
    html = client.get(PATHS.get(page, f"/{page}")).get_data(as_text=True)
    preloaded = PRELOAD.findall(html)
    assert ENTRY.findall(html) == ["main.js", SCRIPTS[page]["entry"]]
    assert len(set(preloaded)) == len(preloaded)
    table = import_table(JS)
    needed = {SCRIPTS[page]["entry"], *preloaded}
    assert {name for module in needed for name in table[module]} <= needed  # nothing left to fetch later
    assert set(preloaded) <= {name for module in needed for name in table[module]}  # nothing unused


def test_the_known_layers_of_a_page_are_there():
    """Cramp now reaches the timer only through the step player: two layers down."""
    relief = SCRIPTS["relief"]["imports"]
    assert "player.js" in static_imports((JS / "relief.js").read_text())
    assert {"player.js", "timer.js", "cues.js", "db.js"} <= set(relief)
    assert "diary.js" not in relief and "main.js" not in relief


def test_the_shared_scripts_load_after_the_page_and_are_not_preloaded():
    """main.js imports nothing up front: the update and install offers, links and language come later."""
    base = (ROOT / "templates" / "base.html").read_text()
    main = (JS / "main.js").read_text()
    assert imported(import_table(JS), "main.js") == []
    later = set(re.findall(r"import\('\./([\w.-]+\.js)'\)", main))
    assert later == {"language.js", "links.js", "install.js", "updates.js"}
    assert "updates.js" not in base and "language.js" not in base
