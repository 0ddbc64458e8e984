"""CONTRIBUTING's layout is the code's: its tables are checked against the imports and files.

The floor table is the whole import graph of app/ as `farm-studio look app` draws it: one
row per room (a top-level module, or a folder drawn as one room), the room's floor, and
exactly what it imports of ours. The tables below it name every module in the folders,
every script in static/js/ and what lies around the package.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # the checkout: CONTRIBUTING.md is not in a wheel
APP = ROOT / "app"
CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text()
CODE = re.compile(r"`([^`]+)`")


def table(header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header row starts with `header`, cells stripped."""
    lines = CONTRIBUTING.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def only_code(cell: str) -> str:
    """The one `name` a cell holds."""
    names = CODE.findall(cell)
    assert len(names) == 1, f"expected one `name` in {cell!r}"
    return names[0]


def floor_table() -> dict[str, tuple[int, set[str]]]:
    """Room -> (floor, what it imports), as CONTRIBUTING's floor table says."""
    rows = table("| floor | where |")
    return {only_code(where): (int(floor), set(CODE.findall(imports))) for floor, where, _, imports in rows}


def rooms() -> list[str]:
    """The rooms of app/: every top-level module and every package folder, as CONTRIBUTING names them."""
    found = [f"app/{p.name}" for p in APP.glob("*.py")]
    found += [f"app/{p.name}/" for p in APP.iterdir() if (p / "__init__.py").is_file()]
    return sorted(found)


def room_of(path: str) -> str:
    """The room a file or folder of app/ belongs to."""
    parts = path.split("/")
    return path if len(parts) == 2 else f"app/{parts[1]}/"


def module_path(dotted: str) -> str | None:
    """`app.web.i18n` -> `app/web/i18n.py`; a package -> its folder (`app/reminders/`); the factory is `app/__init__.py`."""
    if dotted == "app":
        return "app/__init__.py"
    base = ROOT / Path(*dotted.split("."))
    if base.with_suffix(".py").is_file():
        return f"{dotted.replace('.', '/')}.py"
    if (base / "__init__.py").is_file():
        return f"{dotted.replace('.', '/')}/"
    return None


def imported(source: Path) -> set[str]:
    """Every file or folder of app/ that `source` imports, at the top or inside a function."""
    package = ".".join(source.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: from the package, up level - 1 steps
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*anchor, module] if module else anchor)
            # `from app import db` imports the module app.db; `from app.db import get_db` the module app.db
            targets = [f"{module}.{a.name}" if module_path(f"{module}.{a.name}") else module for a in node.names]
        else:
            continue
        found |= {path for t in targets if t.split(".")[0] == "app" and (path := module_path(t))}
    return found


def imports_of_room(room: str) -> set[str]:
    """What a room imports from other rooms (imports inside the room itself are its own business)."""
    files = [ROOT / room] if room.endswith(".py") else sorted((ROOT / room).rglob("*.py"))
    return {target for f in files for target in imported(f) if room_of(target) != room}


def same(named: list[str], on_disk: list[str], what: str) -> None:
    """Fail naming what CONTRIBUTING.md lacks and what it names that is not there."""
    assert len(named) == len(set(named)), f"CONTRIBUTING.md names a {what} twice"
    missing, gone = sorted(set(on_disk) - set(named)), sorted(set(named) - set(on_disk))
    assert (missing, gone) == ([], []), (
        f"{what}s missing from CONTRIBUTING.md: {missing}; named there but not found: {gone}"
    )


def covering(target: str, listed: set[str]) -> str | None:
    """The listed entry that allows `target`: the file itself, or a folder that holds it."""
    return next(
        (entry for entry in listed if target == entry or (entry.endswith("/") and target.startswith(entry))), None
    )


def test_every_room_of_app_is_in_the_floor_table_and_every_row_exists():
    """A module or folder missing from the table, or a row for one that is gone, fails."""
    assert sorted(floor_table()) == rooms()


@pytest.mark.parametrize("room", rooms())
def test_each_room_imports_exactly_what_its_row_lists(room):
    """An import the row does not allow fails, and so does a listed import the code no longer makes."""
    _, listed = floor_table()[room]
    actual = imports_of_room(room)
    unlisted = sorted(t for t in actual if covering(t, listed) is None)
    assert unlisted == [], f"{room} imports {unlisted}: add them to its row in CONTRIBUTING.md, or remove the import"
    unused = sorted(entry for entry in listed if not any(covering(t, {entry}) for t in actual))
    assert unused == [], f"{room}'s row lists {unused}, which it no longer imports: take them out of CONTRIBUTING.md"
    assert all((ROOT / entry).exists() for entry in listed), f"{room}'s row lists a file that is not there"


def test_the_floors_are_those_farm_studio_draws():
    """A room's floor is one above the highest room it imports (1 for none): no circle, no arrow back up."""
    table_ = floor_table()
    for room, (floor, listed) in table_.items():
        below = [table_[room_of(entry)][0] for entry in listed]
        assert floor == 1 + max(below, default=0), f"{room} is on floor {floor}, but imports rooms on floors {below}"


def test_the_table_runs_from_the_top_floor_down():
    """The rows are in floor order, so the table reads as the picture does."""
    floors = [floor for floor, _ in floor_table().values()]
    assert floors == sorted(floors, reverse=True)


def test_the_web_side_imports_neither_the_reminders_side_nor_the_database():
    """The one rule the layout exists for, said once more in code."""
    assert not {t for t in imports_of_room("app/web/") if t.startswith(("app/reminders/", "app/db.py"))}


def test_every_module_inside_the_folders_is_named_once_and_exists():
    """The 'Inside the folders' table names each .py file under app/'s folders, and nothing else."""
    named = [only_code(row[0]) for row in table("| module | what |")]
    folders = [room for room in rooms() if room.endswith("/")]
    same(named, [str(p.relative_to(ROOT)) for folder in folders for p in (ROOT / folder).rglob("*.py")], "module")


def test_every_script_in_static_js_is_described_and_every_row_is_a_script():
    """The scripts table has one row per file in static/js/."""
    named = [only_code(row[0]) for row in table("| script | loaded by | what |")]
    same(named, [p.name for p in (ROOT / "static" / "js").glob("*.js")], "script")


def test_every_path_around_the_package_exists():
    """What 'Around the package' names is there."""
    for row in table("| path | what |"):
        path = only_code(row[0])
        assert (ROOT / path).exists(), f"CONTRIBUTING.md names {path}, which is not there"
