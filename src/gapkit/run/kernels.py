"""Executing notebooks: papermill on Jupyter kernels over IPC sockets, and HTML export with no code and no network.

`execute_notebook` is the runner's default executor; the runner takes any function with its signature, so its
orchestration can be tested without kernels."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter
from traitlets import default

from gapkit.core.fileio import write_text

CELL_TIMEOUT = 600
START_TIMEOUT = 120


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


def execute_notebook(template: Path, output: Path, parameters: dict, timeout: int = CELL_TIMEOUT) -> None:
    """Run a notebook with papermill; a parameter the notebook does not declare is an error."""
    declared = set(pm.inspect_notebook(str(template)))
    unknown = set(parameters) - declared
    if unknown:  # papermill only warns about these; a typo must not pass silently
        raise ValueError(f"{template.name} has no parameter(s) {', '.join(sorted(unknown))}")
    pm.execute_notebook(str(template), str(output), parameters=parameters, kernel_name="python3",
                        progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                        start_timeout=START_TIMEOUT, execution_timeout=timeout,
                        kernel_manager_class=IPCKernelManager)


def export_html(notebook: Path, target: Path) -> Path:
    """HTML without code cells or prompts, and with no scripts fetched from the internet."""
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(str(notebook), as_version=4))
    return write_text(target, strip_remote_scripts(body))


def strip_remote_scripts(html_text: str) -> str:
    """Remove <script src="http..."> tags (MathJax, require.js): the reports need no network."""
    html_text = re.sub(r"<script[^>]*src=\"https?://[^\"]*\"[^>]*>\s*</script>", "", html_text)
    return re.sub(r"<script[^>]*>[^<]*MathJax[^<]*</script>", "", html_text, flags=re.S)
