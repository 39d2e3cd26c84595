"""The lossy-link proxy between a ground station and a simulated vehicle, over real sockets."""

from __future__ import annotations

import itertools
import time

import pytest

from sitl.proxy import LinkFaults, LossyProxy, split_frames
from tests.sitl.vehicle_gcs import Gcs
from tests.sitl.vehicle_targets import Target, free_base_port


def _sequence_loss(msgs: list) -> float:
    """Share of frames missing, from the MAVLink sequence numbers of what arrived (mod 256)."""
    seqs = [m.get_seq() for m in msgs]
    missing = sum((b - a - 1) % 256 for a, b in itertools.pairwise(seqs))
    return missing / (missing + len(seqs))


@pytest.mark.parametrize(("chunk"), [1, 7, 1000])
def test_split_frames_keeps_frame_boundaries_whatever_the_chunking(chunk: int) -> None:
    v1 = b"\xfe\x02" + bytes(4) + b"ab" + b"cc"  # len 2 payload + 8
    v2 = b"\xfd\x01\x00" + bytes(7) + b"x" + b"cc"  # len 1 payload + 12
    v2s = b"\xfd\x01\x01" + bytes(7) + b"y" + b"cc" + bytes(13)  # signed: +13
    stream = b"junk" + v1 + v2 + v2s
    buf, frames = bytearray(), []
    for i in range(0, len(stream), chunk):
        buf += stream[i : i + chunk]
        frames += split_frames(buf)
    assert b"".join(frames) == stream and not buf
    assert [f for f in frames if f[0] in (0xFD, 0xFE)] == [v1, v2, v2s]


def test_frames_are_dropped_at_the_configured_rate(sim_vehicle: Target) -> None:
    port = free_base_port(1)
    with LossyProxy(
        listen_port=port, vehicle_port=sim_vehicle.port, down=LinkFaults(drop=0.3), seed=7
    ) as proxy:
        with Gcs(port) as gcs:
            gcs.heartbeat()
            gcs.request_streams(10)
            msgs = gcs.drain(3.0)
        stats = proxy.stats.to_client
        assert stats.frames > 300
        assert stats.dropped / stats.frames == pytest.approx(0.3, abs=0.05)
        assert _sequence_loss(msgs) == pytest.approx(0.3, abs=0.06)  # what the client sees


def test_link_cut_and_restored(sim_vehicle: Target) -> None:
    port = free_base_port(1)
    with LossyProxy(listen_port=port, vehicle_port=sim_vehicle.port, seed=1) as proxy, Gcs(port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(10)
        assert len(gcs.drain(0.5)) > 20
        proxy.cut(mode="blackhole", duration_s=1.0)
        time.sleep(0.1)
        gcs.drain(0.1)
        assert gcs.drain(0.7) == []  # nothing gets through while cut
        time.sleep(0.4)
        assert not proxy.is_cut  # restored by itself, bounded in time
        assert len(gcs.drain(0.5)) > 20
        proxy.cut(mode="close")
        with pytest.raises(ConnectionError):
            gcs.drain(1.0)
        proxy.restore()
    with LossyProxy(listen_port=port, vehicle_port=sim_vehicle.port) as proxy, Gcs(port) as again:
        assert again.heartbeat().get_srcSystem() == 1
