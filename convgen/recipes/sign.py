"""The recipe of ``convgen sign``: check the pending act, build its PDF, record it in the register.

Two ways to sign, chosen by the act's signature mode (``mode_signature``):
- ``manuscrite`` (paper): ``--date`` gives the day of the signature; ``--pdf`` may give a scan of the signed
  original, archived as it is;
- ``electronique``: ``--pdf`` gives the signed PDF as it came back. It must be the act convgen built, signed by
  incremental updates only, every signature intact (``acts/signature.py``). One signature of two is recorded as
  a signature in progress; the act is signed, at the date of the last signature, when both are there.
  ``--certificat`` signs one field with a PKCS#12 certificate first, then records the result the same way.
Nothing is written to ``registre/`` unless every check passed.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convgen.acts.convention import select
from convgen.acts.evidence import PROVES, extend, fingerprint
from convgen.acts.names import signed_copy_name
from convgen.acts.plan import reportable
from convgen.acts.register import (
    Acte,
    PdfSigne,
    Registre,
    SignatureEnCours,
    SignatureLue,
    act_label,
    built_copy_name,
    keep_file,
    new_act,
    period_folder,
    register_path,
    signed_word,
    write_register,
)
from convgen.acts.signature import SignatureInfo, SignedAct, inspect_signed, load_anchors, sign_field
from convgen.acts.state import ProjectActs
from convgen.data.model import Epci, Programme
from convgen.documents.french import date_in_words
from convgen.errors import RegisterError, SignatureError
from convgen.files import STAGE_PREFIX, sha256_bytes, sha256_file, write_atomic
from convgen.invocation import typed
from convgen.recipes.build import locked_runner
from convgen.recipes.checking import check_project
from convgen.runner.engine import Runner
from convgen.runner.job import Job
from convgen.runner.options import BuildOptions, Echo
from convgen.today import today_in_france


def parse_date(text: str) -> dt.date:
    """Return the date of ``--date``; RegisterError in French when it is not AAAA-MM-JJ."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RegisterError(
            f"date de signature « {text} » invalide — format attendu AAAA-MM-JJ, par exemple 2024-04-02"
        ) from None


@dataclass(frozen=True)
class ToSign:
    """The act about to be signed, checked, with the job that builds its PDF."""

    slug: str
    numero: int
    update: bool  # an update of annex 3 (article 4.2), signed by the intercommunality alone
    epci: Epci
    programme: Programme
    job: Job
    registre: Registre
    authorised_on: dt.date  # the latest deliberation authorising it

    @property
    def label(self) -> str:
        """Return « la convention », « l’avenant n° 1 » or « la mise à jour n° 1 de l’annexe 3 »."""
        return act_label(self.numero, self.update)

    @property
    def what(self) -> str:
        """Return « la convention ne peut pas être signée » / « l’avenant n° 1 ne peut pas être signé »."""
        return f"{self.label} ne peut pas être {signed_word(self.numero, self.update)}"

    @property
    def end(self) -> dt.date:
        """Return the end of the convention (Article 7): as last signed for an avenant, else as drafted."""
        last = self.registre.last
        return last.donnees.programme.fin if last is not None else self.programme.fin

    @property
    def mode(self) -> str:
        """Return how this act is signed: ``electronique`` or ``manuscrite``."""
        return self.job.printed.signature_mode

    @property
    def fields(self) -> list[str]:
        """Return the names of the signature fields of the act's PDF."""
        return [field.name for field in self.job.signatures]


def pending_act(acts: ProjectActs, slug: str) -> ToSign:
    """Return the act of ``slug`` waiting for signature; RegisterError in French when there is none to sign.

    A PROJET is never signed: its verdict's reasons are the refusal.
    """
    epci = select(acts.project, [slug])[slug]
    registre = acts.register(slug)
    pending = acts.pending(slug)
    if pending is None:
        plan = acts.plan(slug)
        assert plan is not None
        extra = "".join(f"\n  - {c.describe()}" for c in reportable(plan.informative))
        raise RegisterError(
            f"{slug} : rien à signer — aucune modification à faire par avenant ni par mise à jour de l’annexe 3 "
            f"depuis {plan.last.signed}." + (f" Modifications sans avenant :{extra}" if extra else "")
        )
    if pending.kind == "convention":
        authorised = [epci.deliberation, acts.project.departement.deliberation]
    elif pending.update:  # no deliberation: the intercommunality's executive notifies it (article 4.2)
        authorised = [registre.last.date_signature] if registre.last is not None else []
    else:
        plan = acts.plan(slug)
        assert plan is not None
        authorised = [plan.deliberation, plan.departement_authorisation]
    job = pending.job
    label = act_label(pending.numero, pending.update)
    if job.draft:
        raise RegisterError(f"{slug} : {label} est un projet — {job.verdict.describe()}.")
    dates = [d for d in authorised if d is not None]
    return ToSign(slug, pending.numero, pending.update, epci, acts.project.programme, job, registre, max(dates))


