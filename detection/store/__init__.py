"""The sightings store: one small interface, opened by database URL.

``open_store("sqlite:///data/borderwatch.db")`` (relative path) or ``sqlite:////abs/path.db`` or a plain
file path; ``?snapshots=DIR`` puts snapshot files elsewhere than ``<db name>.snapshots/`` beside it.
PostgreSQL (``postgresql://``) is the planned second back end for fleets; it is not built yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from detection.errors import StoreURLError
from detection.snapshots import Snapshot
from detection.store.query import EventQuery, SightingQuery
from detection.values import Event, ReviewStatus, Sighting


@dataclass(frozen=True, kw_only=True)
class Flight:
    flight_id: str
    vehicle: str
    name: str
    started_unix_s: float
    ended_unix_s: float | None = None


@dataclass(frozen=True, kw_only=True)
class ReviewEdit:
    """One change an analyst made to a sighting's review (the audit trail)."""

    edit_id: int
    sighting_id: str
    t_unix_s: float
    who: str
    old_status: ReviewStatus
    new_status: ReviewStatus
    old_note: str
    new_note: str


class SightingStore(Protocol):
    """What the pipeline, the CLI and the console need from a store."""

    url: str

    def start_flight(
        self, *, vehicle: str, started_unix_s: float, name: str = "", flight_id: str | None = None
    ) -> Flight: ...
    def end_flight(self, flight_id: str, ended_unix_s: float) -> None: ...
    def flights(self) -> list[Flight]: ...
    def save_sighting(self, sighting: Sighting, snapshot: Snapshot | None = None) -> Sighting: ...
    def save_events(self, events: Sequence[Event]) -> None: ...
    def get_sighting(self, sighting_id: str) -> Sighting: ...
    def sightings(self, query: SightingQuery = ...) -> list[Sighting]: ...
    def count_sightings(self, query: SightingQuery = ...) -> int: ...
    def events(self, query: EventQuery = ...) -> list[Event]: ...
    def review(
        self,
        sighting_id: str,
        *,
        status: ReviewStatus | str | None = None,
        note: str | None = None,
        who: str = "analyst",
    ) -> Sighting: ...
    def review_edits(self, sighting_id: str) -> list[ReviewEdit]: ...
    def snapshot_path(self, sha256: str) -> Path: ...
    def close(self) -> None: ...


def parse_store_url(url: str) -> tuple[str, Path | None, Path | None]:
    """(scheme, database path or None for in-memory, snapshot folder or None) of a store URL.

    >>> parse_store_url("sqlite:///data/bw.db")
    ('sqlite', PosixPath('data/bw.db'), PosixPath('data/bw.db.snapshots'))
    >>> parse_store_url("sqlite:////tmp/bw.db?snapshots=/tmp/snaps")
    ('sqlite', PosixPath('/tmp/bw.db'), PosixPath('/tmp/snaps'))
    """
    if "://" not in url:
        path = Path(url)
        return "sqlite", path, path.with_name(path.name + ".snapshots")
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres"):
        raise StoreURLError(
            f"{url}: PostgreSQL is planned but not built yet; use sqlite:///PATH (one file per station)"
        )
    if parts.scheme != "sqlite":
        raise StoreURLError(
            f"{url}: unknown database URL; use sqlite:///relative.db, sqlite:////abs.db or sqlite://:memory:"
        )
    snaps = parse_qs(parts.query).get("snapshots", [None])[0]
    raw = unquote(url.split("://", 1)[1].split("?", 1)[0])
    if raw in (":memory:", "/:memory:", ""):
        return "sqlite", None, Path(snaps) if snaps else None
    if not raw.startswith("/"):
        raise StoreURLError(
            f"{url}: a sqlite URL has three slashes before a relative path (sqlite:///data/x.db)"
        )
    path = Path(raw[1:])  # sqlite:///rel.db → rel.db; sqlite:////abs.db → /abs.db
    return "sqlite", path, Path(snaps) if snaps else path.with_name(path.name + ".snapshots")


def open_store(url: str) -> SightingStore:
    """Open (creating and migrating when needed) the store at ``url``; see the module docstring."""
    from detection.store.sqlite import SqliteStore

    _, path, snapshots = parse_store_url(url)
    return SqliteStore(url=url, path=path, snapshot_dir=snapshots)


__all__ = [
    "EventQuery",
    "Flight",
    "ReviewEdit",
    "SightingQuery",
    "SightingStore",
    "open_store",
    "parse_store_url",
]
