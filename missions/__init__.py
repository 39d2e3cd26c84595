"""The pure planning core: geodesy helpers, values, camera, patterns, validation, coverage, formats.

It imports none of borderwatch's other packages and does no I/O beyond reading and writing plan files.
"""
