"""What a rendered document prints of its parties, typed: the one view later stages read of a template context.

The template context (``context.py``) is a dictionary of strings made for docxtpl; the stages after
``documents/`` (the runner, the register, the dashboard) read from it only what the document prints of its
parties — the intercommunality's name and deliberation, how the act is signed, each signatory — through
:func:`printed`, never by their own keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["PARTIES", "Party", "Printed", "Signatory", "printed"]

Party = Literal["epci", "departement"]
PARTIES: tuple[Party, ...] = ("epci", "departement")  # in the order the signature table sets them


@dataclass(frozen=True)
class Signatory:
    """One party's signatory as the document prints them."""

    nom_complet: str  # « Madame Dominique LE MÈNER »
    titre: str  # « Présidente »
    signature: str  # « Dominique LE MÈNER », under the signature


@dataclass(frozen=True)
class Printed:
    """What a document prints of its parties (empty values for a document that names none)."""

    epci_nom: str | None = None
    epci_deliberation: str = ""
    signature_mode: str = "manuscrite"  # ``electronique`` or ``manuscrite`` (``context.signature_mode``)
    signatories: Mapping[Party, Signatory] = field(default_factory=dict)

    @property
    def electronic(self) -> bool:
        """Return True when the act is signed electronically (its PDF carries signature fields)."""
        return self.signature_mode == "electronique"


def printed(context: Mapping[str, Any]) -> Printed:
    """Return what the document of ``context`` prints of its parties."""
    epci = context.get("epci")
    epci = epci if isinstance(epci, Mapping) else {}
    signature = context.get("signature")
    mode = str(signature.get("mode", "manuscrite")) if isinstance(signature, Mapping) else "manuscrite"
    signatories: dict[Party, Signatory] = {}
    for party in PARTIES:
        data = context.get(party)
        president = data.get("president") if isinstance(data, Mapping) else None
        if isinstance(president, Mapping):
            signatories[party] = Signatory(
                str(president.get("nom_complet", "")),
                str(president.get("titre", "")),
                str(president.get("signature", "")),
            )
    return Printed(
        epci_nom=str(epci["nom"]) if "nom" in epci else None,
        epci_deliberation=str(epci.get("deliberation", "") or ""),
        signature_mode=mode,
        signatories=signatories,
    )