def check_date(pending: ToSign, date_signature: dt.date, today: dt.date) -> None:
    """Refuse a signing date in the future, before the last act or before the deliberation that authorises it."""
    slug, what = pending.slug, pending.what
    if date_signature > today:
        raise RegisterError(
            f"{slug} : date de signature {date_in_words(date_signature)} dans le futur (nous sommes le "
            f"{date_in_words(today)}) — enregistrez la signature le jour où elle a eu lieu."
        )
    last = pending.registre.last
    if last is not None and date_signature < last.date_signature:
        raise RegisterError(
            f"{slug} : {what} le {date_in_words(date_signature)}, avant {last.signed} — vérifiez la date."
        )
    end = pending.end
    if date_signature > end:
        raise RegisterError(
            f"{slug} : {what} le {date_in_words(date_signature)}, après la fin de la convention "
            f"({date_in_words(end)}, article 7 – Durée) — une convention expirée ne peut être ni prolongée ni "
            "modifiée : il faut une nouvelle convention."
        )
    if date_signature < pending.authorised_on:
        raise RegisterError(
            f"{slug} : {what} le {date_in_words(date_signature)}, avant la délibération "
            f"qui l’autorise ({date_in_words(pending.authorised_on)}) — vérifiez la date."
        )


def sign(
    root: Path,
    slug: str,
    date_signature: dt.date | None = None,
    *,
    pdf: Path | None = None,
    trust: Sequence[Path] = (),
    timestamp_url: str | None = None,
    today: dt.date | None = None,
    wait: float = 600,
    echo: Echo = print,
    converter_factory: Callable[[int], Any] | None = None,
) -> Acte | None:
    """Record the signature of the pending act of ``slug``; return the act, or None while a signature is missing.

    Paper (``manuscrite``): ``date_signature`` is required, ``pdf`` is an optional scan. Electronic: ``pdf`` is
    the signed file, checked against the act built; the date is that of the last signature.
    """
    today = today or today_in_france()
    acts = ProjectActs(check_project(root, cached=True), root, today)
    project = acts.project
    pending = pending_act(acts, slug)
    if pending.mode == "electronique":
        if pdf is None:
            raise RegisterError(
                f"{slug} : {pending.label} se signe électroniquement — donnez le PDF signé : "
                f"{typed(f'sign {slug} --pdf FICHIER.pdf')} (ou signez un champ : --certificat FICHIER.p12 --champ NOM)."
            )
        if date_signature is not None:
            raise RegisterError(
                f"{slug} : en signature électronique, la date de l’acte est celle de la dernière signature du "
                "PDF — retirez --date."
            )
    elif date_signature is None:
        raise RegisterError(f"{slug} : {pending.label} se signe sur papier — donnez --date AAAA-MM-JJ.")
    if date_signature is not None:
        check_date(pending, date_signature, today)  # on paper, the date is refused before anything is built
    data = _read_file(slug, pdf) if pdf is not None else None  # read once: what is checked is what is archived
    with locked_runner(acts, BuildOptions(jobs=1, wait=wait, echo=echo, converter_factory=converter_factory)) as runner:
        built = _built_act(runner, pending)
        expected = sha256_file(built)
        archived: PdfSigne | None = None
        if pending.mode == "electronique":
            assert data is not None
            assert pdf is not None
            act = _inspect(data, pdf, expected, pending, trust)
            archived = _archived(pending, data, act)
            if not act.complete:
                _record_partial(root, pending, expected, archived, data, act, echo)
                return None
            assert act.last_signing_date is not None
            date_signature = act.last_signing_date
        assert date_signature is not None
        check_date(pending, date_signature, today)
        if data is not None and archived is None:
            archived = _archived(pending, data, None)  # a scan of the paper original, archived as it is
        if archived is not None and pending.mode == "electronique":
            assert data is not None
            data, archived = _long_term(pending, data, archived, trust, timestamp_url or project.programme.horodatage)
        if archived is not None:
            assert data is not None
            write_atomic(root / archived.fichier, data)
        built_copy = _keep_built(root, pending, built, expected) if pending.mode != "electronique" else None
        acte = new_act(
            slug,
            pending.numero,
            date_signature,
            expected,
            pending.epci,
            pending.programme,
            project.departement,
            archived,
            built_copy,
            update=pending.update,
        )
        registre = pending.registre.with_act(acte)
        write_register(root, registre)
        acts.forget(slug)  # the dashboard drawn after this run reads the register just written
        echo(
            f"Signature enregistrée : {acte.label} de {slug}, {acte.signed_word} le "
            f"{date_in_words(acte.date_signature)} ({acte.pdf}, sha256 {acte.pdf_sha256[:12]}…)"
            + (f", PDF signé archivé dans {archived.fichier}" if archived else "")
            + (f", PDF imprimé archivé dans {built_copy}" if built_copy else "")
            + f" — {register_path(root, slug).relative_to(root)}."
        )
        for line in _signature_lines(archived):
            echo(line)
        if archived is not None and pending.mode == "electronique":
            echo(_level_line(archived))
        consolidated_act = acts.consolidated(slug)
        if consolidated_act is not None:
            consolidated = runner.run([consolidated_act])
            if consolidated.failed:
                echo(f"Attention : la convention consolidée n’a pas pu être produite — {consolidated.failed[0].error}")
    return acte


