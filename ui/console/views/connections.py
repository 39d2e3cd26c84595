"""Connections: add a drone by connection string and video URL, start simulated drones, signing keys."""

from __future__ import annotations

import secrets

import pandas as pd
import streamlit as st

from missions.camera import PRESETS
from telemetry.errors import LinkError
from telemetry.transports import parse_endpoint
from ui.console.context import get_station, operator
from ui.station.station import VehicleEntry

station = get_station()
st.title("Connections")

states = station.states()
rows = []
for v in station.vehicles():
    s = states.get(v.name)
    rows.append({"drone": v.name, "MAVLink": v.url, "video": v.video_url or "", "camera": v.camera,
                 "signed": v.signed, "simulated": v.simulated, "link": "stale" if s is None or s.link.stale else "live",
                 "mode": s.mode if s else ""})  # fmt: skip
if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
else:
    st.info("No drones yet.")

with st.form("add_drone"):
    st.subheader("Add a drone")
    name = st.text_input("Name", placeholder="e.g. alpha-1")
    url = st.text_input(
        "MAVLink connection",
        placeholder="tcp:192.168.1.10:5760, udpin:0.0.0.0:14550, serial:/dev/ttyUSB0:57600",
    )
    video = st.text_input("Video URL (optional)", placeholder="udp://127.0.0.1:5600 or rtsp://...")
    camera = st.selectbox("Camera", sorted(PRESETS), index=sorted(PRESETS).index("zoom"))
    key_hex = st.text_input("MAVLink 2 signing key (64 hex digits, optional)", type="password")
    send_key = st.checkbox("Send this key to the drone now (SETUP_SIGNING; only over a trusted link)")
    if st.form_submit_button("Connect", type="primary"):
        try:
            if not name or not url:
                raise LinkError("a name and a MAVLink connection are needed")
            parse_endpoint(url)
            key = bytes.fromhex(key_hex) if key_hex else None
            if key is not None and len(key) != 32:
                raise LinkError("the signing key must be 32 bytes (64 hex digits)")
            entry = VehicleEntry(
                name=name, url=url, video_url=video or None, camera=camera, signed=key is not None
            )
            station.add_vehicle(entry, signing_key=None if send_key else key, user=operator())
            if key is not None and send_key:
                link = station.link(name)
                link.wait_connected(10.0)
                link.setup_signing(key)
            st.success(f"following {name} at {url}")
        except (LinkError, ValueError) as exc:
            st.error(f"Cannot add the drone: {exc}")

if st.button("Generate a signing key"):
    st.code(secrets.token_hex(32))

with st.form("sims"):
    st.subheader("Simulated drones")
    count = st.number_input("How many", 1, 8, 1)
    speedup = st.number_input("Speed-up", 1.0, 10.0, 1.0)
    video = st.checkbox("With cameras (video and detection)", value=True)
    if st.form_submit_button("Start simulated drones"):
        try:
            added = station.start_simulators(int(count), speedup=float(speedup), video=video, user=operator())
            st.success("started " + ", ".join(e.name for e in added))
        except (LinkError, RuntimeError) as exc:
            st.error(f"Could not start simulated drones: {exc}")

if rows:
    st.subheader("Remove a drone")
    gone = st.selectbox("Drone", [r["drone"] for r in rows], key="remove_which")
    if st.button(f"Disconnect {gone}"):
        station.remove_vehicle(gone, user=operator())
        st.rerun()

st.subheader("Audit log")
audit = station.recent_audit(30)
if audit:
    st.dataframe(pd.DataFrame([{"time (UTC)": pd.to_datetime(e.t_unix_s, unit="s"), "who": e.user, "drone": e.vehicle,
                                "action": e.action, "detail": e.detail, "ok": e.ok, "result": e.result} for e in audit]),
                 hide_index=True, width="stretch")  # fmt: skip
