"""The whole story in a real browser (Playwright driving Debian's Chromium) on the demo:
plan by drawing the border with the mouse, upload, launch, see a sighting, review it, export it.

Screenshots of every page are saved under test-artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.ui.console_proc import CHROMIUM, CHROMIUM_ARGS, demo_console

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
playwright = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (make test installs it)", allow_module_level=True)

# A 2 km piece of the sample border south of the launch site, drawn by mouse (lat, lon).
DRAWN_LINE = [(31.333333, -110.9950), (31.333333, -110.9850), (31.333333, -110.9750)]


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def map_frame(page):
    """The streamlit-folium iframe holding the page's map, once its Leaflet map exists."""
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    return frame


def click_latlon(page, frame_loc, lat: float, lon: float) -> None:
    """Click the map where (lat, lon) is, using Leaflet's own projection inside the iframe."""
    point = frame_loc.locator("body").evaluate(f"() => map_div.latLngToContainerPoint([{lat}, {lon}])")
    box = frame_loc.locator(".leaflet-container").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def wait_text(page, text: str, timeout_s: float = 60.0) -> None:
    page.get_by_text(text).first.wait_for(timeout=timeout_s * 1000)


def test_plan_upload_launch_see_review_export(tmp_path):
    from playwright.sync_api import sync_playwright

    with demo_console(tmp_path, drones=1, speedup=1.0, ekf_delay_s=75.0) as console, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 2000}, accept_downloads=True)
        outside: list[str] = []
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:"))
                else None
            ),
        )
        try:
            # --- Plan: draw the border line with the mouse -----------------------------------------
            page.goto(console.url + "/", wait_until="networkidle")
            page.get_by_role("button", name="Generate patrol").wait_for(timeout=90_000)
            frame = map_frame(page)
            frame.locator(".leaflet-draw-draw-polyline").click()
            for lat, lon in DRAWN_LINE:
                click_latlon(page, frame, lat, lon)
                time.sleep(0.3)
            click_latlon(page, frame, *DRAWN_LINE[-1])  # clicking the last point again finishes the line
            wait_text(
                page, "border: drawn line 1 (1.9 km)"
            )  # the page got the GeoJSON: the drawn line is the border
            # slow along the line, so the detector (a few frames a second under this load) sees each
            # target for enough frames; fast to get there
            for label, value in (("Patrol speed (m/s)", "5"), ("Transit speed to the start (m/s)", "15")):
                box = page.get_by_role("spinbutton", name=label)
                box.fill(value)
                box.press("Enter")
                time.sleep(1.0)
            page.get_by_role("button", name="Generate patrol").click()
            wait_text(page, "Border seen")
            assert "100.0 %" in page.get_by_test_id("stMetric").filter(has_text="Border seen").inner_text()
            wait_text(page, "Validation: no findings")
            frame = map_frame(page)
            assert frame.locator("path.leaflet-interactive").count() >= 3  # border, route, swath, fence
            shot(page, "1-plan")

            # --- a refused command shows the vehicle's reason (its EKF has no position yet) ----------
            page.get_by_text("Fly", exact=True).first.click()
            # disarmed, ArduCopter accepts any mode; arming in AUTO then needs a position it does not have yet
            page.get_by_role("button", name="Resume", exact=True).click()
            page.get_by_role("button", name="Confirm").click()
            wait_text(page, "resume → sim-1: done", 30)
            page.get_by_role("button", name="Arm", exact=True).click()
            page.get_by_role("button", name="Confirm").click()
            wait_text(
                page, "MAV_CMD_COMPONENT_ARM_DISARM refused (MAV_RESULT_FAILED): Arm: ", 30
            )  # its own words
            shot(page, "2-fly-refused")

            # --- upload the plan to the simulated drone ---------------------------------------------
            page.get_by_text("Plan", exact=True).first.click()
            page.get_by_role("button", name="Upload to sim-1").click()
            wait_text(page, "verified:", 60)
            shot(page, "3-plan-uploaded")

            # --- Fly: launch, wait for a sighting in the feed and on the map -------------------------
            page.get_by_text("Fly", exact=True).first.click()
            wait_text(page, "EKF ok", 90)
            page.get_by_role("button", name="Launch", exact=True).click()
            page.get_by_role("button", name="Confirm").click()
            wait_text(page, "launch → sim-1: done", 120)
            page.get_by_text("Sightings (0)").wait_for(state="detached", timeout=420_000)
            # the feed's card: class, confidence, drone; then MGRS and the error circle
            page.get_by_text(re.compile(r"m CEP · \d\d:\d\d:\d\d UTC")).first.wait_for(timeout=30_000)
            body = page.locator("body").inner_text()
            assert re.search(r"Sightings \([1-9]\d*\)", body)
            assert re.search(r"(person|vehicle) (0\.\d\d|1\.00) · sim-1", body), body[-2000:]
            assert re.search(r"\d{1,2}[C-X] [A-Z]{2} \d{5} \d{5} · ±\d+\.\d m CEP", body)  # MGRS, 1 m
            frame = map_frame(page)
            frame.locator(".bw-sighting").first.wait_for(timeout=30_000)
            assert frame.locator(".bw-sighting").count() >= 1
            shot(page, "4-fly-sighting")

            # --- a dropped drone shows stale, then comes back ---------------------------------------
            sim = console.sim_pids()[0]
            os.killpg(sim, signal.SIGSTOP)
            try:
                wait_text(page, "STALE LINK", 30)
                shot(page, "5-fly-stale")
            finally:
                os.killpg(sim, signal.SIGCONT)
            page.get_by_text("STALE LINK").wait_for(state="detached", timeout=60_000)

            # --- Replay: confirm the sighting, export GeoJSON ---------------------------------------
            page.get_by_text("Replay", exact=True).first.click()
            wait_text(page, "Sightings", 60)
            table = page.get_by_test_id("stDataFrame").first
            table.wait_for(timeout=30_000)
            box = table.bounding_box()
            page.mouse.click(box["x"] + 8, box["y"] + 52)  # the first row's selection cell
            page.get_by_role("button", name="Save review").wait_for(timeout=30_000)
            page.get_by_text("confirmed", exact=True).click()
            page.get_by_role("button", name="Save review").click()
            wait_text(page, "saved: confirmed", 30)
            shot(page, "6-replay-confirmed")
            with page.expect_download(timeout=60_000) as dl:
                page.get_by_role("button", name="GEOJSON").click()
            doc = json.loads(Path(dl.value.path()).read_text())
            sightings = [f for f in doc["features"] if f["properties"].get("status") is not None]
            assert sightings and any(f["properties"]["status"] == "confirmed" for f in sightings)
        finally:
            shot(page, "last")
            browser.close()
    assert outside == [], f"the console fetched from outside loopback: {outside[:5]}"
