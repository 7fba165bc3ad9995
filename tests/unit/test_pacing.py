from bot.jobs.pacing import ChannelPacer


def test_one_turn_per_interval_per_channel():
    now = [100.0]
    pacer = ChannelPacer(1.0, clock=lambda: now[0])
    assert pacer.reserve("C1") == 0.0
    assert pacer.reserve("C1") == 1.0
    assert pacer.reserve("C2") == 0.0  # other channels are not held up
    now[0] += 1.0
    assert pacer.reserve("C1") == 0.0


def test_a_429_pushes_the_next_turn_back():
    now = [100.0]
    pacer = ChannelPacer(1.0, clock=lambda: now[0])
    pacer.back_off("C1", 7)
    assert pacer.reserve("C1") == 7.0
