"""Plan: draw or load a border, choose a pattern, see coverage and findings, save, upload."""

from __future__ import annotations

import dataclasses
import time

import pandas as pd
import streamlit as st
from folium.plugins import Draw
from streamlit_folium import st_folium

from missions.camera import PRESETS
from missions.errors import MissionError
from missions.formats import MapFeatures, dump_kml, dump_plan, dump_wpl, load_geojson, load_kml, load_plan
from missions.geo import path_length_m
from missions.patterns import SIDES
from missions.samples import sample_border_path
from missions.values import GeoPoint, MavCmd
from telemetry.errors import LinkError
from ui.console import maps
from ui.console.context import get_settings, get_station, operator
from ui.console.plan_logic import (
    PATTERNS,
    PlanInputs,
    build_plan,
    features_from_drawings,
    merge,
    revalidate,
    speed_help,
)

station = get_station()
settings = get_settings()
ss = st.session_state
ss.setdefault("drawings", [])
ss.setdefault("polygon_roles", {})
st.title("Plan a patrol")

# --- inputs ---------------------------------------------------------------------------------
with st.sidebar:
    st.subheader("Border, area and zones")
    source = st.radio(
        "Start from", ("sample border (Nogales)", "a file", "only what I draw"), key="plan_source"
    )
    base = MapFeatures()
    if source == "sample border (Nogales)":
        base = load_geojson(sample_border_path())
    elif source == "a file":
        upload = st.file_uploader(
            "GeoJSON, KML/KMZ or .plan", type=["geojson", "json", "kml", "kmz", "plan"], key="plan_file"
        )
        if upload is not None:
            name = upload.name.lower()
            data = upload.getvalue()
            try:
                if name.endswith((".kml", ".kmz")):
                    base = load_kml(upload.name, text=data)
                elif name.endswith(".plan"):
                    p = load_plan(upload.name, text=data)
                    base = MapFeatures(
                        borders=(p.border,) if p.border else (), zones=p.fence.polygons, home=p.mission.home
                    )
                else:
                    base = load_geojson(upload.name, text=data)
            except MissionError as exc:
                st.error(str(exc))
    role = st.radio(
        "Polygons I draw are", ("patrol area", "keep-out zone"), key="polygon_role", horizontal=True
    )
    if st.button("Clear drawings"):
        ss.drawings, ss.polygon_roles = [], {}
    st.subheader("Pattern")
    pattern = st.selectbox("Pattern", PATTERNS, key="pattern")
    camera = st.selectbox("Camera", sorted(PRESETS), index=sorted(PRESETS).index("zoom"), key="camera")
    alt_m = st.number_input("Altitude above home (m)", 10.0, 120.0, 60.0, 5.0, key="alt_m")
    side = st.selectbox("Stay on the side", SIDES, key="side") if pattern == "border patrol" else "north"
    auto_standoff = st.checkbox(
        "Standoff from the camera (half its side reach)", value=True, key="auto_standoff"
    )
    standoff = None if auto_standoff else st.number_input("Standoff (m)", 1.0, 500.0, 8.0, key="standoff")
    passes = st.number_input("Passes", 1, 10, 1, key="passes") if pattern == "border patrol" else 1
    sector_n = (
        st.number_input("Split the line into sectors", 1, 10, settings.plan_sectors, key="sector_n")
        if pattern == "border patrol"
        else 1
    )
    sector_k = (
        st.number_input(
            "Plan sector", 1, int(sector_n), min(settings.plan_sector, int(sector_n)), key="sector_k"
        )
        if sector_n > 1
        else 1
    )
    radius_m = (
        st.number_input("Radius (m)", 10.0, 5000.0, 150.0, key="radius_m")
        if pattern in ("orbit", "expanding square")
        else 100.0
    )
    drones = st.number_input("Drones flying this patrol (for revisit gaps)", 1, 10, 1, key="drones")
    speed = st.number_input(
        "Patrol speed (m/s)", 2.0, 20.0, settings.plan_speed_m_s, key="speed",
        help=speed_help(camera, alt_m),
    )  # fmt: skip
    transit = st.number_input("Transit speed to the start (m/s)", 2.0, 20.0, 10.0, key="transit_speed")
    endurance = st.number_input("Endurance (min)", 5.0, 120.0, 40.0, key="endurance")

