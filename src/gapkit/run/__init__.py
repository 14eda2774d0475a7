"""The run: notebook execution, the runner, provenance and validation."""

import sys

CELL_TIMEOUT = 600  # seconds one notebook cell may take

# jsonschema, under nbformat, imports the optional rfc3987_syntax when it is installed (jupyter's event schemas
# want it); it builds a grammar when imported: 1.6 s in every process that runs or reads notebooks (the run, each
# worker, each test process). Notebook schemas check no IRI format, so the run's processes go without it.
sys.modules.setdefault("rfc3987_syntax", None)
