"""The simulated video: real ffmpeg H.264 over loopback UDP, decoded by OpenCV, timed by the barcode."""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from missions.camera import PRESETS
from sitl.camera.barcode import decode_barcode, draw_barcode, payload_bits
from sitl.camera.streamer import CameraStreamer
from sitl.errors import SimConfigError, VideoStreamError
from sitl.world import SimClock, load_world
from tests.sitl.camera_helpers import free_udp_port, kill_pids, pose

FPS = 10.0


class MovingPose:
    """A vehicle flying east along the patrol road at 10 m/s, nadir camera, sampled at call time."""

    def __init__(self, world, start_unix_s: float) -> None:
        p = world.border_line.interpolate(8150)
        self.world, self.x, self.y, self.t0 = world, p.x, p.y + 8.0, start_unix_s

    def pose(self):
        now = time.time()
        g = self.world.frame.to_geo(self.x + 10.0 * (now - self.t0), self.y)
        return pose(lat_deg=g.lat_deg, lon_deg=g.lon_deg, alt_rel_m=60.0, yaw_deg=90.0, t_unix_s=now)


class NoPose:
    def pose(self):
        return None


def open_capture(port: int) -> cv2.VideoCapture:
    """OpenCV's FFmpeg reader with the FIELD-NOTES low-latency options (read when a capture opens)."""
    os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = "fflags;nobuffer+noparse+nofillin|analyzeduration;2000000"
    url = f"udp://127.0.0.1:{port}?overrun_nonfatal=1&fifo_size=5000000"
    params = [
        cv2.CAP_PROP_N_THREADS,
        1,
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        10000,
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        2000,
    ]
    cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
    assert cap.isOpened(), f"OpenCV could not open {url}"
    return cap


def read_stamped(cap: cv2.VideoCapture, frames: int, deadline_s: float) -> list[tuple[int, int, float]]:
    """(index, capture µs, arrival time) of up to ``frames`` decoded frames whose barcode checks."""
    out = []
    end = time.monotonic() + deadline_s
    while len(out) < frames and time.monotonic() < end:
        ok, image = cap.read()
        if not ok:
            continue
        stamp = decode_barcode(image)
        if stamp is not None:
            out.append((stamp[0], stamp[1], time.time()))
    return out


@pytest.fixture
def streamer(tmp_path) -> Iterator[CameraStreamer]:
    world = load_world()
    clock = SimClock.starting_now(speedup=1.0)
    s = CameraStreamer(
        MovingPose(world, clock.epoch_unix_s),
        PRESETS["zoom"],
        world,
        free_udp_port(),
        fps=FPS,
        ground_truth_path=tmp_path / "truth.jsonl",
        clock=clock,
    )
    pids: set[int] = set()
    s.start()
    pids.add(s.encoder_pid)
    s.pids = pids  # the test adds restarted ffmpeg PIDs here
    try:
        yield s
    finally:
        s.stop()
        kill_pids(pids)  # belt and braces: nothing we started survives a failed test


def test_barcode_round_trips_and_rejects_corruption():
    frame = np.full((720, 1280, 3), 90, np.uint8)
    draw_barcode(frame, frame_index=7, t_unix_us=1_763_790_000_000_001)
    assert decode_barcode(frame) == (7, 1_763_790_000_000_001)
    assert len(payload_bits(7, 1)) == 136
    assert np.all(frame[704:, :32] == 0) and frame[:704].mean() == 90  # bottom 16 rows only
    frame[704:, 32 + 60 * 8 : 32 + 61 * 8] = 255 - frame[704:, 32 + 60 * 8 : 32 + 61 * 8]  # flip bit 60
    assert decode_barcode(frame) is None
    assert decode_barcode(np.zeros((720, 1280, 3), np.uint8)) is None


def test_stream_decodes_in_opencv_with_increasing_indices_and_capture_times(streamer):
    cap = open_capture(streamer.udp_port)
    try:
        got = read_stamped(cap, 25, deadline_s=15.0)
    finally:
        cap.release()
    assert len(got) >= 20
    indices = [g[0] for g in got]
    assert all(b > a for a, b in itertools.pairwise(indices))
    latencies = [arrival - t_us / 1e6 for _, t_us, arrival in got]
    assert 0.0 < float(np.median(latencies)) < 0.5  # capture time is real and recent
    # The ground truth names every frame sent, with the same capture time as its barcode.
    lines = {}
    for line in (streamer.ground_truth_path).read_text().splitlines():
        row = json.loads(line)
        lines[row["frame_index"]] = row
    for index, t_us, _ in got:
        row = lines[index]
        assert round(row["t_unix_s"] * 1e6) == pytest.approx(t_us, abs=1)
        assert row["pose"]["gimbal_pitch_deg"] == -90.0 and row["image_size_px"] == [1280, 720]
        for target in row["targets"]:
            x0, y0, x1, y1 = target["bbox_px"]
            assert 0 <= x0 < x1 <= 1280 and 0 <= y0 < y1 <= 720
            assert target["class"] in ("person", "vehicle")


def test_stream_resumes_after_ffmpeg_is_killed(streamer):
    cap = open_capture(streamer.udp_port)
    try:
        before = read_stamped(cap, 5, deadline_s=15.0)
        assert len(before) == 5
        old_pid = streamer.encoder_pid
        os.kill(old_pid, 9)
        deadline = time.monotonic() + 10.0
        while (
            streamer.encoder_pid in (None, old_pid) or streamer.stats().restarts < 1
        ) and time.monotonic() < deadline:
            time.sleep(0.05)
        streamer.pids.add(streamer.encoder_pid)
        assert streamer.stats().restarts >= 1
        # A dead stream gives stale frames and then nothing: a receiver reopens, and frames flow again.
        cap.release()
        cap = open_capture(streamer.udp_port)
        after = read_stamped(cap, 5, deadline_s=20.0)
    finally:
        cap.release()
    assert len(after) == 5
    assert after[0][0] > before[-1][0] and after[0][1] > before[-1][1]
    assert all(b[0] > a[0] and b[1] > a[1] for a, b in itertools.pairwise(after))


def test_no_pose_sends_grey_frames_and_non_loopback_is_refused(tmp_path):
    world = load_world()
    with pytest.raises(VideoStreamError, match="loopback"):
        CameraStreamer(NoPose(), PRESETS["zoom"], world, 56001, host="192.0.2.1")
    s = CameraStreamer(
        NoPose(), PRESETS["zoom"], world, free_udp_port(), fps=FPS, ground_truth_path=tmp_path / "t.jsonl"
    )
    pids: set[int] = set()
    try:
        s.start()
        pids.add(s.encoder_pid)
        deadline = time.monotonic() + 5.0
        while s.stats().frames_sent < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        s.stop()
        kill_pids(pids)
    stats = s.stats()
    assert stats.frames_sent >= 3 and stats.frames_without_pose >= 3 and not stats.running
    rows = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert rows and all(r["pose"] is None and r["targets"] == [] for r in rows)
    assert [r["frame_index"] for r in rows] == list(range(len(rows)))


class ParkedThenFlying:
    """On the ground at home until ``lift_after_s``, then 60 m up."""

    def __init__(self, world, lift_after_s: float) -> None:
        self.world, self.lift_at = world, time.time() + lift_after_s

    def pose(self):
        now = time.time()
        alt = 0.0 if now < self.lift_at else 60.0
        h = self.world.home
        return pose(lat_deg=h.lat_deg, lon_deg=h.lon_deg, alt_rel_m=alt, yaw_deg=0.0, t_unix_s=now)


def test_ground_fps_slows_a_parked_camera_and_full_rate_returns_in_the_air(tmp_path):
    world = load_world()
    with pytest.raises(SimConfigError, match="ground fps"):
        CameraStreamer(NoPose(), PRESETS["zoom"], world, free_udp_port(), fps=FPS, ground_fps=20.0)
    s = CameraStreamer(
        ParkedThenFlying(world, lift_after_s=3.0), PRESETS["zoom"], world, free_udp_port(), fps=FPS,
        ground_fps=2.0, ground_truth_path=tmp_path / "t.jsonl",
    )  # fmt: skip
    pids: set[int] = set()
    try:
        s.start()
        pids.add(s.encoder_pid)
        time.sleep(6.0)
    finally:
        s.stop()
        kill_pids(pids)
    rows = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    parked = [r for r in rows if r["pose"]["alt_rel_m"] < 1.0]
    flying = [r for r in rows if r["pose"]["alt_rel_m"] >= 1.0]
    assert 4 <= len(parked) <= 8  # ~3 s at 2 fps (not 30 at 10 fps)
    assert len(flying) >= 20  # ~3 s at 10 fps
    gaps = np.diff([r["t_unix_s"] for r in parked])
    assert np.median(gaps) == pytest.approx(0.5, abs=0.1)
