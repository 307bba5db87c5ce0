"""Benchmark of ``convgen build`` and ``convgen watch`` (``make bench``): cold, no-op, one change, live preview, France.

Each figure is the median of several runs, measured beside the naive way (one ``soffice --convert-to pdf``
process per document) in the same run. Results are printed as a Markdown table and written to
``bench-results/bench.json``. Usage: ``python scripts/bench.py [--runs N] [--skip-france] [--france-runs N]
[--avant REVISION]``. With ``--avant``, the cold build is also measured with convgen as of that git revision
(its ``convgen/`` only, same interpreter and packages), the two alternated run by run: before and after in one run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONVGEN = [sys.executable, "-m", "convgen"]
FRANCE_CSV = ROOT / "scripts" / "data" / "epci-france-2024.csv"
KINDS = {
    "CC": "Communauté de communes",
    "CA": "Communauté d'agglomération",
    "CU": "Communauté urbaine",
    "METRO": "Métropole",
    "MET69": "Métropole",
}
FIRST_NAMES = ["Anne", "Bruno", "Claire", "Denis", "Émilie", "François", "Gaëlle", "Hervé", "Inès", "Jules"]
LAST_NAMES = ["EXEMPLE", "MODÈLE", "FICTIF", "DÉMO", "ESSAI", "SPÉCIMEN", "TÉMOIN", "MAQUETTE"]


def copy_project(dest: Path) -> Path:
    """Copy the project's data and templates (not build/) to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "departement.yaml", dest / "departement.yaml")
    for folder in ("epci", "templates", "schema"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, dest / folder)
    return dest


def run_build(project: Path, *extra: str, source: Path | None = None) -> tuple[float, float]:
    """Run ``convgen build`` on ``project`` (with the ``convgen/`` of ``source`` if given); return (seconds, peak RSS
    in MB of any process of the run)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ``python -m`` puts its working directory first on sys.path: there, ``source/convgen`` is the one imported.
    where = {"cwd": source, "env": {**os.environ, "PYTHONPATH": str(source)}} if source is not None else {}
    started = time.perf_counter()
    done = subprocess.run(
        [*CONVGEN, "-C", str(project), "build", *extra], capture_output=True, text=True, check=False, **where
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"convgen build a échoué ({done.returncode}) :\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(before, after) / 1024


def naive(docs: list[Path], out: Path) -> float:
    """Convert each DOCX with its own cold ``soffice`` process (the way it is done by hand); return seconds."""
    profile = Path(tempfile.mkdtemp(prefix="convgen-bench-profil-"))
    try:
        started = time.perf_counter()
        for doc in docs:
            subprocess.run(
                [
                    "soffice",
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(out),
                    str(doc),
                ],
                capture_output=True,
                check=True,
                timeout=120,
            )
        return time.perf_counter() - started
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def checkout(revision: str, dest: Path) -> Path:
    """Extract ``convgen/`` as of git ``revision`` into ``dest``; return ``dest``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "convgen"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        sys.exit(f"révision introuvable : {revision} ({archive.stderr.decode(errors='replace').strip()})")
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def identity(path: Path) -> tuple[int, int] | None:
    """Return (inode, modification time) of ``path``: an ``os.replace`` changes it."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns


def wait_replaced(path: Path, before: tuple[int, int] | None, timeout: float = 120) -> float:
    """Wait until ``path`` is replaced (convgen puts a PDF in place only once checked); return the time."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if identity(path) not in (None, before):
            return time.perf_counter()
        time.sleep(0.005)
    sys.exit(f"{path} n'a pas été remplacé en {timeout:g} s")


def edit(path: Path, original: str, run: int) -> None:
    """Add one resource to an ``epci/`` file (a new one each time)."""
    changed = original.replace("communication:\n", f"communication:\n    - Affiche de la permanence n° {run}\n", 1)
    path.write_text(changed, encoding="utf-8")


