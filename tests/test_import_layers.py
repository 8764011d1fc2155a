"""The apps import in one direction and no module imports another that imports it back.

The contracts are in .importlinter; import-linter reads the imports from the source
(function-level imports too), so nothing here needs Django.
"""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(no_cache=True, no_logo=True))"
)


def lint_imports(source: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=source,
        env={"PYTHONPATH": str(source), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def root_packages() -> list[str]:
    config = configparser.ConfigParser()
    config.read(CONFIG)
    return config["importlinter"]["root_packages"].split()


def test_the_code_keeps_the_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "complaint"),
    [
        (
            "accounts/rules.py",
            "from requests_app.models import Partnership",
            "accounts is not allowed to import requests_app",
        ),
        (
            "mentoring/outbox/context.py",
            "def _later():\n    from mentoring.outbox import services",
            "No cycles are allowed in mentoring.outbox",
        ),
    ],
)
def test_an_import_against_the_contracts_fails(tmp_path, module, line, complaint):
    """The contracts catch an upward import and a circle, even one inside a function."""
    for package in root_packages():
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    assert lint_imports(tmp_path).returncode == 0

    with (tmp_path / module).open("a") as source:
        source.write(f"\n\n{line}\n")

    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert complaint in result.stdout
