"""The SEDA 2.3 transfer of the signed acts of one intercommunality for one period: ``manifest.xml`` and its files.

One ``ArchiveTransfer`` message per intercommunality and period of its convention. Its ``DataObjectPackage``
holds one object group per act (the archived PDF, the scan of a paper original, the validation report), each
file with its SHA-512 digest, size and format (``acts/formats.py``); its descriptive metadata one ``ArchiveUnit``
for the period (the convention's file), one per act under it (title, dates, signers, deliberations cited, level
of proof), and, under an electronic act, one for its validation report (signing role « AdditionalProof »).
Everything is drawn from the register and the files' bytes: same register, same files, same manifest. The
manifest is validated against the vendored XSD (``schema/seda-2.3/``) before it is handed back.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree  # type: ignore[import-untyped]

from convgen.acts.evidence import PROVES
from convgen.acts.formats import identify
from convgen.acts.register import Acte, PdfSigne
from convgen.data.model import Personne, Programme
from convgen.data.project import Archives
from convgen.documents.context import millesime, with_article_de
from convgen.documents.french import date_in_words, typography
from convgen.errors import ArchiveError

SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.3"
XSD = Path(__file__).resolve().parents[2] / "schema" / "seda-2.3" / "seda-2.3-main.xsd"
CONTENT = "Content"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class PackedFile:
    """One file of the package: its name under ``Content/``, its bytes, what it is to the act."""

    name: str  # file name inside Content/
    data: bytes
    version: str  # SEDA DataObjectVersion: BinaryMaster_1 (the act), BinaryMaster_2 (a scan), …
    role: str  # « acte signé », « PDF imprimé et signé sur papier », « scan de l’original », « rapport de validation »


@dataclass(frozen=True)
class PackedAct:
    """One act of the transfer: the register's entry and its files (the validation report apart)."""

    acte: Acte
    stem: str  # convention-<slug>, avenant-1-<slug>
    files: tuple[PackedFile, ...]
    report: PackedFile | None = None  # ETSI TS 119 102-2 validation report of an electronic act


@dataclass(frozen=True)
class Transfer:
    """What one package says: who sends it, to whom, for which intercommunality and period."""

    slug: str
    epci_nom: str
    departement_nom: str
    programme: Programme  # the period, as signed in the convention
    archives: Archives
    acts: tuple[PackedAct, ...]
    date: dt.datetime  # the message date (from the data or SOURCE_DATE_EPOCH)

    @property
    def period(self) -> str:
        """Return the period the convention is named after: « 2024-2026 »."""
        return millesime(self.programme)

    @property
    def identifier(self) -> str:
        """Return the message identifier, derived from the content: same acts and files, same identifier."""
        digest = hashlib.sha256()
        for act in self.acts:
            for packed in (*act.files, *((act.report,) if act.report else ())):
                digest.update(packed.name.encode() + b"\0" + hashlib.sha256(packed.data).digest())
        return f"sarthe-{self.slug}-{self.period}-{digest.hexdigest()[:16]}"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Append a SEDA element ``tag`` to ``parent`` with ``text`` and attributes; return it."""
    element = etree.SubElement(parent, f"{{{SEDA_NS}}}{tag}", {k: v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _fr(parent: etree._Element, tag: str, text: str) -> etree._Element:
    """Append a text element in French (``xml:lang="fr"``)."""
    element = _el(parent, tag, typography(text))
    element.set(_XML_LANG, "fr")
    return element


def _person(person: Personne) -> str:
    """Return « Madame Anne Exemple »."""
    return f"{person.civilite} {person.prenom} {person.nom}"


def _signer_name(subject: str) -> tuple[str, str | None]:
    """Return the common name and the organisation of a certificate subject written in RFC 4514."""
    try:
        name = x509.Name.from_rfc4514_string(subject)
    except ValueError:
        return subject, None
    common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    organisation = name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return (
        str(common[0].value) if common else subject,
        str(organisation[0].value) if organisation else None,
    )


def _title(transfer: Transfer, acte: Acte) -> str:
    """Return the act's title, as its document gives it."""
    if acte.numero == 0:
        return f"Convention de partenariat — conseiller numérique {transfer.period} — {transfer.epci_nom}"
    if acte.update:
        return (
            f"Mise à jour n° {acte.numero} de l’annexe 3 à la convention de partenariat — conseiller numérique — "
            f"{transfer.epci_nom}"
        )
    return f"Avenant n° {acte.numero} à la convention de partenariat — conseiller numérique — {transfer.epci_nom}"


