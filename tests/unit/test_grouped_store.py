"""The webhook's grouped store takes turns: the request that finds nobody writing writes at
once, the rows that come in meanwhile go together in the next statement, written by one of
their own requests, and a row whose budget runs out while it waits is never written.

The statement itself is replaced here (`_insert`, the seam below the turn-taking) by one that
waits for the test's word; the real statement runs in tests/integration/test_ingress.py."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine

from bot.ingress import GroupedStore, Inbound
from intake.crypto import Keyring, attach, new_key


class GatedStore(GroupedStore):
    """A grouped store whose statements wait for `gate` and record the groups they wrote."""

    def __init__(self, budget_s: float):
        keyring = Keyring.parse(f"t:{new_key()}", new_key())
        super().__init__(attach(create_engine("sqlite://"), keyring), budget_s, lambda: datetime.now(UTC))
        self.gate = threading.Event()
        self.started = threading.Event()
        self.groups: list[list[str]] = []
        self.writers: list[str] = []

    def _insert(self, rows, deadline):
        self.writers.append(threading.current_thread().name)
        self.started.set()
        assert self.gate.wait(5)
        ids = [row["provider_message_id"] for row in rows]
        self.groups.append(ids)
        return [(int(i.removeprefix("SM")), True) for i in ids]


def store_in_threads(store: GatedStore, sids: list[str]) -> tuple[dict[str, object], list[threading.Thread]]:
    results: dict[str, object] = {}

    def request(sid: str) -> None:
        try:
            results[sid] = store(Inbound("sms", "+85512345678", sid, "text"))
        except Exception as exc:  # noqa: BLE001 - the test looks at what each request got
            results[sid] = exc

    threads = [threading.Thread(target=request, args=(sid,), name=f"request-{sid}") for sid in sids]
    threads[0].start()
    assert store.started.wait(5)  # the first request is writing (its statement held at the gate)
    for t in threads[1:]:
        t.start()
    return results, threads


def test_rows_that_come_while_one_is_written_go_together_written_by_one_of_their_requests():
    store = GatedStore(budget_s=5)
    sids = [f"SM{i}" for i in range(1, 8)]
    results, threads = store_in_threads(store, sids)
    time.sleep(0.3)  # the other six are waiting for their turn
    store.gate.set()
    for t in threads:
        t.join(5)
    assert results == {sid: (int(sid[2:]), True) for sid in sids}
    assert store.groups[0] == ["SM1"]
    assert sorted(store.groups[1]) == sids[1:] and len(store.groups) == 2
    # The first group was written by its own request; the second by one of the six, not another thread.
    assert store.writers[0] == "request-SM1" and store.writers[1] in {f"request-{s}" for s in sids[1:]}
    # Nobody is writing now: the next request writes at once, alone.
    assert store(Inbound("sms", "+85512345678", "SM9", "text")) == (9, True)
    assert store.groups[-1] == ["SM9"]


def test_a_row_whose_budget_runs_out_while_it_waits_is_never_written():
    store = GatedStore(budget_s=0.2)
    results, threads = store_in_threads(store, ["SM1", "SM2"])
    threads[1].join(2)  # the second request gives up waiting (and would spool its message)
    assert isinstance(results["SM2"], TimeoutError)
    store.gate.set()
    threads[0].join(5)
    assert store.groups == [["SM1"]]  # SM2 was taken out of the queue, not written after all
    assert store(Inbound("sms", "+85512345678", "SM3", "text")) == (3, True)


def test_a_statement_that_fails_fails_its_group_and_the_next_request_writes_at_once():
    class Failing(GatedStore):
        def _insert(self, rows, deadline):
            if not self.groups:
                self.groups.append([])
                raise ConnectionError("database gone")
            return super()._insert(rows, deadline)

    store = Failing(budget_s=2)
    store.gate.set()
    with pytest.raises(ConnectionError):
        store(Inbound("sms", "+85512345678", "SM1", "text"))
    assert store(Inbound("sms", "+85512345678", "SM2", "text")) == (2, True)
