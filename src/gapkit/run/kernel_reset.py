"""Runs inside a warm kernel (never in gapkit's own process): remember the kernel's starting state once, and put
it back between notebooks, so that nothing one force's notebook did is seen by the next.

What is put back: the user namespace (IPython's reset), open figures and matplotlib's settings, the working
directory, the environment variables and sys.path. Imported modules stay imported: that is what makes the kernel
warm."""

from __future__ import annotations

import copy
import gc
import os
import sys
import warnings

import matplotlib
from IPython import get_ipython
from matplotlib import pyplot

_START: dict = {}


def remember() -> None:
    _START.update(cwd=os.getcwd(), environ=dict(os.environ), path=list(sys.path),
                  rc=copy.deepcopy(dict(matplotlib.rcParams)))
    # what the warm-up imported stays for the kernel's life: keep it out of every later garbage collection
    # (IPython's reset collects, and a full collection over pandas, matplotlib and the rest takes about 0.15 s)
    gc.freeze()


def reset(cwd: str | None = None) -> None:
    """Between notebooks: the state remember() saw, with every user variable and figure gone; the working
    directory is `cwd` when given (the folder the notebook is run in)."""
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=False)
    pyplot.close("all")
    with warnings.catch_warnings():  # giving back deprecated keys warns; they were there at the start already
        warnings.simplefilter("ignore")
        matplotlib.rcParams.clear()
        matplotlib.rcParams.update(_START["rc"])
    os.chdir(cwd or _START["cwd"])
    os.environ.clear()
    os.environ.update(_START["environ"])
    sys.path[:] = _START["path"]
