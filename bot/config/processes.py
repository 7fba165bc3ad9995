"""The variables that shape the processes rather than the app: RUN_JOBS, WEB_CONCURRENCY, and
Heroku's DYNO. Read beside the settings by `serve`, `dev`, `worker` and `check`."""

from __future__ import annotations

from collections.abc import Mapping

from bot.config.variables import BY_NAME

RUN_JOBS_CHOICES = ("both", "web")


def run_jobs_choice(
    environ: Mapping[str, str], *, shared_database: bool | None
) -> tuple[str, str | None]:
    """RUN_JOBS, `both` unless set, and what is wrong with it, if anything. `both`: the web
    processes run the jobs too; `web`: they leave them to `viber-bot worker` processes, which
    only a shared database (PostgreSQL) makes possible. `shared_database` None: not known, so
    only the value is checked. `viber-bot serve`, `dev` and `worker` refuse what this refuses."""
    raw = (environ.get("RUN_JOBS") or "").strip()
    choice = raw.lower() or str(BY_NAME["RUN_JOBS"].default)
    if choice not in RUN_JOBS_CHOICES:
        return choice, (
            f"RUN_JOBS must be both (the web processes run the jobs too; the default) or web "
            f"(they leave them to viber-bot worker processes), not {raw[:20]!r}"
        )
    if choice == "web" and shared_database is False:
        return choice, (
            "RUN_JOBS=web needs PostgreSQL (DATABASE_URL): with SQLite no viber-bot worker can "
            "run beside the web process, so nothing would ever run the jobs; unset RUN_JOBS "
            "(or set it to both)"
        )
    return choice, None


def web_processes(environ: Mapping[str, str], *, shared_database: bool) -> tuple[int, str | None]:
    """WEB_CONCURRENCY (Heroku sets it by dyno size) with PostgreSQL, one process with SQLite;
    and, when the value asked for is not what runs, the warning that says so. A wrong value
    does not stop the app: Heroku sets it, not the admin."""
    requested = (environ.get("WEB_CONCURRENCY") or "").strip()
    variable = BY_NAME["WEB_CONCURRENCY"]
    if requested in ("", "1"):
        return 1, None
    if not shared_database:
        # With SQLite one process is the safe choice (one writer, a file on one disk), so say
        # it is used rather than refuse to start.
        return 1, (
            f"WEB_CONCURRENCY={requested[:10]} ignored: with SQLite the app runs one web process "
            "(threads serve the concurrency); point DATABASE_URL at PostgreSQL to run several"
        )
    low, high = int(variable.low or 1), int(variable.high or 1)
    if not requested.isdigit() or not low <= int(requested) <= high:
        return 1, (
            f"WEB_CONCURRENCY={requested[:10]!r} is not a number from {low} to {high}; "
            "running 1 web process"
        )
    return int(requested), None


def on_heroku(environ: Mapping[str, str]) -> bool:
    """Heroku sets DYNO in every dyno; a dyno's disk is wiped at every restart."""
    return bool(environ.get("DYNO"))
