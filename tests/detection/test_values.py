"""The values between stages: Detections is immutable and checked; poses refuse nonsense."""

from __future__ import annotations

import math

import numpy as np
import pytest

from detection.errors import InvalidDetectionValueError
from detection.pose import PoseUncertainty
from detection.values import CameraPose, Detections, class_name


@pytest.mark.parametrize(
    ("boxes", "conf", "cls", "error"),
    [
        ([], [], [], None),
        ([[0, 0, 10, 10]], [0.5], [0], None),
        ([[0, 0, 10, 10]], [0.5, 0.6], [0], "differ in length"),
        ([[0, 0, 10]], [0.5], [0], "shape"),
        ([[0, 0, 10, 10]], [1.5], [0], "confidence must be 0..1"),
        ([[0, 0, math.nan, 10]], [0.5], [0], "finite"),
    ],
)
def test_detections_are_checked(boxes, conf, cls, error):
    if error is None:
        d = Detections.from_lists(boxes, conf, cls)
        assert len(d) == len(boxes) and d.tracker_id.tolist() == [-1] * len(boxes)
    else:
        with pytest.raises(InvalidDetectionValueError, match=error):
            Detections(
                xyxy_px=np.array(boxes, dtype=float), confidence=np.array(conf), class_id=np.array(cls)
            )


def test_detections_are_immutable_and_copy_their_input():
    boxes = np.array([[0.0, 0.0, 10.0, 10.0]])
    d = Detections(xyxy_px=boxes, confidence=np.array([0.5]), class_id=np.array([1]))
    boxes[0, 0] = 99.0
    assert d.xyxy_px[0, 0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        d.confidence[0] = 0.9
    with pytest.raises(AttributeError):
        d.class_id = np.array([2])  # type: ignore[misc]


def test_subsets_concatenation_and_track_ids():
    d = Detections.from_lists([[0, 0, 2, 2], [10, 10, 20, 30], [5, 5, 6, 6]], [0.9, 0.4, 0.7], [0, 1, 2])
    assert d[d.confidence > 0.5].class_id.tolist() == [0, 2]
    assert d[1].centers_px.tolist() == [[15.0, 20.0]]
    assert d[1].bottom_centers_px.tolist() == [[15.0, 30.0]]
    both = Detections.concatenate([d, d.with_tracker_ids(np.array([4, 5, 6]))])
    assert both.tracker_id.tolist() == [-1, -1, -1, 4, 5, 6]
    assert len(Detections.concatenate([])) == 0
    assert [class_name(i) for i in d.class_id] == ["person", "vehicle", "boat"]


def test_poses_and_uncertainties_refuse_nonsense():
    with pytest.raises(InvalidDetectionValueError, match="finite"):
        CameraPose(t_unix_s=0.0, lat_deg=31.0, lon_deg=-111.0, alt_amsl_m=math.nan, alt_rel_m=60.0)
    with pytest.raises(InvalidDetectionValueError, match="WGS84"):
        CameraPose(t_unix_s=0.0, lat_deg=91.0, lon_deg=-111.0, alt_amsl_m=100.0, alt_rel_m=60.0)
    with pytest.raises(InvalidDetectionValueError, match="gps_sigma_m"):
        PoseUncertainty(gps_sigma_m=-1.0)
    p = CameraPose(t_unix_s=0.0, lat_deg=31.0, lon_deg=-111.0, alt_amsl_m=1260.0, alt_rel_m=60.0)
    assert p.home_alt_amsl_m == 1200.0
