"""Privacy: forget what was sent, and to whom, once it is old; keep the statistics."""

from __future__ import annotations

import time

from bot.core.delivery import State, is_final
from bot.core.marketing import DAILY_WINDOW_SECONDS
from bot.db import Database
from bot.store.images import release_unused
from bot.store.slack_posts import forget_texts_in


class Privacy:
    def __init__(self, db: Database) -> None:
        self.db = db

    def purge(self, older_than_seconds: float) -> int:
        """Forget what was sent, and to whom, for sends older than the cut-off: settled sends,
        and test sends whatever their recipients' states (eSMS never settles them) once none of
        them still waits to go to eSMS. Returns how many sends were purged.

        Message text (and its SMS), image, button, the command's response URL, decision reasons and the raw
        callbacks are erased and phone numbers masked; states, counts, prices and times stay
        for statistics. Unmatched callbacks received before the cut-off lose their raw query,
        which holds the full phone number.
        """
        cutoff = time.time() - older_than_seconds
        open_states = [state.value for state in State if not is_final(state)]
        marks = ", ".join("?" for _ in open_states)
        with self.db.transaction() as conn:
            # A queued recipient is still to be submitted: purged, it would go out masked. A
            # marketing message of the last 24 hours holds its number's slot of the daily cap.
            send_ids = [
                row["id"]
                for row in conn.execute(
                    f"""SELECT id FROM sends s WHERE created_at < ? AND purged_at IS NULL
                          AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.send_id = s.id
                              AND ((r.state IN ({marks}) AND s.test_send = 0)
                                   OR r.state IN (?, ?) OR r.counted_at > ?))""",
                    (
                        cutoff,
                        *open_states,
                        State.QUEUED,
                        State.SUBMITTING,
                        time.time() - DAILY_WINDOW_SECONDS,
                    ),
                )
            ]
            for send_id in send_ids:
                conn.execute(
                    """UPDATE sends SET text = '', image_url = '', button_label = '',
                           button_url = '', response_url = NULL, decision_reason = NULL,
                           sms_text = NULL, image_file = NULL, image_token = NULL,
                           purged_at = ? WHERE id = ?""",
                    (time.time(), send_id),
                )
                conn.execute(
                    "UPDATE approval_events SET reason = NULL WHERE send_id = ?", (send_id,)
                )
                conn.execute(
                    """UPDATE recipients SET phone = '•••••••' || substr(phone, length(phone) - 2),
                           text = NULL, image_url = NULL, button_label = NULL, button_url = NULL,
                           row_values = NULL
                       WHERE send_id = ?""",
                    (send_id,),
                )
                conn.execute(  # a reply never posted is not posted now
                    """UPDATE thread_replies SET text = NULL, blocks = NULL, state = 'refused',
                           refusal = 'purged' WHERE send_id = ? AND state = 'pending'""",
                    (send_id,),
                )
                conn.execute(  # a campaign's file: its link and the invalid rows' values
                    "UPDATE campaigns SET file_url = NULL, invalid = NULL WHERE send_id = ?",
                    (send_id,),
                )
                conn.execute(
                    """UPDATE callbacks SET query = '' WHERE recipient_id IN
                           (SELECT id FROM recipients WHERE send_id = ?)""",
                    (send_id,),
                )
                forget_texts_in(conn, send_id)  # what its messages in Slack said
            # Without its SMSID an erased callback is never replayed: its query cannot be parsed.
            conn.execute(
                """UPDATE callbacks SET query = '', sms_id = NULL
                   WHERE outcome = 'unmatched' AND received_at < ?""",
                (cutoff,),
            )
        release_unused(self.db)  # an image lives as long as a send that keeps its content
        return len(send_ids)
