"""The ``borderwatch`` command line."""
