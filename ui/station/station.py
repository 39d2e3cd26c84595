"""The station: owns the fleet of links, one detection pipeline per video stream, the store, the .tlog
recorders and the audit log. The console creates one per server process (not per page rerun) and the
pages read snapshots from it and send it commands; they never own a socket.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from detection.detector import DetectorConfig
from detection.store import open_store
from missions.camera import DEFAULT_CAMERA, camera_preset
from missions.values import BorderLine, Plan
from telemetry.actions import ACTIONS, perform
from telemetry.config import DEFAULT_CONFIG, LinkConfig
from telemetry.errors import LinkError
from telemetry.fleet import Fleet
from telemetry.link import VehicleLink
from telemetry.state import VehicleState
from telemetry.trusted_upload import UploadReport, trusted_upload
from ui.station.audit import AuditEntry, AuditLog
from ui.station.jobs import Job, Jobs
from ui.station.sim_process import SimProcess
from ui.station.video import VideoWatch


@dataclass(frozen=True, kw_only=True)
class VehicleEntry:
    name: str
    url: str
    video_url: str | None = None
    camera: str = DEFAULT_CAMERA
    signed: bool = False
    simulated: bool = False


@dataclass(frozen=True, kw_only=True)
class StationConfig:
    """``border``: the line crossing alerts are raised for (None: none); ``detect``: run the detection
    pipeline on every vehicle with a video URL."""

    data_dir: Path
    link: LinkConfig = field(default_factory=lambda: DEFAULT_CONFIG)
    border: BorderLine | None = None
    detect: bool = True
    detector: DetectorConfig = field(default_factory=DetectorConfig)

    @property
    def tlog_dir(self) -> Path:
        return self.data_dir / "tlogs"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'borderwatch.sqlite'}"


class Station:
    def __init__(self, config: StationConfig) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.fleet = Fleet(config=config.link, tlog_dir=config.tlog_dir)
        self.audit = AuditLog(config.data_dir / "audit.jsonl")
        self.jobs = Jobs()
        self._entries: dict[str, VehicleEntry] = {}
        self._plans: dict[str, Plan] = {}
        self._sims: list[SimProcess] = []
        self._watches: dict[str, VideoWatch] = {}
        self.store = open_store(config.db_url)
        self.border = config.border
        self._lock = threading.Lock()
        self._stopped = False

    # --- vehicles -----------------------------------------------------------------------------
    def add_vehicle(
        self, entry: VehicleEntry, *, signing_key: bytes | None = None, user: str = "system"
    ) -> None:
        """Follow a vehicle (its link connects and reconnects in the background)."""
        with self._lock:
            if entry.name in self._entries:
                raise LinkError(f"a vehicle named {entry.name!r} is already connected")
            self._entries[entry.name] = entry
        try:
            self.fleet.add(entry.name, entry.url, signing_key=signing_key)
        except LinkError:
            with self._lock:
                self._entries.pop(entry.name, None)
            raise
        self.audit.write(
            user=user, vehicle=entry.name, action="connect", detail=entry.url, ok=True, result="following"
        )
        if entry.video_url and self.config.detect:
            self.watch_video(entry.name)

    def watch_video(self, name: str) -> VideoWatch:
        """Start the detection pipeline on a vehicle's video (sightings go to the store)."""
        entry = self.entry(name)
        if not entry.video_url:
            raise LinkError(f"{name} has no video URL")
        with self._lock:
            if name in self._watches:
                return self._watches[name]
        watch = VideoWatch(
            vehicle=name, video_url=entry.video_url, camera=camera_preset(entry.camera), link=self.link(name),
            store=self.store, border=self.border, detector=self.config.detector,
        )  # fmt: skip
        with self._lock:
            self._watches[name] = watch
        return watch.start()

    def watch(self, name: str) -> VideoWatch | None:
        with self._lock:
            return self._watches.get(name)

    def watches(self) -> dict[str, VideoWatch]:
        with self._lock:
            return dict(self._watches)

    def remove_vehicle(self, name: str, *, user: str = "system") -> None:
        with self._lock:
            self._entries.pop(name, None)
            watch = self._watches.pop(name, None)
        if watch is not None:
            watch.stop()
        self.fleet.remove(name)
        self.audit.write(user=user, vehicle=name, action="disconnect", ok=True, result="removed")

    def vehicles(self) -> list[VehicleEntry]:
        with self._lock:
            return list(self._entries.values())

    def entry(self, name: str) -> VehicleEntry:
        with self._lock:
            try:
                return self._entries[name]
            except KeyError:
                raise LinkError(f"no vehicle named {name!r}") from None

    def link(self, name: str) -> VehicleLink:
        return self.fleet.link(name)

    def states(self) -> dict[str, VehicleState]:
        return self.fleet.states()

    def plan_of(self, name: str) -> Plan | None:
        return self._plans.get(name)

    def start_simulators(
        self,
        count: int,
        *,
        speedup: float = 1.0,
        video: bool = True,
        user: str = "system",
        base_port: int = 5760,
        extra: tuple[str, ...] = (),
    ) -> list[VehicleEntry]:
        """Start ``count`` simulated drones (a ``borderwatch sim`` child process) and follow them."""
        taken = {e.url for e in self.vehicles()}
        while any(f"tcp:127.0.0.1:{base_port + 10 * i}" in taken for i in range(count)):
            base_port += 10 * count
        sim = SimProcess(vehicles=count, speedup=speedup, video=video, base_port=base_port, extra=extra,
                         log_path=self.config.data_dir / "sim.log")  # fmt: skip
        self._sims.append(sim)
        with (self.config.data_dir / "sim.pids").open("a") as pids:  # for operators (and tests) to find them
            pids.write(f"{sim.proc.pid}\n")
        added = []
        names = {e.name for e in self.vehicles()}
        n = 1
        for v in sim.vehicles:
            while f"sim-{n}" in names:
                n += 1
            entry = VehicleEntry(name=f"sim-{n}", url=v.mavlink_url, video_url=v.video_url, simulated=True)
            names.add(entry.name)
            self.add_vehicle(entry, user=user)
            added.append(entry)
        return added

    # --- commands -----------------------------------------------------------------------------
    def _audited(self, user: str, vehicle: str, action: str, detail: str, fn: Callable[[], str]) -> str:
        try:
            result = fn()
        except LinkError as exc:
            self.audit.write(
                user=user, vehicle=vehicle, action=action, detail=detail, ok=False, result=str(exc)
            )
            raise
        self.audit.write(user=user, vehicle=vehicle, action=action, detail=detail, ok=True, result=result)
        return result

    def command(
        self, user: str, vehicle: str, action: str, *, alt_m: float = 60.0, hold_mode: str = "BRAKE"
    ) -> Job:
        """Send ``action`` to ``vehicle`` as a background job; the result (or refusal) is audited."""
        if action not in ACTIONS:
            raise LinkError(
                f"unknown action {action!r}; one of {', '.join(ACTIONS)}"
            )  # before any job starts
        link = self.link(vehicle)

        def work(progress: Callable[[str], None]) -> str:
            state = perform(link, action, alt_rel_m=alt_m, hold_mode=hold_mode,
                            progress=lambda step, text: progress(f"{step}: {text}"))  # fmt: skip
            return f"{action} accepted: mode {state.mode}, {'armed' if state.armed else 'disarmed'}"

        def on_end(job: Job) -> None:
            self.audit.write(user=user, vehicle=vehicle, action=action, detail=f"alt {alt_m:g} m" if action == "launch" else "",
                             ok=job.status == "done", result=job.message)  # fmt: skip

        return self.jobs.run(vehicle, action, work, on_end)

    def upload(
        self, user: str, vehicle: str, plan: Plan, progress: Callable[[str, int, int], None] | None = None
    ) -> UploadReport:
        """Trusted upload (refuses a plan with errors); remembered as the vehicle's mission when verified."""
        link = self.link(vehicle)
        report_box: list[UploadReport] = []

        def do() -> str:
            report = trusted_upload(link, plan, progress=progress)
            report_box.append(report)
            if not report.verified:
                raise LinkError(report.summary)
            return report.summary

        try:
            self._audited(user, vehicle, "upload", f"{len(plan.mission.items)} items", do)
        except LinkError:
            if report_box:
                return report_box[0]
            raise
        self._plans[vehicle] = plan
        return report_box[0]

    def recent_audit(self, limit: int = 50) -> list[AuditEntry]:
        return self.audit.recent(limit)

    # --- lifecycle ----------------------------------------------------------------------------
    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        # In parallel: a video source reconnecting to a stream that has gone waits out its open timeout
        # (OpenCV cannot interrupt it), and one after another that was ~10 s per drone at shutdown.
        stoppers = [
            threading.Thread(target=watch.stop, name=f"stop:{name}", daemon=True)
            for name, watch in self.watches().items()
        ]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        self.fleet.stop()
        for sim in self._sims:
            sim.stop()
        self.store.close()

    def wait_connected(self, timeout_s: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            states = self.states()
            if states and all(s.link.connected and s.has_position for s in states.values()):
                return True
            time.sleep(0.2)
        return False
