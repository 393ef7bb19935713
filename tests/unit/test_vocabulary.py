"""Each vocabulary is named once; these tie the names to what uses them."""

from __future__ import annotations

import inspect

from intake import job_names
from worker import jobs


def test_every_job_name_is_a_function_of_worker_jobs():
    for name in job_names.ALL:
        module, _, func = name.rpartition(".")
        assert module == "worker.jobs" and inspect.isfunction(getattr(jobs, func, None)), name
