"""Listeners are plain functions: first the collaborators they use, then the arguments Bolt
passes by parameter name (`ack`, `body`, `action`, `respond`, `client` …)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any


def bind(listener: Callable[..., Any], *collaborators: Any) -> Callable[..., Any]:
    """`listener` with its collaborators filled in, ready for Bolt to register."""
    # Bolt injects by the names of the positional parameters left: collaborators bound by
    # keyword would turn the rest keyword-only, and Bolt would pass nothing. functools.wraps
    # is no help either, as Bolt unwraps to the full signature.
    bound = partial(listener, *collaborators)
    # Bolt names its loggers and debug lines after it. (A partial takes attributes, having a
    # __dict__, which typeshed's partial does not declare.)
    bound.__name__ = listener.__name__  # type: ignore[attr-defined]
    return bound
