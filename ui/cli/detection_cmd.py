"""``borderwatch watch``, ``borderwatch sightings list|export``, ``borderwatch model train-demo|eval``."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from detection.detector import DEMO_WEIGHTS, DetectorConfig
from detection.errors import InvalidDetectionValueError
from detection.exports import FORMATS, export
from detection.exports.common import iso_utc
from detection.pipeline import Pipeline, PipelineConfig, SightingCommitted
from detection.rules import BorderRules
from detection.sightings import SightingConfig
from detection.store import EventQuery, SightingQuery, open_store
from detection.video.source import SourceConfig, VideoSource
from missions.camera import DEFAULT_CAMERA, PRESETS, camera_preset
from missions.formats import load_features_file
from ui.cli.output import emit_json, fail, jsonable


def data_dir() -> Path:
    return Path(os.environ.get("BORDERWATCH_DATA_DIR", "data")).resolve()


def db_url(arg: str | None) -> str:
    """A store URL from ``--db`` (a URL or a file path); default: the data dir's database."""
    if arg is None:
        return f"sqlite:///{data_dir() / 'borderwatch.sqlite'}"
    return arg if "://" in arg else f"sqlite:///{Path(arg).resolve()}"


def _time(text: str | None) -> float | None:
    """Unix seconds from Unix seconds or an ISO 8601 time (UTC when no zone is given)."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidDetectionValueError(f"{text!r} is neither Unix seconds nor an ISO 8601 time") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def _query(args: argparse.Namespace) -> SightingQuery:
    bbox = None
    if args.bbox:
        try:
            bbox = tuple(float(v) for v in args.bbox.split(","))
        except ValueError:
            raise InvalidDetectionValueError("--bbox is MIN_LON,MIN_LAT,MAX_LON,MAX_LAT") from None
        if len(bbox) != 4:
            raise InvalidDetectionValueError("--bbox is MIN_LON,MIN_LAT,MAX_LON,MAX_LAT")
    return SightingQuery(
        t_from_unix_s=_time(args.since), t_to_unix_s=_time(args.until), classes=tuple(args.cls or ()),
        min_confidence=args.min_conf, statuses=tuple(args.status or ()), bbox_deg=bbox, flight_id=args.flight,
        limit=args.limit,
    )  # fmt: skip


# --- sightings list / export -------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    store = open_store(db_url(args.db))
    try:
        rows = store.sightings(_query(args))
    finally:
        store.close()
    if args.json:
        emit_json({"ok": True, "count": len(rows), "sightings": rows})
        return 0
    print(f"{len(rows)} sighting(s)")
    for s in rows:
        print(
            f"{s.sighting_id[:8]}  {iso_utc(s.last_seen_unix_s)}  {s.class_name:<7} {s.confidence:.2f}  "
            f"{s.mgrs}  ±{s.ellipse.ce90_m:.1f} m (CE90)  {s.track_frames:>4} frames  {s.status.value}"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    store = open_store(db_url(args.db))
    try:
        rows = store.sightings(_query(args))
        ids = {s.sighting_id for s in rows}
        events = [e for e in store.events(EventQuery(limit=None)) if e.sighting_id in ids]
    finally:
        store.close()
    text = export(rows, args.format, events)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        if args.json:
            emit_json(
                {
                    "ok": True,
                    "format": args.format,
                    "out": args.out,
                    "sightings": len(rows),
                    "events": len(events),
                }
            )
        else:
            print(f"wrote {len(rows)} sighting(s), {len(events)} event(s) to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# --- watch -----------------------------------------------------------------------------------------
def _log_line(c: SightingCommitted, as_json: bool) -> None:
    s = c.sighting
    if as_json:
        print(
            json.dumps(jsonable({"kind": c.kind, "sighting": s, "events": list(c.events)}), allow_nan=False),
            flush=True,
        )
        return
    if c.kind == "new":
        print(
            f"{iso_utc(s.last_seen_unix_s)} NEW {s.class_name} {s.confidence:.2f} at {s.mgrs} ±{s.ellipse.ce90_m:.1f} m (CE90) [{s.sighting_id[:8]}]",
            flush=True,
        )
    for e in c.events:
        what = (
            f"CROSSING {e.direction}"
            if e.kind.value == "crossing"
            else f"entered the {e.buffer_m:g} m buffer ({e.side} side)"
        )
        print(f"{iso_utc(e.t_unix_s)} ALERT {e.class_name} {what} [{s.sighting_id[:8]}]", flush=True)


def cmd_watch(args: argparse.Namespace) -> int:
    from telemetry.link import VehicleLink
    from ui.pose_adapter import LinkPoses

    camera = camera_preset(args.camera)
    border = None
    if args.border:
        features = load_features_file(args.border)
        if not features.borders:
            return fail(f"{args.border} holds no border line (a LineString)", as_json=args.json)
        border = BorderRules(border=features.borders[0], buffer_m=args.buffer_m)
    config = PipelineConfig(
        vehicle=args.name or args.vehicle, camera=camera,
        detector=DetectorConfig(weights=args.weights, imgsz=args.imgsz, conf=args.conf, tile_px=args.tile),
        sightings=SightingConfig(min_frames=args.min_frames), source=SourceConfig(latency_s=args.latency),
        buffer_m=args.buffer_m,
    )  # fmt: skip
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    store = open_store(db_url(args.db))
    link = VehicleLink(args.vehicle, name=config.vehicle)
    pipeline = None
    try:
        link.start(wait=True, timeout_s=args.connect_timeout)
        pipeline = Pipeline(
            config=config, poses=LinkPoses(link.history), store=store,
            source=VideoSource(args.video, name=config.vehicle, config=config.source), border=border,
        )  # fmt: skip
        pipeline.add_listener(lambda c: _log_line(c, args.json))
        pipeline.start()
        print(
            f"watching {args.video} with {pipeline.detector.weights.name}; sightings into {store.url} (Ctrl-C stops)",
            file=sys.stderr,
        )
        t_end = time.monotonic() + args.duration if args.duration else None
        while not stop.wait(1.0):
            if t_end is not None and time.monotonic() >= t_end:
                break
            if not pipeline.stats().running:
                break
    except KeyboardInterrupt:
        pass
    finally:
        if pipeline is not None:
            pipeline.stop()
            st = pipeline.stats()
            print(
                f"stopped: {st.frames_processed} frames, {st.sightings_new} sightings, {st.events} events",
                file=sys.stderr,
            )
        link.stop()
        store.close()
    return 0


# --- model ----------------------------------------------------------------------------------------
def cmd_train_demo(args: argparse.Namespace) -> int:
    from ui.detection_training import train_demo

    command = "borderwatch model train-demo " + " ".join(shlex.quote(a) for a in sys.argv[3:])
    result = train_demo(
        images=args.images, epochs=args.epochs, out_dir=Path(args.out), work_dir=Path(args.work), seed=args.seed,
        command=command.strip(),
    )  # fmt: skip
    if args.json:
        emit_json(
            {"ok": True, **{k: str(v) if isinstance(v, Path) else v for k, v in jsonable(result).items()}}
        )
    else:
        print(f"wrote {result.weights} and {result.model_card}: mAP50 {result.map50}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from detection.detector import resolve_weights
    from ui.detection_training import evaluate_model

    weights = resolve_weights(args.weights)
    map50 = evaluate_model(weights=weights, images=args.images, work_dir=Path(args.work), imgsz=args.imgsz)
    if args.json:
        emit_json(
            {"ok": True, "weights": str(weights), "images": args.images, "imgsz": args.imgsz, "map50": map50}
        )
    else:
        print(
            f"{weights.name} on {args.images} rendered frames at imgsz {args.imgsz}: "
            + ", ".join(f"{k} {v:.3f}" for k, v in map50.items())
        )
    return 0


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="database URL or file (default: $BORDERWATCH_DATA_DIR/borderwatch.sqlite)")
    p.add_argument("--class", dest="cls", action="append", choices=("person", "vehicle", "boat"))
    p.add_argument("--status", action="append", choices=("new", "confirmed", "dismissed"))
    p.add_argument("--min-conf", type=float)
    p.add_argument("--since", help="Unix seconds or ISO 8601 (UTC)")
    p.add_argument("--until", help="Unix seconds or ISO 8601 (UTC)")
    p.add_argument("--bbox", help="MIN_LON,MIN_LAT,MAX_LON,MAX_LAT")
    p.add_argument("--flight")
    p.add_argument("--limit", type=int, default=10000)
    p.add_argument("--json", action="store_true")


def register(sub: argparse._SubParsersAction) -> None:
    w = sub.add_parser("watch", help="headless: telemetry + video detection into the sightings store")
    w.add_argument("--vehicle", required=True, help="MAVLink connection, e.g. tcp:127.0.0.1:5760")
    w.add_argument("--video", required=True, help="video URL, file or device, e.g. udp://127.0.0.1:5600")
    w.add_argument("--weights", default="demo", help=f"YOLO weights (.pt) or 'demo' ({DEMO_WEIGHTS.name})")
    w.add_argument("--db", help="database URL or file (default: $BORDERWATCH_DATA_DIR/borderwatch.sqlite)")
    w.add_argument("--camera", default=DEFAULT_CAMERA, choices=sorted(PRESETS))
    w.add_argument("--border", help="GeoJSON/KML with the border line (crossing and buffer alerts)")
    w.add_argument("--buffer-m", type=float, default=50.0)
    w.add_argument("--name", help="vehicle name for the sightings (default: the MAVLink URL)")
    w.add_argument(
        "--latency", type=float, default=0.1, help="video latency (s) for frames without a time stamp"
    )
    w.add_argument("--imgsz", type=int, default=1280)
    w.add_argument("--conf", type=float, default=0.25)
    w.add_argument("--tile", type=int, default=0, help="sliced inference tile size (px); 0 = whole frames")
    w.add_argument(
        "--min-frames",
        type=int,
        default=SightingConfig().min_frames,
        help="frames a track needs to be a sighting",
    )
    w.add_argument("--duration", type=float, help="stop after this many seconds")
    w.add_argument("--connect-timeout", type=float, default=30.0)
    w.add_argument("--json", action="store_true", help="one JSON object per committed sighting")
    w.set_defaults(func=cmd_watch)

    s = sub.add_parser("sightings", help="list or export stored sightings")
    ssub = s.add_subparsers(dest="sightings_command", required=True, metavar="ACTION")
    lst = ssub.add_parser("list", help="sightings, newest first")
    _filters(lst)
    lst.set_defaults(func=cmd_list)
    exp = ssub.add_parser("export", help="GeoJSON, KML, CSV or Cursor-on-Target")
    _filters(exp)
    exp.add_argument("--format", default="geojson", choices=sorted(FORMATS))
    exp.add_argument("--out", help="file to write (default: stdout)")
    exp.set_defaults(func=cmd_export)

    m = sub.add_parser("model", help="the demo detection model")
    msub = m.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    tr = msub.add_parser(
        "train-demo", help="render frames with the simulator and train the demo model (CPU: ~1.5 h)"
    )
    tr.add_argument("--images", type=int, default=1200)
    tr.add_argument("--epochs", type=int, default=30)
    tr.add_argument("--seed", type=int, default=1)
    tr.add_argument("--out", default=str(DEMO_WEIGHTS.parent), help="where the .pt and MODEL_CARD.md go")
    tr.add_argument("--work", default=str(data_dir() / "training"), help="rendered data and training runs")
    tr.add_argument("--json", action="store_true")
    tr.set_defaults(func=cmd_train_demo)
    ev = msub.add_parser("eval", help="mAP50 per class on freshly rendered frames")
    ev.add_argument("--weights", default="demo")
    ev.add_argument("--images", type=int, default=120)
    ev.add_argument("--imgsz", type=int, default=1280)
    ev.add_argument("--work", default=str(data_dir() / "training"))
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_eval)
