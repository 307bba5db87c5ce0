"""The typed view of what a document prints of its parties, read by the stages after documents/."""

from __future__ import annotations

from convgen.documents.printed import Printed, Signatory, printed
from tests.documents.test_render import make_context


def test_a_convention_prints_its_parties() -> None:
    context = make_context("madame")
    shown = printed(context)
    assert shown.epci_nom == context["epci"]["nom"] and shown.epci_nom
    assert shown.epci_deliberation == context["epci"]["deliberation"]
    assert shown.signature_mode == context["signature"]["mode"]
    assert shown.electronic is (context["signature"]["mode"] == "electronique")
    for party in ("epci", "departement"):
        president = context[party]["president"]
        assert shown.signatories[party] == Signatory(
            president["nom_complet"], president["titre"], president["signature"]
        )
    assert shown.signatories["epci"].titre == "Présidente"  # the sample's president is a woman


def test_a_context_without_parties_prints_none() -> None:
    assert printed({}) == Printed()
    assert printed({"epci": {"nom": "Communauté de communes X"}}).signatories == {}
