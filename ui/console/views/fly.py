"""Fly: every drone on one map, status cards, commands with confirmation, live video, sightings feed."""

from __future__ import annotations

import time

import streamlit as st
from streamlit_folium import st_folium

from missions.values import GeoPoint
from telemetry.actions import ACTIONS
from telemetry.errors import LinkError
from ui.console import maps
from ui.console.context import get_settings, get_station, operator
from ui.console.fly_logic import live_layer, recent_events, recent_sightings, status_card

LABELS = {
    "launch": "Launch",
    "pause": "Pause",
    "resume": "Resume",
    "rtl": "RTL",
    "land": "Land",
    "arm": "Arm",
    "disarm": "Disarm",
}
station = get_station()
settings = get_settings()
ss = st.session_state
st.title("Fly")

names = [v.name for v in station.vehicles()]
if not names:
    st.info("No drone connected: add one on the Connections page, or start simulated drones there.")
    st.stop()

if "fly_centre" not in ss:
    positions = [s for s in station.states().values() if s.has_position]
    ss.fly_centre = (
        GeoPoint(lat_deg=positions[0].lat_deg, lon_deg=positions[0].lon_deg)
        if positions
        else GeoPoint(lat_deg=31.3433, lon_deg=-110.97)
    )


def command_panel(vehicle: str) -> None:
    """Buttons, then a confirmation (kept in the session, so a refresh does not lose it)."""
    alt_m = st.number_input("Launch altitude (m)", 10.0, 120.0, 60.0, 5.0, key="launch_alt")
    buttons = st.columns(4) + st.columns(4)
    for col, action in zip(buttons, ACTIONS, strict=False):
        if col.button(LABELS[action], key=f"cmd_{action}", width="stretch"):
            ss.pending = action
    pending = ss.get("pending")
    if pending:
        st.warning(
            f"Send **{pending.upper()}** to **{vehicle}**"
            + (f" (take-off to {alt_m:g} m)?" if pending == "launch" else "?")
        )
        c1, c2 = st.columns(2)
        if c1.button("Confirm", type="primary", key="confirm"):
            try:
                ss.last_job = station.command(operator(), vehicle, pending, alt_m=float(alt_m)).id
            except LinkError as exc:
                st.error(str(exc))
            ss.pending = None
            st.rerun(scope="fragment")
        if c2.button("Cancel", key="cancel"):
            ss.pending = None
            st.rerun(scope="fragment")
    job = station.jobs.get(ss.get("last_job", -1))
    if job is not None:
        text = f"{job.action} → {job.vehicle}: {job.status}" + (f" — {job.message}" if job.message else "")
        (st.error if job.status == "failed" else st.success if job.status == "done" else st.info)(text)
        if job.steps:
            st.caption(" · ".join(job.steps[-4:]))


@st.fragment(run_every=1.0)
def live() -> None:
    since = time.time() - 6 * 3600
    sightings = recent_sightings(station.store, since_unix_s=since, limit=300)
    events = recent_events(station.store, since_unix_s=since, limit=300)
    left, right = st.columns([5, 3])
    with right:
        vehicle = st.selectbox("Drone", names, key="fly_vehicle")
        command_panel(vehicle)
    with left:
        # A fresh base map each refresh renders to the same script, so the browser keeps its map and only
        # the live layer is replaced (streamlit-folium adds the layer to the map object it is given).
        base = maps.base_map(ss.fly_centre, settings.tiles, zoom=14)
        if station.border is not None:
            maps.border_layer(station.border).add_to(base)
        st_folium(base, key="fly-map", height=520, use_container_width=True, returned_objects=[],
                  feature_group_to_add=live_layer(station, sightings, events))  # fmt: skip
    cards = st.columns(max(1, len(names)))
    states = station.states()
    for col, name in zip(cards, names, strict=True):
        s = states.get(name)
        if s is None:
            continue
        card = status_card(name, s)
        with col.container(border=True):
            st.markdown(f"**{name}**" + ("  :red[**STALE LINK**]" if card.stale else "  :green[live]"))
            for line in card.lines:
                st.caption(line)
    vid, feed = st.columns([3, 2])
    watch = station.watch(vehicle)
    with vid:
        st.subheader(f"Video: {vehicle}")
        frame = watch.annotated_frame() if watch is not None else None
        if frame is None:
            st.caption("no video yet" if watch is not None else "this drone has no video")
        else:
            st.image(frame, channels="RGB", width="stretch")
            stats = watch.stats()
            behind = (
                f"video {stats.latency['video'].p50_ms:.0f} ms behind · " if stats.frames_processed else ""
            )
            st.caption(
                f"{stats.fps:.1f} fps · detect {stats.stages['detect'].p50_ms:.0f} ms · {behind}"
                f"{stats.open_tracks} tracks"
            )
    with feed:
        crossed = {e.sighting_id: e for e in events if e.kind.value == "crossing"}
        st.subheader(f"Sightings ({len(sightings)})")
        for s in sightings[:12]:
            with st.container(border=True):
                c1, c2 = st.columns([1, 3])
                if s.crop_sha256:
                    path = station.store.snapshot_path(s.crop_sha256)
                    if path.exists():
                        c1.image(str(path), width="stretch")
                alert = crossed.get(s.sighting_id)
                head = f"**{s.class_name}** {s.confidence:.2f} · {s.vehicle}"
                if alert is not None:
                    c2.error(f"CROSSING {alert.direction} · {head}")
                else:
                    c2.markdown(head)
                c2.caption(
                    f"{s.mgrs} · ±{s.ellipse.cep_m:.1f} m CEP · {time.strftime('%H:%M:%S', time.gmtime(s.last_seen_unix_s))} UTC"
                )


live()
