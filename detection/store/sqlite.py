"""The SQLite back end: one file in WAL mode, ``synchronous=FULL``, every write its own transaction.

A sighting returned by ``save_sighting`` is on disk: its snapshot files are written (to a temporary
name, fsynced, renamed) before the row that names them, and the row is committed before the call
returns. A writer killed at any instant leaves every committed sighting intact and a database that
opens (WAL recovery is SQLite's).
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from detection.errors import NotFoundError, SchemaVersionError, StoreError
from detection.snapshots import Picture, Snapshot
from detection.store import Flight, ReviewEdit
from detection.store.query import EventQuery, SightingQuery, event_select, sighting_select, sighting_where
from detection.store.schema import MIGRATIONS, SCHEMA_VERSION
from detection.values import CrossingEvent, ErrorEllipse, Event, EventKind, ReviewStatus, Sighting, ZoneAlert

_SIGHTING_COLUMNS = (
    "sighting_id", "flight_id", "vehicle", "class_name", "confidence", "first_seen_unix_s", "last_seen_unix_s",
    "lat_deg", "lon_deg", "alt_amsl_m", "position_t_unix_s", "semi_major_m", "semi_minor_m", "orientation_deg",
    "ellipse_confidence", "cep_m", "ce90_m", "mgrs", "track_id", "track_frames", "speed_m_s", "course_deg",
    "crop_sha256", "frame_sha256", "status", "note", "updated_unix_s",
)  # fmt: skip
ALL_SIGHTINGS = SightingQuery(limit=None)
ALL_EVENTS = EventQuery(limit=None)
# Written by the pipeline on every update; status and note belong to analysts and are never overwritten.
_PIPELINE_COLUMNS = [c for c in _SIGHTING_COLUMNS if c not in ("sighting_id", "status", "note")]


def _f(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def sighting_row(s: Sighting) -> tuple:
    e = s.ellipse
    return (
        s.sighting_id, s.flight_id, s.vehicle, s.class_name, float(s.confidence), s.first_seen_unix_s,
        s.last_seen_unix_s, s.lat_deg, s.lon_deg, _none(s.alt_amsl_m), s.position_t_unix_s, _none(e.semi_major_m),
        _none(e.semi_minor_m), _none(e.orientation_deg), _none(e.confidence), _none(e.cep_m), _none(e.ce90_m),
        s.mgrs, int(s.track_id), int(s.track_frames), _none(s.speed_m_s), _none(s.course_deg), s.crop_sha256,
        s.frame_sha256, ReviewStatus(s.status).value, s.note, _none(s.updated_unix_s),
    )  # fmt: skip


def sighting_from_row(r: sqlite3.Row) -> Sighting:
    return Sighting(
        sighting_id=r["sighting_id"],
        flight_id=r["flight_id"],
        vehicle=r["vehicle"],
        class_name=r["class_name"],
        confidence=r["confidence"],
        first_seen_unix_s=r["first_seen_unix_s"],
        last_seen_unix_s=r["last_seen_unix_s"],
        lat_deg=r["lat_deg"],
        lon_deg=r["lon_deg"],
        alt_amsl_m=_f(r["alt_amsl_m"]),
        position_t_unix_s=r["position_t_unix_s"],
        ellipse=ErrorEllipse(
            semi_major_m=_f(r["semi_major_m"]),
            semi_minor_m=_f(r["semi_minor_m"]),
            orientation_deg=_f(r["orientation_deg"]),
            confidence=_f(r["ellipse_confidence"]),
            cep_m=_f(r["cep_m"]),
            ce90_m=_f(r["ce90_m"]),
        ),
        mgrs=r["mgrs"],
        track_id=r["track_id"],
        track_frames=r["track_frames"],
        speed_m_s=_f(r["speed_m_s"]),
        course_deg=_f(r["course_deg"]),
        crop_sha256=r["crop_sha256"],
        frame_sha256=r["frame_sha256"],
        status=ReviewStatus(r["status"]),
        note=r["note"],
        updated_unix_s=_f(r["updated_unix_s"]),
    )


def _event_from_row(r: sqlite3.Row) -> Event:
    common = {
        "event_id": r["event_id"],
        "sighting_id": r["sighting_id"],
        "flight_id": r["flight_id"],
        "vehicle": r["vehicle"],
        "class_name": r["class_name"],
        "t_unix_s": r["t_unix_s"],
        "lat_deg": r["lat_deg"],
        "lon_deg": r["lon_deg"],
        "border_name": r["border_name"],
    }
    if r["kind"] == EventKind.CROSSING:
        return CrossingEvent(**common, from_side=r["from_side"], to_side=r["to_side"])
    return ZoneAlert(
        **common, distance_m=_f(r["distance_m"]), buffer_m=_f(r["buffer_m"]), side=r["side"] or ""
    )


class SqliteStore:
    """The store in one SQLite file (or in memory with ``path=None``). Thread-safe: one connection
    behind a lock; readers in other processes open their own store on the same file."""

    def __init__(
        self, *, url: str, path: Path | None, snapshot_dir: Path | None, busy_timeout_s: float = 10.0
    ) -> None:
        self.url = url
        self.path = path
        self.snapshot_dir = snapshot_dir
        self._lock = threading.RLock()
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path) if path is not None else ":memory:",
                isolation_level=None,
                check_same_thread=False,
                timeout=busy_timeout_s,
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the sightings database {url}: {exc}; check the path and its permissions"
            ) from exc
        self._db.row_factory = sqlite3.Row
        try:
            if path is not None:
                mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise StoreError(
                        f"{url}: SQLite refused WAL mode (got {mode}); is the file on a network share?"
                    )
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{url} is not a usable borderwatch database: {exc}") from exc

    # --- plumbing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.url} has schema version {version}, this borderwatch knows up to {SCHEMA_VERSION}: "
                "upgrade borderwatch to open it"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._tx() as db:
                for statement in MIGRATIONS[target - 1]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def integrity_check(self) -> str:
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    # --- flights ------------------------------------------------------------------------------
    def start_flight(
        self, *, vehicle: str, started_unix_s: float, name: str = "", flight_id: str | None = None
    ) -> Flight:
        flight = Flight(
            flight_id=flight_id or uuid.uuid4().hex, vehicle=vehicle, name=name, started_unix_s=started_unix_s
        )
        with self._tx() as db:
            db.execute(
                "INSERT INTO flights (flight_id, vehicle, name, started_unix_s) VALUES (?, ?, ?, ?)",
                (flight.flight_id, vehicle, name, started_unix_s),
            )
        return flight

    def end_flight(self, flight_id: str, ended_unix_s: float) -> None:
        with self._tx() as db:
            if (
                db.execute(
                    "UPDATE flights SET ended_unix_s = ? WHERE flight_id = ?", (ended_unix_s, flight_id)
                ).rowcount
                == 0
            ):
                raise NotFoundError(f"no flight {flight_id} in {self.url}")

    def flights(self) -> list[Flight]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM flights ORDER BY started_unix_s").fetchall()
        return [Flight(**dict(r)) for r in rows]

    # --- snapshots ----------------------------------------------------------------------------
    def snapshot_path(self, sha256: str) -> Path:
        if self.snapshot_dir is None:
            raise StoreError(f"{self.url} keeps no snapshot files (in-memory without ?snapshots=DIR)")
        return self.snapshot_dir / sha256[:2] / f"{sha256}.jpg"

    def _write_picture(self, picture: Picture) -> str:
        sha = picture.sha256
        if self.snapshot_dir is None:
            return sha
        path = self.snapshot_path(sha)
        if path.exists():
            return sha
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(picture.jpeg)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return sha

    # --- sightings ----------------------------------------------------------------------------
    def save_sighting(self, sighting: Sighting, snapshot: Snapshot | None = None) -> Sighting:
        """Insert or update a sighting (review status and note are kept), with its snapshot; returns the
        stored sighting once committed."""
        from dataclasses import replace

        now = time.time()
        if snapshot is not None:
            sighting = replace(
                sighting,
                crop_sha256=self._write_picture(snapshot.crop),
                frame_sha256=self._write_picture(snapshot.frame),
            )
        sighting = replace(sighting, updated_unix_s=now)
        placeholders = ", ".join("?" for _ in _SIGHTING_COLUMNS)
        updates = ", ".join(
            f"{c} = COALESCE(excluded.{c}, {c})"
            if c in ("crop_sha256", "frame_sha256")
            else f"{c} = excluded.{c}"
            for c in _PIPELINE_COLUMNS
        )
        try:
            with self._tx() as db:
                if snapshot is not None:
                    db.executemany(
                        "INSERT OR IGNORE INTO snapshots VALUES (?, ?, ?, ?, ?, ?)",
                        [
                            (p.sha256, p.kind, p.width_px, p.height_px, len(p.jpeg), now)
                            for p in (snapshot.crop, snapshot.frame)
                        ],
                    )
                db.execute(
                    f"INSERT INTO sightings ({', '.join(_SIGHTING_COLUMNS)}) VALUES ({placeholders}) "
                    f"ON CONFLICT (sighting_id) DO UPDATE SET {updates}",
                    sighting_row(sighting),
                )
        except sqlite3.IntegrityError as exc:
            raise StoreError(
                f"sighting {sighting.sighting_id} refused by {self.url}: {exc} (start its flight first)"
            ) from exc
        return sighting

    def save_sightings_bulk(self, sightings: list[Sighting]) -> None:
        """Insert many sightings (no snapshots) in one transaction: imports, replays, benchmarks."""
        placeholders = ", ".join("?" for _ in _SIGHTING_COLUMNS)
        with self._tx() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO sightings ({', '.join(_SIGHTING_COLUMNS)}) VALUES ({placeholders})",
                [sighting_row(s) for s in sightings],
            )

    def get_sighting(self, sighting_id: str) -> Sighting:
        with self._lock:
            row = self._db.execute("SELECT * FROM sightings WHERE sighting_id = ?", (sighting_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no sighting {sighting_id} in {self.url}")
        return sighting_from_row(row)

    def sightings(self, query: SightingQuery = ALL_SIGHTINGS) -> list[Sighting]:
        sql, params = sighting_select(query)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [sighting_from_row(r) for r in rows]

    def count_sightings(self, query: SightingQuery = ALL_SIGHTINGS) -> int:
        where, params = sighting_where(query)
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM sightings {where}", params).fetchone()[0])

    def sighting_ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT sighting_id FROM sightings")}

    # --- events -------------------------------------------------------------------------------
    def save_events(self, events: Sequence[Event]) -> None:
        rows = []
        for e in events:
            crossing = isinstance(e, CrossingEvent)
            rows.append(
                (
                    e.event_id, e.kind.value, e.sighting_id, e.flight_id, e.vehicle, e.class_name, e.t_unix_s,
                    e.lat_deg, e.lon_deg, e.from_side if crossing else None, e.to_side if crossing else None,
                    None if crossing else e.side, None if crossing else e.distance_m,
                    None if crossing else e.buffer_m, e.border_name,
                )
            )  # fmt: skip
        if not rows:
            return
        with self._tx() as db:
            db.executemany(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )

    def events(self, query: EventQuery = ALL_EVENTS) -> list[Event]:
        sql, params = event_select(query)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [_event_from_row(r) for r in rows]

    # --- review -------------------------------------------------------------------------------
    def review(
        self,
        sighting_id: str,
        *,
        status: ReviewStatus | str | None = None,
        note: str | None = None,
        who: str = "analyst",
    ) -> Sighting:
        """Set a sighting's review status and/or note, recording the change in the audit trail."""
        new_status = ReviewStatus(status) if status is not None else None
        with self._tx() as db:
            row = db.execute(
                "SELECT status, note FROM sightings WHERE sighting_id = ?", (sighting_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no sighting {sighting_id} in {self.url}")
            old_status, old_note = ReviewStatus(row["status"]), row["note"]
            st = new_status or old_status
            nt = old_note if note is None else note
            if (st, nt) != (old_status, old_note):
                db.execute(
                    "UPDATE sightings SET status = ?, note = ? WHERE sighting_id = ?",
                    (st.value, nt, sighting_id),
                )
                db.execute(
                    "INSERT INTO review_edits (sighting_id, t_unix_s, who, old_status, new_status, old_note, new_note) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (sighting_id, time.time(), who, old_status.value, st.value, old_note, nt),
                )
        return self.get_sighting(sighting_id)

    def review_edits(self, sighting_id: str) -> list[ReviewEdit]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM review_edits WHERE sighting_id = ? ORDER BY edit_id", (sighting_id,)
            ).fetchall()
        return [
            ReviewEdit(
                **{
                    **dict(r),
                    "old_status": ReviewStatus(r["old_status"]),
                    "new_status": ReviewStatus(r["new_status"]),
                }
            )
            for r in rows
        ]
