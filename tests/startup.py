"""Loaded before every other pytest plugin (`-p tests.startup` in pyproject's addopts), in the main test process
and in each xdist worker.

nbval's plugin imports nbformat, whose jsonschema imports the optional rfc3987_syntax when it is installed; that
builds a grammar at import, about 1.5 s in every test process. Notebook schemas check no IRI format; gapkit's run
goes without it too (gapkit/run/__init__.py)."""

import sys

sys.modules.setdefault("rfc3987_syntax", None)
