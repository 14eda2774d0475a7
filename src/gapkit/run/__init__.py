"""The run: notebook execution, the runner, provenance and validation."""

CELL_TIMEOUT = 600  # seconds one notebook cell may take
