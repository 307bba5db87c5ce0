"""Compare two states of the data and say, in French, what each change does to a signed convention.

Shared by ``convgen amend`` (which drafts the avenant) and the pull-request review. Lists of resources are
compared by content, never by position: inserting one item is one addition, a permutation one reordering.
Which field amends what is argued in ``docs/avenants.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from convgen.data.model import Contact, Departement, Epci, Personne, Programme
from convgen.documents.french import date_in_words

Kind = Literal["modifié", "ajouté", "supprimé", "réordonné"]
Amends = Literal["annexe", "nom", "article 7", "aucun", "nouvelle convention"]

AMENDING: tuple[Amends, ...] = ("nom", "article 7", "annexe")
"""What an avenant can amend, in the order its articles follow."""

SIMILAR = 0.6
"""Above this similarity, a removed item and an added one are read as one item reworded."""

_EPCI_PARTY = "l’Intercommunalité est partie à la convention en tant qu’institution"
_REASONS = {
    "nom_court": "le nom court ne sert qu’aux pieds de page et aux noms de fichiers : "
    "aucune stipulation n’est modifiée",
    "siege": "le siège n’est pas une stipulation de la convention ; " + _EPCI_PARTY,
    "president": "changement de signataire : "
    + _EPCI_PARTY
    + ", la convention reste en vigueur ; le nouvel exécutif signera les prochains actes",
    "deliberation": "la délibération autorisant la convention est un fait passé, cité pour mémoire : "
    "la corriger ne modifie pas le contrat signé",
    "deliberation_avenant": "la délibération autorisant l’avenant fait partie de l’avenant lui-même",
    "convention_etat": "les visas citent des actes antérieurs ; ce ne sont pas des stipulations de la convention",
    "departement": "le Département est partie à la convention en tant qu’institution ; "
    "ses données n’en modifient pas les stipulations",
    "departement.referent": "l’article 4.2 désigne le référent du Département par sa fonction "
    "(chef du service DNUT) : changer de titulaire ne modifie pas la convention",
    "departement.suppleant": "l’article 4.2 désigne le suppléant du Département par sa fonction "
    "(conseiller numérique coordinateur) : changer de titulaire ne modifie pas la convention",
    "siren": "un autre SIREN désigne une autre personne morale : un avenant ne peut pas changer une partie, "
    "une nouvelle convention est nécessaire",
}

_CONTACT_FIELDS = {
    "civilite": "Civilité",
    "prenom": "Prénom",
    "nom": "Nom",
    "fonction": "Fonction",
    "courriel": "Courriel",
    "telephone": "Téléphone",
}
_ROLES = {
    "referent": "du référent de l’intercommunalité",
    "suppleant": "du suppléant du référent de l’intercommunalité",
    "departement.referent": "du référent du Département",
    "departement.suppleant": "du suppléant du référent du Département",
}
_LIST_LABELS = {
    "ressources.materiels": "Ressource matérielle mise à disposition (annexe)",
    "ressources.communication": "Support de communication mobilisé (annexe)",
}
_LISTS_REORDERED = {
    "ressources.materiels": "Ordre des ressources matérielles (annexe)",
    "ressources.communication": "Ordre des supports de communication (annexe)",
}


@dataclass(frozen=True)
class Change:
    """One difference between two states of the data, with what it amends in the signed convention."""

    path: str
    label: str
    kind: Kind
    before: str
    after: str
    amends: Amends
    reason: str = ""

    @property
    def needs_avenant(self) -> bool:
        """Return True when this change is made by avenant."""
        return self.amends in AMENDING

    def describe(self) -> str:
        """Return one French line: label, before → after, and why when no avenant is needed."""
        if self.kind == "ajouté":
            what = f"ajouté : « {self.after} »"
        elif self.kind == "supprimé":
            what = f"supprimé : « {self.before} »"
        elif self.kind == "réordonné":
            what = "ordre modifié"
        else:
            what = f"« {self.before or '(vide)'} » → « {self.after or '(vide)'} »"
        line = f"{self.label} : {what}"
        return f"{line} — {self.reason}" if self.reason else line


def diff_epci(old: Epci, new: Epci) -> list[Change]:
    """Return the changes from ``old`` to ``new``, in the order of the YAML file."""
    changes: list[Change] = []
    if old.nom != new.nom:
        changes.append(Change("nom", "Dénomination de l’intercommunalité", "modifié", old.nom, new.nom, "nom"))
    if old.nom_court != new.nom_court:
        changes.append(
            Change(
                "nom_court",
                "Nom court de l’intercommunalité",
                "modifié",
                old.nom_court,
                new.nom_court,
                "aucun",
                _REASONS["nom_court"],
            )
        )
    if old.siren != new.siren:
        changes.append(
            Change(
                "siren",
                "SIREN de l’intercommunalité",
                "modifié",
                old.siren,
                new.siren,
                "nouvelle convention",
                _REASONS["siren"],
            )
        )
    if old.siege != new.siege:
        changes.append(
            Change(
                "siege",
                "Siège de l’intercommunalité",
                "modifié",
                old.siege,
                new.siege,
                "aucun",
                _REASONS["siege"],
            )
        )
    changes += _president_changes("president", "Président(e) de l’intercommunalité", old.president, new.president)
    for key in ("deliberation", "deliberation_avenant"):
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            label = (
                "Date de la délibération autorisant la convention"
                if key == "deliberation"
                else "Date de la délibération autorisant l’avenant"
            )
            changes.append(
                Change(key, label, _kind(before, after), _date(before), _date(after), "aucun", _REASONS[key])
            )
    changes += _contact_changes("referent", old.referent, new.referent, "annexe")
    changes += _contact_changes("suppleant", old.suppleant, new.suppleant, "annexe")
    for key in ("materiels", "communication"):
        path = f"ressources.{key}"
        changes += diff_list(path, getattr(old.ressources, key), getattr(new.ressources, key))
    return changes


def diff_programme(old: Programme, new: Programme) -> list[Change]:
    """Return the changes of the programme; its period is the duration stipulated by Article 7."""
    changes: list[Change] = []
    labels = {
        "debut": "Début de la période du dispositif (article 7 – Durée)",
        "fin": "Fin de la période du dispositif (article 7 – Durée)",
    }
    for key, label in labels.items():
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            changes.append(Change(f"programme.{key}", label, "modifié", _date(before), _date(after), "article 7"))
    visas = {
        "convention_etat": "Date de la convention État « conseiller numérique France services » (visa)",
        "convention_etat_coordinateur": ("Date de la convention État « conseiller numérique coordinateur » (visa)"),
    }
    for key, label in visas.items():
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            changes.append(
                Change(
                    f"programme.{key}",
                    label,
                    "modifié",
                    _date(before),
                    _date(after),
                    "aucun",
                    _REASONS["convention_etat"],
                )
            )
    return changes


def diff_departement(old: Departement, new: Departement) -> list[Change]:
    """Return the changes of the Département's data; none of them amends a signed convention."""
    changes: list[Change] = []
    plain = {
        "nom": "Nom du Département",
        "lieu_signature": "Lieu de signature",
        "adresse": "Adresse du Département",
    }
    for key, label in plain.items():
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            changes.append(
                Change(f"departement.{key}", label, "modifié", before, after, "aucun", _REASONS["departement"])
            )
    changes += _president_changes(
        "departement.president", "Président(e) du Conseil départemental", old.president, new.president
    )
    if old.deliberation != new.deliberation:
        changes.append(
            Change(
                "departement.deliberation",
                "Date de la délibération de la Commission permanente",
                "modifié",
                _date(old.deliberation),
                _date(new.deliberation),
                "aucun",
                _REASONS["deliberation"],
            )
        )
    for role in ("referent", "suppleant"):
        path = f"departement.{role}"
        changes += _contact_changes(path, getattr(old, role), getattr(new, role), "aucun", _REASONS[path])
    return changes


