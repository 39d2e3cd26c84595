"""``borderwatch bench console``: Fly page refresh with 10 drones and 1,000 sightings; Replay query and
render with 100,000 sightings in the store (goal: query ≤ 200 ms).

Simulated drones run in a child process; the store is a real SQLite file (WAL). Times are medians of
repeated runs. "Server" times are what one page refresh computes (queries, layers, map script); the
AppTest time runs the whole Fly page script once, as Streamlit does on a refresh.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from detection.store import open_store
from detection.values import ErrorEllipse, Sighting
from missions.samples import sample_border_path
from ui.bench.timing import median_ms

HOME = (31.348, -110.9837)


def _sightings(
    n: int, flight_id: str, t_end: float, rng: random.Random, *, start: int = 0, span_s: float = 30 * 86400
) -> list[Sighting]:
    out = []
    for i in range(start, start + n):
        t = t_end - rng.uniform(0, span_s)
        out.append(
            Sighting(
                sighting_id=f"b{i:07d}", flight_id=flight_id, vehicle=f"v{i % 10}",
                class_name=rng.choice(("person", "vehicle")), confidence=rng.uniform(0.3, 0.99),
                first_seen_unix_s=t, last_seen_unix_s=t + rng.uniform(1, 30),
                lat_deg=31.3334 + rng.uniform(-0.02, 0.02), lon_deg=-110.98 + rng.uniform(-0.08, 0.08), alt_amsl_m=1160.0,
                position_t_unix_s=t, ellipse=ErrorEllipse(semi_major_m=3.0, semi_minor_m=2.0, orientation_deg=30.0, cep_m=2.0, ce90_m=3.7),
                mgrs="12RWV0000000000", track_id=i, track_frames=10, speed_m_s=math.nan,
            )
        )  # fmt: skip
    return out


def replay_figures(runs: int) -> dict[str, Any]:
    from missions.values import GeoPoint
    from ui.console import maps
    from ui.console.replay_logic import ReplayQuery, run_query, sightings_layer
    from ui.console.settings import TileConfig

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        now = time.time()
        flight = store.start_flight(vehicle="v0", started_unix_s=now - 31 * 86400, name="bench").flight_id
        t0 = time.perf_counter()
        for k in range(10):
            store.save_sightings_bulk(_sightings(10_000, flight, now, random.Random(k), start=10_000 * k))
        insert_s = time.perf_counter() - t0
        total = store.count_sightings()
        day = ReplayQuery(t_from_unix_s=now - 86400, t_to_unix_s=now)
        filtered = ReplayQuery(
            t_from_unix_s=now - 7 * 86400, t_to_unix_s=now, classes=("person",), min_confidence=0.8
        )
        everything = ReplayQuery(t_from_unix_s=None, t_to_unix_s=None, limit=5000)
        q_day, (day_rows, _) = median_ms(lambda: run_query(store, day), runs)
        q_filtered, (filt_rows, _) = median_ms(lambda: run_query(store, filtered), runs)
        q_all, (all_rows, events) = median_ms(lambda: run_query(store, everything), runs)

        def render():
            m = maps.base_map(GeoPoint(lat_deg=HOME[0], lon_deg=HOME[1]), TileConfig(kind="none"))
            sightings_layer(all_rows, events).add_to(m)
            return len(m.get_root().render())

        render_ms, html_bytes = median_ms(render, max(3, runs // 3))
        store.close()
    return {
        "sightings_in_store": total,
        "bulk_insert_s": round(insert_s, 2),
        "query_last_day_ms_median": round(q_day, 1),
        "query_last_day_rows": len(day_rows),
        "query_week_person_conf80_ms_median": round(q_filtered, 1),
        "query_week_person_conf80_rows": len(filt_rows),
        "query_newest_5000_ms_median": round(q_all, 1),
        "render_5000_clustered_on_map_ms_median": round(render_ms, 1),
        "map_html_bytes": html_bytes,
        "goal_query_ms": 200.0,
        "meets_goal": max(q_day, q_filtered, q_all) <= 200.0,
    }


def fly_figures(runs: int, drones: int = 10, sightings: int = 1000) -> dict[str, Any]:
    from streamlit.testing.v1 import AppTest

    from missions.values import GeoPoint
    from ui.console import maps
    from ui.console.context import get_settings, get_station
    from ui.console.fly_logic import live_layer, recent_events, recent_sightings, status_card
    from ui.console.settings import TileConfig
    from ui.station.sim_process import free_base_port

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BORDERWATCH_DATA_DIR"] = tmp
        os.environ["BORDERWATCH_BORDER"] = str(sample_border_path())
        get_station.clear()
        get_settings.clear()
        station = get_station()
        try:
            station.start_simulators(
                drones, video=False, base_port=free_base_port(drones), extra=("--ekf-delay-s", "1")
            )
            station.wait_connected(60)
            time.sleep(3.0)  # a few seconds of trail
            flight = station.store.start_flight(
                vehicle="sim-1", started_unix_s=time.time() - 3600, name="bench"
            ).flight_id
            station.store.save_sightings_bulk(
                _sightings(sightings, flight, time.time(), random.Random(2), span_s=3000)
            )

            def refresh():
                since = time.time() - 6 * 3600
                rows = recent_sightings(station.store, since_unix_s=since, limit=sightings)
                events = recent_events(station.store, since_unix_s=since, limit=sightings)
                fg = live_layer(station, rows, events)
                cards = [status_card(n, s) for n, s in station.states().items()]
                m = maps.base_map(GeoPoint(lat_deg=HOME[0], lon_deg=HOME[1]), TileConfig(kind="none"))
                fg.add_to(m)
                return len(m.get_root().render()), len(cards), len(rows)

            server_ms, (html_bytes, cards, shown) = median_ms(refresh, runs)
            app = str(Path(__file__).resolve().parents[1] / "console" / "app.py")
            at = AppTest.from_file(app, default_timeout=120)
            at.run()
            at.switch_page("views/fly.py").run()
            page_ms, _ = median_ms(lambda: at.run(), max(3, runs // 2))
            errors = [e.value for e in at.exception]
        finally:
            station.stop()
            get_station.clear()
    return {
        "drones": drones,
        "sightings_in_store": sightings,
        "sightings_drawn": shown,
        "status_cards": cards,
        "refresh_all_1000_on_map_ms_median": round(server_ms, 1),
        "refresh_all_1000_map_script_bytes": html_bytes,
        "fly_page_refresh_ms_median": round(page_ms, 1),
        "fly_page_draws": "the 300 newest sightings of the last 6 h (Replay shows the rest)",
        "page_errors": errors,
    }


def run(runs: int | None = None) -> dict[str, Any]:
    runs = runs or 9
    return {
        "benchmark": "console",
        "runs": runs,
        "replay_100k": replay_figures(runs),
        "fly_10_drones": fly_figures(runs),
    }
