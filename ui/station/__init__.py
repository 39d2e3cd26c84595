"""The station: one object per console server (or CLI run) that owns the links, pipelines, store and logs."""
