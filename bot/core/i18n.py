"""Every sentence the app says to people in Slack, in English and Vietnamese.

The sentences are data, one file per language (`catalog/en.toml`, `catalog/vi.toml`), with the
same keys and the same {placeholders} in each. The language is one setting for the whole app
(LANGUAGE), chosen once at start-up with `use()`; `_()` looks a sentence up by key and fills in
its {placeholders}.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

LANGUAGES = ("en", "vi")
_language = "en"


def use(language: str) -> None:
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    _language = language


def language() -> str:
    """The language chosen at start-up (`en` or `vi`)."""
    return _language


def _(key: str, **params: object) -> str:
    english, vietnamese = CATALOG[key]
    template = vietnamese if _language == "vi" else english
    if params:
        return template.format(**params)
    return template.replace("{{", "{").replace("}}", "}")  # what format() would make of it


def in_each(key: str, **params: object) -> dict[str, str]:
    """The sentence in every language, whatever LANGUAGE says: for a page a customer reads."""
    return {
        language: template.format(**params)
        for language, template in zip(LANGUAGES, CATALOG[key], strict=True)
    }


def plural(count: int, one_key: str, many_key: str) -> str:
    """Vietnamese has no plural forms; English picks by count."""
    return _(one_key if count == 1 else many_key)


def _load() -> dict[str, tuple[str, str]]:
    folder = Path(__file__).with_name("catalog")
    english, vietnamese = (
        tomllib.loads((folder / f"{language}.toml").read_text("utf-8")) for language in LANGUAGES
    )
    if english.keys() != vietnamese.keys():
        raise ImportError(f"the catalogues differ in {sorted(english.keys() ^ vietnamese.keys())}")
    return {key: (english[key], vietnamese[key]) for key in english}


CATALOG: dict[str, tuple[str, str]] = _load()
