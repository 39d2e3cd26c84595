"""What the Replay page computes, apart from Streamlit: the flight track from .tlogs, filtering, clustering."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import folium

from detection.store import SightingStore
from detection.store.query import EventQuery, SightingQuery
from detection.values import Event, EventKind, ReviewStatus, Sighting
from telemetry.errors import TlogError
from telemetry.replay import read_tlog, vehicle_system_id
from ui.console import maps

ZONES = ("anywhere", "crossed the border", "entered the buffer zone")


@dataclass(frozen=True, kw_only=True)
class ReplayQuery:
    t_from_unix_s: float | None
    t_to_unix_s: float | None
    flight_id: str | None = None
    vehicle: str | None = None
    classes: tuple[str, ...] = ()
    min_confidence: float = 0.0
    statuses: tuple[ReviewStatus, ...] = ()
    zone: str = "anywhere"
    limit: int = 5000


def run_query(store: SightingStore, q: ReplayQuery) -> tuple[list[Sighting], list[Event]]:
    """Sightings and events matching the page's filters (the zone filter uses the events)."""
    sightings = store.sightings(
        SightingQuery(
            t_from_unix_s=q.t_from_unix_s, t_to_unix_s=q.t_to_unix_s, flight_id=q.flight_id, vehicle=q.vehicle,
            classes=q.classes, min_confidence=q.min_confidence or None, statuses=q.statuses, limit=q.limit,
        )
    )  # fmt: skip
    events = store.events(
        EventQuery(
            t_from_unix_s=q.t_from_unix_s, t_to_unix_s=q.t_to_unix_s, flight_id=q.flight_id, limit=q.limit * 2
        )
    )
    if q.zone != "anywhere":
        kind = EventKind.CROSSING if q.zone == "crossed the border" else EventKind.BUFFER_ENTRY
        keep = {e.sighting_id for e in events if e.kind == kind}
        sightings = [s for s in sightings if s.sighting_id in keep]
    return sightings, events


def flight_track(
    tlog_dir: Path, vehicle: str, t_from_unix_s: float, t_to_unix_s: float
) -> list[tuple[float, float, float, float]]:
    """(t, lat, lon, alt_rel_m) of ``vehicle`` between two times, read from its recorded .tlogs."""
    folder = Path(tlog_dir) / vehicle
    rows: list[tuple[float, float, float, float]] = []
    for path in sorted(folder.glob("*.tlog")) if folder.exists() else []:
        try:
            system = vehicle_system_id(path)
            for tm in read_tlog(path):
                m = tm.message
                if m.get_type() != "GLOBAL_POSITION_INT" or (
                    system is not None and m.get_srcSystem() != system
                ):
                    continue
                if t_from_unix_s <= tm.t_unix_s <= t_to_unix_s:
                    rows.append((tm.t_unix_s, m.lat / 1e7, m.lon / 1e7, m.relative_alt / 1000.0))
        except TlogError:
            continue  # a damaged log: show what the others hold
    rows.sort()
    return rows


def sightings_layer(
    sightings: list[Sighting], events: list[Event], *, cluster_above: int = 50
) -> folium.FeatureGroup:
    """Sightings with their error ellipses; points clustered when there are many."""
    fg = folium.FeatureGroup(name="sightings")
    crossed = {e.sighting_id for e in events if e.kind == EventKind.CROSSING}
    for layer in maps.sightings_layers(sightings, crossed, cluster=len(sightings) > cluster_above):
        layer.add_to(fg)
    maps.localize(fg)
    return fg
