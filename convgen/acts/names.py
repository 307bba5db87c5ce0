"""The names of the documents of one intercommunality: one place decides them.

In ``build/<slug>/``, the stems of the acts and of their companions (a job's files are ``Job.outputs``: the stem
and ``.docx``, ``.pdf``); in ``registre/<slug>/``, the names of the files archived beside the register.
"""

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


def signed_copy_name(stem: str) -> str:
    """Return the name of an act's signed file archived in ``registre/<slug>/``: ``convention-<slug>-signe.pdf``."""
    return f"{stem}-signe.pdf"


def report_name(archived: str) -> str:
    """Return the validation report's name beside an archived act: ``convention-<slug>-rapport-validation.xml``."""
    return archived.removesuffix(".pdf").removesuffix("-signe") + "-rapport-validation.xml"


EPCI_SIGNATURE = "signature_intercommunalite"  # the PDF field where the intercommunality signs
DEPARTEMENT_SIGNATURE = "signature_departement"  # the PDF field where the Département signs
