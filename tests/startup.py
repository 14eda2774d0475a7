"""Loaded before every other pytest plugin (`-p tests.startup` in pyproject's addopts), in the main test process
and in each xdist worker.

nbval's plugin imports nbformat, whose jsonschema imports the optional rfc3987_syntax when it is installed; that
builds a grammar at import, about 1.5 s in every test process. Notebook schemas check no IRI format; gapkit's run
goes without it too (gapkit/run/__init__.py).

Where the environment says not to write bytecode (PYTHONDONTWRITEBYTECODE), every process the tests start (two
xdist workers, Jupyter kernels, pool workers, the CLI in a subprocess) compiled gapkit and the tests from source
again, and pytest rewrote every test module's asserts again: about 4 s a process, a minute of the suite. The tests
write the caches (to __pycache__ folders, which git ignores) and let the processes they start use them."""

import os
import sys

sys.modules.setdefault("rfc3987_syntax", None)
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
