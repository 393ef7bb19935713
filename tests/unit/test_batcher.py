"""The webhook's hand-over of jobs (bot.ingress.Batcher): a thread of the process posts what the
request threads gathered, one call per batch, without losing a job between batches."""

from __future__ import annotations

import threading
import time

from bot.ingress import Batcher


class Recorder:
    """A `post_many` that records each batch (and can be made to fail, as Redis down would)."""

    def __init__(self):
        self.batches: list[list[tuple[str, tuple]]] = []
        self.failing = False
        self.posted = threading.Event()

    def __call__(self, items):
        if self.failing:
            raise ConnectionError("redis down")
        self.batches.append(list(items))
        self.posted.set()

    def jobs(self) -> list[int]:
        return [args[0] for batch in self.batches for _, args in batch]


def wait_for(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.005)
    raise AssertionError("timed out")


def test_the_first_job_after_a_quiet_spell_goes_at_once():
    post = Recorder()
    batcher = Batcher(post, window_s=5.0)  # a window far longer than the test waits
    batcher.add("job", 1)
    assert post.posted.wait(1), "the first job waited for the window"
    assert post.batches == [[("job", (1,))]]


def test_jobs_that_keep_coming_go_together_once_a_window_and_none_is_lost():
    post = Recorder()
    batcher = Batcher(post, window_s=0.05)
    batcher.add("job", 0)
    assert post.posted.wait(1)
    for i in range(1, 40):  # while the thread sleeps out its window
        batcher.add("job", i)
    wait_for(lambda: len(post.jobs()) == 40)
    assert post.jobs() == list(range(40))
    assert len(post.batches) <= 3  # the 39 went in one or two batches, not one call each
    time.sleep(0.2)  # quiet: the thread waits for the next job
    batcher.add("job", 40)
    wait_for(lambda: post.jobs()[-1:] == [40])
    assert post.jobs() == list(range(41))


def test_a_batch_that_cannot_go_is_left_to_recovery_and_the_next_job_still_goes():
    post = Recorder()
    batcher = Batcher(post, window_s=0.01)
    post.failing = True
    batcher.add("job", 1)
    wait_for(lambda: not batcher._items)  # taken and dropped (the recovery sweep queues it)
    post.failing = False
    batcher.add("job", 2)
    wait_for(lambda: post.jobs() == [2])
