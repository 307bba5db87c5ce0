"""The CI workflow: current actions on Node 24, a pinned runner, and only the commands the README documents."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
RUNNER = "ubuntu-24.04"
# First major version of each action whose action.yml declares `runs.using: node24` (upload-artifact v5
# still ran on Node 20). An action not listed here has to be checked, then added.
NODE24_SINCE = {"actions/checkout": 5, "actions/setup-python": 6, "actions/upload-artifact": 6}
CONVGEN = {"convgen", ".venv/bin/convgen"}
REDIRECTIONS = {">", ">>", "2>", "2>>", "&>"}


def load(path: Path) -> dict[str, Any]:
    """Return a workflow as data (YAML 1.1 reads the key ``on`` as True)."""
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the steps of every job of a workflow."""
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def readme() -> str:
    """Return the README."""
    return (REPO / "README.md").read_text(encoding="utf-8")


def pull_request_section() -> str:
    """Return the README section « Relire une pull request »."""
    text = readme()
    start = text.index("## Relire une pull request")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else None]


def makefile_targets() -> set[str]:
    """Return the targets the Makefile describes (``target: … ## help``)."""
    return set(re.findall(r"^([a-z][a-z-]*):[^\n]*## ", (REPO / "Makefile").read_text(encoding="utf-8"), re.M))


def commands(run: str) -> list[list[str]]:
    """Return the words of each command of a ``run`` script, redirections removed."""
    found: list[list[str]] = []
    for line in run.splitlines():
        for command in re.split(r"&&|\|\||;|\|", line):
            words = shlex.split(command, comments=True)
            kept = [word for index, word in enumerate(words) if not _redirection(words, index)]
            if kept:
                found.append(kept)
    return found