drawn = features_from_drawings(ss.drawings, ss.polygon_roles)
features = merge(base, drawn)
inputs = PlanInputs(
    pattern=pattern, side=side, alt_m=float(alt_m), camera=camera, standoff_m=standoff, passes=int(passes),
    sector=(int(sector_k), int(sector_n)) if sector_n > 1 else None, radius_m=float(radius_m), drones=int(drones),
    speed_m_s=float(speed), transit_speed_m_s=float(transit), endurance_min=float(endurance),
)  # fmt: skip

if st.button("Generate patrol", type="primary", key="generate"):
    try:
        ss.outcome = build_plan(features, inputs)
        ss.inputs = inputs
        ss.upload_report = None
    except MissionError as exc:
        ss.outcome = None
        st.error(f"Cannot plan this: {exc}")
outcome = ss.get("outcome")

# --- map --------------------------------------------------------------------------------------
points = [p for b in features.borders for p in b.points] + [p for a in features.areas for p in a.outer]
if features.home is not None:
    points.append(features.home.point)
centre = (
    GeoPoint(
        lat_deg=sum(p.lat_deg for p in points) / len(points),
        lon_deg=sum(p.lon_deg for p in points) / len(points),
    )
    if points
    else GeoPoint(lat_deg=31.3433, lon_deg=-110.97)
)
fmap = maps.base_map(centre, settings.tiles, zoom=13)
for border in features.borders:
    maps.border_layer(border).add_to(fmap)
maps.zones_layer(features.zones, features.circles).add_to(fmap)
for area in features.areas:
    maps.polygon_layer([area.outer], name="area", colour="#9467bd", opacity=0.1).add_to(fmap)
if outcome is not None:
    maps.polygon_layer(outcome.swath_rings, name="camera swath", colour="#2ca02c", opacity=0.25).add_to(fmap)
    maps.zones_layer([p for p in outcome.plan.fence.polygons if p not in features.zones]).add_to(fmap)
    maps.route_layer(outcome.plan.mission).add_to(fmap)
    maps.findings_layer(outcome.report.findings).add_to(fmap)
Draw(export=False, draw_options={"circle": False, "circlemarker": False}).add_to(fmap)
maps.localize(fmap)
result = st_folium(
    fmap, key="plan-map", height=520, use_container_width=True, returned_objects=["all_drawings"]
)
if result and result.get("all_drawings"):
    new = result["all_drawings"]
    for i in range(len(ss.drawings), len(new)):
        ss.polygon_roles[i] = role
    if new != ss.drawings:
        ss.drawings = new
        st.rerun()
border_text = (
    f"border: {features.borders[0].name or 'unnamed'} ({path_length_m(features.borders[0].points) / 1000:.1f} km)"
    if features.borders
    else "no border line"
)
st.caption(
    f"{border_text}; {len(features.areas)} area(s), {len(features.zones)} zone(s), "
    f"home {'set' if features.home else 'not set'}. Draw a line for a border, a polygon for an area or keep-out, "
    "a marker for home."
)

# --- what was planned -------------------------------------------------------------------------
if outcome is None:
    st.info("Choose a pattern and press **Generate patrol**.")
    st.stop()

est = outcome.pattern.estimates
eff = outcome.effectiveness
cols = st.columns(5)
cols[0].metric("Length", f"{est.length_m / 1000:.1f} km")
cols[1].metric("Flight time", f"{est.flight_time_s / 60:.0f} min")
cols[2].metric("Battery", f"{est.battery_pct:.0f} %")
if eff is not None:
    cols[3].metric("Border seen", f"{100 * eff.coverage_share:.1f} %")
    cols[4].metric(
        "Worst revisit gap", "never seen" if eff.worst_gap_s is None else f"{eff.worst_gap_s / 60:.0f} min"
    )
for note in outcome.pattern.notes:
    st.caption(note)

