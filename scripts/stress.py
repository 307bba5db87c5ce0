"""Stress the build engine on a copy of the project: crashes, hangs, processes left behind, partial outputs.

Scenarios (each run N times, on a fresh copy of the data and templates):
- ``froid`` : one cold ``convgen build --format pdf``;
- ``paires`` : two cold builds of the same project started a fraction of a second apart;
- ``sigkill`` : a build whose ``convgen`` process is killed with SIGKILL after its first document;
- ``sigint`` : a build interrupted by SIGINT (Ctrl-C) after its first document.

Every process a run starts carries a marker in its environment, so anything still alive afterwards (a
rendering process, a UNO bridge, LibreOffice) is found and counted, then killed. A crash is an exit by a
signal or a code of 128 or more other than 130 and 143; a hang is a build still running after ``--borne``
seconds. After each run every file of ``build/`` must be whole (PDF readable by pikepdf, DOCX a valid zip,
sha256 as in ``manifest.json``), and no temporary ``.en-cours-*`` may be left once the next build has run.

Usage : ``python scripts/stress.py [--n 50] [--scenarios froid,paires,sigkill,sigint]`` (``make stress``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

ROOT = Path(__file__).resolve().parent.parent
MARKER = "CONVGEN_STRESS_RUN"
SCENARIOS = ("froid", "paires", "sigkill", "sigint")
STAGE_PREFIX = ".en-cours-"
PYTHON = [sys.executable]  # --python: another interpreter (another version of convgen), measured side by side


@dataclass
class Tally:
    """What one scenario observed over its runs."""

    runs: int = 0
    crashes: list[str] = field(default_factory=list)
    hangs: int = 0
    leftovers: int = 0
    partial: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def copy_project(dest: Path) -> Path:
    """Copy the data and templates of the repository into ``dest``."""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "departement.yaml", dest / "departement.yaml")
    shutil.copytree(ROOT / "epci", dest / "epci")
    shutil.copytree(ROOT / "templates", dest / "templates")
    return dest


def start(project: Path, tag: str, jobs: int | None) -> subprocess.Popen[str]:
    """Start ``convgen build --format pdf`` with the run's marker in its environment."""
    command = [*PYTHON, "-m", "convgen", "-C", str(project), "build", "--format", "pdf"]
    if jobs:
        command += ["--jobs", str(jobs)]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, MARKER: tag},
    )


def marked(tag: str) -> list[int]:
    """Return the pids of live processes (zombies aside) whose environment carries ``tag``."""
    found = []
    needle = f"{MARKER}={tag}".encode()
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
    return found


def command_line(pid: int) -> str:
    """Return the command line of a process (for the report), or "?"."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()[:160]
    except OSError:
        return "?"


def leftovers(tag: str, tally: Tally, grace: float = 5.0) -> int:
    """Count the marked processes still alive after ``grace`` seconds, note what they are, then kill them."""
    deadline = time.monotonic() + grace
    pids = marked(tag)
    while pids and time.monotonic() < deadline:
        time.sleep(0.1)
        pids = marked(tag)
    for pid in pids:
        tally.left.append(command_line(pid))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(pids)


def finish(process: subprocess.Popen[str], bound: float) -> tuple[int | None, str]:
    """Wait for a build up to ``bound`` seconds; return its exit code (None if it hung) and output."""
    try:
        output, _ = process.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        return None, output
    return process.returncode, output


def crashed(code: int | None) -> bool:
    """Tell whether an exit code is a native crash (a signal other than SIGINT/SIGTERM)."""
    return code is not None and (code < 0 or (code >= 128 and code not in (130, 143)))


def wait_first_document(process: subprocess.Popen[str], bound: float) -> list[str]:
    """Read the build's output until its first finished document; return the lines read."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "✓" in line:
            break
    return lines


def whole_outputs(project: Path) -> list[str]:
    """Return the files of ``build/`` that are not whole (unreadable, or not the bytes of the manifest)."""
    build = project / "build"
    bad: list[str] = []
    manifest: dict[str, dict[str, str]] = {}
    with contextlib.suppress(FileNotFoundError, ValueError):
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))["documents"]
    for path in sorted(build.rglob("*")):
        rel = path.relative_to(build).as_posix()
        if not path.is_file() or STAGE_PREFIX in rel or rel.startswith(".") or "/." in rel:
            continue
        try:
            if path.suffix == ".pdf":
                with pikepdf.open(path) as pdf:
                    if len(pdf.pages) < 2:
                        bad.append(f"{rel} : {len(pdf.pages)} page")
            elif path.suffix == ".docx":
                with zipfile.ZipFile(path) as archive:
                    if archive.testzip() is not None:
                        bad.append(f"{rel} : archive abîmée")
        except Exception as error:
            bad.append(f"{rel} : illisible ({type(error).__name__})")
            continue
        entry = manifest.get(rel)
        if entry is not None and hashlib.sha256(path.read_bytes()).hexdigest() != entry.get("sha256"):
            bad.append(f"{rel} : octets différents du manifeste")
    return bad


