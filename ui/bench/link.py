"""``borderwatch bench link``: trusted-upload times, and how many vehicles one process can follow at 10 Hz.

Simulated vehicles run in a separate process (as the console would see them); the link side runs here
and its CPU time is measured with ``time.process_time``.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from missions.values import AltFrame, HomePosition, MavCmd, Mission, Plan, Waypoint
from telemetry.config import LinkConfig
from telemetry.fleet import Fleet
from telemetry.link import VehicleLink
from telemetry.trusted_upload import trusted_upload

HOME = HomePosition(lat_deg=31.348, lon_deg=-110.9837, alt_amsl_m=1160.0)
ROOT = Path(__file__).resolve().parents[2]


def _mission(n_items: int) -> Plan:
    items = [Waypoint(command=MavCmd.NAV_TAKEOFF, lat_deg=HOME.lat_deg, lon_deg=HOME.lon_deg, alt_m=30.0)]
    for i in range(n_items - 2):  # a waypoint, then three camera trigger distances (varied params)
        if i % 4:
            items.append(Waypoint(command=MavCmd.DO_SET_CAM_TRIGG_DIST, params=(float(10 + i % 7), 0, 1, 0)))
            continue
        k = i // 4
        items.append(
            Waypoint(
                lat_deg=HOME.lat_deg + 0.0002 * (k % 20),  # a ~20 m grid: 500 items stay within a battery
                lon_deg=HOME.lon_deg + 0.0002 * (k // 20),
                alt_m=40.0,
                alt_frame=AltFrame.REL_HOME,
            )
        )
    items.append(Waypoint(command=MavCmd.NAV_RETURN_TO_LAUNCH))
    return Plan(mission=Mission(home=HOME, items=tuple(items)))


class _Sim:
    """Simulated vehicles in a child process (stopped in ``close``)."""

    def __init__(self, vehicles: int, base_port: int, ardupilot: str | None = None) -> None:
        cmd = [sys.executable, "-m", "ui.cli.main", "sim", "--vehicles", str(vehicles), "--base-port", str(base_port),
               "--home", f"{HOME.lat_deg},{HOME.lon_deg},{HOME.alt_amsl_m}"]  # fmt: skip
        cmd += ["--ardupilot", ardupilot] if ardupilot else ["--ekf-delay-s", "1"]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self.urls = [f"tcp:127.0.0.1:{base_port + 10 * i}" for i in range(vehicles)]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if "5760" in line or "tcp:127.0.0.1" in line or self.proc.poll() is not None:
                break
        time.sleep(0.5)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def upload_times(url: str, sizes: tuple[int, ...] = (100, 500), runs: int = 3) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with VehicleLink(url, name="bench", config=LinkConfig(heartbeat_hz=20.0, connect_timeout_s=60.0)) as link:
        for n in sizes:
            plan = _mission(n)
            secs, per_item, verified = [], [], []
            for _ in range(runs):
                report = trusted_upload(link, plan, include_fence=False, include_rally=False)
                verified.append(report.verified)
                secs.append(report.seconds)
                per_item.append(1000.0 * report.seconds / (2 * (n + 1)))  # upload + read-back round trips
            out[f"items_{n}"] = {
                "trusted_upload_s_median": round(statistics.median(secs), 3),
                "per_item_round_trip_ms_median": round(statistics.median(per_item), 2),
                "verified_runs": f"{sum(verified)}/{runs}",
            }
    return out


def follow_capacity(
    counts: tuple[int, ...] = (5, 10, 20, 30), seconds: float = 8.0, base_port: int = 27000
) -> list[dict[str, Any]]:
    rows = []
    for n in counts:
        sim = _Sim(n, base_port)
        try:
            fleet = Fleet(config=LinkConfig())
            for i, url in enumerate(sim.urls):
                fleet.add(f"v{i}", url)
            time.sleep(4.0)  # connect and request streams
            counts_before = {name: fleet.link(name).state().link.messages_received for name in fleet.names()}
            positions: dict[str, int] = dict.fromkeys(fleet.names(), 0)
            unsubs = []
            for name in fleet.names():

                def count(t, m, name=name, positions=positions):
                    if m.get_type() == "GLOBAL_POSITION_INT":
                        positions[name] += 1

                unsubs.append(fleet.link(name).subscribe(count))
            cpu0, wall0 = time.process_time(), time.monotonic()
            time.sleep(seconds)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            rates = [positions[name] / wall for name in fleet.names()]
            received = sum(
                fleet.link(name).state().link.messages_received - counts_before[name]
                for name in fleet.names()
            )
            rows.append({
                "vehicles": n,
                "position_hz_min": round(min(rates), 1),
                "position_hz_median": round(statistics.median(rates), 1),
                "messages_per_s": round(received / wall),
                "cpu_share_of_one_core": round(cpu / wall, 3),
                "all_at_10hz": min(rates) >= 9.0,
            })  # fmt: skip
            for u in unsubs:
                u()
            fleet.stop()
        finally:
            sim.close()
        base_port += 10 * n + 100
    return rows


def run(runs: int | None = None) -> dict[str, Any]:
    sim = _Sim(1, 26000)
    try:
        uploads = upload_times(sim.urls[0], runs=runs or 3)
    finally:
        sim.close()
    capacity = follow_capacity()
    ok = [r["vehicles"] for r in capacity if r["all_at_10hz"] and r["cpu_share_of_one_core"] < 1.0]
    result: dict[str, Any] = {
        "benchmark": "link",
        "simulated_vehicle": uploads,
        "follow_at_10hz": capacity,
        "max_vehicles_followed_at_10hz_under_one_core": max(ok) if ok else 0,
        "goal_vehicles": 20,
    }
    ardupilot = os.environ.get("BORDERWATCH_ARDUPILOT")
    if not ardupilot:
        result["real_sitl"] = "not measured: BORDERWATCH_ARDUPILOT is not set"
        return result
    sitl = _Sim(1, 26500, ardupilot=ardupilot)
    try:
        result["real_sitl"] = {"binary": Path(ardupilot).name, **upload_times(sitl.urls[0], runs=runs or 3)}
    finally:
        sitl.close()
    return result
