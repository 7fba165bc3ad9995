from bot.core.schedule import MAX_AHEAD_SECONDS, check_send_at

NOW = 1_800_000_000.0


def test_empty_means_now():
    assert check_send_at("", NOW) == (None, None)


def test_future_times_are_kept_and_a_just_passed_time_means_now():
    assert check_send_at(str(int(NOW) + 3600), NOW) == (NOW + 3600, None)
    assert check_send_at(str(int(NOW) - 30), NOW) == (None, None)


def test_past_far_future_and_garbage_are_refused():
    assert "has passed" in check_send_at(str(int(NOW) - 3600), NOW)[1]
    assert "30 days" in check_send_at(str(int(NOW + MAX_AHEAD_SECONDS) + 10), NOW)[1]
    assert check_send_at("soon", NOW)[1]
