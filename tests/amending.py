"""What the tests of avenants and signatures share: the shipped project edited as a legal assistant would, the
command run in-process, the register read back."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pikepdf
import yaml
from click.testing import Result

from convgen.acts.register import load_register, new_act, write_register
from convgen.data.load import load_project
from convgen.documents.docxtext import docx_text
from tests.projects import acts_of, cli

SLUG = "cc-maine-saosnois"
OTHER = "cc-du-pays-flechois"
DRAFT = "cc-sud-sarthe"  # no deliberation in the shipped data: its convention is a draft
SHA = "ab" * 32
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
EPOCH = dt.datetime(2025, 3, 11, 12, 0, tzinfo=dt.UTC)


def read_epci(root: Path, slug: str = SLUG) -> dict[str, Any]:
    """Return the plain data of ``epci/<slug>.yaml``."""
    data: dict[str, Any] = yaml.safe_load((root / "epci" / f"{slug}.yaml").read_text(encoding="utf-8"))
    return data


def write_epci(root: Path, data: dict[str, Any], slug: str = SLUG) -> None:
    """Write ``epci/<slug>.yaml`` as a legal assistant would."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (root / "epci" / f"{slug}.yaml").write_text(text, encoding="utf-8")


def edit_epci(root: Path, slug: str = SLUG, **changes: Any) -> None:
    """Replace keys (``referent__courriel`` for ``referent.courriel``) in ``epci/<slug>.yaml``."""
    data = read_epci(root, slug)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    write_epci(root, data, slug)


def set_departement_deliberation(root: Path, date: str) -> None:
    """Set the Commission permanente's deliberation authorising the next avenants (departement.yaml)."""
    path = root / "departement.yaml"
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("  deliberation_avenant:")]
    at = next(i for i, line in enumerate(lines) if line.startswith("  deliberation:"))
    lines.insert(at + 1, f"  deliberation_avenant: {date}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def referents_by_avenant(root: Path) -> None:
    """Set ``programme.changement_referents: avenant``: a change of referent is then made by avenant."""
    path = root / "departement.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("changement_referents: mise_a_jour_annexe") == 1
    path.write_text(text.replace("changement_referents: mise_a_jour_annexe", "changement_referents: avenant"), "utf-8")


def record(root: Path, slug: str, date: str) -> None:
    """Record the pending act of ``slug`` (convention, avenant or annex update) as signed on ``date`` with the
    current data (no PDF built)."""
    project = load_project(root)
    registre = load_register(root, slug)
    pending = acts_of(root).pending(slug)
    act = new_act(
        slug,
        registre.next_numero if pending is None else pending.numero,
        dt.date.fromisoformat(date),
        SHA,
        project.epcis[slug],
        project.programme,
        project.departement,
        update=pending is not None and pending.update,
    )
    write_register(root, registre.with_act(act))


def signature_fields(pdf: Path) -> list[str]:
    """Return the names of the PDF's signature fields, sorted."""
    with pikepdf.open(pdf) as opened:
        form = opened.Root.get("/AcroForm")
        fields = form.get("/Fields", []) if form is not None else []
        return sorted(str(f.T) for f in fields if f.get("/FT") == "/Sig")


def text_of(root: Path, name: str, slug: str = SLUG) -> str:
    """Return the text of ``build/<slug>/<name>``."""
    return docx_text(root / "build" / slug / name)


def amend(root: Path, *args: str) -> Result:
    """Run ``convgen amend --format docx``; assert it succeeded."""
    result = cli(root, "amend", "--format", "docx", *args)
    assert result.exit_code == 0, result.output
    return result


def refused(root: Path, *args: str) -> str:
    """Run ``convgen sign``; assert it was refused (exit 1) without writing the register; return the output."""
    before = sorted(p.name for p in (root / "registre").iterdir()) if (root / "registre").exists() else []
    register = root / "registre" / f"{SLUG}.yaml"
    content = register.read_bytes() if register.exists() else None
    result = cli(root, "sign", *args)
    assert result.exit_code == 1, result.output
    after = sorted(p.name for p in (root / "registre").iterdir()) if (root / "registre").exists() else []
    assert after == before
    assert (register.read_bytes() if register.exists() else None) == content
    return result.output


def registered(root: Path) -> list[dict[str, Any]]:
    """Return the acts of the register as plain data."""
    data = yaml.safe_load((root / "registre" / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    acts: list[dict[str, Any]] = data["actes"]
    return acts


def sha256(path: Path) -> str:
    """Return the sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
