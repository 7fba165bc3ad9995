"""Exports: one line per recipient of the sends made between two days, for an auditor, as CSV
or JSON Lines; `viber-bot export` on the command line, `/viber export` in Slack
(`bot/slack/exports.py`).

The lines are built and written a batch at a time (`bot/store/exports.py`), so memory stays
the same however long the range is. Each says what was sent, to whom, by whom, how it ended
(state, error in words, SMSID, network, price) and the approval with its whole trail. A purged
send shows `purged` for its text and its numbers as the purge masked them.
"""

from bot.exports.records import COLUMNS, FORMATS, error_words, iso, problem_sentence, records
from bot.exports.writer import WRITERS, write_csv, write_jsonl

__all__ = [
    "COLUMNS",
    "FORMATS",
    "WRITERS",
    "error_words",
    "iso",
    "problem_sentence",
    "records",
    "write_csv",
    "write_jsonl",
]
