"""`python -m bot.cli`: the command line."""

from bot.cli import main

main()
