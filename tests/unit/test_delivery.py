import pytest

from bot.core.delivery import FINAL_STATES, State, is_final, merge, state_for_status


@pytest.mark.parametrize(
    ("status", "success", "failed", "state"),
    [
        (1, None, None, State.ESMS_REVIEW),
        (2, None, None, State.WAITING),
        (4, 0, 1, State.REJECTED),
        (5, 1, 0, State.DELIVERED),
        (5, 0, 1, State.FAILED),
        (5, None, None, State.FAILED),
        (7, 0, 0, State.SENT),
        (0, None, None, State.OTHER),
        (6, None, None, State.OTHER),
        (42, None, None, State.OTHER),
    ],
)
def test_esms_statuses_map_to_states(status, success, failed, state):
    assert state_for_status(status, success, failed) is state


def test_a_final_state_never_moves():
    for final in FINAL_STATES:
        for incoming in State:
            assert merge(final, incoming) == final


def test_pending_states_only_move_forward():
    assert merge(State.SENT, State.WAITING) == State.SENT
    assert merge(State.WAITING, State.SENT) == State.SENT
    assert merge(State.ACCEPTED, State.ESMS_REVIEW) == State.ESMS_REVIEW
    assert merge(State.SENT, State.OTHER) == State.SENT


def test_a_late_status_settles_an_unconfirmed_recipient():
    assert merge(State.UNCONFIRMED, State.DELIVERED) == State.DELIVERED
    assert merge(State.UNCONFIRMED, State.ACCEPTED) == State.ACCEPTED


def test_five_then_seven_stays_five():
    state = merge(State.ACCEPTED, state_for_status(5, 1, 0))
    assert merge(state, state_for_status(7)) == State.DELIVERED
    assert is_final(state)