def sign_with_certificate(
    root: Path,
    slug: str,
    *,
    p12: Path,
    password: bytes,
    field: str,
    trust: Sequence[Path] = (),
    timestamp_url: str | None = None,
    today: dt.date | None = None,
    wait: float = 600,
    echo: Echo = print,
    converter_factory: Callable[[int], Any] | None = None,
) -> Acte | None:
    """Sign ``field`` of the pending act (the file signed so far, else the act built), then record it as ``sign``."""
    acts = ProjectActs(check_project(root, cached=True), root, today or today_in_france())
    pending = pending_act(acts, slug)
    if pending.mode != "electronique":
        raise RegisterError(f"{slug} : {pending.label} se signe sur papier — --certificat ne s’applique pas.")
    if field not in pending.fields:
        raise RegisterError(f"{slug} : champ « {field} » inconnu — champs de l’acte : {', '.join(pending.fields)}.")
    partial = pending.registre.signature_en_cours
    with locked_runner(acts, BuildOptions(jobs=1, wait=wait, echo=echo, converter_factory=converter_factory)) as runner:
        source = root / partial.pdf_signe.fichier if partial is not None else _built_act(runner, pending)
    with tempfile.TemporaryDirectory(prefix=STAGE_PREFIX) as work:
        signed = Path(work) / pending.job.pdf_name
        sign_field(source, signed, p12=p12, password=password, field=field)
        return sign(
            root,
            slug,
            pdf=signed,
            trust=trust,
            timestamp_url=timestamp_url,
            today=today,
            wait=wait,
            echo=echo,
            converter_factory=converter_factory,
        )


def _built_act(runner: Runner, pending: ToSign) -> Path:
    """Build the act's PDF if it is missing or stale; return its path in ``build/``."""
    report = runner.run([pending.job])
    if report.failed:
        raise RegisterError(
            f"{pending.slug} : le PDF de l’acte à signer n’a pas pu être produit — {report.failed[0].error}"
        )
    return runner.build_dir / pending.slug / pending.job.pdf_name


def _read_file(slug: str, pdf: Path) -> bytes:
    """Return the bytes of the file given with --pdf; RegisterError in French when it cannot be read."""
    try:
        return pdf.read_bytes()
    except OSError as error:
        raise RegisterError(f"{slug} : {pdf} illisible ({error.strerror}) — vérifiez le chemin du PDF signé.") from None


