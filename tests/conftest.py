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
