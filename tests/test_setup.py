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


def test_font_check_is_not_fooled_by_a_long_font_list(tmp_path: Path) -> None:
    """A fake fc-list that prints 100 KB (many fonts): the check must still find both families, every time."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "fc-list"
    # Like fc-list: with a pattern, only the matching families; without, every font (here 100 KB of them).
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'case "${1:-}" in\n'
        "  ':family=Liberation Sans') echo 'Liberation Sans' ;;\n"
        "  ':family=Carlito') echo 'Carlito' ;;\n"
        "  ':family='*) ;;\n"
        '  *) for i in $(seq 2000); do echo "/usr/share/fonts/truetype/famille-$i/Police$i-Regular.ttf: Police $i:style=Regular"; done\n'
        "     echo '/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf: Liberation Sans:style=Regular'\n"
        "     echo '/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf: Carlito:style=Regular' ;;\n"
        "esac\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    assert len(subprocess.run([str(fake)], capture_output=True, check=True).stdout) > 100_000
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    for _ in range(20):
        done = subprocess.run(
            ["bash", str(REPO / "scripts" / "setup.sh"), "system"], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "police" not in done.stdout


def test_a_missing_font_family_is_reported(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "fc-list"
    fake.write_text("#!/bin/sh\n[ \"$1\" = ':family=Carlito' ] && echo Carlito\nexit 0\n", encoding="utf-8")
    fake.chmod(0o755)
    fake_id = bin_dir / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n", encoding="utf-8")
    fake_id.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "setup.sh"), "system"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1
    assert done.stdout == "convgen : composants système manquants :\n  - police Liberation Sans (fonts-liberation2)\n"


def test_the_package_list_is_written_once() -> None:
    listed = subprocess.run(
        ["bash", str(REPO / "scripts" / "setup.sh"), "packages"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert {"libreoffice-writer-nogui", "python3-uno", "fonts-liberation2", "poppler-utils"} <= set(listed)
    assert "libreoffice-writer-nogui" not in (REPO / "Makefile").read_text(encoding="utf-8")