def diff_list(path: str, old: Sequence[str], new: Sequence[str]) -> list[Change]:
    """Return the changes of a list compared by content: additions, removals, rewordings, one reordering."""
    amends: Amends = "annexe"
    label = _LIST_LABELS.get(path, path)
    removed = [item for item in old if item not in new]
    added = [item for item in new if item not in old]
    changes: list[Change] = []
    for before in removed:
        match = _closest(before, added)
        if match is None:
            changes.append(Change(path, label, "supprimé", before, "", amends))
        else:
            added.remove(match)
            changes.append(Change(path, label, "modifié", before, match, amends))
    changes += [Change(path, label, "ajouté", "", after, amends) for after in added]
    kept_old = [item for item in old if item in new]
    kept_new = [item for item in new if item in old]
    if kept_old != kept_new:
        changes.append(
            Change(
                path,
                _LISTS_REORDERED.get(path, path),
                "réordonné",
                " ; ".join(kept_old),
                " ; ".join(kept_new),
                amends,
            )
        )
    return changes


def amending(changes: Sequence[Change]) -> list[Change]:
    """Return the changes an avenant must make."""
    return [c for c in changes if c.needs_avenant]


def amended(changes: Sequence[Change]) -> list[Amends]:
    """Return what an avenant amends (nom, article 7, annexe), in the order of its articles."""
    present = {c.amends for c in changes}
    return [element for element in AMENDING if element in present]


def _closest(item: str, candidates: Sequence[str]) -> str | None:
    """Return the candidate most similar to ``item``, if similar enough to be the same item reworded."""
    best, best_ratio = None, SIMILAR
    for candidate in candidates:
        ratio = difflib.SequenceMatcher(None, item, candidate, autojunk=False).ratio()
        if ratio >= best_ratio:
            best, best_ratio = candidate, ratio
    return best


def _president_changes(path: str, label: str, old: Personne, new: Personne) -> list[Change]:
    """Return one change when the president is another person (or the same person written otherwise)."""
    if old == new:
        return []
    if path.startswith("departement."):
        reason = "changement de signataire : " + _REASONS["departement"]
    else:
        reason = _REASONS["president"]
    return [Change(path, label, "modifié", _person(old), _person(new), "aucun", reason)]


def _contact_changes(path: str, old: Contact, new: Contact, amends: Amends, reason: str = "") -> list[Change]:
    """Return a referent's or deputy's changes: one per field (same person), or one (another person)."""
    role = _ROLES[path]
    if old == new:
        return []
    if not old.same_person(new):
        return [Change(path, f"Désignation {role}", "modifié", _contact(old), _contact(new), amends, reason)]
    changes = []
    for key, name in _CONTACT_FIELDS.items():
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            changes.append(Change(f"{path}.{key}", f"{name} {role}", "modifié", before, after, amends, reason))
    return changes


def _person(personne: Personne) -> str:
    """Return "Madame Claire EXEMPLE"."""
    return f"{personne.civilite} {personne.prenom} {personne.nom.upper()}"


def _contact(contact: Contact) -> str:
    """Return a contact on one line: name, function, e-mail, phone."""
    return f"{_person(contact)}, {contact.fonction}, {contact.courriel}, {contact.telephone}"


def _date(value: dt.date | None) -> str:
    """Return a date in words, or "" when absent."""
    return "" if value is None else date_in_words(value)


def _kind(before: object, after: object) -> Kind:
    """Return ajouté / supprimé / modifié for an optional value."""
    if before is None:
        return "ajouté"
    if after is None:
        return "supprimé"
    return "modifié"
