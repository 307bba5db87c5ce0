"""Find the processes a test started, by a marker in their environment (inherited by every descendant).

Looking for any ``soffice`` on the machine would also find those of other builds running at the same time.
"""

from __future__ import annotations

import os
import time
import uuid

MARKER = "CONVGEN_TEST_RUN"


def marked_env(tag: str) -> dict[str, str]:
    """Return the environment for a subprocess marked with ``tag``."""
    return {**os.environ, MARKER: tag}


def new_tag() -> str:
    """Return a fresh marker value."""
    return uuid.uuid4().hex


def marked(tag: str, grace: float = 5.0) -> list[int]:
    """Return the live processes (zombies aside) marked with ``tag`` that remain after ``grace`` seconds."""
    needle = f"{MARKER}={tag}".encode()
    deadline = time.monotonic() + grace
    while True:
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    if handle.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                        continue
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    if needle in handle.read().split(b"\0"):
                        found.append(int(entry))
            except (OSError, IndexError):
                continue
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)
