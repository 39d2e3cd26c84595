"""The store's schema as numbered migrations; ``PRAGMA user_version`` says which have run.

Each migration is a list of statements run in one transaction with the version bump, so a database is
always at exactly one version. Add a migration at the end; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: flights, sightings, snapshots, events, review edits.
    (
        """CREATE TABLE flights (
            flight_id TEXT PRIMARY KEY,
            vehicle TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            started_unix_s REAL NOT NULL,
            ended_unix_s REAL
        )""",
        "CREATE INDEX flights_started ON flights (started_unix_s)",
        """CREATE TABLE snapshots (
            sha256 TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            width_px INTEGER NOT NULL,
            height_px INTEGER NOT NULL,
            size_bytes INTEGER NOT NULL,
            created_unix_s REAL NOT NULL
        )""",
        """CREATE TABLE sightings (
            sighting_id TEXT PRIMARY KEY,
            flight_id TEXT NOT NULL REFERENCES flights (flight_id),
            vehicle TEXT NOT NULL,
            class_name TEXT NOT NULL,
            confidence REAL NOT NULL,
            first_seen_unix_s REAL NOT NULL,
            last_seen_unix_s REAL NOT NULL,
            lat_deg REAL NOT NULL,
            lon_deg REAL NOT NULL,
            alt_amsl_m REAL,
            position_t_unix_s REAL NOT NULL,
            semi_major_m REAL,
            semi_minor_m REAL,
            orientation_deg REAL,
            ellipse_confidence REAL,
            cep_m REAL,
            ce90_m REAL,
            mgrs TEXT NOT NULL,
            track_id INTEGER NOT NULL,
            track_frames INTEGER NOT NULL,
            speed_m_s REAL,
            course_deg REAL,
            crop_sha256 TEXT REFERENCES snapshots (sha256),
            frame_sha256 TEXT REFERENCES snapshots (sha256),
            status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'confirmed', 'dismissed')),
            note TEXT NOT NULL DEFAULT '',
            updated_unix_s REAL
        )""",
        "CREATE INDEX sightings_last_seen ON sightings (last_seen_unix_s)",
        "CREATE INDEX sightings_class_time ON sightings (class_name, last_seen_unix_s)",
        "CREATE INDEX sightings_status_time ON sightings (status, last_seen_unix_s)",
        "CREATE INDEX sightings_confidence ON sightings (confidence)",
        "CREATE INDEX sightings_lat_lon ON sightings (lat_deg, lon_deg)",
        "CREATE INDEX sightings_flight_time ON sightings (flight_id, last_seen_unix_s)",
        """CREATE TABLE events (
            event_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('crossing', 'buffer_entry')),
            sighting_id TEXT NOT NULL REFERENCES sightings (sighting_id),
            flight_id TEXT NOT NULL,
            vehicle TEXT NOT NULL,
            class_name TEXT NOT NULL,
            t_unix_s REAL NOT NULL,
            lat_deg REAL NOT NULL,
            lon_deg REAL NOT NULL,
            from_side TEXT,
            to_side TEXT,
            side TEXT,
            distance_m REAL,
            buffer_m REAL,
            border_name TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX events_time ON events (t_unix_s)",
        "CREATE INDEX events_sighting ON events (sighting_id)",
        """CREATE TABLE review_edits (
            edit_id INTEGER PRIMARY KEY AUTOINCREMENT,
            sighting_id TEXT NOT NULL REFERENCES sightings (sighting_id),
            t_unix_s REAL NOT NULL,
            who TEXT NOT NULL,
            old_status TEXT NOT NULL,
            new_status TEXT NOT NULL,
            old_note TEXT NOT NULL,
            new_note TEXT NOT NULL
        )""",
        "CREATE INDEX review_edits_sighting ON review_edits (sighting_id, t_unix_s)",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)
