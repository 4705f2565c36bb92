"""The optional whole-corpus suite: `LDP_CORPUS=/path/to/corpus python -m pytest corpus_suite`.

It runs the checks that `make test` makes on a few vendored files (tests/data/corpus) over every
file of the corpora they come from: about 740 files from fourteen projects' test suites, each
folder with a SOURCES.md naming its upstream and licence. The corpus is not in the repository.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import db_url, imap_server, smtp_sink  # noqa: F401 (fixtures)


def pytest_configure(config):
    corpus = os.environ.get("LDP_CORPUS")
    if not corpus or not Path(corpus, "flufl-bounce").is_dir():
        raise pytest.UsageError(
            f"corpus_suite needs LDP_CORPUS, the folder of the whole corpora (now {corpus!r})")


@pytest.fixture(scope="session")
def corpus() -> Path:
    return Path(os.environ["LDP_CORPUS"])
