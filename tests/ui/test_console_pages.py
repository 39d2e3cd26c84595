"""Each console page's logic through Streamlit's AppTest, against a real station (simulated drone, real
store). The map is a component AppTest cannot see; the browser test covers it."""

from __future__ import annotations

import math
import time

import pytest
from streamlit.testing.v1 import AppTest

from detection.values import ErrorEllipse, ReviewStatus, Sighting

APP = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "ui" / "console" / "app.py")


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    """The console's station (one per process, as on a server), with one simulated drone without video."""
    import os

    data = tmp_path_factory.mktemp("console-data")
    os.environ["BORDERWATCH_DATA_DIR"] = str(data)
    os.environ["BORDERWATCH_OPERATOR"] = "apptest"
    from ui.console.context import get_settings, get_station

    get_station.clear()
    get_settings.clear()
    st = get_station()
    from tests.simproc import free_base_port

    st.start_simulators(
        1, video=False, base_port=free_base_port(1), extra=("--ekf-delay-s", "1", "--speedup", "2")
    )
    assert st.wait_connected(30)
    yield st
    st.stop()
    get_station.clear()


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_plan_generates_measures_and_uploads(station):
    at = app()
    assert at.title[0].value == "Plan a patrol"
    at.button(key="generate").click().run()
    m = metrics(at)
    assert m["Border seen"] == "100.0 %" and m["Battery"] == "74 %" and m["Worst revisit gap"] == "18 min"
    assert [s.value for s in at.success] == ["Validation: no findings"]
    waypoints = next(d for d in at.dataframe if d.key == "waypoints").value
    assert (
        list(waypoints.command[:2]) == ["NAV_TAKEOFF", "DO_CHANGE_SPEED"]
        and list(waypoints.command)[-1] == "NAV_RETURN_TO_LAUNCH"
    )
    assert (waypoints.alt_m[2:-1] == 60.0).all()
    upload = at.button(key="upload")
    assert not upload.disabled
    upload.click().run()
    assert any(s.value.startswith("sim-1: verified:") for s in at.success), [e.value for e in at.error]
    assert station.plan_of("sim-1") is not None
    assert next(e.action for e in station.recent_audit(5)) == "upload"


def test_plan_with_an_error_cannot_be_uploaded(station):
    at = app()
    at.number_input(key="passes").set_value(2)
    at.number_input(key="sector_k").set_value(3)
    at.button(key="generate").click().run()
    errors = [e.value for e in at.error]
    assert any("enters a keep-out polygon" in e for e in errors)
    assert "This plan has errors: fix them before uploading." in errors
    assert at.button(key="upload").disabled


def test_plan_explains_what_cannot_be_planned(station):
    at = app()
    at.selectbox(key="pattern").set_value("area sweep").run()
    at.button(key="generate").click().run()
    assert any("Cannot plan this: no area" in e.value for e in at.error)
    at.selectbox(key="pattern").set_value("border patrol").run()
    at.checkbox(key="auto_standoff").uncheck().run()
    at.number_input(key="standoff").set_value(40.0)
    at.button(key="generate").click().run()
    assert any("leaves the border line unseen" in e.value for e in at.error)


def test_fly_shows_status_and_sends_confirmed_commands(station):
    at = app("views/fly.py")
    assert at.title[0].value == "Fly"
    assert any("live" in m.value and "sim-1" in m.value for m in at.markdown)
    assert any("GPS fix 3" in c.value for c in at.caption)
    at.button(key="cmd_pause").click().run()
    assert any("Send **PAUSE** to **sim-1**?" in w.value for w in at.warning)
    at.button(key="confirm").click().run()
    job = station.jobs.recent("sim-1")[0]
    deadline = time.monotonic() + 15
    while not job.done and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.action == "pause" and job.status == "done" and "mode BRAKE" in job.message
    assert station.recent_audit(1)[0].user == "apptest"


def _sighting(i: int, flight: str, *, cls: str = "person", conf: float = 0.8) -> Sighting:
    t = time.time() - 600 + i
    return Sighting(
        sighting_id=f"s{i}", flight_id=flight, vehicle="sim-1", class_name=cls, confidence=conf,
        first_seen_unix_s=t, last_seen_unix_s=t + 5, lat_deg=31.3334 + i * 1e-5, lon_deg=-110.985, alt_amsl_m=1160.0,
        position_t_unix_s=t + 2, ellipse=ErrorEllipse(semi_major_m=3.0, semi_minor_m=2.0, orientation_deg=10.0, cep_m=2.0, ce90_m=3.5),
        mgrs="12RWV0000000000", track_id=i, track_frames=12, speed_m_s=math.nan,
    )  # fmt: skip


def test_replay_filters_reviews_and_exports(station):
    store = station.store
    flight = store.start_flight(
        vehicle="sim-1", started_unix_s=time.time() - 900, name="apptest flight"
    ).flight_id
    for i in range(6):
        store.save_sighting(_sighting(i, flight, cls="person" if i % 2 else "vehicle", conf=0.5 + i * 0.08))
    store.end_flight(flight, time.time())
    at = app("views/replay.py")
    at.selectbox(key="replay_flight").set_value(
        next(f for f in store.flights() if f.flight_id == flight)
    ).run()
    assert any(c.value.startswith("6 sighting(s)") for c in at.caption)
    at.multiselect(key="replay_classes").set_value(["person"]).run()
    assert any(c.value.startswith("3 sighting(s)") for c in at.caption)
    at.slider(key="replay_conf").set_value(0.85).run()
    assert any(c.value.startswith("1 sighting(s)") for c in at.caption)
    assert len(at.get("download_button")) == 4  # GeoJSON, KML, CSV, CoT
    store.review("s5", status=ReviewStatus.CONFIRMED, note="walked north", who="apptest")
    at.multiselect(key="replay_status").set_value(["confirmed"]).run()
    assert any(c.value.startswith("1 sighting(s)") for c in at.caption)


def test_connections_validates_and_lists_drones(station):
    at = app("views/connections.py")
    assert any("sim-1" in str(d.value) for d in at.dataframe)
    at.text_input[0].input("bad")
    at.text_input[1].input("http://nowhere")
    next(b for b in at.button if b.label == "Connect").click().run()  # the form's submit button
    assert any("unknown connection type 'http'" in e.value for e in at.error), (
        [e.value for e in at.error],
        [b.label for b in at.button],
    )
    assert "bad" not in [v.name for v in station.vehicles()]


def test_patrol_speed_help_says_how_long_a_target_stays_in_view():
    from ui.console.plan_logic import speed_help

    at_60 = speed_help("zoom", 60.0)
    assert "sees 17 m along the track" in at_60 and "1.7 s at 10 m/s and 3.5 s at 5 m/s" in at_60
    assert "sees 35 m along the track" in speed_help("zoom", 120.0)
