"""deploy/constraints.txt pins every runtime dependency and nothing else, within every range that asks for it.

`bash scripts/constraints` writes the file (uv's resolver, from pyproject.toml with the
extras a deployment installs), and `scripts/test` installs the test environment with it,
so the dependency closure is read here, without the network, from the installed
packages' own metadata: what the pinned versions require.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "deploy" / "constraints.txt"
EXTRAS = ("postgres", "redis")  # what deploy/calmcalf.env's install command and the README's deploy use
REGENERATE = "run `bash scripts/constraints` (tests/test_constraints.py)"


def pinned_lines() -> list[Requirement]:
    """Every requirement line of the file, markers and all."""
    lines = (line.strip() for line in CONSTRAINTS.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("#")]


def pins_here() -> dict[NormalizedName, Version]:
    """The pins whose environment marker holds on this machine, by package name."""
    pins: dict[NormalizedName, Version] = {}
    for requirement in pinned_lines():
        if requirement.marker is None or requirement.marker.evaluate():
            name = canonicalize_name(requirement.name)
            assert name not in pins, f"{name} is pinned twice for this environment"
            (spec,) = requirement.specifier
            pins[name] = Version(spec.version)
    return pins


def runtime_requirements() -> list[Requirement]:
    """pyproject.toml's dependencies and the deployment's extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [Requirement(text) for text in [*project["dependencies"], *(t for e in EXTRAS for t in extras[e])]]


def applies(requirement: Requirement, extras: set[str]) -> bool:
    """Whether a requirement holds here, for a package installed with these extras."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def closure() -> list[tuple[str, Requirement]]:
    """Every requirement in the runtime dependency closure here, with who asks for it (installed metadata)."""
    edges = [("pyproject.toml", requirement) for requirement in runtime_requirements()]
    wanted: dict[NormalizedName, set[str]] = {}  # package: the extras asked of it so far
    queue = list(edges)
    while queue:
        _, requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        new_extras = set(requirement.extras) - wanted.get(name, set())
        if name in wanted and not new_extras:
            continue
        wanted.setdefault(name, set()).update(requirement.extras)
        distribution = metadata.distribution(name)
        for text in distribution.requires or []:
            needed = Requirement(text)
            if applies(needed, wanted[name]):
                edge = (f"{name} {distribution.version}", needed)
                edges.append(edge)
                queue.append(edge)
    return edges


@pytest.fixture(scope="module")
def edges() -> list[tuple[str, Requirement]]:
    return closure()


def test_every_runtime_dependency_is_pinned_and_nothing_else(edges):
    needed = {canonicalize_name(requirement.name) for _, requirement in edges}
    pinned = set(pins_here())
    assert not needed - pinned, f"runtime dependencies without a pin: {sorted(needed - pinned)}; {REGENERATE}"
    assert not pinned - needed, f"pins that nothing here needs: {sorted(pinned - needed)}; {REGENERATE}"


def test_every_pin_is_exact_and_within_every_range_that_asks_for_it(edges):
    for requirement in pinned_lines():
        (spec,) = requirement.specifier
        assert spec.operator == "==" and not requirement.extras, requirement
    pins = pins_here()
    for asker, requirement in edges:
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            continue  # unpinned: the test above names it
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{requirement.name}=={version} is outside {asker}'s {requirement}; {REGENERATE}"
        )


def test_the_tests_run_on_the_pinned_versions():
    """So the closure above is the pinned versions' own, and the versions deployed are the ones tested."""
    for name, version in pins_here().items():
        installed = Version(metadata.version(name))
        assert installed == version, f"{name} {installed} is installed, {version} pinned: run scripts/test to reinstall"


def test_the_file_says_how_it_is_made():
    assert "bash scripts/constraints" in CONSTRAINTS.read_text().split("\n", 3)[1]
