"""Loopback stand-ins for the services the app talks to: Slack's Web API (`slack_api`), Slack's
Socket Mode (`socket_mode`) and the eSMS gateway (`esms`).

One copy for the tests, the benchmarks and `viber-bot demo`, which runs the real app against them
on one machine with nothing configured. They are not part of the app: no app module imports them
(import-linter holds that), and they use nothing of `bot` but the pure core.
"""
