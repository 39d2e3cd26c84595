"""The sightings store on real SQLite files: migrations, upserts that keep reviews, indexed queries,
review audit, snapshots by content hash, and a writer killed with SIGKILL mid-stream."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from detection.errors import NotFoundError, SchemaVersionError, StoreError, StoreURLError
from detection.snapshots import make_snapshot
from detection.store import EventQuery, SightingQuery, open_store, parse_store_url
from detection.values import CrossingEvent, ReviewStatus, ZoneAlert
from tests.detection.builders import sighting, textured_image

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path}/bw.db")
    s.start_flight(vehicle="drone-1", started_unix_s=1_763_790_000.0, flight_id="f1")
    yield s
    s.close()


def test_a_new_database_is_in_wal_mode_at_the_latest_schema(tmp_path):
    s = open_store(str(tmp_path / "x.db"))
    try:
        assert s.schema_version == 1
        with sqlite3.connect(tmp_path / "x.db") as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"flights", "sightings", "events", "review_edits", "snapshots"} <= tables
    finally:
        s.close()


def test_a_database_from_a_newer_borderwatch_is_refused(tmp_path):
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(SchemaVersionError, match="upgrade borderwatch"):
        open_store(f"sqlite:///{path}")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("postgresql://db/bw", "not built yet"),
        ("mysql://x", "unknown database URL"),
        ("sqlite://relative.db", "three slashes"),
    ],
)
def test_unsupported_urls_say_what_works(url, error):
    with pytest.raises(StoreURLError, match=error):
        parse_store_url(url)


def test_in_memory_store_works_without_snapshot_files():
    s = open_store("sqlite://:memory:")
    s.start_flight(vehicle="v", started_unix_s=0.0, flight_id="f1")
    s.save_sighting(sighting())
    assert s.count_sightings() == 1


def test_save_returns_the_committed_sighting_and_snapshots_are_content_named(store):
    img = textured_image()
    snap = make_snapshot(img, np.array([600.0, 300.0, 640.0, 380.0]))
    saved = store.save_sighting(sighting(sighting_id="a" * 32), snap)
    assert saved.crop_sha256 == snap.crop.sha256 and saved.frame_sha256 == snap.frame.sha256
    path = store.snapshot_path(saved.crop_sha256)
    assert path.read_bytes() == snap.crop.jpeg
    got = store.get_sighting("a" * 32)
    assert got == saved


def test_pipeline_updates_keep_the_analysts_review(store):
    s = store.save_sighting(sighting(sighting_id="b" * 32))
    store.review(s.sighting_id, status="confirmed", note="two people, one backpack", who="ana")
    updated = sighting(sighting_id="b" * 32, t=1_763_790_100.0, confidence=0.9)
    store.save_sighting(updated)
    got = store.get_sighting(s.sighting_id)
    assert (got.status, got.note, got.confidence, got.last_seen_unix_s) == (
        ReviewStatus.CONFIRMED,
        "two people, one backpack",
        pytest.approx(0.9),
        1_763_790_100.0,
    )
    edits = store.review_edits(s.sighting_id)
    assert [(e.who, e.old_status, e.new_status, e.new_note) for e in edits] == [
        ("ana", ReviewStatus.NEW, ReviewStatus.CONFIRMED, "two people, one backpack")
    ]
    store.review(s.sighting_id, status="dismissed")
    assert [e.new_status for e in store.review_edits(s.sighting_id)] == [
        ReviewStatus.CONFIRMED,
        ReviewStatus.DISMISSED,
    ]


def test_review_of_an_unknown_sighting_is_not_found(store):
    with pytest.raises(NotFoundError, match="no sighting"):
        store.review("nope", status="confirmed")


def test_a_sighting_of_an_unknown_flight_is_refused(store):
    with pytest.raises(StoreError, match="start its flight first"):
        store.save_sighting(sighting(flight_id="unknown-flight"))


def test_queries_filter_by_time_class_confidence_status_and_area(store):
    t0 = 1_763_790_000.0
    made = []
    for i in range(40):
        s = sighting(
            i=i, t=t0 + 10 * i, class_name=("person", "vehicle")[i % 2], confidence=0.3 + 0.015 * i,
            lat=31.30 + 0.001 * i, lon=-111.0 + 0.001 * i,
        )  # fmt: skip
        made.append(store.save_sighting(s))
    store.review(made[4].sighting_id, status="confirmed")
    q = SightingQuery
    assert len(store.sightings(q())) == 40
    assert [s.track_id for s in store.sightings(q(limit=3))] == [39, 38, 37]  # newest first
    assert store.count_sightings(q(classes=("vehicle",))) == 20
    assert store.count_sightings(q(min_confidence=0.6)) == 40 - 20
    assert [s.track_id for s in store.sightings(q(statuses=("confirmed",)))] == [4]
    in_time = store.sightings(q(t_from_unix_s=t0 + 95, t_to_unix_s=t0 + 150))
    assert sorted(s.track_id for s in in_time) == list(range(10, 16))  # seen t-5..t overlaps the range
    box = store.sightings(q(bbox_deg=(-110.9905, 31.3095, -110.9845, 31.3155)))
    assert sorted(s.track_id for s in box) == list(range(10, 16))
    both = store.sightings(q(classes=("person",), bbox_deg=(-111.0, 31.30, -110.9705, 31.3295)))
    assert sorted(s.track_id for s in both) == list(range(0, 30, 2))


def test_events_are_stored_and_queried(store):
    s = store.save_sighting(sighting())
    common = dict(
        sighting_id=s.sighting_id,
        flight_id="f1",
        vehicle="drone-1",
        class_name="person",
        lat_deg=31.3,
        lon_deg=-111.0,
    )
    store.save_events(
        [
            ZoneAlert(event_id="e1", t_unix_s=10.0, distance_m=49.0, buffer_m=50.0, side="south", **common),
            CrossingEvent(
                event_id="e2", t_unix_s=20.0, from_side="south", to_side="north", border_name="b", **common
            ),
        ]
    )
    got = store.events(EventQuery(sighting_id=s.sighting_id))
    assert [type(e).__name__ for e in got] == ["ZoneAlert", "CrossingEvent"]
    assert got[1].direction == "south→north" and got[0].distance_m == 49.0
    assert [e.event_id for e in store.events(EventQuery(kinds=("crossing",)))] == ["e2"]


_WRITER = textwrap.dedent(
    """
    import sys, uuid
    import numpy as np
    sys.path.insert(0, {root!r})
    from detection.snapshots import make_snapshot
    from detection.store import open_store
    from tests.detection.builders import sighting, textured_image
    store = open_store({url!r})
    store.start_flight(vehicle="drone-1", started_unix_s=0.0, flight_id="f-kill")
    img = textured_image(360, 640)
    i = 0
    while True:
        s = sighting(i=i, flight_id="f-kill", sighting_id=uuid.uuid4().hex)
        snap = make_snapshot(img, np.array([10.0 + i % 500, 10.0, 60.0 + i % 500, 90.0])) if i % 3 == 0 else None
        store.save_sighting(s, snap)
        print(s.sighting_id, flush=True)
        i += 1
    """
)


def test_every_committed_sighting_survives_a_writer_killed_with_sigkill(tmp_path):
    url = f"sqlite:///{tmp_path}/kill.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER.format(root=str(ROOT), url=url)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    printed: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while len(printed) < 150 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            printed.append(line.strip())
        assert len(printed) >= 150, proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        printed += [x.strip() for x in proc.stdout.read().splitlines() if x.strip()]
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    store = open_store(url)
    try:
        assert store.integrity_check() == "ok"
        ids = store.sighting_ids()
        assert set(printed) <= ids
        for sid in printed[-5:]:
            s = store.get_sighting(sid)
            if s.crop_sha256:
                assert store.snapshot_path(s.crop_sha256).stat().st_size > 0
        store.save_sighting(sighting(flight_id="f-kill"))  # and it is writable again
    finally:
        store.close()
