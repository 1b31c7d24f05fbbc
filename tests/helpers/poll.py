"""Waiting with a deadline instead of a sleep."""
import time


def poll(fn, timeout=60.0, interval=0.2, what="condition"):
    """Call `fn` until it returns something truthy and return that; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not met before the deadline ({timeout:g} s)")
