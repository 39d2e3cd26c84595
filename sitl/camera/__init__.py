"""The simulated camera: renders what a drone sees of the world, streams it, writes the truth.

* ``geometry``: the conventions and the forward pinhole model (``CameraView.project``).
* ``renderer``: ``Renderer(world, camera).render(pose, t_sim_s)`` → image + ``FrameTruth``.
* ``streamer``: ``CameraStreamer`` (H.264/MPEG-TS over UDP, barcode-stamped, JSONL ground truth).
* ``barcode``: the frame-time strip (``draw_barcode`` / ``decode_barcode``) and its layout.
* ``mavlink_pose``: ``MavlinkPoseSource``, to follow a real ArduPilot SITL vehicle, and
  ``ReconnectingPoseSource`` (connects in the background, starts over when the link drops).
"""
