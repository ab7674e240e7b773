from datetime import datetime, timedelta, timezone

from services.members.accounts import rules

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def test_a_password_shorter_than_ten_characters_is_refused():
    assert rules.password_problem("short-pw9", "T2001") == "at least 10 characters"
    assert rules.password_problem("long-enough-9", "T2001") is None


def test_a_common_password_is_refused_whatever_its_case():
    assert "too common" in rules.password_problem("QWERTYUIOP", "T2001")
    assert "too common" in rules.password_problem("woaini1314", "T2001")


def test_the_login_name_is_no_password():
    assert rules.password_problem("20211234567", "20211234567") == "must not be the login name"


def test_a_huge_password_is_refused_before_it_is_hashed():
    assert rules.password_problem("x" * 10_000, "T2001") == "at most 256 characters"


def test_fewer_failures_than_the_limit_lock_nothing():
    failures = [NOW - timedelta(minutes=m) for m in range(4)]
    assert rules.locked_until(failures, NOW, 5) is None


def test_the_limit_within_the_window_locks_until_lockout_after_the_last():
    failures = [NOW - timedelta(minutes=m) for m in range(5)]
    assert rules.locked_until(failures, NOW, 5) == NOW + rules.LOCKOUT


def test_failures_spread_wider_than_the_window_lock_nothing():
    failures = [NOW - timedelta(minutes=4 * m) for m in range(5)]
    assert rules.locked_until(failures, NOW, 5) is None


def test_a_lock_ends_by_itself():
    failures = [NOW - timedelta(minutes=20 + m) for m in range(5)]
    assert rules.locked_until(failures, NOW, 5) is None
    assert rules.locked_until(failures, NOW - timedelta(minutes=10), 5) is not None


def test_a_session_ends_when_idle_or_at_its_absolute_lifetime():
    created = NOW - timedelta(hours=11)
    assert rules.session_ends(created, NOW) == created + rules.ABSOLUTE_LIFETIME
    assert rules.session_ends(NOW, NOW) == NOW + rules.IDLE_TIMEOUT


def test_a_credential_never_outlives_its_session():
    assert rules.credential_expires(NOW, NOW + timedelta(minutes=1)) == NOW + timedelta(minutes=1)
    assert rules.credential_expires(NOW, NOW + timedelta(hours=1)) == NOW + rules.CREDENTIAL_LIFETIME


def test_an_unknown_login_name_costs_one_argon2_verification_like_a_wrong_password():
    import statistics
    import time

    from services.members.accounts import passwords

    stored = passwords.hash_password("the-right-password")

    def median_seconds(stored_hash):
        times = []
        for _ in range(7):
            started = time.perf_counter()
            assert passwords.verify(stored_hash, "a-wrong-password") is False
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    wrong, unknown = median_seconds(stored), median_seconds(None)
    assert unknown > wrong / 2 and wrong > unknown / 2