def _deliberations(acte: Acte) -> list[tuple[dt.date, str]]:
    """Return the deliberations that authorised the act, as signed: date and who deliberated.

    An update of annex 3 has none: article 4.2 lets the intercommunality change its referent by notification.
    """
    epci, departement = acte.donnees.epci, acte.donnees.departement
    if acte.update:
        return []
    if acte.numero == 0:
        found = [(epci.deliberation, f"du conseil communautaire {with_article_de(epci.nom)}")]
        if departement is not None:
            found.append((departement.deliberation, f"de la commission permanente du {departement.nom}"))
    else:
        found = [(epci.deliberation_avenant, f"du conseil communautaire {with_article_de(epci.nom)}")]
        if departement is not None:
            found.append((departement.deliberation_avenant, f"de la commission permanente du {departement.nom}"))
    return [(date, who) for date, who in found if date is not None]


def _signed_by(acte: Acte, signe: PdfSigne | None) -> str:
    """Return who signed the act, in words: « Signée sur papier par Madame … (Communauté de communes …) et … »."""
    word = acte.signed_word.capitalize()
    if signe is not None and signe.signatures:
        names = [_signer_name(s.signataire)[0] for s in signe.signatures]
        return f"{word} électroniquement par " + " et ".join(names)
    epci, departement = acte.donnees.epci, acte.donnees.departement
    people = [f"{_person(epci.president)} ({epci.nom})"]
    if departement is not None and not acte.update:  # an annex update is signed by the intercommunality alone
        people.append(f"{_person(departement.president)} ({departement.nom})")
    return f"{word} sur papier par " + " et ".join(people)


def _level(signe: PdfSigne | None) -> str:
    """Return the level of proof of the archived act, in words."""
    if signe is None or not signe.signatures:
        return "acte signé sur papier, dont le PDF imprimé est conservé à l’octet près (empreinte sha256 du registre)"
    level = signe.niveau or "B-B"
    return f"PAdES {level} — {PROVES[level]}"


def _content(unit: etree._Element, transfer: Transfer, packed: PackedAct) -> None:
    """Write the descriptive metadata of one act."""
    acte, signe = packed.acte, packed.acte.pdf_signe
    signed_on = date_in_words(acte.date_signature)
    content = _el(unit, "Content")
    _el(content, "DescriptionLevel", "Item")
    _fr(content, "Title", _title(transfer, acte))
    _el(content, "OriginatingSystemId", packed.stem)
    authorised = " ; ".join(f"délibération {who} du {date_in_words(date)}" for date, who in _deliberations(acte))
    allowed = "Autorisée" if acte.numero == 0 else "Autorisé"
    authority = (
        "Faite sans délibération, en application de l’article 4.2 de la convention (changement de référent "
        "notifié au Département)"
        if acte.update
        else f"{allowed} par : {authorised or 'délibérations non enregistrées'}"
    )
    _fr(
        content,
        "Description",
        f"{_signed_by(acte, signe)}, le {signed_on}. {authority}. "
        f"Période de la convention : du {date_in_words(acte.donnees.programme.debut)} au "
        f"{date_in_words(acte.donnees.programme.fin)}. Preuve : {_level(signe)}.",
    )
    kind = "Convention de partenariat" if acte.numero == 0 else "Mise à jour d’annexe" if acte.update else "Avenant"
    _fr(content, "DocumentType", kind)
    _el(content, "Language", "fr")
    _el(content, "DescriptionLanguage", "fr")
    coverage = _el(content, "Coverage")
    _fr(coverage, "Spatial", "Sarthe (France)")
    _fr(coverage, "Temporal", transfer.period)
    _el(content, "TransactedDate", acte.date_signature.isoformat())
    _el(content, "StartDate", acte.donnees.programme.debut.isoformat())
    _el(content, "EndDate", acte.donnees.programme.fin.isoformat())
    for date, who in _deliberations(acte):
        event = _el(content, "Event")
        _el(event, "EventType", "Délibération")
        _el(event, "EventDateTime", date.isoformat())
        _fr(event, "EventDetail", f"Délibération {who} autorisant la signature")
    event = _el(content, "Event")
    _el(event, "EventType", "Signature")
    _el(event, "EventDateTime", acte.date_signature.isoformat())
    _fr(event, "EventDetail", _signed_by(acte, signe))
    if signe is not None and signe.signatures:
        _signing(content, signe, packed.report is not None)


