"""Video analytics: sources, detector, tracker, geotagger, sightings, rules, store, exports, pipeline.

The pieces, in the order a frame meets them (each a small object with one method; values typed):

* ``detection.video.VideoSource(url).read() -> Frame``: UDP/RTSP/files/devices, newest frame only,
  capture time from the frame-time barcode (``detection.video.barcode``) or arrival minus latency.
* ``detection.detector.Detector(DetectorConfig(weights="demo")).detect(image) -> Detections``.
* ``detection.tracker.Tracker().update(detections, image) -> Detections`` with ``tracker_id``.
* ``detection.pose.PoseProvider``: ``pose_at(t_unix_s) -> CameraPose`` (the station adapts telemetry).
* ``detection.geotag.Geotagger(camera).pixel_to_ground(pose, uv) -> GroundFix`` (and ``ground_to_pixel``).
* ``detection.sightings.SightingBuilder.step(...) -> [SightingUpdate]``: tracks → fused ``Sighting``s with
  error ellipses (``detection.fusion``, ``detection.uncertainty``), map rules (``detection.rules``).
* ``detection.store.open_store(url)``: SQLite (WAL) sightings, events, review edits, snapshots.
* ``detection.exports.export(sightings, "geojson" | "kml" | "csv" | "cot")``.
* ``detection.pipeline.Pipeline``: all of the above for one stream, in a thread.

Errors all derive from ``detection.errors.DetectionError``. Ultralytics is imported in one place,
``detection.offline``, configured to stay offline.
"""
