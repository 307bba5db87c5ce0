"""The build engine: incremental plan, atomic writes, manifest, one failure does not stop the others.

The conversion is faked here (LibreOffice is exercised for real in test_pdf.py and test_e2e.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import docx
import pytest

from convgen.documents.epoch import source_epoch
from convgen.documents.verdict import Verdict
from convgen.errors import ConversionError, LockError
from convgen.files import STAGE_PREFIX, write_atomic
from convgen.runner.engine import Runner
from convgen.runner.folder import Manifest, project_lock
from convgen.runner.job import Job
from convgen.runner.options import BuildOptions

EPOCH = dt.datetime(2024, 2, 23, 12, 0, tzinfo=dt.UTC)


def make_docx(text: str) -> bytes:
    """Return a small valid DOCX holding ``text``."""
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fixed(data: bytes) -> bytes:
    """Return ``data`` (a render function a rendering process can receive, with functools.partial)."""
    return data


def broken() -> bytes:
    """Fail like a buggy template."""
    raise RuntimeError("panne simulée")


def hang() -> bytes:
    """Never finish, like a rendering stuck in a loop."""
    while True:
        time.sleep(1)


def die() -> bytes:
    """Kill the rendering process, like a native crash."""
    os.kill(os.getpid(), signal.SIGKILL)
    return b""


def job(slug: str, text: str = "Communauté de communes Exemple", *, render: Callable[[], bytes] | None = None) -> Job:
    """Return a DOCX-only job for ``slug`` whose inputs are its text."""
    return Job(
        slug=slug,
        stem=f"convention-{slug}",
        label="convention",
        render=render or partial(fixed, make_docx(text)),
        inputs={"donnees": text},
        metadata={},
        context={"projet": False},
        verdict=Verdict(),
        epoch=EPOCH,
    )


def run(build_dir: Path, jobs: list[Job]) -> list[tuple[str, str]]:
    """Run DOCX-only jobs; return (slug, status) pairs."""
    report = Runner(build_dir, BuildOptions(formats=("docx",), jobs=2)).run(jobs)
    return [(o.job.slug, o.status) for o in report.outcomes]


def test_build_writes_outputs_and_manifest(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    assert run(build_dir, [job("cc-a"), job("cc-b")]) == [("cc-a", "construit"), ("cc-b", "construit")]
    document = docx.Document(str(build_dir / "cc-a" / "convention-cc-a.docx"))
    assert document.paragraphs[0].text == "Communauté de communes Exemple"
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["documents"]["cc-a/convention-cc-a.docx"]
    assert entry["entrees"] == {"donnees": "Communauté de communes Exemple"}
    assert len(entry["sha256"]) == 64
    assert not list(build_dir.rglob(f"{STAGE_PREFIX}*"))


def test_unchanged_inputs_are_not_rebuilt_and_a_change_rebuilds_one(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    run(build_dir, [job("cc-a"), job("cc-b")])
    assert run(build_dir, [job("cc-a"), job("cc-b")]) == [("cc-a", "inchangé"), ("cc-b", "inchangé")]
    assert run(build_dir, [job("cc-a"), job("cc-b", "Autre texte")]) == [
        ("cc-a", "inchangé"),
        ("cc-b", "construit"),
    ]


def test_a_tampered_output_is_rebuilt(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    run(build_dir, [job("cc-a")])
    (build_dir / "cc-a" / "convention-cc-a.docx").write_bytes(b"abime")
    assert run(build_dir, [job("cc-a")]) == [("cc-a", "construit")]


def test_one_failure_does_not_stop_the_others_and_keeps_the_old_output(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    run(build_dir, [job("cc-a"), job("cc-b")])
    old = (build_dir / "cc-b" / "convention-cc-b.docx").read_bytes()
    report = Runner(build_dir, BuildOptions(formats=("docx",), jobs=2)).run(
        [job("cc-a", "Nouveau"), job("cc-b", "x", render=broken)]
    )
    statuses = [(o.job.slug, o.status) for o in report.outcomes]
    assert statuses == [("cc-a", "construit"), ("cc-b", "échec")]
    assert "panne simulée" in report.failed[0].error
    assert (build_dir / "cc-b" / "convention-cc-b.docx").read_bytes() == old
    assert not list(build_dir.rglob(f"{STAGE_PREFIX}*"))


# The limit leaves a healthy retry time to run on a loaded machine (with 1 s, a retry that waited for a core
# was sometimes reported « interrompu »); a hang still costs two limits, well under the 30 s asserted.
@pytest.mark.parametrize(("render", "reason"), [(hang, "rendu interrompu après 5 s"), (die, "s’est arrêté")])
def test_a_stuck_or_dead_rendering_process_is_killed_retried_once_then_reported(
    tmp_path: Path, render: Callable[[], bytes], reason: str
) -> None:
    build_dir = tmp_path / "build"
    runner = Runner(build_dir, BuildOptions(formats=("docx",), jobs=2), render_timeout=5.0)
    started = time.monotonic()
    report = runner.run([job("cc-a"), job("cc-b", render=render), job("cc-c")])
    assert time.monotonic() - started < 30
    statuses = [(o.job.slug, o.status) for o in report.outcomes]
    assert statuses == [("cc-a", "construit"), ("cc-b", "échec"), ("cc-c", "construit")], [
        o.error for o in report.outcomes
    ]
    error = report.failed[0].error
    assert error.startswith("cc-b (convention) : le rendu a échoué deux fois (")
    assert error.count(reason) == 2, error
    assert (build_dir / "cc-c" / "convention-cc-c.docx").is_file()
    assert not list(build_dir.rglob(f"{STAGE_PREFIX}*"))
    assert not multiprocessing.active_children()  # every rendering process was stopped


def test_a_render_function_that_cannot_reach_a_rendering_process_is_refused(tmp_path: Path) -> None:
    data = make_docx("x")
    report = Runner(tmp_path / "build", BuildOptions(formats=("docx",), jobs=1)).run([job("cc-a", render=lambda: data)])
    assert report.outcomes[0].status == "échec"
    assert "le rendu ne peut pas être confié à un processus" in report.outcomes[0].error


def test_a_rendered_document_with_a_leftover_tag_is_refused(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    report = Runner(build_dir, BuildOptions(formats=("docx",), jobs=1)).run([job("cc-a", "représentée par None")])
    assert report.outcomes[0].status == "échec"
    assert "None" in report.outcomes[0].error
    assert not (build_dir / "cc-a" / "convention-cc-a.docx").exists()


def test_stale_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    (build_dir / "cc-a").mkdir(parents=True)
    leftover = build_dir / "cc-a" / f"{STAGE_PREFIX}abc.pdf"
    leftover.write_bytes(b"%PDF-partiel")
    run(build_dir, [job("cc-a")])
    assert not leftover.exists()


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("ancien", encoding="utf-8")

    class Boom(bytes):
        pass

    with pytest.raises(TypeError):
        write_atomic(target, "pas des octets")  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_manifest_ignores_a_corrupt_file(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{pas du json", encoding="utf-8")
    assert Manifest(tmp_path).entries == {}


def test_source_epoch_prefers_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_epoch([dt.date(2024, 1, 1)]) == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert source_epoch([dt.date(2024, 2, 23), dt.date(2024, 3, 12)]) == dt.datetime(2024, 3, 12, 12, tzinfo=dt.UTC)


def test_second_run_waits_for_the_lock_then_gives_up_clearly(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with project_lock(build_dir, timeout=5):
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    waited: list[bool] = []
    with (
        pytest.raises(LockError) as caught,
        project_lock(build_dir, timeout=0.2, on_wait=lambda: waited.append(True)),
    ):
        pass
    release.set()
    holder.join()
    assert waited == [True]
    assert "Une autre construction occupe" in str(caught.value)


def test_outputs_never_leave_build(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    report = Runner(build_dir, BuildOptions(formats=("docx",), jobs=1)).run([job("../evasion"), job("cc-a")])
    assert [(o.job.slug, o.status) for o in report.outcomes] == [("../evasion", "échec"), ("cc-a", "construit")]
    assert "nom de fichier de sortie refusé : ../evasion" in report.outcomes[0].error
    assert not (tmp_path / "evasion").exists()


def test_a_format_not_rebuilt_is_removed_when_it_came_from_other_inputs(tmp_path: Path) -> None:
    """After a DOCX-only build of new data, the old PDF of the same document would lie beside the new DOCX."""
    build_dir = tmp_path / "build"
    run(build_dir, [job("cc-a")])
    stale = build_dir / "cc-a" / "convention-cc-a.pdf"
    stale.write_bytes(b"%PDF-1.7 ancien")  # as if a PDF had been built from the old data
    manifest = Manifest(build_dir)
    manifest.record("cc-a/convention-cc-a.pdf", "0" * 64, job("cc-a"))
    manifest.save(build_dir)
    report = Runner(build_dir, BuildOptions(formats=("docx",), jobs=1)).run([job("cc-a", "Nouveau texte")])
    assert report.outcomes[0].removed == ("cc-a/convention-cc-a.pdf",)
    assert not stale.exists()
    assert (build_dir / "cc-a" / "convention-cc-a.docx").is_file()


class GatedConverter:
    """A converter that holds each conversion until ``wanted`` documents are converting at once (or 5 s)."""

    def __init__(self, wanted: int) -> None:
        self.wanted = wanted
        self.now = 0
        self.peak = 0
        self.condition = threading.Condition()

    def convert(self, docx: Path, pdf: Path, *, expect_text: str | None = None) -> None:
        with self.condition:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.condition.notify_all()
            self.condition.wait_for(lambda: self.peak >= self.wanted, timeout=5)
            self.now -= 1
        raise ConversionError("conversion simulée")

    def close(self) -> None:
        pass


def test_one_document_more_than_the_converters_is_in_hand_so_that_none_waits_for_a_rendering(tmp_path: Path) -> None:
    # Two LibreOffices convert; a third document renders meanwhile (it then waits for a free LibreOffice).
    gate = GatedConverter(wanted=3)
    options = BuildOptions(formats=("docx", "pdf"), jobs=2, converter_factory=lambda workers: gate)
    report = Runner(tmp_path / "build", options).run([job(f"cc-{n}") for n in "abcd"])
    assert [o.status for o in report.outcomes] == ["échec"] * 4
    assert all("conversion simulée" in o.error for o in report.outcomes)
    assert gate.peak == 3


def noting_pid(notes: Path, data: bytes) -> bytes:
    """Return ``data`` after writing down which process rendered it."""
    with notes.open("a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    return data


def test_one_rendering_process_supplies_four_libreoffices(tmp_path: Path) -> None:
    # Rendering takes a fifth of a conversion: four LibreOffices share one rendering process (options.py).
    # Five documents are in hand at once (one more than the conversions), all rendered by that one process.
    notes = tmp_path / "pids.txt"
    gate = GatedConverter(wanted=5)
    options = BuildOptions(formats=("docx", "pdf"), jobs=4, converter_factory=lambda workers: gate)
    render = partial(noting_pid, notes, make_docx("Communauté de communes Exemple"))
    report = Runner(tmp_path / "build", options).run([job(f"cc-{n}", render=render) for n in "abcdefgh"])
    assert [o.status for o in report.outcomes] == ["échec"] * 8
    pids = notes.read_text(encoding="utf-8").split()
    assert len(pids) == 8
    assert len(set(pids)) == 1
    assert os.getpid() not in {int(pid) for pid in pids}
    assert gate.peak == 5
