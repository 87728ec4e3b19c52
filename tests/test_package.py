"""The installed package: `gdviz` with its pages' assets inside, no top-level `app`, `python -m gdviz`."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(out),
        str(ROOT),
    ]
    subprocess.run(command, check=True, capture_output=True, cwd=out)
    (built,) = out.glob("gdviz-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_gdviz_and_no_top_level_app(wheel):
    names = wheel.namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"gdviz"}
    for needed in (
        "gdviz/main.py",
        "gdviz/engine/runner.py",
        "gdviz/api/gate.py",
        "gdviz/static/js/main.js",
        "gdviz/static/css/gdviz.css",
        "gdviz/templates/index.html",
        "gdviz/templates/base.html",
    ):
        assert needed in names
    entry_points = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "gdviz = gdviz.cli:main" in entry_points


def test_gdviz_imports_from_anywhere_and_app_does_not(tmp_path):
    code = "import importlib.util, gdviz.main; print(gdviz.__version__, importlib.util.find_spec('app') is None)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.split() == [__import__("gdviz").__version__, "True"]


def test_python_m_gdviz_knows_serve(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "gdviz", "serve", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 0 and "--workers" in out.stdout and "--budget" in out.stdout
