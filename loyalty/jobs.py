"""Scheduled domain jobs, run by the worker (``python -m notifications.worker``).

Each job is a plain async function of "now" that does a bounded amount of work and returns how
many things it handled; it must be safe to run again at any time and from several workers at
once (guarded SQL, unique references). Capabilities register their jobs in their own module and
list that module in ``JOB_MODULES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

JobFunction = Callable[[datetime], Awaitable[int]]


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: JobFunction


_JOBS: dict[str, Job] = {}

JOB_MODULES = [
    "loyalty.points",
    "loyalty.members",
    "loyalty.campaigns",
    "loyalty.complaints",
    "loyalty.rewards",
    "loyalty.reports",
    "loyalty.tiers",
]


def job(name: str, every: timedelta) -> Callable[[JobFunction], JobFunction]:
    def register(function: JobFunction) -> JobFunction:
        _JOBS[name] = Job(name, every, function)
        return function

    return register


def registered_jobs() -> list[Job]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return sorted(_JOBS.values(), key=lambda j: j.name)
