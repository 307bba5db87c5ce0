"""The system set-up script: what it says when it cannot install LibreOffice itself."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_without_root_it_names_what_is_missing_and_the_exact_command(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sh", "grep", "sed", "printf", "cat", "dirname"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    fake_id = bin_dir / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n", encoding="utf-8")
    fake_id.chmod(0o755)
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "setup.sh"), "system"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(bin_dir), "PYTHON": "/usr/bin/python3"},
        check=False,
    )
    assert done.returncode == 1
    assert "convgen : composants système manquants :\n  - LibreOffice Writer (soffice)\n" in done.stdout
    assert "  - poppler-utils (pdftotext, pdffonts)" in done.stdout
    assert "il faut être root sur Debian ou Ubuntu" in done.stderr
    assert "sudo apt-get install --no-install-recommends libreoffice-writer-nogui python3-uno" in done.stderr


def test_on_this_machine_everything_is_there() -> None:
    done = subprocess.run(["bash", str(REPO / "scripts" / "setup.sh"), "system"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""
