"""Coalescing of control changes: run the latest request, never a queue of stale ones.

A slider dragged in the browser sends a value change every few milliseconds. Recomputing
and redrawing for each would queue work the learner no longer wants to see, and the plot
would lag behind the pointer. ``Throttle`` runs its function at once for the first change,
then at most once per ``interval`` seconds: requests arriving in between only mark the
dashboard dirty, and one trailing run picks up whatever the controls say by then (the
function reads the current state itself, so the latest value always wins).

Inside a running kernel the trailing run is scheduled on the kernel's asyncio event loop;
with no running loop (plain Python, pytest) every request runs synchronously, which keeps
tests deterministic.
"""
from __future__ import annotations

import asyncio
import time

from gdlab._validation import Interval, check


def _running_loop_call_later(delay, callback):
    """Schedule on the running asyncio loop; return False if there is none."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    loop.call_later(delay, callback)
    return True


class Throttle:
    """Call ``fn()`` for the latest of a burst of requests, at most once per ``interval``.

    Parameters
    ----------
    fn : callable taking no arguments; it must read the state it needs when called.
    interval : minimum seconds between two runs (default 0.03 s, about a screen refresh
        budget for a dashboard).
    clock, call_later : injectable for tests. ``call_later(delay, cb)`` returns False when
        it cannot schedule, in which case the request runs synchronously.
    """

    def __init__(self, fn, *, interval=0.03, clock=time.perf_counter,
                 call_later=_running_loop_call_later):
        if not callable(fn):
            raise TypeError(f"Throttle needs a callable, got {fn!r}")
        interval = check(interval, "interval", Interval(0, None), label="throttle interval",
                         hint="in seconds")
        self.fn = fn
        self.interval = float(interval)
        self._clock = clock
        self._call_later = call_later
        self._last_run = -float("inf")
        self.pending = False   # a trailing run is scheduled
        self.runs = 0          # how many times fn actually ran
        self.requests = 0      # how many times it was asked to

    def __call__(self):
        self.requests += 1
        if self.pending:
            return  # the scheduled run will see this request's state
        wait = self._last_run + self.interval - self._clock()
        if wait <= 0:
            self._run()
        elif self._call_later(wait, self._fire):
            self.pending = True
        else:
            self._run()  # no event loop: nothing can coalesce, so stay exact

    def _fire(self):
        if not self.pending:
            return  # already flushed by hand
        self.pending = False
        self._run()

    def _run(self):
        self._last_run = self._clock()
        self.runs += 1
        self.fn()

    def flush(self):
        """Run now if a trailing run is pending (used before reading results)."""
        if self.pending:
            self._fire()
