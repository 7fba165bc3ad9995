"""`viber-bot demo`: the real app, the stand-ins and the page, on this machine, until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import shutil
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

from sandbox.demo import stories
from sandbox.demo.page import Page
from sandbox.demo.seeding import HISTORY_DAYS, seed_consent, seed_history
from sandbox.demo.server import PageServer
from sandbox.demo.world import CHANNEL_ID, CHANNEL_NAME, TEAM_ID, DemoWorld

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> None:
    world = DemoWorld(
        database=Path(args.db).resolve() if args.db else None,
        approvals=args.approvals,
        language=args.language,
    )
    try:
        pages = PageServer(args.port)
    except OSError as error:
        print(
            f"The demo could not start: port {args.port} cannot be used ({error.strerror}): "
            "choose another with --port",
            flush=True,
        )
        raise SystemExit(1) from None
    print("Starting the app and its local stand-ins for Slack and eSMS …", flush=True)
    try:
        world.start()
        # Once the app has created the schema, before anyone looks: a month for the charts.
        seeded = seed_history(world.database_url, CHANNEL_ID, time.time(), TEAM_ID)
        if seeded:
            print(
                f"#{CHANNEL_NAME} has {HISTORY_DAYS} days of past sends ({seeded}) by four other "
                "agents, for /viber chart and the Home tab.",
                flush=True,
            )
        if seed_consent(world.database_url, time.time()):
            print(
                f"{stories.CONSENTING} has consent to marketing on record, "
                f"{stories.NO_CONSENT} has none.",
                flush=True,
            )
        page = Page(world)
        page.seed()  # the opted-out number, before anyone can compose
        pages.serve(page)
        url = f"http://127.0.0.1:{pages.server.server_address[1]}/"
        print(
            f"\nThe demo is at {url}\n"
            "Nothing leaves this machine: Slack and eSMS are stand-ins, no customer is messaged."
            f"\nThe database is {world.database}. Press Ctrl-C to stop.\n",
            flush=True,
        )
        if args.open:
            webbrowser.open(url)
        threading.Event().wait()  # until Ctrl-C
    except KeyboardInterrupt:
        print("\nStopping …", flush=True)
    except RuntimeError as error:
        print(f"The demo could not start: {error}", flush=True)
        raise SystemExit(1) from None
    finally:
        pages.server.server_close()
        world.stop()
        shutil.rmtree(world.folder, ignore_errors=True)


def add(commands: argparse._SubParsersAction, open_store: Callable[..., object]) -> None:
    """`viber-bot demo`, added as every command is (the demo makes its own database)."""
    parser = commands.add_parser(
        "demo",
        help="try the app on this machine with no account: a local page plays Slack and eSMS",
    )
    parser.add_argument("--port", type=int, default=8000, help="the page's port (default 8000)")
    parser.add_argument("--db", metavar="PATH", help="keep the demo's SQLite database here")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    parser.add_argument(
        "--approvals", action="store_true", help="every send waits for an approver's decision"
    )
    parser.add_argument("--language", choices=["en", "vi"], default="en")
    parser.set_defaults(handler=run)
