"""The commands messages tell the user to run are typed as convgen was run: they work when retyped as written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from convgen.invocation import program, typed


def _script(folder: Path) -> Path:
    script = folder / ".venv" / "bin" / "convgen"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def test_the_venv_script_is_named_by_its_path_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _script(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # convgen is not on the PATH, as in a fresh shell after make
    assert program(".venv/bin/convgen", cwd=tmp_path) == ".venv/bin/convgen"
    assert program(str(tmp_path / ".venv/bin/convgen"), cwd=tmp_path) == ".venv/bin/convgen"
    elsewhere = tmp_path / "ailleurs"  # run from outside the project: the whole path
    assert program(str(tmp_path / ".venv/bin/convgen"), cwd=elsewhere) == str(tmp_path / ".venv/bin/convgen")


def test_convgen_alone_when_it_is_the_one_on_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _script(tmp_path)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}/usr/bin:/bin")  # an activated environment
    assert program(str(script), cwd=tmp_path) == "convgen"


def test_python_m_convgen_and_test_runners_get_the_documented_name() -> None:
    assert program("/usr/lib/python3/site-packages/convgen/__main__.py") == "convgen"
    assert typed("sign SLUG --archiver").endswith("convgen sign SLUG --archiver")
