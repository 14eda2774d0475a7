"""Pool jobs and notebook executors for tests/run/test_faults.py, in a module of their own that imports nothing
heavy: a spawned pool worker imports the module of the function it runs, and the test module's imports cost seconds
per worker. The executors stand in for the notebooks without making their calls (notebook_only_executor in
tests/helpers.py): the fault tests are about the runner's orchestration, which reads back only the executed
notebook; the notebooks' calls are tested with the in-process stand-in (tests/run/test_runner.py, tests/outputs)."""

import errno
import os
import signal
from pathlib import Path


def notebook_only(notebook, executed, parameters, timeout):
    # imported here: nbformat (through jsonschema) takes seconds to import, and the pool test's workers never need it
    from tests.helpers import notebook_only_executor as execute

    execute(notebook, executed, parameters, timeout)

VICTIM = "kestrel-vale"


def job(name: str) -> dict:
    """The victim's worker is killed (as the out-of-memory killer would), the quitter's exits at once (a crash in
    a library); the others finish."""
    if name == VICTIM:
        os.kill(os.getpid(), signal.SIGKILL)
    if name == "quitter":
        os._exit(3)
    return {"force": name, "status": "ok"}


def slow_to_exit(name: str) -> dict:
    """A job whose worker takes a second to exit once the pool shuts it down (as one stopping its kernel does)."""
    import multiprocessing.util
    import time

    multiprocessing.util.Finalize(None, time.sleep, args=(1.0,), exitpriority=10)
    return {"force": name, "status": "ok"}


def killed_victim(notebook, executed, parameters, timeout):
    """The victim's worker is killed (as the out-of-memory killer would); the others run as usual."""
    if parameters.get("force") == VICTIM:
        os.kill(os.getpid(), signal.SIGKILL)
    notebook_only(notebook, executed, parameters, timeout)


def disk_full(notebook, executed, parameters, timeout):
    raise OSError(errno.ENOSPC, "No space left on device", str(executed))


def national_fails(notebook, executed, parameters, timeout):
    if Path(notebook).name == "national_overview.ipynb":
        raise RuntimeError("the heatmap could not be drawn")
    notebook_only(notebook, executed, parameters, timeout)
