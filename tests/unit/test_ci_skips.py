""".ci/check_skips.py fails CI for a test skipped over a missing file, and only lists others."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

CHECK = REPO / ".ci" / "check_skips.py"
SAMPLE = '''
import pytest

def test_corpus():
    pytest.skip("corpus file /x/shared/corpus/a.eml is not available")

def test_browser():
    pytest.skip("chromium is not installed")

def test_runs():
    assert True

@pytest.mark.parametrize("name", [])
def test_cases_from_files(name):
    assert name
'''


def run_pytest(folder, tests: str):
    """Run pytest over `tests` in its own folder; returns its JUnit report."""
    (folder / "test_sample.py").write_text(tests)
    report = folder / "report.xml"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}  # CI's own report
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    f"--junitxml={report}", "--rootdir", str(folder), str(folder)],
                   cwd=folder, env=env, capture_output=True, check=True)
    return report


def test_a_skip_for_a_missing_file_fails_and_another_skip_is_listed(tmp_path) -> None:
    report = run_pytest(tmp_path, SAMPLE)
    done = subprocess.run([sys.executable, str(CHECK), str(report)], capture_output=True,
                          text=True)
    assert done.returncode == 1
    corpus, empty = done.stderr.splitlines()
    assert corpus == ("check_skips: skipped for a missing file: test_sample::test_corpus: "
                      "corpus file /x/shared/corpus/a.eml is not available")
    assert empty.startswith("check_skips: skipped for a missing file: "
                            "test_sample::test_cases_from_files[NOTSET]: got empty parameter set")
    assert done.stdout == ("check_skips: skipped: test_sample::test_browser: "
                           "chromium is not installed\n")


def test_a_run_without_such_skips_passes(tmp_path) -> None:
    report = run_pytest(tmp_path, "def test_runs():\n    assert True\n")
    done = subprocess.run([sys.executable, str(CHECK), str(report)], capture_output=True)
    assert done.returncode == 0 and done.stdout == done.stderr == b""
