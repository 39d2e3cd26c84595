"""What the Fly page draws, apart from Streamlit: the live layers, status cards and the sightings feed."""

from __future__ import annotations

import time
from dataclasses import dataclass

import folium

from detection.store import SightingStore
from detection.store.query import EventQuery, SightingQuery
from detection.values import Event, EventKind, Sighting
from missions.camera import camera_preset
from missions.coverage import ground_footprint
from missions.values import GeoPoint
from telemetry.state import VehicleState
from ui.console import maps
from ui.station.station import Station


@dataclass(frozen=True, kw_only=True)
class StatusCard:
    name: str
    stale: bool
    lines: tuple[str, ...]


def status_card(name: str, s: VehicleState) -> StatusCard:
    age = "never" if s.link.heartbeat_age_s is None else f"{s.link.heartbeat_age_s:.1f} s"
    return StatusCard(
        name=name,
        stale=s.link.stale,
        lines=(
            f"mode **{s.mode or '?'}** · {'ARMED' if s.armed else 'disarmed'}",
            f"battery {'?' if s.battery_pct is None else f'{s.battery_pct:.0f} %'} · "
            f"{'?' if s.battery_v is None else f'{s.battery_v:.1f} V'}",
            f"alt {'?' if s.alt_rel_m is None else f'{s.alt_rel_m:.0f} m'} · speed {s.ground_speed_m_s or 0:.1f} m/s",
            f"GPS fix {s.gps_fix_type} · {s.satellites} sats · EKF {'ok' if s.ekf_ready else 'not ready'}",
            f"link: heartbeat {age} · loss {s.link.packet_loss_pct:.0f} %"
            + (f" · {s.link.reconnects} reconnects" if s.link.reconnects else ""),
            f"mission item {s.mission_current_seq if s.mission_current_seq is not None else '-'}",
        ),
    )


def recent_sightings(
    store: SightingStore, *, since_unix_s: float | None = None, limit: int = 50
) -> list[Sighting]:
    return store.sightings(SightingQuery(t_from_unix_s=since_unix_s, limit=limit))


def recent_events(store: SightingStore, *, since_unix_s: float | None = None, limit: int = 50) -> list[Event]:
    return store.events(EventQuery(t_from_unix_s=since_unix_s, limit=limit))


def live_layer(
    station: Station, sightings: list[Sighting], events: list[Event], trail_s: float = 600.0
) -> folium.FeatureGroup:
    """Drones (icon with heading, trail, mission path and current target, camera footprint) and sightings
    (with their error ellipses; crossings stand out)."""
    fg = folium.FeatureGroup(name="live")
    now = time.time()
    for entry in station.vehicles():
        state = station.states().get(entry.name)
        if state is None or not state.has_position:
            continue
        link = station.link(entry.name)
        trail = [(lat, lon) for _, lat, lon, _ in link.history.track(now - trail_s, max_points=300)]
        if len(trail) > 1:
            folium.PolyLine(trail, color="#0b61a4", weight=2, opacity=0.6).add_to(fg)
        plan = station.plan_of(entry.name)
        if plan is not None:
            for layer in maps.route_layer(
                plan.mission, colour="#7f7f7f", current_seq=state.mission_current_seq
            )._children.values():
                layer.add_to(fg)
        heading = state.heading_deg if state.heading_deg is not None else (state.yaw_deg or 0.0)
        if (state.alt_rel_m or 0.0) > 2.0:
            corners = ground_footprint(
                camera_preset(entry.camera), GeoPoint(lat_deg=state.lat_deg, lon_deg=state.lon_deg), state.alt_rel_m,
                state.gimbal_yaw_deg if state.gimbal_yaw_deg is not None else heading, state.gimbal_pitch_deg,
            )  # fmt: skip
            folium.Polygon([(p.lat_deg, p.lon_deg) for p in corners], color="#2ca02c", weight=1, fill=True,
                           fill_opacity=0.15, tooltip=f"{entry.name} camera").add_to(fg)  # fmt: skip
        folium.Marker((state.lat_deg, state.lon_deg), icon=maps.drone_icon(heading, entry.name, state.link.stale),
                      tooltip=f"{entry.name}: {state.mode}, {state.alt_rel_m or 0:.0f} m").add_to(fg)  # fmt: skip
    crossed = {e.sighting_id for e in events if e.kind == EventKind.CROSSING}
    for layer in maps.sightings_layers(sightings, crossed, cluster=False):
        layer.add_to(fg)
    maps.localize(fg)
    return fg