def run_once(scenario: str, work: Path, number: int, args: argparse.Namespace, tally: Tally) -> None:
    """Run one scenario once and add what it observed to ``tally``."""
    project = copy_project(work / f"{scenario}-{number}")
    tag = uuid.uuid4().hex
    began = time.monotonic()
    tally.runs += 1
    try:
        if scenario == "froid":
            code, output = finish(start(project, tag, args.jobs), args.borne)
            results = [(code, output)]
        elif scenario == "paires":
            first = start(project, tag, args.jobs)
            time.sleep(random.uniform(0.05, 0.6))
            second = start(project, tag, args.jobs)
            results = [finish(first, args.borne), finish(second, args.borne)]
        else:
            process = start(project, tag, args.jobs)
            lines = wait_first_document(process, args.borne)
            process.send_signal(signal.SIGKILL if scenario == "sigkill" else signal.SIGINT)
            code, output = finish(process, args.borne)
            results = [(code, "".join(lines) + output)]
        tally.seconds.append(time.monotonic() - began)
        for code, output in results:
            if code is None:
                tally.hangs += 1
                tally.failures.append(f"{scenario} {number} : bloqué\n{output[-2000:]}")
            elif crashed(code) and not (scenario == "sigkill" and code == -signal.SIGKILL):
                tally.crashes.append(f"{scenario} {number} : code {code}\n{output[-2000:]}")
            elif scenario in ("froid", "paires") and code != 0:
                tally.failures.append(f"{scenario} {number} : code {code}\n{output[-2000:]}")
            elif scenario == "sigint" and code != 130:
                tally.failures.append(f"{scenario} {number} : code {code} au lieu de 130\n{output[-2000:]}")
        tally.leftovers += leftovers(tag, tally)
        tally.partial += [f"{scenario} {number} : {item}" for item in whole_outputs(project)]
        if scenario in ("sigkill", "sigint"):
            # The next build must clean what the interrupted one left and finish.
            code, output = finish(start(project, tag, args.jobs), args.borne)
            if code != 0:
                tally.failures.append(f"{scenario} {number} : reconstruction, code {code}\n{output[-2000:]}")
            stale = [p.name for p in (project / "build").rglob(f"{STAGE_PREFIX}*")]
            if stale:
                tally.partial.append(f"{scenario} {number} : restes {stale[:3]}")
            tally.leftovers += leftovers(tag, tally)
    finally:
        shutil.rmtree(project, ignore_errors=True)


def main() -> int:
    """Run the scenarios and print one line per scenario; exit 1 when anything went wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="exécutions par scénario (défaut 50)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="liste séparée par des virgules")
    parser.add_argument("--borne", type=float, default=180.0, help="secondes au-delà desquelles un build bloque")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs passé à convgen build")
    parser.add_argument("--python", default=None, help="interpréteur qui lance « -m convgen » (autre version)")
    parser.add_argument("--graine", type=int, default=1, help="graine des délais aléatoires")
    args = parser.parse_args()
    random.seed(args.graine)
    if args.python:
        PYTHON[:] = [args.python]
    chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        parser.error(f"scénarios inconnus : {', '.join(unknown)}")
    tallies: dict[str, Tally] = {}
    with tempfile.TemporaryDirectory(prefix="convgen-stress-") as tmp:
        for scenario in chosen:
            tally = tallies[scenario] = Tally()
            for number in range(args.n):
                run_once(scenario, Path(tmp), number, args, tally)
                print(f"\r{scenario} : {number + 1}/{args.n}", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
    print(
        "| scénario | exécutions | plantages | blocages | processus restants | sorties incomplètes | échecs | médiane |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for scenario, tally in tallies.items():
        median = f"{statistics.median(tally.seconds):.1f} s".replace(".", ",") if tally.seconds else "—"
        print(
            f"| {scenario} | {tally.runs} | {len(tally.crashes)} | {tally.hangs} | {tally.leftovers} | "
            f"{len(tally.partial)} | {len(tally.failures)} | {median} |"
        )
    problems = [
        item
        for tally in tallies.values()
        for item in (*tally.crashes, *tally.partial, *tally.failures, *(f"processus restant : {c}" for c in tally.left))
    ]
    for item in problems[:20]:
        print(f"\n--- {item}")
    bad = any(t.crashes or t.hangs or t.leftovers or t.partial or t.failures for t in tallies.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
