"""Each page's script and the modules it imports, read from static/js at start-up (so pages preload them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TypedDict

# A static `import './x.js'`, `import … from './x.js'` or `export … from './x.js'` at the start of a
# line (its names may run over several lines); never `import('./x.js')`, which loads later on purpose.
STATIC_IMPORT = re.compile(r"""^[ \t]*(?:import|export)(?:\s+[\w$*{},\s]*?\bfrom)?\s*['"]\./([\w.-]+\.js)['"]""", re.M)


class PageScript(TypedDict):
    """A page's entry module, and every module it imports directly or not, in the order met."""

    entry: str
    imports: list[str]


def static_imports(source: str) -> list[str]:
    """The sibling modules a module's source imports statically, in order."""
    return STATIC_IMPORT.findall(source)


def import_table(folder: Path) -> dict[str, list[str]]:
    """Each module in the folder and the modules it imports statically."""
    return {path.name: static_imports(path.read_text(encoding="utf-8")) for path in folder.glob("*.js")}


def imported(table: dict[str, list[str]], module: str) -> list[str]:
    """Every module `module` imports, directly or through others, depth first and each once."""
    seen: list[str] = []
    waiting = list(reversed(table[module]))
    while waiting:
        name = waiting.pop()
        if name not in seen and name != module:
            seen.append(name)
            waiting.extend(reversed(table[name]))
    return seen


def page_scripts(folder: Path, entries: dict[str, str]) -> dict[str, PageScript]:
    """For each page, its entry module and the whole graph below it."""
    table = import_table(folder)
    return {page: {"entry": entry, "imports": imported(table, entry)} for page, entry in entries.items()}
