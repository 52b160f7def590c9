"""Group commit: requests that arrive while the writes are busy share the next one.

A web process running threads (gunicorn's ``gthread``) accepts comments concurrently. Stored
one by one, each pays a statement, a commit and a message of its own, and much of that cost
is per statement and per round trip, not per row. Here a request that finds a writer free
writes what is waiting (itself, at first); requests that come while every writer is busy
queue up, and the next of them to get a writer writes them all at once. Nobody waits for a
timer: a lone request is written at once, as before, and a process with one thread
(gunicorn's ``sync`` worker) always writes batches of one. Under load, batches grow by
themselves to about as many requests as arrive during a write.

With ``writers`` above one, that many batches may be written at once: a write that stalls
then holds up only the requests in its own batch, and batches form once all writers are busy.

A failed batch of several is not the failure of each of its requests: every request in it
then writes its item again on its own, so one bad row (or a database that went away) gives
each request its own answer, as if there were no batching.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Slot(Generic[Item, Result]):
    __slots__ = ("item", "result", "failed", "written")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.result: Result | None = None
        self.failed = False  # the batch failed: write this item again, alone
        self.written = threading.Event()  # its batch's write has ended

    @property
    def done(self) -> bool:
        return self.written.is_set()


class GroupCommit(Generic[Item, Result]):
    """``submit(item)`` returns ``write([item, ...])``'s result for that item.

    ``write`` receives the items of one batch (at most ``max_batch``, in arrival order) and
    returns one result per item, in the same order. It runs in the thread of one of the
    batch's requests, at most ``writers`` batches at a time; after a failed batch, its items
    are written again one by one, each in its own request's thread: ``write`` must be safe to
    call from several threads.
    """

    def __init__(self, write: Callable[[Sequence[Item]], Sequence[Result]],
                 max_batch: int = 64, writers: int = 1) -> None:
        if max_batch < 1 or writers < 1:
            raise ValueError("max_batch and writers must be at least 1")
        self._write = write
        self.max_batch = max_batch
        self._waiting: list[_Slot[Item, Result]] = []
        self._waiting_lock = threading.Lock()
        self._writer = threading.BoundedSemaphore(writers)

    def submit(self, item: Item) -> Result:
        slot: _Slot[Item, Result] = _Slot(item)
        with self._waiting_lock:
            self._waiting.append(slot)
        # The batch that takes this slot may be written by another thread; whoever gets a
        # writer's turn takes everything waiting (up to max_batch): this slot, or the slots
        # that came before it, in which case the loop comes back for it.
        while not slot.done:
            with self._writer:
                if slot.done:
                    break
                with self._waiting_lock:
                    batch = self._waiting[:self.max_batch]
                    del self._waiting[:self.max_batch]
                if batch:
                    self._write_batch(batch, slot)
                    continue
            # Nothing waiting and this slot not written: another writer has it in flight.
            slot.written.wait()
        if slot.failed:
            return self._write([item])[0]  # its own result, or its own error
        return slot.result  # type: ignore[return-value]

    def _write_batch(self, batch: list[_Slot[Item, Result]], own: _Slot[Item, Result]) -> None:
        try:
            results = self._write([slot.item for slot in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"group write gave {len(results)} results for {len(batch)}")
        except BaseException:
            alone = len(batch) == 1 and batch[0] is own
            for slot in batch:
                # Every other request of the batch writes its item again, on its own.
                slot.failed = not alone
                slot.written.set()
            if alone:
                raise  # the error is this request's own
            return
        for slot, result in zip(batch, results):
            slot.result = result
            slot.written.set()
