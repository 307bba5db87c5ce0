"""glibc's heap padding given to convgen's processes and to LibreOffice (``convgen/heap.py``)."""

from __future__ import annotations

import ctypes
import os
import subprocess
from pathlib import Path

from convgen.heap import TOP_PAD, pad_this_process, padded_environment

# glibc's dynamic loader (``ld.so --list-tunables`` prints the settings a process would run with).
LOADERS = ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1")


def test_the_padding_is_added_to_the_environment_without_losing_anything() -> None:
    env = padded_environment({"PATH": "/usr/bin"})
    assert env == {"PATH": "/usr/bin", "GLIBC_TUNABLES": f"glibc.malloc.top_pad={TOP_PAD}"}
    kept = padded_environment({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"})
    assert kept["GLIBC_TUNABLES"] == f"glibc.malloc.arena_max=2:glibc.malloc.top_pad={TOP_PAD}"


def test_a_padding_chosen_by_the_user_is_left_as_it_is() -> None:
    env = {"GLIBC_TUNABLES": "glibc.malloc.top_pad=4096"}
    assert padded_environment(env) == env
    assert padded_environment(env) is not env


def test_glibc_reads_the_padding_in_a_process_started_with_it() -> None:
    loader = next(p for p in LOADERS if Path(p).exists())
    done = subprocess.run(
        [loader, "--list-tunables"],
        env=padded_environment({"PATH": os.environ.get("PATH", "")}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("glibc.malloc.top_pad:"))
    assert int(line.split()[1], 16) == TOP_PAD


def test_this_process_is_padded_on_glibc() -> None:
    assert ctypes.CDLL(None).gnu_get_libc_version  # Debian and Ubuntu run on glibc
    assert pad_this_process() is True
