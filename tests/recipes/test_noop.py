"""The no-op stamp of ``convgen build``: it answers only when nothing can have changed, and never lies."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import convgen.recipes.stamp as stamp
from convgen.recipes.stamp import STAMP, input_key, replay_noop
from tests.processes import marked, marked_env, new_tag
from tests.projects import convgen, copy_project

pytestmark = pytest.mark.timeout(300)

SLUG = "cc-maine-saosnois"
TAG = new_tag()


def build(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``convgen build SLUG --format docx`` in a subprocess; return its output."""
    done = convgen(root, "build", SLUG, "--format", "docx", *args, timeout=240, env=env or marked_env(TAG))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def replays(root: Path, formats: tuple[str, ...] = ("docx",)) -> bool:
    """Tell whether the stamp answers for a build of SLUG in ``formats`` (without printing)."""
    return replay_noop(root, (SLUG,), formats, lambda _line: None)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a project whose convention of SLUG was built once (DOCX only: no LibreOffice needed)."""
    root = copy_project(tmp_path_factory.mktemp("noop") / "projet")
    assert "1 document construit," in build(root)
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """Return a fresh copy of the built project."""
    root = tmp_path / "projet"
    shutil.copytree(built, root, symlinks=True, copy_function=shutil.copy2)
    # copytree makes new inodes: rebuild the stamp for this copy with a normal no-op build.
    (root / STAMP).unlink()
    assert " 1 inchangé," in build(root)
    assert replays(root)
    return root


def test_the_stamp_prints_what_the_normal_no_op_prints(project: Path) -> None:
    replayed = build(project)
    (project / STAMP).unlink()
    normal = build(project)
    assert replayed == normal
    assert "0 document construit, 1 inchangé," in replayed
    assert f"{SLUG} : convention inchangée" in replayed


def test_no_op_imports_neither_pydantic_nor_docxtpl(project: Path) -> None:
    code = (
        "import sys; from convgen.cli import main\n"
        f"try: main(['-C', {str(project)!r}, 'build', {SLUG!r}, '--format', 'docx'])\n"
        "except SystemExit as end: assert not end.code, end.code\n"
        "print(sorted(m for m in ('pydantic', 'docxtpl', 'yaml', 'convgen.data.model') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


@pytest.mark.parametrize(
    ("where", "old", "new"),
    [
        ("departement.yaml", "lieu_signature: Le Mans", "lieu_signature: Allonnes"),
        (f"epci/{SLUG}.yaml", "communication:\n", "communication:\n    - Affiche de la permanence\n"),
    ],
)
def test_a_data_change_is_rebuilt(project: Path, where: str, old: str, new: str) -> None:
    path = project / where
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert not replays(project)
    assert "1 document construit," in build(project)
    assert replays(project)  # the build that followed left a new stamp


def test_a_template_change_is_rebuilt(project: Path) -> None:
    template = project / "templates" / "convention.docx"
    rewritten = template.with_suffix(".tmp")
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            item.date_time = (2001, 2, 3, 4, 5, 6)  # other bytes, same document
            target.writestr(item, source.read(item.filename))
    rewritten.replace(template)
    assert not replays(project)
    assert "1 document construit," in build(project)


def test_an_output_removed_or_touched_takes_the_normal_path(project: Path) -> None:
    docx = project / "build" / SLUG / f"convention-{SLUG}.docx"
    docx.write_bytes(docx.read_bytes())  # same bytes, another modification time
    assert not replays(project)
    assert " 1 inchangé," in build(project)  # the manifest's sha256 says it is still the right file
    docx.unlink()
    assert not replays(project)
    assert "1 document construit," in build(project)
    (project / "build" / "manifest.json").unlink()  # the normal path rebuilds what the manifest no longer vouches for
    assert not replays(project)
    assert "1 document construit," in build(project)


def test_the_date_of_the_documents_is_an_input(project: Path) -> None:
    env = {**marked_env(TAG), "SOURCE_DATE_EPOCH": "1700000000"}
    assert "1 document construit," in build(project, env=env)


def test_every_other_input_changes_the_key(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "convgen"
    shutil.copytree(Path(stamp.__file__).resolve().parent.parent, package)
    key = input_key(project, (SLUG,), ("docx",), package=package)
    seen = {key}

    def changed() -> str:
        new = input_key(project, (SLUG,), ("docx",), package=package)
        assert new not in seen
        seen.add(new)
        return new

    (project / "epci" / "cc-nouvelle.yaml").write_text("nom: Nouvelle\n", encoding="utf-8")
    changed()
    (project / "registre").mkdir()
    (project / "registre" / f"{SLUG}.yaml").write_text("intercommunalite: x\n", encoding="utf-8")
    changed()
    figure = project / "templates" / "figures" / "carte-offres.png"
    figure.write_bytes(figure.read_bytes() + b"\0")
    changed()
    (package / "files.py").write_text((package / "files.py").read_text() + "\n# autre version\n")
    changed()
    monkeypatch.setattr(stamp, "__version__", "9.9.9")
    changed()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    changed()
    assert input_key(project, (SLUG,), ("docx", "pdf"), package=package) not in seen
    assert input_key(project, (), ("docx",), package=package) not in seen
    (project / "epci" / "cc-nouvelle.yaml").unlink()
    changed()


def test_a_damaged_stamp_takes_the_normal_path(project: Path) -> None:
    for damage in (b"", b"{", b'{"cle": 1}', b"[]", b'{"cle": "x", "sorties": {}, "lignes": []}'):
        (project / STAMP).write_bytes(damage)
        assert not replays(project)
    assert " 1 inchangé," in build(project)


def test_no_process_left() -> None:
    assert not marked(TAG)
