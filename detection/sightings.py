"""Tracks → sightings: each tracked object's ground points gathered, fused and turned into one ``Sighting``.

A track becomes a sighting once it has been tracked in ``min_frames`` frames (flicker ids never do). Its
sighting is then re-issued, same id, every ``update_interval_s`` while it lasts and once more when it
ends (not seen for ``end_after_s``), each time with the fused position, error ellipse, best snapshot and
the map rules' events. ``SightingBuilder.step`` is pure bookkeeping: the pipeline commits what it returns.
"""

from __future__ import annotations

import math
import uuid
from collections import deque
from dataclasses import dataclass, field

import mgrs
import numpy as np

from detection.fusion import FusedPosition, FusionConfig, fuse_track, to_local_en
from detection.geotag import Geotagger
from detection.pose import PoseUncertainty
from detection.rules import BorderRules, RuleHit
from detection.snapshots import Snapshot, make_snapshot
from detection.uncertainty import frame_covariances_en
from detection.values import (
    CameraPose,
    CrossingEvent,
    Detections,
    Event,
    Frame,
    Sighting,
    ZoneAlert,
    class_name,
)

_MGRS = mgrs.MGRS()


def mgrs_string(lat_deg: float, lon_deg: float) -> str:
    """1-m MGRS, spaced for reading.

    >>> mgrs_string(31.3333, -110.95)
    '12R WV 04756 66541'
    """
    raw = _MGRS.toMGRS(lat_deg, lon_deg, MGRSPrecision=5)
    raw = raw.decode() if isinstance(raw, bytes) else raw
    return f"{raw[:3]} {raw[3:5]} {raw[5:10]} {raw[10:15]}"


@dataclass(frozen=True, kw_only=True)
class SightingConfig:
    """``min_frames``: tracked frames a track needs before it is a sighting. ByteTrack gives an id from a
    track's second detection on (the first only proposes it), so the default 2 means three detections of
    one object: the zoom camera's footprint is only 17 m along the track at 60 m, a walker met head-on at
    5 m/s crosses it in under 3 s, and a CPU detector sharing the machine sees about one frame a second.
    ``end_after_s``: a track unseen this long is over (keep it above the tracker's own memory,
    ``track_buffer`` frames, or a re-found track would start a second sighting). ``anchor``: the box
    point taken as the object's ground point (``center``, or ``bottom`` for upright objects seen
    obliquely). ``fit_window_s``: how much of a long
    track's recent path the position fit uses (short enough that a turn does not bend the fit).

    Stitching: when the tracker starts a new id, an unseen track of the same class that vanished less
    than ``stitch_window_s`` ago within ``stitch_gate_m`` + ``stitch_speed_m_s`` × gap metres of the new
    one's ground point (the map frame knows where things are even when the view turned or jumped)
    continues as the same sighting."""

    min_frames: int = 2
    update_interval_s: float = 2.0
    end_after_s: float = 8.0
    anchor: str = "center"
    fit_window_s: float = 5.0
    smooth_frames: int = 5
    stitch_window_s: float = 5.0
    stitch_gate_m: float = 5.0
    stitch_speed_m_s: float = 2.0
    uncertainty: PoseUncertainty = field(default_factory=PoseUncertainty)
    fusion: FusionConfig = field(default_factory=FusionConfig)


@dataclass(frozen=True, kw_only=True)
class SightingUpdate:
    """What the pipeline must commit: the sighting, a new snapshot (or None), events first seen now, and
    ``kind``: ``"new"``, ``"update"`` or ``"final"``."""

    sighting: Sighting
    snapshot: Snapshot | None
    events: tuple[Event, ...]
    kind: str
    trigger_t_capture_unix_s: float


@dataclass
class _Track:
    track_id: int
    sighting_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    t: deque = field(default_factory=deque)
    lat: deque = field(default_factory=deque)
    lon: deque = field(default_factory=deque)
    alt: deque = field(default_factory=deque)
    cov: deque = field(default_factory=deque)
    frames: int = 0
    first_seen: float = math.nan
    last_seen: float = math.nan
    class_votes: dict[int, float] = field(default_factory=dict)
    class_conf: dict[int, list[float]] = field(default_factory=dict)
    best_score: float = -1.0
    best_image: np.ndarray | None = None
    best_box: np.ndarray | None = None
    snapshot_dirty: bool = False
    saved_at: float = -math.inf
    saved_frames: int = 0
    issued: bool = False
    pending_events: list[RuleHit] = field(default_factory=list)


