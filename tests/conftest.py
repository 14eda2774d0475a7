import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def catalogue():
    from gapkit.frameworks import default_catalogue
    return default_catalogue()


@pytest.fixture(scope="session")
def config():
    from gapkit.config import default_config
    return default_config()


INJECTED = '=HYPERLINK("http://x","y")'


def make_tiny_dataset(root, n_forces: int = 3):
    """Three fictional forces over the demo's two rounds; one action carries formula-like text."""
    import datetime as dt

    from openpyxl import load_workbook

    from gapkit.demo import generate

    data = generate(root, n_forces=n_forces, seed=7)
    sub = data / "rounds" / "2017" / "submissions" / "northmoor.xlsx"
    wb = load_workbook(sub)
    ws = wb["Actions"]
    for row in ws.iter_rows(min_row=2):
        if row[1].value == "P2":
            row[6].value, row[6].data_type = INJECTED, "s"
            row[8].value = dt.date(2017, 1, 31)
            row[9].value = "1 - Planned, not started"
    wb.save(sub)
    return data


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    return make_tiny_dataset(tmp_path_factory.mktemp("tiny") / "data")


@pytest.fixture(scope="session")
def tiny_run(tiny_data, tmp_path_factory):
    """One end-to-end run of the tiny dataset (both rounds), shared by the runner and pack tests."""
    from gapkit.runner import run

    out = tmp_path_factory.mktemp("run") / "reports"
    results = run(tiny_data, out_dir=out, workers=2, progress=False)
    return out, results
