"""`viber-bot check`: the admin's checklist, each ✗ with its fix; exit 0 only when all pass."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from dotenv import load_dotenv

from bot.store import Store


def check(args: argparse.Namespace) -> None:
    from bot.check import run_checks

    load_dotenv(override=False)
    results = run_checks()
    for result in results:
        print(result.render())
    failed = sum(not result.ok for result in results)
    print(f"\n{len(results) - failed} of {len(results)} checks passed.")
    raise SystemExit(1 if failed else 0)


def add(commands: argparse._SubParsersAction, open_store: Callable[[], Store]) -> None:
    check_parser = commands.add_parser(
        "check",
        help="check configuration, Slack, eSMS, brandnames and the database; exit 0 if all pass",
    )
    check_parser.set_defaults(handler=check)
