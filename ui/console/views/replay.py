"""Replay: a flight or a time range on the map, a timeline, filters, review and export."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from detection.exports import FORMATS, export
from detection.values import CLASS_NAMES, ReviewStatus
from missions.values import GeoPoint
from ui.console import maps
from ui.console.context import get_settings, get_station, operator
from ui.console.replay_logic import ZONES, ReplayQuery, flight_track, run_query, sightings_layer

station = get_station()
settings = get_settings()
store = station.store
st.title("Replay and review")


def fmt(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))


with st.sidebar:
    st.subheader("What to replay")
    flights = sorted(store.flights(), key=lambda f: -f.started_unix_s)
    pick = st.radio("Replay", ("a flight", "a time range"), key="replay_mode", horizontal=True)
    flight = None
    if pick == "a flight" and flights:
        flight = st.selectbox("Flight", flights, key="replay_flight",
                              format_func=lambda f: f"{f.vehicle} · {fmt(f.started_unix_s)} UTC · {f.name}")  # fmt: skip
        t0, t1 = flight.started_unix_s, flight.ended_unix_s or time.time()
    else:
        if pick == "a flight":
            st.caption("no flights recorded yet")
        now = datetime.now(UTC)
        day = st.date_input("Day (UTC)", now.date(), key="replay_day")
        hours = st.slider("Hours (UTC)", 0, 24, (0, 24), key="replay_hours")
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        t0 = (start + timedelta(hours=hours[0])).timestamp()
        t1 = (start + timedelta(hours=hours[1])).timestamp()
    st.subheader("Filters")
    classes = st.multiselect("Class", CLASS_NAMES, key="replay_classes")
    min_conf = st.slider("Minimum confidence", 0.0, 1.0, 0.0, 0.05, key="replay_conf")
    statuses = st.multiselect("Review status", [s.value for s in ReviewStatus], key="replay_status")
    zone = st.selectbox("Zone", ZONES, key="replay_zone")

query = ReplayQuery(
    t_from_unix_s=t0, t_to_unix_s=t1, flight_id=flight.flight_id if flight else None, classes=tuple(classes),
    min_confidence=min_conf, statuses=tuple(ReviewStatus(s) for s in statuses), zone=zone,
)  # fmt: skip
started = time.perf_counter()
sightings, events = run_query(store, query)
query_ms = (time.perf_counter() - started) * 1000
st.caption(
    f"{len(sightings)} sighting(s), {len(events)} event(s) between {fmt(t0)} and {fmt(t1)} UTC (query {query_ms:.0f} ms)"
)

span = max(1, int(t1 - t0))
scrub = st.slider("Timeline (seconds from start)", 0, span, span, key="replay_scrub")
t_now = t0 + scrub
shown = [s for s in sightings if s.first_seen_unix_s <= t_now]

track = flight_track(station.config.tlog_dir, flight.vehicle, t0, t1) if flight else []
points = [(lat, lon) for _, lat, lon, _ in track] or [(s.lat_deg, s.lon_deg) for s in shown]
centre = GeoPoint(lat_deg=sum(p[0] for p in points) / len(points), lon_deg=sum(p[1] for p in points) / len(points)) if points \
    else GeoPoint(lat_deg=31.3433, lon_deg=-110.97)  # fmt: skip
fmap = maps.base_map(centre, settings.tiles, zoom=14)
if station.border is not None:
    maps.border_layer(station.border).add_to(fmap)
if track:
    folium.PolyLine(
        [(lat, lon) for t, lat, lon, _ in track if t <= t_now],
        color="#0b61a4",
        weight=3,
        tooltip="flight track (.tlog)",
    ).add_to(fmap)
    here = min(track, key=lambda r: abs(r[0] - t_now))
    folium.CircleMarker(
        (here[1], here[2]),
        radius=7,
        color="#000",
        fill=True,
        fill_color="#ffbf00",
        tooltip=f"drone at {fmt(here[0])}",
    ).add_to(fmap)
sightings_layer(shown, events).add_to(fmap)
maps.localize(fmap)
st_folium(fmap, key="replay-map", height=480, use_container_width=True, returned_objects=[])

crossed = {e.sighting_id: e for e in events if e.kind.value == "crossing"}
table = pd.DataFrame(
    [
        {
            "id": s.sighting_id,
            "class": s.class_name,
            "confidence": round(s.confidence, 2),
            "vehicle": s.vehicle,
            "first seen (UTC)": fmt(s.first_seen_unix_s),
            "MGRS": s.mgrs,
            "CEP m": round(s.ellipse.cep_m, 1),
            "crossing": crossed[s.sighting_id].direction if s.sighting_id in crossed else "",
            "status": s.status.value,
            "note": s.note,
        }
        for s in shown
    ]
)
st.subheader("Sightings")
selection = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="replay_table",
)
rows = selection.selection.rows if selection and selection.selection else []
if rows:
    chosen = shown[rows[0]]
    with st.container(border=True):
        st.markdown(
            f"**{chosen.class_name}** {chosen.confidence:.2f} · {chosen.mgrs} · seen {chosen.track_frames} frames"
        )
        cols = st.columns(2)
        for col, sha in zip(cols, (chosen.crop_sha256, chosen.frame_sha256), strict=True):
            if sha and store.snapshot_path(sha).exists():
                col.image(str(store.snapshot_path(sha)), width="stretch")
        status = st.radio("Review", [s.value for s in ReviewStatus], index=[s.value for s in ReviewStatus].index(chosen.status.value),
                          horizontal=True, key=f"review_{chosen.sighting_id}")  # fmt: skip
        note = st.text_area("Note", chosen.note, key=f"note_{chosen.sighting_id}")
        if st.button("Save review", type="primary", key="save_review"):
            store.review(chosen.sighting_id, status=status, note=note, who=operator())
            # shown after the rerun that refreshes the table with the new status
            st.session_state.review_saved = (chosen.sighting_id, f"saved: {status}")
            st.rerun()
        saved = st.session_state.get("review_saved")
        if saved is not None and saved[0] == chosen.sighting_id:
            st.success(saved[1])

st.subheader("Snapshots")
gallery = [s for s in shown if s.crop_sha256 and store.snapshot_path(s.crop_sha256).exists()][:24]
cols = st.columns(6)
for i, s in enumerate(gallery):
    cols[i % 6].image(
        str(store.snapshot_path(s.crop_sha256)),
        caption=f"{s.class_name} {s.confidence:.2f}",
        width="stretch",
    )

st.subheader("Export")
cols = st.columns(len(FORMATS))
for col, (name, ext) in zip(cols, FORMATS.items(), strict=True):
    col.download_button(
        f"{name.upper()}", export(shown, name, events), file_name=f"sightings{ext}", key=f"export_{name}"
    )
