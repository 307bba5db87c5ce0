"""Checks shared by the tests of ``convgen/overrides/``: the pinned version is installed, the upstream code is the same.

Each message says, in French, what changed and what to re-read before recording the new values.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
import tomllib
from pathlib import Path
from types import ModuleType

from convgen.overrides import Upstream, current, resolve

REPO = Path(__file__).resolve().parents[2]
EXACT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*(?P<version>[^\s,;]+)")


def _canonical(name: str) -> str:
    """Return a distribution name as packaging compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_version(distribution: str) -> str:
    """Return the version ``pyproject.toml`` pins ``distribution`` to with ``==``, or fail saying it is not pinned."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        found = EXACT.fullmatch(requirement.strip())
        if found and _canonical(found["name"]) == _canonical(distribution):
            return found["version"]
    raise AssertionError(
        f"pyproject.toml ne fixe pas {distribution} à une version exacte (==) : convgen remplace du code privé de "
        f"cette bibliothèque, sa version doit être celle pour laquelle les remplacements ont été écrits."
    )


def check_version(overrides: ModuleType) -> None:
    """Fail unless the installed library is the version pinned in ``pyproject.toml`` and the overrides were written for."""
    distribution, written = overrides.DISTRIBUTION, overrides.WRITTEN_AGAINST
    pinned = pinned_version(distribution)
    installed = importlib.metadata.version(distribution)
    assert installed == pinned, (
        f"{distribution} {installed} est installé, mais pyproject.toml fixe {distribution}=={pinned} : réinstallez "
        f"l'environnement (pip install -e '.[dev]'), ou, pour changer de version, suivez la règle de "
        f"{overrides.__name__} (relire chaque symbole d'UPSTREAM, adapter, enregistrer)."
    )
    assert pinned == written, (
        f"pyproject.toml fixe {distribution}=={pinned}, mais {overrides.__name__} a été écrit pour la version "
        f"{written} : relisez chaque remplacement du module et le code amont d'UPSTREAM, puis mettez "
        f"WRITTEN_AGAINST et les empreintes à jour."
    )


def check_upstream(overrides: ModuleType, upstream: Upstream) -> None:
    """Fail unless ``upstream`` still exists with the recorded signature and source."""
    library = f"{overrides.DISTRIBUTION} {importlib.metadata.version(overrides.DISTRIBUTION)}"
    try:
        resolve(upstream.symbol)
    except (ImportError, AttributeError):
        raise AssertionError(
            f"{library} : {upstream.symbol} n'existe plus — le remplacement de convgen n'est sans doute plus "
            f"appelé, et ne fait donc plus rien, sans aucune erreur. À revoir : {upstream.recheck}."
        ) from None
    now = current(upstream)
    assert now.signature == upstream.signature, (
        f"{library} : la signature de {upstream.symbol} a changé ({upstream.signature} → {now.signature}). "
        f"À revoir : {upstream.recheck}."
    )
    assert now.sha256 == upstream.sha256, (
        f"{library} : le code de {upstream.symbol} n'est plus celui de la version {overrides.WRITTEN_AGAINST} "
        f"(sha256 {now.sha256}, enregistré {upstream.sha256}). À revoir : {upstream.recheck} ; puis enregistrez "
        f"la nouvelle empreinte dans {overrides.__name__}.UPSTREAM."
    )


def check_overridden(overrides: ModuleType, subclass: type, name: str) -> None:
    """Fail unless ``subclass.name`` overrides a symbol listed in ``overrides.UPSTREAM`` (the record is complete)."""
    owner = next((klass for klass in subclass.__mro__[1:] if name in vars(klass)), None)
    assert owner is not None, f"{subclass.__qualname__}.{name} ne remplace plus rien : la bibliothèque l'a retiré"
    symbol = f"{owner.__module__}:{owner.__qualname__}.{name}"
    recorded = {upstream.symbol for upstream in overrides.UPSTREAM}
    assert symbol in recorded, (
        f"{subclass.__qualname__}.{name} remplace {symbol}, absent de {overrides.__name__}.UPSTREAM"
    )
    ours, theirs = inspect.signature(getattr(subclass, name)), inspect.signature(resolve(symbol))
    assert ours.parameters.keys() == theirs.parameters.keys(), (
        f"{subclass.__qualname__}.{name}{ours} n'a plus les paramètres de {symbol}{theirs}"
    )
