"""Queries over the store as values, and the SQL they become (pure functions, tested without a database)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from detection.errors import InvalidDetectionValueError
from detection.values import CLASS_NAMES, ReviewStatus


@dataclass(frozen=True, kw_only=True)
class SightingQuery:
    """Which sightings: seen within [``t_from_unix_s``, ``t_to_unix_s``] (overlapping it), of these
    ``classes``, with ``confidence`` ≥ ``min_confidence``, in these review ``statuses``, inside ``bbox_deg``
    = (min_lon, min_lat, max_lon, max_lat), of one flight or vehicle; newest first, ``limit`` rows from
    ``offset``. ``None``/empty means "any"."""

    t_from_unix_s: float | None = None
    t_to_unix_s: float | None = None
    classes: tuple[str, ...] = ()
    min_confidence: float | None = None
    statuses: tuple[ReviewStatus, ...] = ()
    bbox_deg: tuple[float, float, float, float] | None = None
    flight_id: str | None = None
    vehicle: str | None = None
    limit: int | None = 1000
    offset: int = 0
    newest_first: bool = True

    def __post_init__(self) -> None:
        for c in self.classes:
            if c not in CLASS_NAMES:
                raise InvalidDetectionValueError(f"unknown class {c!r}; known: {', '.join(CLASS_NAMES)}")
        object.__setattr__(self, "statuses", tuple(ReviewStatus(s) for s in self.statuses))
        if self.bbox_deg is not None:
            w, s, e, n = self.bbox_deg
            if not (w <= e and s <= n):
                raise InvalidDetectionValueError(
                    f"bbox must be (min_lon, min_lat, max_lon, max_lat), got {self.bbox_deg}"
                )
        if (self.limit is not None and self.limit < 0) or self.offset < 0:
            raise InvalidDetectionValueError("limit and offset must be ≥ 0")


def _in(column: str, values: Sequence[str]) -> tuple[str, list]:
    return f"{column} IN ({', '.join('?' for _ in values)})", list(values)


def sighting_where(q: SightingQuery) -> tuple[str, list]:
    """The WHERE clause (with ``?`` placeholders) and its parameters for a query.

    >>> sighting_where(SightingQuery(classes=("person",), min_confidence=0.5))
    ('WHERE class_name IN (?) AND confidence >= ?', ['person', 0.5])
    >>> sighting_where(SightingQuery())
    ('', [])
    """
    clauses: list[str] = []
    params: list = []
    if q.t_from_unix_s is not None:
        clauses.append("last_seen_unix_s >= ?")
        params.append(q.t_from_unix_s)
    if q.t_to_unix_s is not None:
        clauses.append("first_seen_unix_s <= ?")
        params.append(q.t_to_unix_s)
    if q.classes:
        c, p = _in("class_name", q.classes)
        clauses.append(c)
        params += p
    if q.min_confidence is not None and math.isfinite(q.min_confidence):
        clauses.append("confidence >= ?")
        params.append(q.min_confidence)
    if q.statuses:
        c, p = _in("status", [s.value for s in q.statuses])
        clauses.append(c)
        params += p
    if q.bbox_deg is not None:
        w, s, e, n = q.bbox_deg
        clauses.append("lat_deg BETWEEN ? AND ? AND lon_deg BETWEEN ? AND ?")
        params += [s, n, w, e]
    if q.flight_id is not None:
        clauses.append("flight_id = ?")
        params.append(q.flight_id)
    if q.vehicle is not None:
        clauses.append("vehicle = ?")
        params.append(q.vehicle)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def sighting_select(q: SightingQuery, columns: str = "*") -> tuple[str, list]:
    """The full SELECT for a query.

    >>> sighting_select(SightingQuery(limit=10))[0]
    'SELECT * FROM sightings ORDER BY last_seen_unix_s DESC LIMIT ? OFFSET ?'
    """
    where, params = sighting_where(q)
    order = "DESC" if q.newest_first else "ASC"
    sql = " ".join(
        part
        for part in (f"SELECT {columns} FROM sightings", where, f"ORDER BY last_seen_unix_s {order}")
        if part
    )
    if q.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, q.limit, q.offset]
    return sql, params


@dataclass(frozen=True, kw_only=True)
class EventQuery:
    """Which events: in [``t_from_unix_s``, ``t_to_unix_s``], of ``kinds``, of one sighting or flight."""

    t_from_unix_s: float | None = None
    t_to_unix_s: float | None = None
    kinds: tuple[str, ...] = ()
    sighting_id: str | None = None
    flight_id: str | None = None
    limit: int | None = 10000


def event_select(q: EventQuery) -> tuple[str, list]:
    """The SELECT for an event query, oldest first.

    >>> event_select(EventQuery(kinds=("crossing",)))[0]
    'SELECT * FROM events WHERE kind IN (?) ORDER BY t_unix_s ASC LIMIT ?'
    """
    clauses: list[str] = []
    params: list = []
    for column, op, value in (
        ("t_unix_s", ">=", q.t_from_unix_s),
        ("t_unix_s", "<=", q.t_to_unix_s),
        ("sighting_id", "=", q.sighting_id),
        ("flight_id", "=", q.flight_id),
    ):
        if value is not None:
            clauses.append(f"{column} {op} ?")
            params.append(value)
    if q.kinds:
        c, p = _in("kind", q.kinds)
        clauses.append(c)
        params += p
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = " ".join(part for part in ("SELECT * FROM events", where, "ORDER BY t_unix_s ASC") if part)
    if q.limit is not None:
        sql += " LIMIT ?"
        params.append(q.limit)
    return sql, params
