"""The dispatcher's statements touch only the rows in hand, however big the table: EXPLAIN (ANALYZE, BUFFERS).

A PostgreSQL table as a busy evening leaves it (tests/bulkload.py): 300,000 reminders
sent tonight, 100,000 waiting to retry (their push service paused), 5,000 being sent
by another dispatcher and 1,000 due. Each statement the dispatcher runs is executed
under EXPLAIN (ANALYZE, BUFFERS) exactly as the dispatcher runs it (same SQL, same
parameters) and rolled back: no node of its plan may read a whole table or index,
handle more rows than twice those it works on, or touch more pages than a few per row.
bench/scale.py times the same statements on 1M rows against an almost empty table.
"""

from __future__ import annotations

import random

import psycopg
import pytest

from app.db import get_db
from app.reminders.answers import Outcome
from app.reminders.dispatch import ANY_DUE, BATCH, CLAIM, RELEASE, RENEW, Dispatcher
from app.reminders.outcomes import RECORD_AS_CLAIMED, _plan
from tests import bulkload
from tests.bulkload import explained, nodes
from tests.conftest import figures_printed_after, make_app

ROWS = {"later": 300_000, "deferred": 100_000, "leased": 5_000, "due": 1_000}
# A row written touches its old and new heap pages and, for each of the (up to three) indexes that get an
# entry, the B-tree's path down (3-4 pages on this table) and now and then a page split; reading it, 1-4 more.
PAGES_PER_ROW = 30
FIGURES: list[str] = []


show_figures = figures_printed_after("EXPLAIN figures", FIGURES)


@pytest.fixture(scope="module")
def busy(postgres, tmp_path_factory):
    """A migrated database holding ROWS, analysed (as autovacuum would have it)."""
    url = postgres.new_database()
    make_app(tmp_path_factory.mktemp("scale"), url)
    with psycopg.connect(bulkload.plain_url(url), autocommit=True) as connection:
        for kind, count in ROWS.items():
            bulkload.add_rows(connection, kind, count)
        connection.execute("VACUUM ANALYZE reminders")
    return url


def check(name: str, plan: dict, rows_in_hand: int) -> dict:
    """No full scans; no node handles more than twice the rows in hand; a few pages a row. Returns the figures."""
    every = nodes(plan)
    scans = [n["Node Type"] for n in every if n["Node Type"] in ("Seq Scan", "Bitmap Heap Scan")]
    assert scans == [], f"a scan that reads the table: {scans}"
    handled = max(
        n["Actual Rows"] * n["Actual Loops"]
        + n.get("Rows Removed by Filter", 0)
        + n.get("Rows Removed by Index Recheck", 0)
        for n in every
    )
    root = plan["Plan"]
    pages = root["Shared Hit Blocks"] + root["Shared Read Blocks"]
    figures = {"rows": handled, "pages": pages, "ms": plan["Execution Time"]}
    FIGURES.append(
        f"{name}: {rows_in_hand} rows in hand; at most {handled} rows in any step, {pages} pages, {figures['ms']:.2f} ms"
    )
    assert handled <= 2 * max(rows_in_hand, 1) + 2, figures
    assert pages <= PAGES_PER_ROW * max(rows_in_hand, 1) + 40, figures
    return figures


def test_claim_renew_record_and_the_due_look_touch_only_their_rows(busy, tmp_path):
    app = make_app(tmp_path, busy)
    dispatcher = Dispatcher(app)
    dispatcher.time.sync()
    clock = dispatcher.time.params(dispatcher.lease)
    engine = get_db(app).engine
    with engine.connect() as connection:
        (look,) = explained(connection, ANY_DUE, clock)
        check("the due look", look, 1)
        (release,) = explained(connection, RELEASE, clock)
        check(
            "release of expired leases", release, 0
        )  # nobody's lease has run out: the 5,000 leased rows are not read one by one
        (claim,) = explained(connection, CLAIM, {**clock, "token": "mine", "batch": BATCH})
        check("claim", claim, BATCH)
        assert claim["Plan"]["Actual Rows"] == BATCH
    batch = dispatcher.claim()  # for real now: the rows the renewal and the record work on
    assert len(batch) == BATCH
    with engine.connect() as connection:
        ids = [row.id for row in batch]
        (renew,) = explained(connection, RENEW, {**clock, "tokens": [batch[0].token], "ids": ids})
        check("renewal", renew, BATCH)
        sent = _plan(batch[0], Outcome("sent", 201), batch[0], dispatcher.clock(), random.Random(1))
        assert sent.change is not None
        (record,) = explained(connection, RECORD_AS_CLAIMED, {**sent.change, "seen": batch[0].updated_at})
        check("record of a send", record, 1)
        retry = _plan(batch[1], Outcome("retry", 503, "HTTP 503"), batch[1], dispatcher.clock(), random.Random(1))
        assert retry.change is not None and retry.change["retry_after"] > dispatcher.clock().replace(tzinfo=None)
        (deferred,) = explained(connection, RECORD_AS_CLAIMED, {**retry.change, "seen": batch[1].updated_at})
        check("record of a retry", deferred, 1)
    assert {row.endpoint.split("/")[3] for row in batch} == {"due"}, "neither deferred nor leased rows are claimed"
