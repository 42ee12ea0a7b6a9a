"""Running things at the same moment, as two processes or requests would."""

import threading
from collections.abc import Callable

from django.db import connection


def run_at_once(*calls: Callable[[], object], timeout: float = 60) -> list:
    """Each call in its own thread, all released together; their results in order. The first
    error a call raised is raised here. Each thread closes its database connection, or the test
    database could not be dropped."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            start.wait(timeout=timeout)
            results[index] = call()
        except BaseException as error:  # handed to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results
