"""The set-up installs and checks Chromium for the tests (the dashboard's end-to-end tests open the page in it).

A machine that only builds the conventions does not need it: ``setup.sh system`` leaves it out, ``system-tests``
(``make test``) adds it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
SETUP = REPO / "scripts" / "setup.sh"


def test_chromium_is_in_the_one_package_list() -> None:
    listed = subprocess.run(["bash", str(SETUP), "packages"], capture_output=True, text=True, check=True, timeout=30)
    assert "chromium" in listed.stdout.split()


def test_a_missing_chromium_is_named_for_the_tests_only(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in (
        "bash",
        "sh",
        "grep",
        "sed",
        "printf",
        "cat",
        "dirname",
        "soffice",
        "pdftotext",
        "pdffonts",
        "fc-list",
    ):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    fake_id = bin_dir / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n", encoding="utf-8")
    fake_id.chmod(0o755)
    env = {**os.environ, "PATH": str(bin_dir), "PYTHON": "/usr/bin/python3"}
    runtime = subprocess.run(
        ["bash", str(SETUP), "system"], capture_output=True, text=True, env=env, check=False, timeout=60
    )
    assert (runtime.returncode, runtime.stdout, runtime.stderr) == (0, "", "")  # building needs no browser
    done = subprocess.run(
        ["bash", str(SETUP), "system-tests"], capture_output=True, text=True, env=env, check=False, timeout=60
    )
    assert done.returncode == 1
    assert (
        done.stdout == "convgen : composants système manquants :\n  - Chromium (chromium : tests du tableau de bord)\n"
    )
    assert " chromium\npuis relancez" in done.stderr
