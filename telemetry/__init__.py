"""The MAVLink link: one class per vehicle, mission protocol, commands, state, fleet, records."""
