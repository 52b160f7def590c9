"""Group commit with real threads: who writes what, in which batch, and what each caller gets."""

from __future__ import annotations

import threading
import time

import pytest

from moderation.groupcommit import GroupCommit


class Recorder:
    """A write function that records its batches; the first batch can be held open, so
    that the submits made meanwhile queue up behind it."""

    def __init__(self, fail_on=(), hold_first: bool = False) -> None:
        self.batches: list[list] = []
        self.fail_on = set(fail_on)
        self.release = threading.Event()
        self.writing = threading.Event()
        self.hold_first = hold_first
        self.lock = threading.Lock()

    def __call__(self, items):
        with self.lock:
            self.batches.append(list(items))
            first = len(self.batches) == 1
        self.writing.set()
        if first and self.hold_first:
            assert self.release.wait(10)
        if self.fail_on & set(items):
            raise ValueError(f"cannot write {sorted(self.fail_on & set(items))}")
        return [item * 10 for item in items]


def submit_in_threads(group: GroupCommit, items) -> tuple[dict, list[threading.Thread]]:
    outcomes: dict = {}

    def run(item):
        try:
            outcomes[item] = group.submit(item)
        except Exception as exc:  # what the request would see
            outcomes[item] = exc

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    return outcomes, threads


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.001)


def held_group(max_batch: int = 64, fail_on=()) -> tuple[GroupCommit, Recorder, dict, list]:
    """Item 1 is being written (held open) while ``2..n`` queue behind it."""
    write = Recorder(fail_on=fail_on, hold_first=True)
    group = GroupCommit(write, max_batch=max_batch)
    first, threads = submit_in_threads(group, [1])
    assert write.writing.wait(10)
    return group, write, first, threads


def test_a_lone_request_is_written_at_once_alone():
    write = Recorder()
    group = GroupCommit(write)
    assert group.submit(7) == 70
    assert group.submit(8) == 80
    assert write.batches == [[7], [8]]


def test_requests_arriving_during_a_write_share_the_next_one():
    group, write, outcomes, threads = held_group()
    more, more_threads = submit_in_threads(group, [2, 3, 4, 5])
    wait_for(lambda: len(group._waiting) == 4)
    write.release.set()
    for thread in threads + more_threads:
        thread.join(10)
    assert write.batches[0] == [1]
    assert sorted(write.batches[1]) == [2, 3, 4, 5] and len(write.batches) == 2
    assert {**outcomes, **more} == {1: 10, 2: 20, 3: 30, 4: 40, 5: 50}


def test_batches_are_cut_at_max_batch_and_everyone_is_written_once():
    group, write, outcomes, threads = held_group(max_batch=2)
    more, more_threads = submit_in_threads(group, [2, 3, 4, 5, 6])
    wait_for(lambda: len(group._waiting) == 5)
    write.release.set()
    for thread in threads + more_threads:
        thread.join(10)
    assert all(len(batch) <= 2 for batch in write.batches)
    assert sorted(item for batch in write.batches for item in batch) == [1, 2, 3, 4, 5, 6]
    assert {**outcomes, **more} == {item: item * 10 for item in range(1, 7)}


def test_a_failed_batch_gives_each_request_its_own_answer():
    """One bad item in a batch fails the batch; every item is then written alone, so the bad
    one's request gets the error and the others their results."""
    group, write, outcomes, threads = held_group(fail_on={3})
    more, more_threads = submit_in_threads(group, [2, 3, 4])
    wait_for(lambda: len(group._waiting) == 3)
    write.release.set()
    for thread in threads + more_threads:
        thread.join(10)
    results = {**outcomes, **more}
    assert isinstance(results.pop(3), ValueError)
    assert results == {1: 10, 2: 20, 4: 40}
    assert sorted(write.batches[1]) == [2, 3, 4]  # the failed batch
    assert sorted(map(tuple, write.batches[2:])) == [(2,), (3,), (4,)]  # then each alone


