"""Run work in threads that start together: for the concurrency tests (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_together(count: int, work: Callable[[int], Any]) -> tuple[dict[int, Any], dict[int, Any]]:
    """Run ``work(i)`` in ``count`` threads started at the same instant; collect results
    and exceptions by index."""
    barrier = threading.Barrier(count)
    results: dict[int, Any] = {}
    errors: dict[int, Any] = {}

    def target(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as error:  # reported by the test
            errors[i] = error
        finally:
            connection.close()  # each thread has its own connection: give it back

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors
