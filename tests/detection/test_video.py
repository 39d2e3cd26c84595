"""Video sources on real H.264/UDP streams (ffmpeg) and files: barcode times, drops, reconnects."""

from __future__ import annotations

import time

import numpy as np
import pytest

from detection.errors import VideoSourceError, VideoTimeoutError
from detection.video.barcode import decode_frame_stamp
from detection.video.source import EndOfStream, SourceConfig, VideoSource
from sitl.camera.barcode import draw_barcode
from tests.detection import sim


@pytest.fixture(scope="module")
def clip() -> list[np.ndarray]:
    """Three rendered 1280×720 frames of the sample world at 60 m."""
    return [sim.render(sim.above_target("p1", 80.0 + k, t_unix_s=0.0), 80.0 + k).image for k in range(3)]


@pytest.mark.parametrize(("h", "w"), [(720, 1280), (360, 640), (1080, 1920)])
def test_barcode_decodes_what_the_sender_draws(h, w):
    frame = np.random.default_rng(1).integers(0, 255, (h, w, 3), dtype=np.uint8)
    draw_barcode(frame, frame_index=4_000_000_000, t_unix_us=1_763_790_000_123_456)
    assert decode_frame_stamp(frame) == (4_000_000_000, pytest.approx(1_763_790_000.123456, abs=1e-6))


def test_a_flipped_bit_fails_the_crc():
    frame = np.zeros((720, 1280, 3), np.uint8)
    draw_barcode(frame, frame_index=7, t_unix_us=1_000_000)
    frame[708:716, 32 + 8 * 60 + 2 : 32 + 8 * 60 + 6] = (
        255 - frame[708:716, 32 + 8 * 60 + 2 : 32 + 8 * 60 + 6]
    )
    assert decode_frame_stamp(frame) is None


def _read_some(source: VideoSource, n: int, timeout_s: float = 20.0) -> list:
    frames, deadline = [], time.monotonic() + timeout_s
    while len(frames) < n and time.monotonic() < deadline:
        try:
            frames.append(source.read(timeout_s=2.0))
        except VideoTimeoutError:
            continue
    return frames


def test_a_dropped_and_restored_udp_stream_resumes_with_increasing_indices(clip):
    port = sim.free_udp_port()
    sender = sim.UdpSender(frames=clip, port=port)
    cfg = SourceConfig(open_timeout_s=10.0, read_timeout_s=3.0, reconnect_backoff_s=(0.1, 0.5))
    source = VideoSource(f"udp://127.0.0.1:{port}", name="cam0", config=cfg)
    try:
        sender.start()
        source.start()
        before = _read_some(source, 8)
        assert len(before) == 8
        assert all(f.time_source == "barcode" for f in before)
        assert np.all(np.diff([f.index for f in before]) > 0)
        latency = [f.t_arrival_unix_s - f.t_capture_unix_s for f in before]
        assert 0.0 < np.median(latency) < 0.5  # capture → decoded over loopback
        sender.kill()  # the stream drops dead
        time.sleep(cfg.read_timeout_s + 1.0)  # longer than a read may block: the source must reopen
        with pytest.raises(VideoTimeoutError):
            _ = [source.read(timeout_s=1.0) for _ in range(5)]  # drains what was in flight, then nothing
        sender.start()  # a new ffmpeg, indices keep counting
        after = _read_some(source, 8, timeout_s=30.0)
        assert len(after) == 8, source.stats()
        assert after[0].index > before[-1].index and np.all(np.diff([f.index for f in after]) > 0)
        st = source.stats()
        assert st.connects >= 2 and st.frames_stamped >= 16
    finally:
        sender.kill()
        source.stop()
    assert not source.running


def test_a_sender_that_restarts_its_count_is_followed(clip):
    port = sim.free_udp_port()
    sender = sim.UdpSender(frames=clip, port=port, first_index=5000)
    cfg = SourceConfig(open_timeout_s=10.0, read_timeout_s=3.0, reconnect_backoff_s=(0.1, 0.5))
    source = VideoSource(f"udp://127.0.0.1:{port}", config=cfg)
    try:
        sender.start()
        source.start()
        assert len(_read_some(source, 4)) == 4
        sender.kill()
        time.sleep(1.5)
        sender = sim.UdpSender(frames=clip, port=port, first_index=0)  # a new sender counting from 0
        sender.start()
        after = _read_some(source, 4, timeout_s=30.0)
        assert len(after) == 4 and after[-1].index < 1000
    finally:
        sender.kill()
        source.stop()


def test_a_slow_reader_gets_the_newest_frame_and_stale_ones_are_dropped(clip):
    port = sim.free_udp_port()
    sender = sim.UdpSender(frames=clip, port=port, fps=10.0)
    source = VideoSource(f"udp://127.0.0.1:{port}", config=SourceConfig(open_timeout_s=10.0))
    try:
        sender.start()
        source.start()
        assert len(_read_some(source, 2)) == 2
        time.sleep(1.0)  # the consumer stalls for a second
        f = source.read(timeout_s=5.0)
        assert time.time() - f.t_capture_unix_s < 0.5, source.stats()  # not a second-old backlog
        assert source.stats().frames_dropped_stale >= 5, source.stats()
    finally:
        sender.kill()
        source.stop()


def test_a_file_is_read_in_order_to_its_end(tmp_path, clip):
    import subprocess

    from sitl.camera.encoder import ffmpeg_exe

    path = tmp_path / "clip.mp4"
    frames = []
    for k in range(12):
        f = clip[k % 3].copy()
        draw_barcode(f, frame_index=100 + k, t_unix_us=1_763_790_000_000_000 + 100_000 * k)
        frames.append(f)
    cmd = [ffmpeg_exe(), "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24", "-video_size", "1280x720",
           "-framerate", "10", "-i", "pipe:0", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "10",
           "-pix_fmt", "yuv420p", str(path)]  # fmt: skip
    subprocess.run(cmd, input=b"".join(f.tobytes() for f in frames), check=True, timeout=60)
    with VideoSource(str(path), config=SourceConfig(open_timeout_s=3.0)) as source:
        got = []
        with pytest.raises(EndOfStream):
            while True:
                got.append(source.read(timeout_s=5.0))
    assert [f.index for f in got] == list(range(100, 112))
    assert got[3].t_capture_unix_s == pytest.approx(1_763_790_000.3, abs=1e-6)


def test_missing_file_and_unopened_source_say_so(tmp_path):
    with pytest.raises(VideoSourceError, match="does not exist"):
        VideoSource(str(tmp_path / "nope.mp4"))
    with pytest.raises(VideoSourceError, match="not started"):
        VideoSource("udp://127.0.0.1:9").read(timeout_s=0.1)