report = outcome.report
if report.findings:
    st.subheader(f"Findings: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    for f in report.findings:
        where = f" at {f.location.lat_deg:.5f}, {f.location.lon_deg:.5f}" if f.location else ""
        (st.error if f.severity.value == "error" else st.warning)(f"{f.message}{where}")
else:
    st.success("Validation: no findings")

if eff is not None:
    with st.expander("Revisit gap per kilometre"):
        st.dataframe(
            pd.DataFrame([{"km": f"{s.start_km:.0f}–{s.end_km:.1f}", "seen %": round(100 * s.seen_share, 1),
                           "worst gap (min)": None if s.worst_gap_s is None else round(s.worst_gap_s / 60, 1)}
                          for s in eff.segments]),
            hide_index=True,
        )  # fmt: skip

st.subheader("Waypoints")
plan = outcome.plan
rows = [
    {
        "seq": i + 1,
        "command": w.command_name,
        "lat_deg": w.lat_deg,
        "lon_deg": w.lon_deg,
        "alt_m": w.alt_m,
        "hold_s": w.hold_s,
    }
    for i, w in enumerate(plan.mission.items)
]
edited = st.data_editor(pd.DataFrame(rows), hide_index=True, disabled=["seq", "command"], key="waypoints")
if not edited.equals(pd.DataFrame(rows)):
    try:
        items = tuple(
            dataclasses.replace(w, lat_deg=float(r.lat_deg), lon_deg=float(r.lon_deg), alt_m=float(r.alt_m), hold_s=float(r.hold_s))
            if w.command in (MavCmd.NAV_WAYPOINT, MavCmd.NAV_TAKEOFF, MavCmd.NAV_LOITER_TIME) else w
            for w, r in zip(plan.mission.items, edited.itertuples(), strict=True)
        )  # fmt: skip
        new_plan = dataclasses.replace(plan, mission=plan.mission.with_items(items))
        ss.outcome = revalidate(outcome, new_plan, ss.get("inputs", inputs))
        st.rerun()
    except (MissionError, ValueError) as exc:
        st.error(f"That edit is not valid: {exc}")

st.subheader("Save")
c1, c2, c3 = st.columns(3)
c1.download_button(
    "Download .plan (QGroundControl)", dump_plan(plan), file_name="patrol.plan", mime="application/json"
)
c2.download_button("Download .waypoints", dump_wpl(plan), file_name="patrol.waypoints", mime="text/plain")
c3.download_button(
    "Download KML", dump_kml(plan), file_name="patrol.kml", mime="application/vnd.google-earth.kml+xml"
)
if st.button("Save to the data folder", key="save"):
    path = settings.data_dir / "plans" / time.strftime("patrol-%Y%m%dT%H%M%SZ.plan", time.gmtime())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_plan(plan))
    st.success(f"saved {path}")

st.subheader("Upload")
names = [v.name for v in station.vehicles()]
if not names:
    st.info("No drone connected: add one on the Connections page.")
else:
    target = st.selectbox("Drone", names, key="upload_target")
    blocked = report.has_errors
    if blocked:
        st.error("This plan has errors: fix them before uploading.")
    if st.button(f"Upload to {target}", disabled=blocked, type="primary", key="upload"):
        bar = st.progress(0.0, text="uploading")

        def progress(kind: str, done: int, total: int) -> None:
            bar.progress(done / max(total, 1), text=f"{kind}: {done}/{total}")

        try:
            ss.upload_report = station.upload(operator(), target, plan, progress)
        except LinkError as exc:
            ss.upload_report = None
            st.error(f"Upload failed: {exc}")
    rep = ss.get("upload_report")
    if rep is not None:
        (st.success if rep.verified else st.error)(f"{rep.vehicle}: {rep.summary}")
        st.dataframe(
            pd.DataFrame([{"part": p.mission_type, "items": p.items, "verified": p.verified, "retries": p.retries,
                           "seconds": round(p.seconds, 2), "differences": "; ".join(p.differences),
                           "not kept by ArduCopter": "; ".join(p.firmware_notes)} for p in rep.parts]),
            hide_index=True,
        )  # fmt: skip
