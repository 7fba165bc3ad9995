"""`viber-bot`: every command registered one way — each module of this package adds its own
(`add(commands, open_store)`), and the sandbox beside the app adds `demo` by entry point."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

from bot.cli import check, consents, database, exports, optouts, run
from bot.store import Store
from bot.web.serving import load, open_store

EXTRA_COMMANDS = "viber_bot.commands"
COMMANDS = (run, check, database, optouts, consents, exports)


def _store() -> Store:
    settings = load(require_signing_secret=False)
    return open_store(settings.database_url, settings.data_key)[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="viber-bot", description="Send Viber messages through eSMS from Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add(commands, _store)
    # `demo`, from the sandbox beside the app; once each, should two installs both offer it.
    for extra in {point.name: point for point in entry_points(group=EXTRA_COMMANDS)}.values():
        try:
            extra.load()(commands, _store)
        except Exception as error:  # a broken extra never stops serve, worker or migrate
            print(f"viber-bot: command {extra.name!r} unavailable: {error}", file=sys.stderr)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
