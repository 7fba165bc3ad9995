"""The layers are enforced by `lint-imports`, and a module written tomorrow is covered too: a
throwaway module that breaks a rule makes it fail, and the tree as it is passes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")


def lint_imports() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("where", "code", "broken"),
    [
        # The core importing the store: a lower layer reaching up.
        ("bot/core/{name}.py", "import bot.store\n", "The app is layered"),
        # A new package nobody gave a layer: the contract is exhaustive.
        ("bot/{name}/__init__.py", "", "The app is layered"),
        # The app importing its sandbox.
        ("bot/slack/{name}.py", "import sandbox.launch\n", "never imports its sandbox"),
    ],
)
def test_a_module_that_breaks_a_rule_fails_lint_imports(where: str, code: str, broken: str):
    name = f"probe_{uuid.uuid4().hex[:8]}"
    path = ROOT / where.format(name=name)
    made = [p for p in (path.parent,) if not p.exists()]
    path.parent.mkdir(exist_ok=True)
    try:
        path.write_text(f'"""A throwaway module for this test."""\n\n{code}')
        result = lint_imports()
    finally:
        path.unlink()
        for folder in made:
            shutil.rmtree(folder)
    assert result.returncode != 0, result.stdout[-2000:]
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout


def test_every_module_lives_in_a_room_and_the_sandbox_lives_beside_the_app():
    loose = {p.name for p in (ROOT / "bot").glob("*.py")}
    assert loose == {"__init__.py", "__main__.py"}
    assert not (ROOT / "bot" / "standins").exists() and not (ROOT / "bot" / "demo").exists()
    assert (ROOT / "sandbox" / "standins").is_dir() and (ROOT / "sandbox" / "demo").is_dir()