def _redirection(words: list[str], index: int) -> bool:
    """Return True when ``words[index]`` is a redirection or its target."""
    return words[index] in REDIRECTIONS or (index > 0 and words[index - 1] in REDIRECTIONS)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Return the regular expression of an upload-artifact path pattern (``**`` spans folders)."""
    parts = re.split(r"(\*\*/|\*\*|\*|\?)", pattern)
    table = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(table.get(part, re.escape(part)) for part in parts))


def test_there_is_a_workflow() -> None:
    assert [path.name for path in WORKFLOWS] == ["conventions.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_runner_is_pinned(path: Path) -> None:
    for name, job in load(path)["jobs"].items():
        assert job["runs-on"] == RUNNER, f"{name} : runs-on doit être {RUNNER}, pas une étiquette flottante"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_actions_run_on_node_24(path: Path) -> None:
    used = [step["uses"] for step in steps(load(path)) if "uses" in step]
    assert used
    for reference in used:
        action, _, version = reference.partition("@")
        assert action in NODE24_SINCE, f"{reference} : action inconnue, vérifiez qu'elle tourne sous Node 24"
        match = re.fullmatch(r"v(\d+)", version)
        assert match, f"{reference} : indiquez la version majeure (@vN)"
        assert int(match.group(1)) >= NODE24_SINCE[action], f"{reference} tourne encore sous Node 20"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_run_steps_call_documented_commands(path: Path) -> None:
    targets = makefile_targets()
    documented = set(re.findall(r"\bmake ([a-z][a-z-]*)", readme()))
    review_options = {
        option for span in re.findall(r"convgen review([^\n`]*)", readme()) for option in re.findall(r"--[a-z-]+", span)
    }
    runs = [step["run"] for step in steps(load(path)) if "run" in step]
    assert runs
    for run in runs:
        for words in commands(run):
            if words[0] == "sudo":
                words = words[1:]
            if words[0] == "make":
                assert len(words) == 2, words
                assert words[1] in targets, f"make {words[1]} : cible absente du Makefile"
                assert words[1] in documented, f"make {words[1]} : cible que le README ne mentionne pas"
            else:
                assert words[0] in CONVGEN and words[1] == "review", f"{' '.join(words)} : ni make ni convgen review"
                options = {word for word in words[2:] if word.startswith("--")}
                assert options <= review_options, f"options de convgen review absentes du README : {options}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_system_packages_come_from_the_setup_script_only(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "apt-get" not in text
    assert not re.search(r"\bapt(itude)? ", text)
    listed = subprocess.run(
        ["bash", str(REPO / "scripts" / "setup.sh"), "packages"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "libreoffice-writer-nogui" in listed
    for package in listed:
        assert package not in text, f"{package} : la liste des paquets est celle de scripts/setup.sh"


def test_review_is_written_to_the_step_summary() -> None:
    workflow = load(REPO / ".github" / "workflows" / "conventions.yml")
    checkout = next(step for step in steps(workflow) if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # origin/<base> must exist for the review
    summary = [step for step in steps(workflow) if "$GITHUB_STEP_SUMMARY" in step.get("run", "")]
    assert len(summary) == 1
    assert summary[0]["run"].startswith('.venv/bin/convgen review --base "origin/${BASE_REF}" >>')
    assert summary[0]["if"] == "${{ !cancelled() }}"  # written even when a test failed
    assert workflow["jobs"]["conventions"]["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert workflow["permissions"] == {"contents": "read"}
    assert list(workflow["on"]) == ["pull_request"]


def test_artifacts_hold_the_pdfs_and_the_dashboard() -> None:
    workflow = load(REPO / ".github" / "workflows" / "conventions.yml")
    uploads = {
        step["with"]["name"]: step["with"]["path"].split()
        for step in steps(workflow)
        if step.get("uses", "").startswith("actions/upload-artifact@")
    }
    assert all(
        step["if"] == "${{ !cancelled() }}" for step in steps(workflow) if "upload-artifact" in step.get("uses", "")
    )
    expected = {
        "conventions": [
            "build/index.html",
            "build/suivi.csv",
            "build/cc-sud-sarthe/convention-cc-sud-sarthe.pdf",
            "build/cc-sud-sarthe/avenant-01-cc-sud-sarthe.pdf",
            "build/cc-sud-sarthe/convention-cc-sud-sarthe-consolidee.pdf",
            "build/cc-sud-sarthe/convention-cc-sud-sarthe.docx",
            "build/cc-sud-sarthe/avenant-01-cc-sud-sarthe-comparatif.docx",
            "build/cc-sud-sarthe/apercu-convention-cc-sud-sarthe.png",
        ],
        "annexes-avant-apres": ["build/revue/cc-sud-sarthe-annexe-page-1.png"],
    }
    assert set(uploads) == set(expected)
    for name, files in expected.items():
        for file in files:
            assert any(glob_regex(pattern).fullmatch(file) for pattern in uploads[name]), (name, file)
    assert not any(glob_regex(pattern).fullmatch("build/manifest.json") for pattern in uploads["conventions"])


def test_readme_says_what_a_pull_request_shows() -> None:
    section = pull_request_section()
    workflow = load(REPO / ".github" / "workflows" / "conventions.yml")
    for step in steps(workflow):
        if step.get("uses", "").startswith("actions/upload-artifact@"):
            assert f"`{step['with']['name']}`" in section, step["with"]["name"]
    for text in ("$GITHUB_STEP_SUMMARY", "convgen review --base origin/<base>", "`build/index.html`", RUNNER):
        assert text in section, text


def makefile_prerequisites(target: str) -> list[str]:
    """Return the prerequisites of a Makefile target."""
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(target)}:([^#\n]*)", text, re.M)
    assert found, target
    return found.group(1).split()


def test_lint_and_fast_tests_need_no_system_package() -> None:
    assert "system" not in makefile_prerequisites("lint")
    assert "system" not in makefile_prerequisites("test-fast")
    assert "system-tests" in makefile_prerequisites("test")  # the runtime packages and Chromium
    assert "system" in makefile_prerequisites("conventions")  # a legal service's machine needs no browser


def test_ci_and_the_workflow_run_lint_then_every_test() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script  # the first failure (pytest's exit code included) is the run's
    run = [words for words in commands(script) if words[0] == "make"]
    assert run == [["make", "lint"], ["make", "test"]]
    (workflow,) = WORKFLOWS
    made = [
        words[1]
        for step in steps(load(workflow))
        if "run" in step
        for words in commands(step["run"])
        if words[0] == "make"
    ]
    assert made.index("lint") < made.index("test")
