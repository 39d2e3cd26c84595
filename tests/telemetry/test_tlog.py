"""Writing .tlog files and reading them back."""

import struct

import pytest

from telemetry.errors import TlogError
from telemetry.replay import read_tlog, replay_states
from telemetry.tlog import FlightTlogs, read_records
from tests.telemetry import messages as m


def test_records_are_timestamp_and_packet_and_flights_get_their_own_file(tmp_path):
    logs = FlightTlogs(tmp_path, "drone 1", close_after_disarm_s=1.0)
    t = 1_700_000_000.0
    logs.write(t, m.heartbeat(armed=False).get_msgbuf())
    logs.observe_armed(t + 1, True)
    for i in range(5):
        logs.write(t + 1 + i * 0.1, m.position(31.0 + i * 1e-4, -110.0, 10.0 + i).get_msgbuf())
    logs.observe_armed(t + 2, False)
    logs.write(t + 2.5, m.heartbeat().get_msgbuf())
    logs.write(t + 3.5, m.heartbeat().get_msgbuf())  # more than 1 s after disarm: closes the flight file
    logs.write(t + 4.0, m.heartbeat().get_msgbuf())
    logs.close()
    assert logs.session_path.name.startswith("drone_1-") and logs.session_path.name.endswith("-session.tlog")
    assert len(logs.flight_paths) == 1
    flight = list(read_tlog(logs.flight_paths[0]))
    assert [x.message.get_type() for x in flight] == ["GLOBAL_POSITION_INT"] * 5 + ["HEARTBEAT", "HEARTBEAT"]
    assert flight[0].t_unix_s == pytest.approx(t + 1)
    session = [x.message.get_type() for x in read_tlog(logs.session_path)]
    assert session == ["HEARTBEAT", "HEARTBEAT"]
    raw = logs.flight_paths[0].read_bytes()
    assert struct.unpack(">Q", raw[:8])[0] == int((t + 1) * 1e6)


def test_replay_yields_a_state_per_position(tmp_path):
    logs = FlightTlogs(tmp_path, "v")
    logs.write(10.0, m.heartbeat(mode=3, armed=True).get_msgbuf())
    for i in range(3):
        logs.write(10.1 + i, m.position(31.0, -110.0 + i * 1e-3, 20.0 + i).get_msgbuf())
    logs.close()
    states = list(replay_states(logs.session_path))
    assert [s.alt_rel_m for s in states] == [20.0, 21.0, 22.0]
    assert states[-1].mode == "AUTO" and states[-1].t_unix_s == pytest.approx(12.1)


def test_a_corrupt_tlog_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.tlog"
    path.write_bytes(struct.pack(">Q", 1) + b"\x00garbage")
    with pytest.raises(TlogError, match="not a MAVLink packet"):
        read_records(path)
    with pytest.raises(TlogError, match="cannot read"):
        read_records(tmp_path / "missing.tlog")
