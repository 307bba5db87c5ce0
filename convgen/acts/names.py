"""The names of the documents of one intercommunality, in ``build/<slug>/``: one place decides them."""

from __future__ import annotations


def convention_stem(slug: str) -> str:
    """Return ``convention-<slug>``."""
    return f"convention-{slug}"


def avenant_stem(slug: str, numero: int) -> str:
    """Return ``avenant-01-<slug>`` for avenant 1."""
    return f"avenant-{numero:02d}-{slug}"


def annex_update_stem(slug: str, numero: int) -> str:
    """Return ``annexe-3-mise-a-jour-01-<slug>`` for the first update of annex 3 (article 4.2)."""
    return f"annexe-3-mise-a-jour-{numero:02d}-{slug}"


def act_stem(slug: str, numero: int, update: bool = False) -> str:
    """Return the stem of an act: the convention (numéro 0), avenant ``numero`` or annex 3 update ``numero``."""
    if update:
        return annex_update_stem(slug, numero)
    return convention_stem(slug) if numero == 0 else avenant_stem(slug, numero)


def comparatif_stem(slug: str, numero: int) -> str:
    """Return ``avenant-01-<slug>-comparatif``."""
    return f"{avenant_stem(slug, numero)}-comparatif"


def consolidated_stem(slug: str) -> str:
    """Return ``convention-<slug>-consolidee``."""
    return f"{convention_stem(slug)}-consolidee"


EPCI_SIGNATURE = "signature_intercommunalite"  # the PDF field where the intercommunality signs
DEPARTEMENT_SIGNATURE = "signature_departement"  # the PDF field where the Département signs