def _signing(content: etree._Element, signe: PdfSigne, with_report: bool) -> None:
    """Write the signature context of an electronic act (PAdES: the signatures are inside the document)."""
    info = _el(content, "SigningInformation")
    _el(info, "SigningRole", "SignedDocument")
    _el(info, "SigningRole", "Signature")
    if signe.horodatage_document:
        _el(info, "SigningRole", "Timestamp")
    if with_report:
        _el(info, "DetachedSigningRole", "AdditionalProof")
    for signature in signe.signatures:
        common, organisation = _signer_name(signature.signataire)
        description = _el(info, "SignatureDescription")
        if _is_datetime(signature.horodatage):  # SigningTime is required; « inconnu » leaves the signer out
            signer = _el(description, "Signer")
            _el(signer, "FullName", common)
            _el(signer, "SigningTime", signature.horodatage)
            if organisation:
                _fr(signer, "Function", organisation)
        _el(description, "SigningType", f"PAdES {signe.niveau or 'B-B'}")
    if signe.horodatage_document:
        stamp = _el(info, "TimestampingInformation")
        _el(stamp, "TimeStamp", signe.horodatage_document)
        _el(stamp, "AdditionalTimestampingInformation", "Horodatage de document RFC 3161 (PAdES B-LTA)")
    if signe.niveau in ("B-LT", "B-LTA"):
        proof = _el(info, "AdditionalProof")
        _el(
            proof, "AdditionalProofInformation", "Données de validation jointes au PDF (DSS : certificats, révocations)"
        )


def _is_datetime(text: str) -> bool:
    """Return True when ``text`` is an ISO 8601 date and time."""
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in text


def _report_unit(parent: etree._Element, packed: PackedAct, act_id: str, group: str) -> None:
    """Write the unit of an act's validation report, pointing to the act it validates."""
    unit = _el(parent, "ArchiveUnit", id=f"AU-{packed.stem}-rapport")
    content = _el(unit, "Content")
    _el(content, "DescriptionLevel", "Item")
    _fr(content, "Title", f"Rapport de validation ETSI TS 119 102-2 — {packed.stem}")
    _fr(content, "DocumentType", "Rapport de validation de signature")
    _el(content, "Language", "fr")
    info = _el(content, "SigningInformation")
    _el(info, "SigningRole", "AdditionalProof")
    _el(info, "SignedDocumentReferenceId", act_id)
    reference = _el(unit, "DataObjectReference")
    _el(reference, "DataObjectGroupReferenceId", group)


def _binary(group: etree._Element, packed: PackedFile, index: str) -> None:
    """Write one file: digest, size, format, name."""
    found = identify(packed.data)
    binary = _el(group, "BinaryDataObject", id=index)
    _el(binary, "DataObjectVersion", packed.version)
    _el(binary, "Uri", f"{CONTENT}/{packed.name}")
    _el(binary, "MessageDigest", hashlib.sha512(packed.data).hexdigest(), algorithm="SHA-512")
    _el(binary, "Size", str(len(packed.data)))
    identification = _el(binary, "FormatIdentification")
    _el(identification, "FormatLitteral", found.label)
    _el(identification, "MimeType", found.mime)
    if found.pronom is not None:
        _el(identification, "FormatId", found.pronom)
    info = _el(binary, "FileInfo")
    _el(info, "Filename", packed.name)


