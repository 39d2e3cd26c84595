"""Trusted upload: refuse a plan with errors, upload mission, fence and rally, read them back, compare.

ArduPilot uploads are not atomic, and lossy links make half-finished uploads look finished. So an upload
is only called verified when a read-back matches what was sent item by item (home at seq 0 and the
INT-frame rewrites allowed for). Anything else is reported as failed or unverified, with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from missions.mavitem import RawItem
from missions.validation import DEFAULT_LIMITS, ValidationLimits, validate
from missions.values import Plan
from telemetry.ardupilot_storage import dropped, stored_form
from telemetry.errors import LinkError, UploadRefusedError
from telemetry.link import VehicleLink
from telemetry.mission_items import (
    Difference,
    MissionType,
    compare_items,
    fence_to_items,
    mission_to_items,
    rally_to_items,
)
from telemetry.mission_protocol import download, upload

Progress = Callable[[str, int, int], None]  # (mission type, done, total)


@dataclass(frozen=True, kw_only=True)
class PartReport:
    mission_type: str
    items: int
    verified: bool
    acknowledged: bool
    retries: int
    seconds: float
    differences: tuple[str, ...] = ()
    firmware_notes: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class UploadReport:
    vehicle: str
    verified: bool
    items: int
    seconds: float
    retries: int
    attempts: int
    parts: tuple[PartReport, ...] = field(default_factory=tuple)
    error: str | None = None

    @property
    def summary(self) -> str:
        if self.verified:
            return f"verified: {self.items} items read back identical in {self.seconds:.1f} s ({self.retries} retries)"
        return f"NOT verified: {self.error or 'read-back differs'}"


def _firmware_notes(items: list[RawItem], mission_type: MissionType) -> tuple[str, ...]:
    """What ArduCopter will not keep, once per kind (e.g. "acceptance radius ... (items 3, 4, 5)")."""
    seen: dict[str, list[int]] = {}
    start = 1 if mission_type == MissionType.MISSION else 0
    for seq, item in enumerate(items[start:], start=start):
        for note in dropped(item):
            seen.setdefault(note, []).append(seq)
    return tuple(
        f"{note} (item{'s' if len(seqs) > 1 else ''} {', '.join(map(str, seqs))})"
        for note, seqs in seen.items()
    )


def _one(
    link: VehicleLink,
    mission_type: MissionType,
    items: list[RawItem],
    progress: Progress | None,
    attempts: int,
) -> PartReport:
    started = time.monotonic()
    expected = [stored_form(i) for i in items]
    notes = _firmware_notes(items, mission_type)
    retries = 0
    last_error = "no attempt made"
    acknowledged = False
    diffs: list[Difference] = []
    for _ in range(attempts):
        try:
            stats = upload(
                link,
                mission_type,
                items,
                progress=(lambda d, t: progress(mission_type.label, d, t)) if progress else None,
            )
            retries += stats.retries
            acknowledged = stats.acknowledged
            got, read_stats = download(link, mission_type)
            retries += read_stats.retries
        except LinkError as exc:
            last_error = str(exc)
            continue
        diffs = compare_items(expected, got, mission_type)
        if not diffs:
            return PartReport(
                mission_type=mission_type.label, items=len(items), verified=True, acknowledged=acknowledged,
                retries=retries, seconds=time.monotonic() - started, firmware_notes=notes,
            )  # fmt: skip
        last_error = f"read-back differs in {len(diffs)} place(s)"
    return PartReport(
        mission_type=mission_type.label,
        items=len(items),
        verified=False,
        acknowledged=acknowledged,
        retries=retries,
        seconds=time.monotonic() - started,
        differences=tuple(str(d) for d in diffs[:20]),
        firmware_notes=notes,
        error=last_error,
    )


def trusted_upload(
    link: VehicleLink,
    plan: Plan,
    *,
    limits: ValidationLimits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    attempts: int = 3,
    include_fence: bool = True,
    include_rally: bool = True,
) -> UploadReport:
    """Validate, upload, read back, compare. Raises ``UploadRefusedError`` for a plan with errors;
    link failures end up in the report (``verified=False`` with the reason), never as success."""
    report = validate(plan, limits=limits)
    if report.has_errors:
        raise UploadRefusedError(tuple(f.message for f in report.errors))
    started = time.monotonic()
    parts: list[PartReport] = []
    jobs = [(MissionType.MISSION, mission_to_items(plan.mission))]
    if include_fence:
        jobs.append((MissionType.FENCE, fence_to_items(plan.fence)))
    if include_rally:
        jobs.append((MissionType.RALLY, rally_to_items(plan.rally_points)))
    for mission_type, items in jobs:
        part = _one(link, mission_type, items, progress, attempts)
        parts.append(part)
        if not part.verified:
            break  # do not go on to the fence with an unverified mission
    verified = len(parts) == len(jobs) and all(p.verified for p in parts)
    error = (
        None
        if verified
        else next((f"{p.mission_type}: {p.error}" for p in parts if not p.verified), "incomplete")
    )
    return UploadReport(
        vehicle=link.name,
        verified=verified,
        items=sum(p.items for p in parts),
        seconds=time.monotonic() - started,
        retries=sum(p.retries for p in parts),
        attempts=attempts,
        parts=tuple(parts),
        error=error,
    )