def test_a_lone_failure_is_raised_in_its_own_request_and_not_written_twice():
    write = Recorder(fail_on={5})
    group = GroupCommit(write)
    with pytest.raises(ValueError):
        group.submit(5)
    assert write.batches == [[5]]
    assert group.submit(6) == 60  # the group goes on


@pytest.mark.parametrize("options", [{"max_batch": 0}, {"writers": 0}])
def test_max_batch_and_writers_must_be_positive(options):
    with pytest.raises(ValueError):
        GroupCommit(Recorder(), **options)


def test_many_threads_each_get_their_own_result():
    write = Recorder()
    group = GroupCommit(write, max_batch=8)
    outcomes, threads = submit_in_threads(group, range(200))
    for thread in threads:
        thread.join(10)
    assert outcomes == {item: item * 10 for item in range(200)}
    assert sorted(item for batch in write.batches for item in batch) == list(range(200))


def test_with_two_writers_a_stalled_write_holds_up_only_its_own_batch():
    """Two writes may be in flight at once; the requests that come while both are busy
    queue and share the next free writer."""
    stalled, second_started = threading.Event(), threading.Event()
    batches = []

    def write(items):
        batches.append(list(items))
        if items == [1]:
            assert stalled.wait(10)  # write 1 stalls until the end of the test
        elif items == [2]:
            second_started.set()
            assert release_second.wait(10)
        return [item * 10 for item in items]

    release_second = threading.Event()
    group = GroupCommit(write, writers=2)
    outcomes, threads = submit_in_threads(group, [1])
    wait_for(lambda: batches == [[1]])
    more, more_threads = submit_in_threads(group, [2])
    assert second_started.wait(10)  # written beside the stalled one, not behind it
    rest, rest_threads = submit_in_threads(group, [3, 4, 5])
    wait_for(lambda: len(group._waiting) == 3)  # both writers busy: they queue
    release_second.set()
    for thread in more_threads + rest_threads:
        thread.join(10)
    assert {**more, **rest} == {2: 20, 3: 30, 4: 40, 5: 50}  # while write 1 still stalls
    assert sorted(batches[2]) == [3, 4, 5]
    stalled.set()
    threads[0].join(10)
    assert outcomes == {1: 10}


def test_a_request_whose_item_is_in_another_writers_batch_waits_for_it():
    """Items 3 and 4 are being written by one writer when the other frees up: the request of
    the one that did not write must wait for that write, not take the free writer's turn to
    write nothing, again and again, until it ends."""
    holds = {1: threading.Event(), 2: threading.Event(), 3: threading.Event()}
    batches = []

    def write(items):
        batches.append(sorted(items))
        hold = holds.get(min(items, default=0))
        if hold is not None:
            assert hold.wait(10)
        return [item * 10 for item in items]

    group = GroupCommit(write, writers=2)
    outcomes, threads = [], []
    for items, written in (([1], [[1]]), ([2], [[1], [2]])):
        more, more_threads = submit_in_threads(group, items)
        outcomes.append(more)
        threads += more_threads
        wait_for(lambda: batches == written)
    last, last_threads = submit_in_threads(group, [3, 4])
    wait_for(lambda: len(group._waiting) == 2)  # both writers busy: 3 and 4 queue
    holds[2].set()
    wait_for(lambda: len(batches) == 3)
    assert batches[2] == [3, 4]  # written together, and held
    holds[1].set()  # a writer is free now, and nothing is waiting
    threads[0].join(10)
    cpu = time.process_time()
    time.sleep(0.2)
    assert len(batches) == 3, f"written again meanwhile: {batches[3:6]}"
    # Nor may it spin on the free writer: waiting costs no CPU (a spin costs ~0.2 s here).
    assert time.process_time() - cpu < 0.04
    holds[3].set()
    for thread in threads + last_threads:
        thread.join(10)
    assert {**outcomes[0], **outcomes[1], **last} == {1: 10, 2: 20, 3: 30, 4: 40}