def manifest(transfer: Transfer) -> bytes:
    """Return ``manifest.xml`` of the transfer, validated against the SEDA 2.3 schema."""
    root = etree.Element(f"{{{SEDA_NS}}}ArchiveTransfer", nsmap={None: SEDA_NS})
    agencies = transfer.archives
    _fr(
        root,
        "Comment",
        f"Versement des actes signés de la convention de partenariat conseiller numérique {transfer.period} "
        f"({transfer.departement_nom} et {transfer.epci_nom}) ; service versant : {agencies.service_versant.nom} ; "
        f"service d’archives : {agencies.service_archives.nom}.",
    )
    _el(root, "Date", transfer.date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    _el(root, "MessageIdentifier", transfer.identifier)
    versions = _el(root, "CodeListVersions")
    _el(versions, "ReplyCodeListVersion", "ReplyCodeListVersion0")
    _el(versions, "MessageDigestAlgorithmCodeListVersion", "MessageDigestAlgorithmCodeListVersion0")
    _el(versions, "MimeTypeCodeListVersion", "MimeTypeCodeListVersion0")
    _el(versions, "EncodingCodeListVersion", "EncodingCodeListVersion0")
    _el(versions, "FileFormatCodeListVersion", "PRONOM")
    _el(versions, "CompressionAlgorithmCodeListVersion", "CompressionAlgorithmCodeListVersion0")
    _el(versions, "DataObjectVersionCodeListVersion", "DataObjectVersionCodeListVersion0")
    package = _el(root, "DataObjectPackage")
    for packed in transfer.acts:
        group = _el(package, "DataObjectGroup", id=f"GOT-{packed.stem}")
        for number, item in enumerate(packed.files, start=1):
            _binary(group, item, f"BDO-{packed.stem}-{number}")
        if packed.report is not None:
            report = _el(package, "DataObjectGroup", id=f"GOT-{packed.stem}-rapport")
            _binary(report, packed.report, f"BDO-{packed.stem}-rapport")
    descriptive = _el(package, "DescriptiveMetadata")
    folder = _el(descriptive, "ArchiveUnit", id=f"AU-{transfer.slug}-{transfer.period}")
    content = _el(folder, "Content")
    _el(content, "DescriptionLevel", "File")
    _fr(content, "Title", f"Convention de partenariat — conseiller numérique {transfer.period} — {transfer.epci_nom}")
    _fr(
        content,
        "Description",
        f"Convention et avenants signés ({transfer.departement_nom} et {transfer.epci_nom}) pour la "
        f"période du {date_in_words(transfer.programme.debut)} au {date_in_words(transfer.programme.fin)}.",
    )
    _el(content, "Language", "fr")
    _el(content, "StartDate", transfer.programme.debut.isoformat())
    _el(content, "EndDate", transfer.programme.fin.isoformat())
    for packed in transfer.acts:
        act_id = f"AU-{packed.stem}"
        unit = _el(folder, "ArchiveUnit", id=act_id)
        _content(unit, transfer, packed)
        if packed.report is not None:
            _report_unit(unit, packed, act_id, f"GOT-{packed.stem}-rapport")
        reference = _el(unit, "DataObjectReference")
        _el(reference, "DataObjectGroupReferenceId", f"GOT-{packed.stem}")
    management = _el(package, "ManagementMetadata")
    _el(management, "AcquisitionInformation", "Versement")
    _el(management, "LegalStatus", "Public Archive")
    _el(management, "OriginatingAgencyIdentifier", agencies.service_versant.identifiant)
    _el(management, "SubmissionAgencyIdentifier", agencies.service_versant.identifiant)
    _agency(root, "ArchivalAgency", agencies.service_archives.identifiant)
    _agency(root, "TransferringAgency", agencies.service_versant.identifiant)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    check(data)
    return data


def _agency(root: etree._Element, tag: str, identifier: str) -> None:
    """Write ArchivalAgency or TransferringAgency."""
    _el(_el(root, tag), "Identifier", identifier)


@functools.cache
def _schema() -> etree.XMLSchema:
    """Return the SEDA 2.3 schema (vendored in ``schema/seda-2.3/``)."""
    if not XSD.is_file():
        raise ArchiveError(
            f"schéma SEDA 2.3 introuvable ({XSD}) — convgen archiver s’exécute depuis le dépôt de convgen, "
            "qui le contient dans schema/seda-2.3/."
        )
    return etree.XMLSchema(etree.parse(str(XSD)))


def check(data: bytes) -> None:
    """Raise ArchiveError in French when ``data`` is not a valid SEDA 2.3 message."""
    schema = _schema()
    if not schema.validate(etree.fromstring(data)):
        first = schema.error_log.last_error
        raise ArchiveError(
            f"bordereau SEDA invalide (ligne {first.line} : {first.message}) — rien n’a été écrit ; "
            "signalez-le avec le registre en cause."
        )


def package_acts(acts: Sequence[PackedAct]) -> list[PackedFile]:
    """Return every file of the package, in the order of the manifest."""
    return [item for act in acts for item in (*act.files, *((act.report,) if act.report else ()))]
