"""Every variable the app reads is described for Heroku (app.json) and in the README."""

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from bot.check import run_jobs_choice
from bot.config import ConfigError, load_settings

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


def test_app_json_describes_every_variable(variables):
    app = json.loads((ROOT / "app.json").read_text())
    assert variables == set(app["env"])
    assert all(entry["description"] for entry in app["env"].values())


def test_readme_documents_every_variable(variables):
    readme = (ROOT / "README.md").read_text()
    assert not [name for name in variables if f"`{name}`" not in readme]


def test_procfile_migrates_on_release_serves_the_web_and_declares_a_worker():
    lines = (ROOT / "Procfile").read_text().splitlines()
    assert "release: viber-bot migrate" in lines and "web: viber-bot serve" in lines
    assert "worker: viber-bot worker" in lines


def test_run_jobs_is_described_with_its_values():
    app = json.loads((ROOT / "app.json").read_text())
    assert app["env"]["RUN_JOBS"]["value"] == "both"
    readme = (ROOT / "README.md").read_text().splitlines()
    (row,) = [line for line in readme if line.startswith("| `RUN_JOBS` |")]
    assert "`both`" in row and "`web`" in row and "PostgreSQL" in row
