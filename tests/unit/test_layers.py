"""The layers are enforced by `lint-imports`, and a module written tomorrow is covered too: a
throwaway module that breaks a rule makes it fail, and the tree as it is passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on a copy of the project at `tree`: run without the site machinery
    (`-S`), so the installed (editable) project cannot stand in for the copy."""
    site = sysconfig.get_paths()["purelib"]
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    return subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=tree,
        env={"PYTHONPATH": f"{tree}{os.pathsep}{site}", "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_of_the_project(tmp_path: Path) -> Path:
    tree = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("bot", "sandbox"):
        shutil.copytree(ROOT / package, tree / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_project_as_it_is_keeps_every_contract(tmp_path: Path):
    result = lint_imports(copy_of_the_project(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.parametrize(
    ("where", "code", "broken"),
    [
        # The core importing the store: a lower layer reaching up.
        ("bot/core/probe.py", "import bot.store\n", "The app is layered"),
        # A new package nobody gave a layer: the contract is exhaustive.
        ("bot/probe/__init__.py", "", "The app is layered"),
        # The app importing its sandbox.
        ("bot/slack/probe.py", "import sandbox.launch\n", "never imports its sandbox"),
    ],
)
def test_a_module_that_breaks_a_rule_fails_lint_imports(tmp_path: Path, where, code, broken):
    tree = copy_of_the_project(tmp_path)
    path = tree / where
    path.parent.mkdir(exist_ok=True)
    path.write_text(f'"""A throwaway module for this test."""\n\n{code}')
    result = lint_imports(tree)
    assert result.returncode != 0, result.stdout[-2000:]
    assert broken in result.stdout and "BROKEN" in result.stdout


def test_every_module_lives_in_a_room_and_the_sandbox_lives_beside_the_app():
    loose = {p.name for p in (ROOT / "bot").glob("*.py")}
    assert loose == {"__init__.py", "__main__.py"}
    assert not (ROOT / "bot" / "standins").exists() and not (ROOT / "bot" / "demo").exists()
    assert (ROOT / "sandbox" / "standins").is_dir() and (ROOT / "sandbox" / "demo").is_dir()
