"""The register of signed acts, ``registre/<slug>.yaml``: the convention, then avenants 1, 2, … and annex updates.

An update of annex 3 (article 4.2: a new referent or deputy of the intercommunality, notified without avenant)
is an act of its own kind, numbered 1, 2, … apart from the avenants, in the order of signature with them.

Written only by ``convgen sign`` (a header comment says so) and reviewed in pull requests like a lock file:
each act names the PDF that was signed, its sha256, and the data as signed. It is read with the same safe
YAML reader as the data files, so a hand-edited register that no longer parses, or whose data is invalid,
is reported with its line and column.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import ConfigDict, Field, model_validator

from convgen.acts.names import act_stem
from convgen.data.fields import SLUG_RE, Date, error
from convgen.data.model import Departement, Epci, Programme, StrictModel
from convgen.data.validate import validate_document
from convgen.data.yamlread import parse_document
from convgen.documents.french import date_in_words, period_label
from convgen.errors import DataError, Problem, RegisterError
from convgen.files import sha256_file, write_atomic

REGISTER_DIR = "registre"
HEADER = (
    "# Registre des actes signés de l’intercommunalité « {slug} ».\n"
    "# Fichier écrit uniquement par convgen (« convgen sign », « convgen amend ») : ne le modifiez pas à la main.\n"
    "# Relisez ses changements comme ceux d’un fichier de verrouillage : chaque acte nomme le PDF signé,\n"
    "# son empreinte sha256 et les données telles qu’elles ont été signées ; « avenant_approuve » garde\n"
    "# l’empreinte du texte d’avenant que les délibérations ont approuvé.\n"
)
RESTORE = "le registre est écrit par convgen : restaurez-le depuis git"
_SHA256 = re.compile(r"[0-9a-f]{64}")

ActType = Literal["convention", "avenant", "mise_a_jour_annexe"]
ANNEX_UPDATE: ActType = "mise_a_jour_annexe"


def pdf_name(slug: str, numero: int, update: bool = False) -> str:
    """Return the file name of the PDF of an act: the convention (0), avenant or annex 3 update ``numero``."""
    return f"{act_stem(slug, numero, update)}.pdf"


def act_name(numero: int, update: bool = False) -> str:
    """Return "convention" (numéro 0), "avenant n° 2" or "mise à jour n° 1 de l’annexe 3", without article."""
    if update:
        return f"mise à jour n° {numero} de l’annexe 3"
    return "convention" if numero == 0 else f"avenant n° {numero}"


def act_label(numero: int, update: bool = False) -> str:
    """Return "la convention" (numéro 0), "l’avenant n° 2" or "la mise à jour n° 1 de l’annexe 3"."""
    name = act_name(numero, update)
    return f"l’{name}" if numero and not update else f"la {name}"


def signed_word(numero: int, update: bool = False) -> str:
    """Return "signée" for the convention and an annex update, "signé" for an avenant."""
    return "signée" if numero == 0 or update else "signé"


def register_path(root: Path, slug: str) -> Path:
    """Return ``root/registre/<slug>.yaml``."""
    return root / REGISTER_DIR / f"{slug}.yaml"


class Donnees(StrictModel):
    """The data as signed: the intercommunality, the programme and the Département (its president, dates)."""

    model_config = ConfigDict(title="Données signées")

    epci: Epci
    programme: Programme
    departement: Departement | None = None  # absent from registers written before it was recorded


Text = Annotated[str, Field(strict=True, min_length=1, max_length=500)]
Sha256 = Annotated[str, Field(strict=True, pattern=r"^[0-9a-f]{64}$")]
Chaine = Literal["vérifiée", "non vérifiée", "refusée"]
Niveau = Literal["B-B", "B-LT", "B-LTA"]


class SignatureLue(StrictModel):
    """One electronic signature read in a signed PDF: the field, the signer, when, whether the chain is trusted."""

    model_config = ConfigDict(title="Signature")

    champ: Text
    signataire: Text  # the certificate's subject (RFC 4514)
    horodatage: Text  # the signing time the signer declared, ISO 8601
    chaine_de_confiance: Chaine  # "non vérifiée" when no trusted certificate was given


class PdfSigne(StrictModel):
    """The signed file as it came back, archived under ``registre/<slug>/`` with its sha256."""

    model_config = ConfigDict(title="PDF signé archivé")

    fichier: Text  # relative to the project: registre/<slug>/<name>
    sha256: Sha256  # of the archived file
    signatures: tuple[SignatureLue, ...] = ()  # empty for a scan of a paper original
    # Electronic acts registered since long-term evidence exists (all optional: older registers still load).
    niveau: Niveau | None = None  # PAdES level of the archived file; absent: « B-B », as received
    niveau_motif: Text | None = None  # why the level is lower than asked (revocation data or time-stamp unreachable)
    recu_sha256: Sha256 | None = None  # the file as received, when the archived one extends it (its first bytes)
    recu_taille: Annotated[int, Field(strict=True, ge=1)] | None = None  # its length in bytes
    racines: tuple[Sha256, ...] = ()  # SHA-256 of the trust anchors (DER) that established the signers' chains
    horodatage_document: Text | None = None  # time of the document time-stamp (B-LTA), ISO 8601


class SignatureEnCours(StrictModel):
    """An act signed by one party only: who signed, who is still to sign. The act is not yet signed."""

    model_config = ConfigDict(title="Signature incomplète")

    numero: Annotated[int, Field(strict=True, ge=0, le=99)]
    pdf_sha256: Sha256  # the act built, as sent for signature
    pdf_signe: PdfSigne
    manquantes: tuple[Text, ...]


class ApprobationAvenant(StrictModel):
    """The text of the pending avenant that its two deliberations approved (recorded when it first became final)."""

    model_config = ConfigDict(title="Avenant approuvé")

    numero: Annotated[int, Field(strict=True, ge=1, le=99)]
    deliberation_intercommunalite: Date
    deliberation_departement: Date
    empreinte: Sha256  # digest of what the avenant amends (AvenantPlan.content_digest)


class Acte(StrictModel):
    """One signed act: the convention (numéro 0), an avenant or an update of annex 3 (numéro 1, 2, … each)."""

    model_config = ConfigDict(title="Acte signé")

    type: ActType
    numero: Annotated[int, Field(strict=True, ge=0, le=99)]
    date_signature: Date
    pdf: Annotated[str, Field(strict=True, min_length=1, max_length=200)]
    pdf_sha256: Annotated[str, Field(strict=True, min_length=64, max_length=64)]
    donnees: Donnees
    pdf_signe: PdfSigne | None = None  # absent for acts recorded by date only (paper, before archiving)
    pdf_archive: Text | None = None  # paper acts: the PDF built and printed (sha256 ``pdf_sha256``), registre/<slug>/

    @model_validator(mode="after")
    def _consistent(self) -> Acte:
        """Require the number to match the type and the sha256 to be 64 hexadecimal digits."""
        if (self.type == "convention") != (self.numero == 0):
            raise error(
                f"{self.type} n° {self.numero} : la convention porte le numéro 0, les avenants et les mises à jour "
                "de l’annexe 3 1, 2, …",
                RESTORE,
                ("numero",),
            )
        if not _SHA256.fullmatch(self.pdf_sha256):
            raise error(
                "empreinte sha256 invalide : 64 chiffres hexadécimaux en minuscules attendus",
                RESTORE,
                ("pdf_sha256",),
            )
        return self

    @property
    def update(self) -> bool:
        """Return True for an update of annex 3 (article 4.2), made without avenant."""
        return self.type == ANNEX_UPDATE

    @property
    def name(self) -> str:
        """Return "convention", "avenant n° 2" or "mise à jour n° 1 de l’annexe 3"."""
        return act_name(self.numero, self.update)

    @property
    def label(self) -> str:
        """Return "la convention", "l’avenant n° 2" or "la mise à jour n° 1 de l’annexe 3"."""
        return act_label(self.numero, self.update)

    @property
    def signed_word(self) -> str:
        """Return "signée" or "signé", agreed with the act."""
        return signed_word(self.numero, self.update)

    @property
    def signed(self) -> str:
        """Return "la convention signée le 2 avril 2024" or "l’avenant n° 1 signé le 3 mars 2025"."""

        return f"{self.label} {self.signed_word} le {date_in_words(self.date_signature)}"


def _check_sequence(slug: str, actes: tuple[Acte, ...], at: tuple[str | int, ...]) -> None:
    """Require the convention first, then avenants and annex updates each numbered in turn, dates never going back."""
    count = {"avenant": 0, ANNEX_UPDATE: 0}
    for index, acte in enumerate(actes):
        if index == 0 or acte.type == "convention":
            expected_numero, expected = 0, "la convention (numéro 0) est attendue"
            if index:
                expected_numero, expected = -1, "un avenant ou une mise à jour de l’annexe 3 est attendu"
        else:
            count[acte.type] += 1
            expected_numero = count[acte.type]
            expected = f"{act_label(expected_numero, acte.update)} est attendu{'e' if acte.update else ''}"
        if acte.numero != expected_numero or (index == 0) != (acte.type == "convention"):
            raise error(
                f"acte n° {acte.numero} à la place {index + 1} : {expected} ici",
                RESTORE,
                (*at, index, "numero"),
            )
        expected_pdf = pdf_name(slug, acte.numero, acte.update)
        if acte.pdf != expected_pdf:
            raise error(
                f"nom de PDF « {acte.pdf} » inattendu pour {acte.label} : « {expected_pdf} » attendu",
                RESTORE,
                (*at, index, "pdf"),
            )
        if index and acte.date_signature < actes[index - 1].date_signature:
            raise error(
                f"{acte.label} est daté du {acte.date_signature.isoformat()}, avant l’acte précédent "
                f"({actes[index - 1].date_signature.isoformat()})",
                RESTORE,
                (*at, index, "date_signature"),
            )


class PeriodeClose(StrictModel):
    """A closed period of the programme: its acts (convention, avenants) kept as they were signed, for good."""

    model_config = ConfigDict(title="Période close")

    debut: Date
    fin: Date
    actes: tuple[Acte, ...]
    signature_en_cours: SignatureEnCours | None = None  # a signature never completed before the end
    avenant_approuve: ApprobationAvenant | None = None

    @property
    def label(self) -> str:
        """Return « 2024-2026 » (the years the period is named after; a December start counts as next year)."""
        return period_label(self.debut, self.fin)


class Registre(StrictModel):
    """The content of ``registre/<slug>.yaml``: the acts in the order they were signed."""

    model_config = ConfigDict(title="Registre des actes signés")

    intercommunalite: Annotated[str, Field(strict=True, min_length=1, max_length=100)]
    periodes_closes: tuple[PeriodeClose, ...] = ()  # earlier periods, oldest first: never amended nor signed again
    actes: tuple[Acte, ...] = ()  # the current period's
    signature_en_cours: SignatureEnCours | None = None
    avenant_approuve: ApprobationAvenant | None = None

    @model_validator(mode="after")
    def _sequence(self) -> Registre:
        """Require the convention first, then consecutive avenants, with non-decreasing dates."""
        if not SLUG_RE.fullmatch(self.intercommunalite):
            raise error(
                f"identifiant « {self.intercommunalite} » invalide",
                "minuscules sans accent, chiffres et tirets",
                ("intercommunalite",),
            )
        _check_sequence(self.intercommunalite, self.actes, ("actes",))
        for number, periode in enumerate(self.periodes_closes):
            _check_sequence(self.intercommunalite, periode.actes, ("periodes_closes", number, "actes"))
            if number and periode.debut <= self.periodes_closes[number - 1].fin:
                raise error(
                    f"période close du {periode.debut.isoformat()} : elle commence avant la fin de la précédente",
                    RESTORE,
                    ("periodes_closes", number, "debut"),
                )
        if self.signature_en_cours is not None and self.signature_en_cours.numero != self.next_numero:
            raise error(
                f"signature en cours de l’acte n° {self.signature_en_cours.numero} : seul l’acte en attente "
                f"(n° {self.next_numero}) peut être en cours de signature",
                RESTORE,
                ("signature_en_cours", "numero"),
            )
        return self

    @property
    def last(self) -> Acte | None:
        """Return the last act signed, or None when nothing is signed yet."""
        return self.actes[-1] if self.actes else None

    @property
    def convention(self) -> Acte | None:
        """Return the signed convention, or None."""
        return self.actes[0] if self.actes else None

    @property
    def avenants(self) -> tuple[Acte, ...]:
        """Return the signed avenants, in order."""
        return tuple(acte for acte in self.actes if acte.type == "avenant")

    @property
    def annex_updates(self) -> tuple[Acte, ...]:
        """Return the signed updates of annex 3 (article 4.2), in order."""
        return tuple(acte for acte in self.actes if acte.update)

    @property
    def last_deliberated(self) -> Acte | None:
        """Return the last convention or avenant signed (the acts deliberations authorise), or None."""
        return next((acte for acte in reversed(self.actes) if not acte.update), None)

    @property
    def next_numero(self) -> int:
        """Return the number of the pending act: 0 for the convention, else the next avenant."""
        return len(self.avenants) + 1 if self.actes else 0

    @property
    def next_update_numero(self) -> int:
        """Return the number of the next update of annex 3."""
        return len(self.annex_updates) + 1

    def _with(self, **changes: Any) -> Registre:
        """Return the register with ``changes`` (validated again), everything else kept."""
        fields = {name: getattr(self, name) for name in Registre.model_fields}
        return Registre.model_validate({**fields, **changes})

    def with_act(self, acte: Acte) -> Registre:
        """Return the register with ``acte`` appended; a signature in progress and an approval are closed."""
        return self._with(actes=(*self.actes, acte), signature_en_cours=None, avenant_approuve=None)

    def with_partial(self, partial: SignatureEnCours) -> Registre:
        """Return the register recording a signature by one party only, for the pending act."""
        return self._with(signature_en_cours=partial)

    def with_acts(self, actes: tuple[Acte, ...]) -> Registre:
        """Return the register with its acts replaced (same number, same order), everything else kept."""
        return Registre.model_validate(
            {
                "intercommunalite": self.intercommunalite,
                "actes": actes,
                "signature_en_cours": self.signature_en_cours,
                "avenant_approuve": self.avenant_approuve,
            }
        )

    def with_approval(self, approval: ApprobationAvenant) -> Registre:
        """Return the register recording which text of the pending avenant its deliberations approved."""
        return self._with(avenant_approuve=approval)

    def closed(self, debut: dt.date, fin: dt.date) -> Registre:
        """Return the register with its current period closed (kept whole, as ``debut``–``fin``) and a new one open.

        Nothing is dropped: the acts, a signature never completed and an approval go with the closed period.
        """
        if not self.actes and self.signature_en_cours is None:
            return self
        periode = PeriodeClose(
            debut=debut,
            fin=fin,
            actes=self.actes,
            signature_en_cours=self.signature_en_cours,
            avenant_approuve=self.avenant_approuve,
        )
        return self._with(
            periodes_closes=(*self.periodes_closes, periode), actes=(), signature_en_cours=None, avenant_approuve=None
        )

    @property
    def closed_end(self) -> dt.date | None:
        """Return the end of the latest closed period, or None."""
        return self.periodes_closes[-1].fin if self.periodes_closes else None


def empty_register(slug: str) -> Registre:
    """Return the register of an intercommunality that has signed nothing."""
    return Registre(intercommunalite=slug)


def new_act(
    slug: str,
    numero: int,
    date_signature: dt.date,
    pdf_sha256: str,
    epci: Epci,
    programme: Programme,
    departement: Departement | None = None,
    pdf_signe: PdfSigne | None = None,
    pdf_archive: str | None = None,
    *,
    update: bool = False,
) -> Acte:
    """Return the act ``numero`` (an annex 3 update when ``update``) signed on ``date_signature``, with its data."""
    return Acte(
        type=ANNEX_UPDATE if update else "convention" if numero == 0 else "avenant",
        numero=numero,
        date_signature=date_signature,
        pdf=pdf_name(slug, numero, update),
        pdf_sha256=pdf_sha256,
        donnees=Donnees(epci=epci, programme=programme, departement=departement),
        pdf_signe=pdf_signe,
        pdf_archive=pdf_archive,
    )


def archive_dir(slug: str, periode: str = "") -> str:
    """Return the folder, relative to the project, where the signed files of ``slug`` are archived.

    The first period's acts are kept in ``registre/<slug>/``; after a renewal, each new period's in a folder of its
    own (``registre/<slug>/2027-2029/``), so that no file of a closed period is ever replaced or moved.
    """
    return f"{REGISTER_DIR}/{slug}" + (f"/{periode}" if periode else "")


def period_folder(registre: Registre, programme: Programme) -> str:
    """Return the folder of the acts ``registre`` records now, for the period of ``programme``."""
    label = period_label(programme.debut, programme.fin) if registre.periodes_closes else ""
    return archive_dir(registre.intercommunalite, label)


def kept_file(slug: str, acte: Acte) -> str:
    """Return where the bytes of a signed act are kept, relative to the project.

    Signed electronically: the signed file as archived; on paper: the PDF that was printed and signed.
    """
    if acte.pdf_signe is not None and acte.pdf_signe.signatures:
        return acte.pdf_signe.fichier
    return acte.pdf_archive or f"{archive_dir(slug)}/{acte.pdf}"


def built_copy_name(folder: str, pdf: str) -> str:
    """Return where the PDF built for a paper act is archived: ``<folder>/<pdf>`` (``period_folder``, ``Acte.pdf``)."""
    return f"{folder}/{pdf}"


def keep_file(root: Path, rel: str, data: bytes) -> None:
    """Archive ``data`` at ``root/rel``, never replacing other bytes; RegisterError in French if they differ."""
    path = root / rel
    if path.exists():
        if path.read_bytes() == data:
            return
        raise RegisterError(
            f"{rel} existe déjà avec d’autres octets (sha256 {sha256_file(path)[:12]}…) — un fichier archivé n’est "
            "jamais remplacé ; restaurez-le depuis git ou faites examiner la différence."
        )
    write_atomic(path, data)


def load_register(root: Path, slug: str) -> Registre:
    """Return the register of ``slug`` (empty when the file does not exist); raise DataError if invalid."""
    path = register_path(root, slug)
    if not path.exists():
        return empty_register(slug)
    return parse_register(f"{REGISTER_DIR}/{slug}.yaml", path.read_bytes(), slug)


def parse_register(rel: str, data: bytes, slug: str) -> Registre:
    """Return the register read from ``data``; raise DataError with line and column on any problem."""

    problems: list[Problem] = []
    doc = parse_document(rel, data, problems)
    registre = validate_document(Registre, doc, problems) if doc is not None else None
    if registre is not None and registre.intercommunalite != slug:
        problems.append(
            Problem(
                rel,
                1,
                1,
                "intercommunalite",
                f"registre de « {registre.intercommunalite} » rangé dans le fichier de « {slug} »",
                RESTORE,
            )
        )
    if problems or registre is None:
        raise DataError(_with_restore_hint(p) for p in problems)
    return registre


def _with_restore_hint(problem: Problem) -> Problem:
    """Return the problem with the advice to restore the register from git added to its hint."""
    if RESTORE in problem.hint:
        return problem
    hint = f"{problem.hint} ; sinon, {RESTORE}" if problem.hint else RESTORE
    return Problem(problem.path, problem.line, problem.column, problem.key, problem.message, hint)


class _Dumper(yaml.SafeDumper):
    """Safe dumper that never writes anchors or aliases (the reader refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        """Return True: repeated values are written out in full."""
        return True


def dump_register(registre: Registre) -> bytes:
    """Return the register as deterministic YAML: header comment, fixed key order, ISO dates, UTF-8."""
    body: dict[str, Any] = {"intercommunalite": registre.intercommunalite}
    if registre.periodes_closes:
        body["periodes_closes"] = [_period_data(periode) for periode in registre.periodes_closes]
    body["actes"] = [_act_data(acte) for acte in registre.actes]
    if registre.signature_en_cours is not None:
        body["signature_en_cours"] = model_data(registre.signature_en_cours)
    if registre.avenant_approuve is not None:
        body["avenant_approuve"] = model_data(registre.avenant_approuve)
    text = yaml.dump(body, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=4096)
    return (HEADER.format(slug=registre.intercommunalite) + text).encode("utf-8")


def write_register(root: Path, registre: Registre) -> Path:
    """Write the register atomically; return its path."""

    path = register_path(root, registre.intercommunalite)
    data = dump_register(registre)
    parse_register(f"{REGISTER_DIR}/{registre.intercommunalite}.yaml", data, registre.intercommunalite)
    write_atomic(path, data)
    return path


def model_data(model: StrictModel) -> dict[str, Any]:
    """Return a model as plain YAML data: fields in their declared order, dates kept, lists, no null."""
    data: dict[str, Any] = _plain(model.model_dump(mode="python", exclude_none=True))
    return data


def _period_data(periode: PeriodeClose) -> dict[str, Any]:
    """Return one closed period as plain data: its dates, its acts, what was pending at its end."""
    data: dict[str, Any] = {"debut": periode.debut, "fin": periode.fin, "actes": [_act_data(a) for a in periode.actes]}
    if periode.signature_en_cours is not None:
        data["signature_en_cours"] = model_data(periode.signature_en_cours)
    if periode.avenant_approuve is not None:
        data["avenant_approuve"] = model_data(periode.avenant_approuve)
    return data


def _act_data(acte: Acte) -> dict[str, Any]:
    """Return one act as plain data, its keys in reading order."""
    return {
        "type": acte.type,
        "numero": acte.numero,
        "date_signature": acte.date_signature,
        "pdf": acte.pdf,
        "pdf_sha256": acte.pdf_sha256,
        "donnees": {
            "epci": model_data(acte.donnees.epci),
            "programme": model_data(acte.donnees.programme),
            **({"departement": model_data(acte.donnees.departement)} if acte.donnees.departement else {}),
        },
        **({"pdf_signe": model_data(acte.pdf_signe)} if acte.pdf_signe else {}),
        **({"pdf_archive": acte.pdf_archive} if acte.pdf_archive else {}),
    }


def _plain(value: Any) -> Any:
    """Return the value with tuples turned into lists, recursively."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
