"""Every variable the app reads is declared once (bot/config/variables.py), and described from
that declaration for Heroku (app.json) and in docs/configuration.md."""

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.config.processes import run_jobs_choice
from bot.config.variable import markdown_table
from bot.config.variables import BY_NAME, VARIABLES

ROOT = Path(__file__).resolve().parents[2]


class RecordingEnvironment(Mapping[str, str]):
    """An empty environment that notes every variable the configuration asks for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        raise KeyError(key)

    def get(self, key, default=None):
        self.asked.add(key)
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@pytest.fixture(scope="module")
def variables() -> set[str]:
    environment = RecordingEnvironment()
    with pytest.raises(ConfigError):
        load_settings(environment, require_app_token=True)
    # Read beside the settings (by serve, dev, worker and check), not by them.
    run_jobs_choice(environment, shared_database=None)
    return environment.asked


# Heroku sets these itself (by dyno size, per dyno); app.json leaves them to it.
SET_BY_HEROKU = {"WEB_CONCURRENCY"}


def test_every_variable_read_is_declared_and_every_declared_one_is_read(variables):
    assert variables | SET_BY_HEROKU == set(BY_NAME)
    assert len(BY_NAME) == len(VARIABLES)  # declared once


def test_app_json_describes_every_variable_as_declared(variables):
    app = json.loads((ROOT / "app.json").read_text())
    assert set(app["env"]) == set(BY_NAME) - SET_BY_HEROKU
    assert all(entry["description"] for entry in app["env"].values())
    for name, entry in app["env"].items():
        declared = BY_NAME[name]
        assert entry.get("required", False) == (declared.required == "yes"), name
        if "value" in entry:
            assert entry["value"] == declared.on_heroku or _written(declared.default), name
        elif declared.on_heroku:
            raise AssertionError(f"{name}: app.json should start with {declared.on_heroku}")


def _written(default):
    return f"{default:g}" if isinstance(default, float | int) else default


def test_the_documented_table_is_the_declaration_printed():
    documented = (ROOT / "docs" / "configuration.md").read_text()
    assert markdown_table(VARIABLES) in documented, "run python -m bot.config.variables"


def test_the_readme_points_to_the_configuration():
    assert "docs/configuration.md" in (ROOT / "README.md").read_text()


def test_procfile_migrates_on_release_serves_the_web_and_declares_a_worker():
    lines = (ROOT / "Procfile").read_text().splitlines()
    assert "release: viber-bot migrate" in lines and "web: viber-bot serve" in lines
    assert "worker: viber-bot worker" in lines


def test_run_jobs_is_described_with_its_values():
    app = json.loads((ROOT / "app.json").read_text())
    assert app["env"]["RUN_JOBS"]["value"] == "both"
    documented = (ROOT / "docs" / "configuration.md").read_text().splitlines()
    (row,) = [line for line in documented if line.startswith("| `RUN_JOBS` |")]
    assert "`both`" in row and "`web`" in row and "PostgreSQL" in row
