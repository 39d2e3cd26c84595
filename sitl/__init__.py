"""Simulated drones, world and camera: an independent ArduCopter-like MAVLink peer."""
