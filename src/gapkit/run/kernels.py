"""Executing notebooks: papermill on Jupyter kernels over IPC sockets, and HTML export with no code and no network.

Two ways to run a notebook, both papermill's (its parameter injection, its executed notebook):
- warm (the default): a papermill engine of gapkit's own, `gapkit-warm`, keeps one kernel alive per process,
  started once with gapkit and its libraries imported. Between notebooks the kernel's namespace, figures,
  matplotlib settings, working directory and environment are put back (gapkit.run.kernel_reset). The kernel is
  replaced after MAX_NOTEBOOKS_PER_KERNEL notebooks and after any failure, timeout or death.
- fresh: a new kernel for every notebook (papermill's own engine), as `gapkit run --fresh-kernels` asks.
The runner takes any function with execute_warm's signature, so its orchestration can be tested without kernels."""

from __future__ import annotations

import logging
import multiprocessing.util
import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, papermill_engines
from traitlets import default

from gapkit.core.fileio import write_text
from gapkit.run import CELL_TIMEOUT

START_TIMEOUT = 120
MAX_NOTEBOOKS_PER_KERNEL = 50
WARM_ENGINE = "gapkit-warm"
# What a warm kernel imports once, and how it puts itself back between notebooks (one expression, so that nothing
# is left in the namespace it has just cleared).
WARM_UP = ("import gapkit.outputs.force_report, gapkit.outputs.national, gapkit.run.kernel_reset\n"
           "gapkit.run.kernel_reset.remember()")
RESET = "__import__('gapkit.run.kernel_reset', fromlist=['reset']).reset({cwd!r})"
log = logging.getLogger("gapkit.kernels")


class IPCKernelManager(AsyncKernelManager):
    """A kernel on IPC sockets in a private folder: no TCP port races between parallel kernels. The folder is
    removed when the kernel shuts down."""

    @default("transport")
    def _default_transport(self):
        return "ipc"

    @default("ip")
    def _default_ip(self):
        return os.path.join(tempfile.mkdtemp(prefix="gapkit-kernel-"), "k")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)

    # jupyter_client binds the async manager's cleanup_resources to its base class's method: rebind it to this one,
    # so a dead kernel's folder is removed too
    cleanup_resources = _async_cleanup_resources


