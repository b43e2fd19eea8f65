import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils import _wait
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConnectionFailure,
    HTTPError,
    SearchError,
    WaitTimeout,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._wait import Clock, backoff_delay, poll_interval


class Timeline:
    """A fake clock: sleeps advance it and are recorded."""

    def __init__(self, start=100.0, rand=0.0):
        self.now = start
        self.slept = []
        self.warnings = []
        self.clock = Clock(now=lambda: self.now, sleep=self.sleep, rand=lambda: rand)

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_backoff_is_exponential_jittered_and_capped():
    assert [backoff_delay(n, rand=lambda: 0.0) for n in range(4)] == [0.25, 0.5, 1.0, 2.0]
    assert [backoff_delay(n, rand=lambda: 1.0) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff_delay(30, rand=lambda: 1.0) == _wait.BACKOFF_CAP


def test_poll_interval_grows_with_elapsed_time_and_is_capped():
    assert poll_interval(0) == 0.2
    assert poll_interval(1) == 0.2
    assert poll_interval(30) == 1.2
    assert poll_interval(3600) == 5.0


def test_back_off_sleeps_warns_and_counts():
    t = Timeline()
    assert t.clock.back_off(0, None, "GET x returned HTTP 503", t.warnings.append, limit=5) == 1
    assert t.clock.back_off(1, None, "busy", t.warnings.append) == 2
    assert t.slept == [0.25, 0.5]
    assert t.warnings == ["GET x returned HTTP 503; retry 1 of 5 in 0.2s", "busy; retry 2 in 0.5s"]


def test_back_off_honours_a_wait_the_server_asks_for_within_the_cap():
    t = Timeline()
    t.clock.back_off(0, None, "429", t.warnings.append, at_least=7)
    t.clock.back_off(0, None, "429", t.warnings.append, at_least=3600)
    assert t.slept == [7, _wait.BACKOFF_CAP]


def test_back_off_never_sleeps_into_the_deadline():
    t = Timeline()
    with pytest.raises(WaitTimeout, match="busy; no time left for a retry within wait_timeout"):
        t.clock.back_off(3, t.now + 1.0, "busy", t.warnings.append)  # 1 s left, 2 s to wait
    assert t.slept == [] and t.warnings == []


def test_poll_returns_the_first_answer_and_sleeps_longer_as_time_goes_by():
    t = Timeline()
    answers = iter([None] * 30 + ["done"])
    assert t.clock.poll(lambda: next(answers), t.now + 3600, None, t.warnings.append) == "done"
    assert len(t.slept) == 30 and t.slept[0] == 0.2 and t.slept == sorted(t.slept) and t.slept[-1] > 0.2


def test_poll_goes_through_transient_failures_and_says_so():
    t = Timeline()
    failures = [ConnectionFailure("refused"), HTTPError("GET", "u", 503), HTTPError("GET", "u", 502)]

    def step():
        if failures:
            raise failures.pop(0)
        return "done"

    assert t.clock.poll(step, t.now + 60, None, t.warnings.append) == "done"
    assert len(t.warnings) == 3 and all("polling again until wait_timeout" in w for w in t.warnings)


@pytest.mark.parametrize("error", [HTTPError("GET", "u", 404), SearchError("gone"), HTTPError("GET", "u", 429)])
def test_poll_stops_at_a_failure_that_is_not_transient(error):
    t = Timeline()

    def step():
        raise error

    with pytest.raises(type(error)):
        t.clock.poll(step, t.now + 60, None, t.warnings.append)
    assert t.warnings == []


def test_at_the_deadline_poll_raises_what_timed_out_returns_never_sleeping_past_it():
    t = Timeline()
    seen = []

    def timed_out(elapsed, unreachable):
        seen.append((elapsed, unreachable))
        return WaitTimeout("still running")

    with pytest.raises(WaitTimeout, match="still running"):
        t.clock.poll(lambda: None, t.now + 30, timed_out, t.warnings.append)
    assert seen == [(30.0, None)] and t.now == 130.0


def test_a_node_unreachable_until_the_deadline_is_told_apart():
    t = Timeline()
    down = ConnectionFailure("Connection to http://n was refused")
    answers = [None, down, down]

    def step():
        answer = answers.pop(0) if answers else down
        if isinstance(answer, Exception):
            raise answer
        return answer

    with pytest.raises(WaitTimeout) as err:
        t.clock.poll(step, t.now + 10, lambda elapsed, unreachable: WaitTimeout(unreachable.message), t.warnings.append)
    assert "refused" in err.value.message


def test_a_request_out_of_time_inside_a_poll_ends_it_as_the_deadline_does():
    t = Timeline()

    def step():
        t.now += 5
        raise WaitTimeout("GET x did not succeed within the time left")

    with pytest.raises(WaitTimeout, match="timed out after 5s"):
        t.clock.poll(step, t.now + 60, lambda elapsed, unreachable: WaitTimeout(f"timed out after {elapsed:g}s"), None)
    assert t.slept == []


def test_a_run_has_one_clock_which_tests_replace_in_one_place(monkeypatch):
    from ansible_collections.searchops.snapshots.plugins.module_utils._client import Client

    fake = Timeline().clock
    monkeypatch.setattr(_wait, "default_clock", lambda: fake)
    assert Client({"url": "http://localhost:9200"}).clock is fake