def _inspect(data: bytes, given: Path, expected: str, pending: ToSign, trust: Sequence[Path]) -> SignedAct:
    """Check the signed bytes (a private copy of the file ``given``) against the act built (``acts/signature.py``)."""
    with tempfile.TemporaryDirectory(prefix=STAGE_PREFIX) as work:
        copy = Path(work) / pending.job.pdf_name
        copy.write_bytes(data)
        try:
            return inspect_signed(copy, expected_sha256=expected, fields=pending.fields, trust=trust)
        except SignatureError as error:
            raise SignatureError(str(error).replace(str(copy), str(given))) from None


def _archived(pending: ToSign, data: bytes, act: SignedAct | None) -> PdfSigne:
    """Return how the signed file is archived: its place under ``registre/<slug>/``, sha256, signatures."""
    signatures = () if act is None else tuple(_read(info) for info in act.signatures)
    name = f"{period_folder(pending.registre, pending.programme)}/{signed_copy_name(pending.job.stem)}"
    return PdfSigne(fichier=name, sha256=sha256_bytes(data), signatures=signatures)


def _read(info: SignatureInfo) -> SignatureLue:
    """Return a signature as the register records it."""
    chain = {True: "vérifiée", False: "refusée", None: "non vérifiée"}[info.trusted]
    when = info.signing_time.isoformat() if info.signing_time is not None else "inconnu"
    return SignatureLue(champ=info.field, signataire=info.signer, horodatage=when, chaine_de_confiance=chain)


def _record_partial(
    root: Path, pending: ToSign, expected: str, archived: PdfSigne, data: bytes, act: SignedAct, echo: Echo
) -> None:
    """Archive a file signed by one party only and record the signature in progress; the act is not signed."""
    partial = SignatureEnCours(
        numero=pending.numero, pdf_sha256=expected, pdf_signe=archived, manquantes=tuple(act.missing)
    )
    registre = pending.registre.with_partial(partial)
    write_atomic(root / archived.fichier, data)
    write_register(root, registre)
    echo(
        f"Signature incomplète : {pending.label} de {pending.slug} n’est pas encore "
        f"{signed_word(pending.numero, pending.update)} — à signer encore : {', '.join(act.missing)} ; "
        f"PDF archivé dans {archived.fichier}."
    )
    for line in _signature_lines(archived):
        echo(line)


def _signature_lines(archived: PdfSigne | None) -> list[str]:
    """Return one line per signature read: field, signer, time, trust."""
    if archived is None:
        return []
    return [
        f"  - {s.champ} : {s.signataire}, le {s.horodatage} (chaîne de confiance {s.chaine_de_confiance})"
        for s in archived.signatures
    ]


def _keep_built(root: Path, pending: ToSign, built: Path, expected: str) -> str:
    """Archive the PDF built, printed and signed on paper under ``registre/<slug>/``; return its place."""
    data = built.read_bytes()
    if sha256_bytes(data) != expected:  # build/ changed under the lock: never archive other bytes
        raise RegisterError(f"{pending.slug} : {built} a changé pendant l’enregistrement — relancez {typed('sign')}.")
    name = built_copy_name(period_folder(pending.registre, pending.programme), pending.job.pdf_name)
    keep_file(root, name, data)
    return name


def _long_term(
    pending: ToSign, data: bytes, archived: PdfSigne, trust: Sequence[Path], timestamp_url: str | None
) -> tuple[bytes, PdfSigne]:
    """Return the archived copy of a signed act (B-LT, B-LTA: ``acts/evidence.py``) and how the register says it."""
    anchors = load_anchors(trust)
    evidence = extend(data, anchors, timestamp_url)
    extended = evidence.data != data
    return evidence.data, archived.model_copy(
        update={
            "sha256": sha256_bytes(evidence.data),
            "niveau": evidence.level,
            "niveau_motif": evidence.reason,
            "recu_sha256": sha256_bytes(data) if extended else None,
            "recu_taille": len(data) if extended else None,
            "racines": tuple(fingerprint(anchor) for anchor in anchors) if extended else (),
            "horodatage_document": evidence.timestamp.isoformat() if evidence.timestamp else None,
        }
    )


def _level_line(archived: PdfSigne) -> str:
    """Return the line that says which PAdES level the archived copy reached, and why not more."""
    level = archived.niveau or "B-B"
    when = f" ({archived.horodatage_document})" if level == "B-LTA" else ""
    line = f"  Preuve à long terme : niveau {level} — {PROVES[level]}{when}"
    return line + (f" ; {archived.niveau_motif}." if archived.niveau_motif else ".")
