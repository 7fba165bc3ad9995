"""The one way a listener gets what it uses. A listener is a plain function: first its module's
dependencies object (a frozen `…Needs` dataclass: the collaborators and the few settings values
that module reads), then the arguments Bolt passes by parameter name (`ack`, `body`, `action`,
`respond`, `client` …). `register(app, needs)` binds the first; Bolt fills the rest."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Concatenate, ParamSpec, TypeVar

Needs = TypeVar("Needs")
BoltArgs = ParamSpec("BoltArgs")
Result = TypeVar("Result")


def bind(
    listener: Callable[Concatenate[Needs, BoltArgs], Result], needs: Needs
) -> Callable[BoltArgs, Result]:
    """`listener` with its dependencies filled in, ready for Bolt to register."""
    # Bolt injects by the names of the positional parameters left: dependencies bound by
    # keyword would turn the rest keyword-only, and Bolt would pass nothing. functools.wraps
    # is no help either, as Bolt unwraps to the full signature.
    bound = partial(listener, needs)
    # Bolt names its loggers and debug lines after it. (A partial takes attributes, having a
    # __dict__, which typeshed's partial does not declare.)
    bound.__name__ = listener.__name__  # type: ignore[attr-defined]
    return bound