class SightingBuilder:
    """Per-stream bookkeeping of tracks; see the module docstring."""

    def __init__(
        self,
        geotagger: Geotagger,
        *,
        flight_id: str,
        vehicle: str,
        config: SightingConfig | None = None,
        rules: BorderRules | None = None,
    ) -> None:
        self.geotagger = geotagger
        self.flight_id = flight_id
        self.vehicle = vehicle
        self.config = config or SightingConfig()
        self.rules = rules
        self._tracks: dict[int, _Track] = {}

    # --- per frame ----------------------------------------------------------------------------
    def step(
        self,
        frame: Frame,
        tracked: Detections,
        pose: CameraPose,
        pose_before: CameraPose | None = None,
        pose_after: CameraPose | None = None,
    ) -> list[SightingUpdate]:
        """Take one frame's tracked detections (tracker_id ≥ 0) and the camera pose at its time.

        ``pose_before``/``pose_after`` (the poses a little before and after) give each ground point's
        speed for the timing error; without them timing adds nothing to the ellipses.
        """
        cfg = self.config
        t = frame.t_capture_unix_s
        keep = tracked.tracker_id >= 0
        tracked = tracked[np.flatnonzero(keep)]
        updates: list[SightingUpdate] = []
        if len(tracked):
            size = (frame.width_px, frame.height_px)
            uv = tracked.bottom_centers_px if cfg.anchor == "bottom" else tracked.centers_px
            fix = self.geotagger.pixel_to_ground(pose, uv, size)
            velocity = self._ground_velocity(uv, size, pose_before, pose_after)
            cov = frame_covariances_en(self.geotagger, pose, uv, size, cfg.uncertainty, velocity)
            for i in range(len(tracked)):
                if not fix.valid[i]:
                    continue
                tid = int(tracked.tracker_id[i])
                tr = self._tracks.get(tid)
                if tr is None:
                    tr = self._stitch(
                        tid, int(tracked.class_id[i]), float(fix.lat_deg[i]), float(fix.lon_deg[i]), t
                    )
                    if tr is None:
                        tr = self._tracks[tid] = _Track(track_id=tid)
                self._observe(
                    tr, frame, tracked, i, t, fix.lat_deg[i], fix.lon_deg[i], fix.alt_amsl_m[i], cov[i]
                )
                update = self._maybe_issue(tr, t, final=False)
                if update is not None:
                    updates.append(update)
        updates += self._end_stale(t)
        return updates

    def flush(self) -> list[SightingUpdate]:
        """End every open track (the stream stopped): final updates for those that are sightings."""
        out = []
        for tr in list(self._tracks.values()):
            update = self._maybe_issue(tr, tr.last_seen, final=True)
            if update is not None:
                out.append(update)
        self._tracks.clear()
        return out

    @property
    def open_tracks(self) -> int:
        return len(self._tracks)

    # --- internals ----------------------------------------------------------------------------
    def _stitch(self, new_id: int, class_id: int, lat: float, lon: float, t: float) -> _Track | None:
        """An unseen recent track of the same class near this new one, re-keyed to ``new_id``; or None."""
        cfg = self.config
        best, best_d = None, float("inf")
        for old_id, tr in self._tracks.items():
            gap = t - tr.last_seen
            if (
                not (0.0 < gap <= cfg.stitch_window_s)
                or max(tr.class_votes, key=tr.class_votes.__getitem__) != class_id
            ):
                continue
            k = min(cfg.smooth_frames, len(tr.t))
            en = to_local_en(
                np.array(list(tr.lat)[-k:]), np.array(list(tr.lon)[-k:]), lat, lon, float(tr.alt[-1])
            )
            d = float(np.hypot(*en.mean(axis=0)))
            if d <= cfg.stitch_gate_m + cfg.stitch_speed_m_s * gap and d < best_d:
                best, best_d = old_id, d
        if best is None:
            return None
        tr = self._tracks.pop(best)
        tr.track_id = new_id
        self._tracks[new_id] = tr
        return tr

    def _ground_velocity(
        self, uv, size, before: CameraPose | None, after: CameraPose | None
    ) -> np.ndarray | None:
        if before is None or after is None or after.t_unix_s <= before.t_unix_s:
            return None
        a = self.geotagger.pixel_to_ground(before, uv, size)
        b = self.geotagger.pixel_to_ground(after, uv, size)
        en_b = to_local_en(
            b.lat_deg, b.lon_deg, after.lat_deg, after.lon_deg, float(np.nanmean(b.alt_amsl_m))
        )
        en_a = to_local_en(
            a.lat_deg, a.lon_deg, after.lat_deg, after.lon_deg, float(np.nanmean(b.alt_amsl_m))
        )
        return (en_b - en_a) / (after.t_unix_s - before.t_unix_s)

    def _observe(self, tr: _Track, frame: Frame, dets: Detections, i: int, t, lat, lon, alt, cov) -> None:
        cfg = self.config
        for q, v in ((tr.t, t), (tr.lat, lat), (tr.lon, lon), (tr.alt, alt), (tr.cov, cov)):
            q.append(v)
        while tr.t and tr.t[0] < t - cfg.fit_window_s and len(tr.t) > cfg.min_frames:
            for q in (tr.t, tr.lat, tr.lon, tr.alt, tr.cov):
                q.popleft()
        tr.frames += 1
        tr.first_seen = t if math.isnan(tr.first_seen) else tr.first_seen
        tr.last_seen = t
        cid, conf = int(dets.class_id[i]), float(dets.confidence[i])
        tr.class_votes[cid] = tr.class_votes.get(cid, 0.0) + conf
        tr.class_conf.setdefault(cid, []).append(conf)
        box = dets.xyxy_px[i]
        inside = box[0] > 2 and box[1] > 2 and box[2] < frame.width_px - 2 and box[3] < frame.height_px - 2
        score = conf * math.sqrt(max(float(dets.area_px2[i]), 1.0)) * (1.0 if inside else 0.5)
        if score > tr.best_score * 1.1:
            tr.best_score, tr.best_image, tr.best_box, tr.snapshot_dirty = (
                score,
                frame.image,
                box.copy(),
                True,
            )
        if self.rules is not None and len(tr.t) >= 1:
            k = min(self.config.smooth_frames, len(tr.t))
            lat_s = float(np.mean(list(tr.lat)[-k:]))
            lon_s = float(np.mean(list(tr.lon)[-k:]))
            t_s = float(np.mean(list(tr.t)[-k:]))
            tr.pending_events += self.rules.update(tr.sighting_id, t_s, lat_s, lon_s)

    def _end_stale(self, now: float) -> list[SightingUpdate]:
        out = []
        for tid, tr in list(self._tracks.items()):
            if now - tr.last_seen > self.config.end_after_s:
                update = self._maybe_issue(tr, now, final=True)
                if update is not None:
                    out.append(update)
                del self._tracks[tid]
                if self.rules is not None:
                    self.rules.forget(tr.sighting_id)
        return out

    def _maybe_issue(self, tr: _Track, now: float, *, final: bool) -> SightingUpdate | None:
        cfg = self.config
        if tr.frames < cfg.min_frames:
            return None
        if tr.issued and not final and now - tr.saved_at < cfg.update_interval_s:
            return None
        if tr.issued and final and tr.saved_frames == tr.frames and not tr.snapshot_dirty:
            return None
        kind = "final" if final else ("update" if tr.issued else "new")
        fused = fuse_track(
            np.array(tr.t), np.array(tr.lat), np.array(tr.lon), np.array(tr.alt), np.array(tr.cov),
            cfg.uncertainty, cfg.fusion,
        )  # fmt: skip
        sighting = self._sighting(tr, fused)
        snapshot = None
        if tr.snapshot_dirty and tr.best_image is not None:
            snapshot = make_snapshot(tr.best_image, tr.best_box)
            tr.snapshot_dirty = False
            if final:
                tr.best_image = None
        events = tuple(self._event(h, sighting) for h in tr.pending_events)
        tr.pending_events = []
        tr.issued, tr.saved_at, tr.saved_frames = True, now, tr.frames
        return SightingUpdate(
            sighting=sighting,
            snapshot=snapshot,
            events=events,
            kind=kind,
            trigger_t_capture_unix_s=tr.last_seen,
        )

    def _sighting(self, tr: _Track, fused: FusedPosition) -> Sighting:
        cid = max(tr.class_votes, key=tr.class_votes.__getitem__)
        return Sighting(
            sighting_id=tr.sighting_id,
            flight_id=self.flight_id,
            vehicle=self.vehicle,
            class_name=class_name(cid),
            confidence=float(np.mean(tr.class_conf[cid])),
            first_seen_unix_s=tr.first_seen,
            last_seen_unix_s=tr.last_seen,
            lat_deg=fused.lat_deg,
            lon_deg=fused.lon_deg,
            alt_amsl_m=fused.alt_amsl_m,
            position_t_unix_s=fused.t_unix_s,
            ellipse=fused.ellipse,
            mgrs=mgrs_string(fused.lat_deg, fused.lon_deg),
            track_id=tr.track_id,
            track_frames=tr.frames,
            speed_m_s=fused.speed_m_s,
            course_deg=fused.course_deg,
        )

    def _event(self, hit: RuleHit, s: Sighting) -> Event:
        common = {
            "event_id": hit.event_id,
            "sighting_id": s.sighting_id,
            "flight_id": s.flight_id,
            "vehicle": s.vehicle,
            "class_name": s.class_name,
            "t_unix_s": hit.t_unix_s,
            "lat_deg": hit.lat_deg,
            "lon_deg": hit.lon_deg,
            "border_name": self.rules.border.name if self.rules is not None else "",
        }
        if hit.kind == "crossing":
            return CrossingEvent(**common, from_side=hit.from_side, to_side=hit.to_side)
        return ZoneAlert(
            **common,
            distance_m=hit.distance_m,
            buffer_m=self.rules.buffer_m if self.rules else math.nan,
            side=hit.side,
        )
