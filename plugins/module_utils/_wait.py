# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way to wait: a clock, deadlines, back-off between retries, and polling until something
is done. The client's retries, snapshot waits, deletes and restore waits all go through a Clock;
a run has one (the client's), and tests inject a fake one through default_clock."""

from __future__ import annotations

import random
import time

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import SearchError, WaitTimeout, transient

BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0
POLL_FIRST = 0.2
# a wait checks 25 times as often as the time already waited, at most every POLL_CAP seconds: a
# snapshot of 13 s is seen ended within about half a second (bench/snapshot_bench.py), an hour-long
# one within POLL_CAP, at one light request per check
POLL_SHARE = 25
POLL_CAP = 5.0
NO_TIME_LEFT = "Raise wait_timeout, or check the cluster's health"


def backoff_delay(attempt, base=BACKOFF_BASE, cap=BACKOFF_CAP, rand=random.random):
    """Jittered exponential backoff ("equal jitter"): half fixed, half random, capped."""
    ceiling = min(cap, base * (2**attempt))
    return ceiling / 2 + rand() * ceiling / 2


def poll_interval(elapsed, first=POLL_FIRST, cap=POLL_CAP):
    """Seconds to wait before the next status check: short at first (a small snapshot ends in
    well under a second), then a 25th of the time already waited, capped."""
    return min(cap, max(first, elapsed / POLL_SHARE))


class Clock:
    """now(): monotonic seconds, the scale of every deadline; sleep(seconds); time(): wall-clock
    epoch seconds (snapshot ages and date math); rand(): the back-off jitter."""

    def __init__(self, now=None, sleep=None, wall=None, rand=None):
        self.now = now or time.monotonic
        self.sleep = sleep or time.sleep
        self.time = wall or time.time
        self.rand = rand or random.random

    def deadline(self, seconds):
        return self.now() + seconds

    def back_off(self, attempt, deadline, what, warn, limit=None, at_least=0.0):
        """Sleep before retry number attempt + 1 of what failed (what: the failure, as a message);
        returns attempt + 1. Raises WaitTimeout when the sleep would reach the deadline (None: no
        deadline). at_least: a wait the server asked for (Retry-After), within BACKOFF_CAP."""
        delay = max(backoff_delay(attempt, rand=self.rand), min(BACKOFF_CAP, at_least))
        if deadline is not None and self.now() + delay >= deadline:
            raise WaitTimeout(f"{what}; no time left for a retry within wait_timeout", NO_TIME_LEFT)
        of = f" of {limit}" if limit is not None else ""
        warn(f"{what}; retry {attempt + 1}{of} in {delay:.1f}s")
        self.sleep(delay)
        return attempt + 1

    def poll(self, step, deadline, timed_out, warn):
        """Call step() until it returns something other than None, and return that.

        Between calls, sleep poll_interval(elapsed), never past the deadline. A transient failure
        of step (the node restarting, a proxy's 502/503/504: _errors.transient) is warned about and
        polled through; other errors end the wait. At the deadline, or when step runs out of time
        (WaitTimeout), raise timed_out(elapsed, unreachable): unreachable is the failure of the
        last calls when no call succeeded since (else None).
        """
        started = self.now()
        unreachable = None
        while True:
            out_of_time = False
            try:
                done = step()
                unreachable = None
            except WaitTimeout:
                done, out_of_time = None, True
            except SearchError as err:
                if not transient(err):
                    raise
                warn(f"{err.message}; polling again until wait_timeout")
                done, unreachable = None, err
            if done is not None:
                return done
            now = self.now()
            if out_of_time or now >= deadline:
                raise timed_out(now - started, unreachable)
            self.sleep(min(poll_interval(now - started), max(0.0, deadline - now)))


def default_clock():
    """The clock a client gets when none is given (tests replace this function)."""
    return Clock()
