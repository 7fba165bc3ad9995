"""Every variable the app reads is described for Heroku (app.json) and in the README."""

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

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
    return environment.asked


def test_app_json_describes_every_variable(variables):
    app = json.loads((ROOT / "app.json").read_text())
    assert variables == set(app["env"])
    assert all(entry["description"] for entry in app["env"].values())


def test_readme_documents_every_variable(variables):
    readme = (ROOT / "README.md").read_text()
    assert not [name for name in variables if f"`{name}`" not in readme]


def test_procfile_migrates_on_release_and_serves_the_web():
    lines = (ROOT / "Procfile").read_text().splitlines()
    assert "release: viber-bot migrate" in lines and "web: viber-bot serve" in lines
