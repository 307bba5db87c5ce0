"""LibreOffice launched first thing by a build: used when the build converts, never left behind when it does not."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from pathlib import Path

import pytest

from convgen.errors import ConversionError
from convgen.pdf.pool import Converter
from convgen.pdf.worker import WorkerFailure
from convgen.recipes.early import early_converter
from convgen.runner.folder import lock_is_free, project_lock
from convgen.runner.options import BuildOptions
from tests.processes import MARKER, marked, marked_env, new_tag
from tests.projects import convgen, copy_project

pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(180)]


@pytest.mark.parametrize("pause", [0.0, 0.5, 3.0])
def test_a_launched_worker_closed_unwaited_leaves_no_libreoffice(monkeypatch: pytest.MonkeyPatch, pause: float) -> None:
    # A build stopped by invalid data closes a worker nobody waited for: its LibreOffice must die too, whether
    # the bridge has not started it yet (0 s), has just started it (0.5 s) or has it ready (3 s).
    tag = new_tag()
    monkeypatch.setenv(MARKER, tag)
    converter = Converter(workers=2)
    converter.launch(1)
    time.sleep(pause)
    converter.close()
    assert marked(tag) == []


def test_a_forked_child_lets_go_of_the_bridge_pipes() -> None:
    # Rendering processes are forked after the first worker is launched: they must not keep the bridge's
    # input open (the bridge would never see it closed) nor its output.
    with Converter(workers=1) as converter:
        converter.launch(1)
        worker = converter._workers[0]
        descriptors = worker._pipe_descriptors()
        assert len(descriptors) == 2
        child = os.fork()
        if child == 0:  # pragma: no cover - the child's verdict is its exit status
            targets = [os.readlink(f"/proc/self/fd/{fd}") for fd in descriptors]
            os._exit(0 if targets == [os.devnull, os.devnull] else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert all(os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:") for fd in descriptors)


def test_start_waits_only_for_the_workers_asked() -> None:
    with Converter(workers=2) as converter:
        converter.launch(1)
        converter.start(1)
        first, second = converter._workers
        assert first.ready
        assert not second.started  # one document to build: one LibreOffice, not two


def test_a_ready_worker_serves_while_the_other_is_still_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    # start() used to hold every worker until the slowest had started: the first conversion waited for both.
    with Converter(workers=2) as converter:
        converter.launch(1)
        converter.start(1)
        first, second = converter._workers
        release = threading.Event()

        def slow_start() -> None:
            release.wait(30)
            raise WorkerFailure("démarrage retenu par le test")

        def start_both() -> None:
            with contextlib.suppress(ConversionError):  # the second worker's start fails, on purpose
                converter.start(2)

        monkeypatch.setattr(second, "start", slow_start)
        starter = threading.Thread(target=start_both)
        try:
            starter.start()
            deadline = time.monotonic() + 10
            while second.lock.acquire(blocking=False):  # wait until the second worker's start is under way
                second.lock.release()
                assert time.monotonic() < deadline
                time.sleep(0.01)
            # Handed back at once, not after the second worker has started (the old code held it meanwhile).
            assert converter._idle.get(timeout=5) is first
            converter._idle.put(first)
        finally:
            release.set()
            starter.join(30)


def test_no_early_converter_without_pdf_or_while_another_build_runs(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "projet")
    assert early_converter(project, BuildOptions(formats=("docx",))) is None
    (project / "build").mkdir()
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with project_lock(project / "build", timeout=5):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        assert not lock_is_free(project / "build")
        assert early_converter(project, BuildOptions()) is None
    finally:
        release.set()
        holder.join(30)
    assert lock_is_free(project / "build")


def test_a_build_refused_for_its_data_leaves_no_process(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "projet")
    target = sorted((project / "epci").glob("*.yaml"))[0]
    target.write_text(re.sub(r"(?m)^siren: .*$", 'siren: "12345"', target.read_text("utf-8"), count=1), "utf-8")
    tag = new_tag()
    done = convgen(project, "build", env=marked_env(tag), timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"epci/{target.name}:" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (project / "build").exists()
    assert marked(tag) == []
