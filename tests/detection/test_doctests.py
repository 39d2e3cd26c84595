"""The examples in detection's docstrings are true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import detection

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(detection.__path__, "detection.")
    if not m.ispkg or m.name.count(".") >= 1
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0
