"""Calls racing on a committed database: each in its own thread and session, released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session


def race(engine: Engine, calls: list[Callable[[Session], object]], *, timeout: float = 180) -> list[object]:
    """Run every call at once, each in its own thread and session; what each returned or raised, in call order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[Session], object]) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                outcomes[index] = call(session)
            except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
                outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing call never finished"
    return outcomes