class WarmKernel:
    """One kernel kept alive in this process and lent to one notebook at a time, with one client whose channels
    stay open between notebooks (a new client waits at least 0.4 s for the kernel to answer and go quiet)."""

    def __init__(self, max_notebooks: int = MAX_NOTEBOOKS_PER_KERNEL) -> None:
        self.max_notebooks = max_notebooks
        self.km: IPCKernelManager | None = None
        self.kc = None  # the kernel client, started with the kernel
        self.notebooks = 0
        self.started = 0  # kernels started so far (tests read it)

    def lend(self, start_timeout: int, cwd: str | None = None) -> tuple[IPCKernelManager, object]:
        """A live kernel and its client, with a clean namespace working in `cwd`, started (and warmed up) if there
        is none or it is used up."""
        if self.km is not None and (self.notebooks >= self.max_notebooks or not run_sync(self.km.is_alive)()):
            self.retire()
        self.start_soon()
        try:  # the kernel answers in order: this waits for the warm-up, and fails if it could not import gapkit
            self._run(RESET.format(cwd=cwd), start_timeout)
        except Exception:
            self.retire()  # the next notebook starts a new kernel rather than reuse one that failed
            raise
        return self.km, self.kc

    def start_soon(self) -> None:
        """Start the kernel and send it the warm-up without waiting for either, so that it warms up while this
        process does other work (a force's model); lend() waits for it."""
        if self.km is not None:
            return
        self.km = IPCKernelManager(kernel_name="python3")
        run_sync(self.km.start_kernel)()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.execute(WARM_UP, store_history=False)
        self.started += 1

    def returned(self, failed: bool) -> None:
        self.notebooks += 1
        if failed:
            self.retire()

    def retire(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # the channels of a dead kernel may be gone already
                log.debug("stopping the kernel client failed", exc_info=True)
            self.kc = None
        if self.km is not None:
            try:
                if run_sync(self.km.is_alive)():
                    run_sync(self.km.shutdown_kernel)(now=True)
                else:
                    run_sync(self.km.cleanup_resources)()
            except Exception:  # a kernel that died leaves nothing worth stopping
                log.debug("kernel shutdown failed", exc_info=True)
        self.km, self.notebooks = None, 0

    def _run(self, code: str, start_timeout: int) -> None:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        client = NotebookClient(nb, km=self.km, kernel_name="python3", startup_timeout=start_timeout,
                                timeout=start_timeout, allow_errors=False)
        client.kc = self.kc
        client.execute()


_KERNEL: WarmKernel | None = None


def warm_kernel() -> WarmKernel:
    """This process's warm kernel, shut down when the process ends."""
    global _KERNEL
    if _KERNEL is None:
        _KERNEL = WarmKernel()
        # multiprocessing's finalizers run in pool workers too, where atexit handlers do not
        multiprocessing.util.Finalize(_KERNEL, _KERNEL.retire, exitpriority=10)
    return _KERNEL


class WarmEngine(Engine):
    """papermill's engine contract: execute the parameterised notebook in nb_man, here on the warm kernel."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=START_TIMEOUT, execution_timeout=None, **kwargs):
        kernel = warm_kernel()
        km, kc = kernel.lend(start_timeout, os.getcwd())  # papermill has moved into the notebook's folder, if asked
        client = PapermillNotebookClient(nb_man, km=km, kernel_name=kernel_name, timeout=execution_timeout,
                                         startup_timeout=start_timeout, log=log, log_output=log_output,
                                         stdout_file=stdout_file, stderr_file=stderr_file)
        client.kc = kc  # the kernel's open client: no new channels, no wait for the kernel to be ready
        failed = True
        try:
            nb = client.execute()
            failed = bool(nb.metadata.get("papermill", {}).get("exception"))
        finally:
            kernel.returned(failed)
        return _renumber(nb)


papermill_engines.register(WARM_ENGINE, WarmEngine)


def _renumber(nb):
    """Execution counts from 1, as in a fresh kernel (a warm kernel keeps counting across notebooks)."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output.execution_count = count
    return nb


def _execute(template: Path, output: Path, parameters: dict, timeout: int, engine: str | None) -> None:
    """papermill in this process's working directory (the kernel works there too)."""
    declared = set(pm.inspect_notebook(str(template)))
    unknown = set(parameters) - declared
    if unknown:  # papermill only warns about these; a typo must not pass silently
        raise ValueError(f"{template.name} has no parameter(s) {', '.join(sorted(unknown))}")
    pm.execute_notebook(str(template), str(output), parameters=parameters, kernel_name="python3",
                        engine_name=engine, progress_bar=False, log_output=False,
                        request_save_on_cell_execute=False, start_timeout=START_TIMEOUT,
                        execution_timeout=timeout, kernel_manager_class=IPCKernelManager, cwd=os.getcwd())


def execute_warm(template: Path, output: Path, parameters: dict, timeout: int = CELL_TIMEOUT) -> None:
    """Run a notebook with papermill on this process's warm kernel; an undeclared parameter is an error."""
    _execute(template, output, parameters, timeout, WARM_ENGINE)


def execute_fresh(template: Path, output: Path, parameters: dict, timeout: int = CELL_TIMEOUT) -> None:
    """Run a notebook with papermill on a new kernel of its own; an undeclared parameter is an error."""
    _execute(template, output, parameters, timeout, None)


execute_notebook = execute_warm


class ReportHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter without its last step, which parses the whole page again with BeautifulSoup to
    give images without alt text a placeholder and make outputs focusable: that parse took three quarters of the
    export time (a force's page: 0.096 s -> 0.021 s). The same two changes are made here on the rendered text."""

    def from_notebook_node(self, nb, resources=None, **kw):
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name"))
        resources = self._init_resources(resources)
        self.register_filter("highlight_code",
                             self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        # scripts are left as they are: an "<img" in a script's text is not an image
        parts = _SCRIPT.split(page)
        for i in range(0, len(parts), 2):
            parts[i] = _IMAGE_WITHOUT_ALT.sub("<img alt='No description has been provided for this image'", parts[i])
            parts[i] = _OUTPUT_DIV.sub(r"\1 tabindex='0'>", parts[i])
        return "".join(parts), resources


_SCRIPT = re.compile(r"(<script\b.*?</script>)", re.S | re.I)
_IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)(?=[\s/>])")
_OUTPUT_DIV = re.compile(r"(<div\s[^>]*class=\"[^\"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^\"]*\"[^>]*)>")
_EXPORTER: HTMLExporter | None = None


def export_html(notebook: Path, target: Path, title: str | None = None) -> Path:
    """HTML without code cells or prompts, titled `title`, and with no scripts fetched from the internet. One
    exporter per process, so its templates are compiled once."""
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = ReportHTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                                 exclude_output_prompt=True)
    resources = {"metadata": {"name": title or Path(notebook).stem}}
    body, _ = _EXPORTER.from_notebook_node(nbformat.read(str(notebook), as_version=4), resources=resources)
    return write_text(target, strip_remote_scripts(body))


def strip_remote_scripts(html_text: str) -> str:
    """Remove <script src="http..."> tags (MathJax, require.js): the reports need no network."""
    html_text = re.sub(r"<script[^>]*src=\"https?://[^\"]*\"[^>]*>\s*</script>", "", html_text)
    return re.sub(r"<script[^>]*>[^<]*MathJax[^<]*</script>", "", html_text, flags=re.S)


def tidy_executed(notebook: Path, heading: str, template_name: str) -> None:
    """An executed notebook that names its force and round in its first heading and records no path of the
    machine that ran it (papermill notes its input and output paths)."""
    nb = nbformat.read(str(notebook), as_version=4)
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is not None:
        lines = first.source.splitlines()
        first.source = "\n".join([f"# {heading}"] + lines[1:] if lines and lines[0].startswith("# ") else
                                 [f"# {heading}", ""] + lines)
    meta = nb.metadata.get("papermill", {})
    meta["input_path"] = template_name
    meta["output_path"] = Path(notebook).name
    nbformat.write(nb, str(notebook))