def bench_watch(work: Path, edits: int) -> dict[str, Any]:
    """Time ``convgen watch SLUG`` from a save to the checked PDF, beside ``convgen build SLUG`` after the same edit."""
    watched, plain = copy_project(work / "watch"), copy_project(work / "plain")
    target = sorted((watched / "epci").glob("*.yaml"))[0]
    slug = target.stem
    pdf_rel = Path("build") / slug / f"convention-{slug}.pdf"
    run_build(plain, slug)
    before_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    process = subprocess.Popen(
        [*CONVGEN, "-C", str(watched), "watch", slug], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "En attente des modifications" in line:
                break
        else:
            sys.exit("convgen watch s'est arrêté :\n" + "".join(lines))
        original = target.read_text(encoding="utf-8")
        watch_s, plain_s = [], []
        for run in range(edits):
            before = identity(watched / pdf_rel)
            started = time.perf_counter()
            edit(target, original, run)
            watch_s.append(wait_replaced(watched / pdf_rel, before) - started)
            time.sleep(0.5)  # the watch prints its line and is idle again
            plain_target = plain / "epci" / target.name
            started = time.perf_counter()
            edit(plain_target, original, run)
            run_build(plain, slug)
            plain_s.append(time.perf_counter() - started)
    finally:
        process.send_signal(signal.SIGINT)
        stopped = time.perf_counter()
        try:
            lines.extend(process.communicate(timeout=30)[0].splitlines())
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=30)
        stop_s = time.perf_counter() - stopped
    rss = max(before_rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    office = [float(m) for m in re.findall(r"LibreOffice : (\d+) Mo", "\n".join(lines))]
    return {
        "median_s": median(watch_s),
        "build_s": median(plain_s),
        "arret_s": stop_s,
        "code_arret": float(process.returncode),
        "rss_max_mo": rss,
        "libreoffice_max_mo": max(office, default=0.0),
        "mesures_watch_s": watch_s,
        "mesures_build_s": plain_s,
    }


def slugify(text: str) -> str:
    """Return an ASCII slug of ``text``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    cleaned = "".join(c if c.isalnum() else "-" for c in ascii_text)
    return "-".join(part for part in cleaned.split("-") if part)[:80]


def france_project(dest: Path) -> int:
    """Write a project with one EPCI file per French intercommunality (real names and SIRENs, fictitious people)."""
    copy_project(dest)
    shutil.rmtree(dest / "epci")
    (dest / "epci").mkdir()
    with FRANCE_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for index, row in enumerate(rows):
        label = row["raison_sociale"].strip()
        prefix, _, rest = label.partition(" ")
        kind = KINDS.get(row["nature_juridique"], "Communauté de communes")
        nom = f"{kind} {rest}" if prefix in {"CC", "CA", "CU"} else label
        civ = ("Madame", "Monsieur")
        people = [
            (civ[(index + k) % 2], FIRST_NAMES[(index + 3 * k) % 10], LAST_NAMES[(index + k) % 8]) for k in range(3)
        ]
        referent, suppleant = people[1], people[2]
        if referent[1:] == suppleant[1:]:
            suppleant = (
                (suppleant[0], "Jules", "TÉMOIN") if suppleant[1] != "Jules" else (suppleant[0], "Anne", "ESSAI")
            )
        text = f"""nom: {json.dumps(nom, ensure_ascii=False)}
nom_court: {json.dumps(label, ensure_ascii=False)}
siren: "{row["siren"]}"
siege: "Siège {index + 1}"
president:
  civilite: {people[0][0]}
  prenom: {people[0][1]}
  nom: {people[0][2]}
deliberation: 2024-03-{1 + index % 28:02d}
referent:
  civilite: {referent[0]}
  prenom: {referent[1]}
  nom: {referent[2]}
  fonction: Chargé de mission numérique
  courriel: referent.{index}@exemple.fr
  telephone: "02 43 00 {index // 100 % 100:02d} {index % 100:02d}"
suppleant:
  civilite: {suppleant[0]}
  prenom: {suppleant[1]}
  nom: {suppleant[2]}
  fonction: Directeur général des services
  courriel: suppleant.{index}@exemple.fr
  telephone: "02 43 01 {index // 100 % 100:02d} {index % 100:02d}"
ressources:
  materiels:
    - Salle de réunion du siège communautaire
  communication:
    - Article dans le bulletin intercommunal
"""
        slug = f"{slugify(label)}-{row['siren']}"
        (dest / "epci" / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return len(rows)


def median(values: list[float]) -> float:
    """Return the median of ``values``."""
    return statistics.median(values)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per measure (médiane)")
    parser.add_argument("--france-runs", type=int, default=2, help="runs of the 1,255-EPCI build")
    parser.add_argument("--skip-france", action="store_true", help="skip the 1,255-EPCI build")
    parser.add_argument("--edits", type=int, default=5, help="edits measured with convgen watch (médiane)")
    parser.add_argument("--avant", metavar="REVISION", help="also measure the cold build as of this git revision")
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    work = Path(tempfile.mkdtemp(prefix="convgen-bench-"))
    try:
        project = copy_project(work / "sarthe")
        earlier = checkout(args.avant, work / "avant") if args.avant else None
        cold, cold_rss, before = [], 0.0, []
        for _ in range(args.runs):
            if earlier is not None:  # first, so that build/ holds this version's documents at the end
                shutil.rmtree(project / "build", ignore_errors=True)
                before.append(run_build(project, source=earlier)[0])
            shutil.rmtree(project / "build", ignore_errors=True)
            seconds, rss = run_build(project)
            cold.append(seconds)
            cold_rss = max(cold_rss, rss)
        docs = sorted((project / "build").glob("*/convention-*.docx"))
        naive_out = work / "naive"
        naive_out.mkdir()
        naive_seconds = naive(docs, naive_out)
        results["a_froid_15"] = {"median_s": median(cold), "naif_s": naive_seconds, "rss_max_mo": cold_rss}
        if earlier is not None:
            results["a_froid_15"] |= {"avant_s": median(before), "avant_revision": args.avant}

        # Side by side: the no-op through its stamp, and the same no-op taking the normal path (stamp removed).
        noop, normal = [], []
        stamp = project / "build" / ".cache" / "construction.json"
        run_build(project)  # leaves the stamp
        saved = stamp.read_bytes()
        for _ in range(max(5, args.runs)):
            noop.append(run_build(project)[0])
            stamp.unlink()
            normal.append(run_build(project)[0])
            stamp.write_bytes(saved)
        results["sans_changement_15"] = {"median_s": median(noop), "sans_tampon_s": median(normal)}

        target = sorted((project / "epci").glob("*.yaml"))[0]
        original = target.read_text(encoding="utf-8")
        one = []
        for run in range(args.runs):
            changed = original.replace("communication:\n", f"communication:\n    - Affiche de test n° {run}\n", 1)
            target.write_text(changed, encoding="utf-8")
            one.append(run_build(project)[0])
        target.write_text(original, encoding="utf-8")
        results["un_epci_change"] = {"median_s": median(one), "naif_s": naive_seconds / len(docs)}

        results["watch_un_epci"] = bench_watch(work, args.edits)

        if not args.skip_france:
            france = work / "france"
            count = france_project(france)
            runs, rss_peak = [], 0.0
            for _ in range(args.france_runs):
                shutil.rmtree(france / "build", ignore_errors=True)
                seconds, rss = run_build(france)
                runs.append(seconds)
                rss_peak = max(rss_peak, rss)
            sample = sorted((france / "build").glob("*/convention-*.docx"))[:20]
            naive_dir = work / "naive-france"
            naive_dir.mkdir()
            per_doc = naive(sample, naive_dir) / len(sample)
            results["france_1255"] = {
                "documents": count,
                "median_s": median(runs),
                "naif_extrapole_s": per_doc * count,
                "rss_max_mo": rss_peak,
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)

    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    noop_row, watch_row = results["sans_changement_15"], results.get("watch_un_epci")
    (out / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Machine : {os.cpu_count()} cœurs ; médiane de {args.runs} exécutions (France : {args.france_runs}).")
    print("| mesure | convgen | naïf (un soffice par document) | rapport | mémoire max |")
    print("|---|---|---|---|---|")
    for name, row in results.items():
        naive_s = row.get("naif_s") or row.get("naif_extrapole_s")
        ratio = f"{naive_s / row['median_s']:.1f}×" if naive_s else "—"
        naive_txt = f"{naive_s:.2f} s" if naive_s else "—"
        rss_txt = f"{row['rss_max_mo']:.0f} Mo" if "rss_max_mo" in row else "—"
        print(f"| {name} | {row['median_s']:.2f} s | {naive_txt} | {ratio} | {rss_txt} |")
    cold_row = results["a_froid_15"]
    if "avant_s" in cold_row:
        print(
            f"À froid avant ({cold_row['avant_revision']}) : {cold_row['avant_s']:.2f} s, soit "
            f"{cold_row['naif_s'] / cold_row['avant_s']:.1f}× le naïf ; après : {cold_row['median_s']:.2f} s, soit "
            f"{cold_row['naif_s'] / cold_row['median_s']:.1f}× (exécutions alternées)."
        )
    print(f"Sans changement, chemin normal (sans le tampon) : {noop_row['sans_tampon_s']:.2f} s (médiane).")
    if watch_row:
        print(
            f"convgen watch, enregistrement → PDF vérifié : {watch_row['median_s']:.2f} s ; convgen build après la "
            f"même modification : {watch_row['build_s']:.2f} s ({watch_row['build_s'] / watch_row['median_s']:.1f}×) ; "
            f"arrêt par Ctrl-C : {watch_row['arret_s']:.1f} s (code {watch_row['code_arret']:.0f}) ; LibreOffice de "
            f"l'aperçu : {watch_row['libreoffice_max_mo']:.0f} Mo au plus."
        )


if __name__ == "__main__":
    main()
