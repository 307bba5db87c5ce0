"""The ``convgen`` command: thin wrappers that parse options, call the library and map errors to exit codes."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import click

from convgen import clifr
from convgen.clifr import install as install_french
from convgen.errors import ConvgenError, DataError, Interrupted
from convgen.heap import pad_this_process
from convgen.runner.options import FORMATS, BuildOptions, canonical_formats

if TYPE_CHECKING:
    from convgen.runner.job import Report

install_french()

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code``."""
    click.echo(message, err=True)
    sys.exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Turn library errors and signals into French messages and exit codes, never a traceback."""

    def on_term(signum: int, _frame: FrameType | None) -> None:
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except DataError as exc:
        count = len(exc.problems)
        fail(f"{exc}\n{count} erreur{'s' if count > 1 else ''} : rien n’a été écrit.", exc.exit_code)
    except KeyboardInterrupt:
        fail(str(Interrupted(signal.SIGINT)), 128 + signal.SIGINT)
    except ConvgenError as exc:
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        fail(f"Erreur du système{where} : {exc.strerror or exc} — vérifiez les droits et la place disque.", 1)
    except click.exceptions.ClickException:
        raise  # click prints its own (French) usage errors
    except Exception as exc:  # a defect of convgen or of a library: a message, never a traceback
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        fail(
            f"Erreur inattendue ({type(exc).__name__}{' : ' + detail if detail else ''}). Les fichiers sont écrits "
            "en entier ou pas du tout : relancez la commande ; si l’erreur revient, signalez-la avec ce message.",
            1,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)


def project_root(ctx: click.Context) -> Path:
    """Return the project folder chosen with ``-C`` (the current folder by default)."""
    root: Path = ctx.obj
    return root


@click.group(cls=clifr.Group, context_settings=CONTEXT, subcommand_metavar="COMMANDE [ARGUMENTS]...")
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DOSSIER",
    default=".",
    show_default=True,
    help="Dossier du projet (celui qui contient departement.yaml et epci/).",
)
@click.version_option(package_name="convgen", message="convgen %(version)s", help="Affiche la version.")
@click.pass_context
def main(ctx: click.Context, directory: Path) -> None:
    """Conventions de partenariat « conseiller numérique » du Département de la Sarthe.

    Les données (departement.yaml, epci/*.yaml) et les modèles (templates/*.docx) produisent les
    conventions, leurs annexes et leurs avenants en DOCX et en PDF prêts à signer, dans build/.
    """
    ctx.obj = directory.resolve()
    pad_this_process()  # glibc keeps freed memory for reuse: fewer page faults (``convgen/heap.py``)


@main.command(context_settings=CONTEXT)
@click.pass_context
def check(ctx: click.Context) -> None:
    """Vérifie les données et les modèles, sans rien écrire."""
    with handled():
        from convgen.acts.state import ProjectActs
        from convgen.recipes.checking import check_project, closed_period_years
        from convgen.recipes.console import readiness_lines

        acts = ProjectActs(check_project(project_root(ctx)), project_root(ctx))
        click.echo(f"Données valides : {len(acts.project.epcis)} intercommunalités, modèles conformes.")
        for line in readiness_lines(acts):
            click.echo(line)
        for warning in closed_period_years(acts):
            click.echo(f"Attention : {warning}")


@main.command(context_settings=CONTEXT)
@click.argument("kind", type=click.Choice(["epci", "departement"]), default="epci")
def schema(kind: str) -> None:
    """Affiche le schéma JSON des fichiers epci/*.yaml (ou de departement.yaml)."""
    with handled():
        from convgen.data.schema import json_schema

        click.echo(json.dumps(json_schema("epci" if kind == "epci" else "departement"), indent=2, ensure_ascii=False))


SLUGS_ARGUMENT = click.argument("slugs", nargs=-1, metavar="[INTERCOMMUNALITÉ]...")
FORMAT_OPTION = click.option(
    "--format",
    "formats",
    type=click.Choice(list(FORMATS)),
    multiple=True,
    metavar="docx|pdf",
    help="Format(s) à produire (répétable) ; par défaut DOCX et PDF.",
)
JOBS_OPTION = click.option(
    "-j",
    "--jobs",
    cls=clifr.Option,
    type=clifr.IntRange(1, 64),
    default=None,
    metavar="N",
    help="Nombre de conversions en parallèle, de 1 à 64 (par défaut : nombre de cœurs).",
)
WAIT_OPTION = click.option(
    "--attente",
    cls=clifr.Option,
    type=clifr.FloatRange(0),
    default=600,
    metavar="SECONDES",
    show_default=True,
    help="Secondes d’attente (0 ou plus) si une autre construction est en cours.",
)


def trust_option(purpose: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return the ``--confiance`` option (trust anchors, PEM or DER, repeatable); ``purpose`` ends its help."""
    return click.option(
        "--confiance",
        "trust",
        multiple=True,
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        help=f"Certificat d’autorité de confiance (PEM ou DER) {purpose} ; répétable.",
    )


def build_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options of the commands that build documents: slugs, formats, jobs, --force, --attente."""
    for decorate in (
        WAIT_OPTION,
        click.option("--force", is_flag=True, help="Reconstruit même les documents à jour."),
        JOBS_OPTION,
        FORMAT_OPTION,
        SLUGS_ARGUMENT,
    ):
        func = decorate(func)
    return func


def options_of(formats: tuple[str, ...], jobs: int | None, force: bool = False, attente: float = 600) -> BuildOptions:
    """Return the build options the command line asked: made here once, read by every layer below."""
    return BuildOptions(formats=canonical_formats(formats), jobs=jobs, force=force, wait=attente, echo=click.echo)


def exit_on_failure(report: Report) -> None:
    """Exit 1 when a document of the run failed (each failure was printed with its reason)."""
    if report.failed:
        sys.exit(1)


@main.command(context_settings=CONTEXT)
@build_options
@click.pass_context
def build(
    ctx: click.Context,
    slugs: tuple[str, ...],
    formats: tuple[str, ...],
    jobs: int | None,
    force: bool,
    attente: float,
) -> None:
    """Produit les conventions dans build/<intercommunalité>/ (toutes, ou celles nommées).

    Exemple : convgen build cc-maine-saosnois --format pdf
    """
    with handled():
        from convgen.recipes.stamp import replay_noop

        options = options_of(formats, jobs, force, attente)
        if not force and replay_noop(project_root(ctx), slugs, options.formats, click.echo):
            return  # nothing changed since the last full build: its stamp proves it (no data read, no import)
        from convgen.recipes.early import early_converter

        converter = early_converter(project_root(ctx), options)
        try:
            from convgen.recipes.build import build_conventions

            exit_on_failure(build_conventions(project_root(ctx), slugs, options, converter=converter))
        finally:
            if converter is not None:
                converter.close()


@main.command("watch", context_settings=CONTEXT)
@SLUGS_ARGUMENT
@FORMAT_OPTION
@JOBS_OPTION
@click.pass_context
def watch_command(ctx: click.Context, slugs: tuple[str, ...], formats: tuple[str, ...], jobs: int | None) -> None:
    """Aperçu en direct : reconstruit les conventions à chaque enregistrement des données ou des modèles.

    Garde LibreOffice prêt, surveille epci/, departement.yaml et templates/ ; à chaque enregistrement, vérifie
    les données (erreurs écrites comme par convgen check, rien n’est écrit), puis refait seulement les documents
    touchés et indique le temps écoulé depuis l’enregistrement. Ctrl-C arrête.

    Exemple : convgen watch cc-maine-saosnois
    """
    with handled():
        from convgen.recipes.watch import watch

        watch(project_root(ctx), slugs, options_of(formats, jobs), echo_error=lambda text: click.echo(text, err=True))


@main.command("text", context_settings=CONTEXT)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FICHIER")
def text_command(path: Path) -> None:
    """Affiche le texte d’un fichier DOCX (paragraphes, tableaux, en-têtes, pieds de page, balises).

    Sert de « textconv » git pour lire les différences des modèles templates/*.docx.
    """
    with handled():
        from convgen.documents.docxtext import docx_text

        click.echo(docx_text(path), nl=False)


@main.command("review", context_settings=CONTEXT)
@click.option(
    "--base",
    metavar="RÉVISION",
    default=None,
    help="Révision git de référence (par défaut : le point de départ de la branche depuis origin/main ou main).",
)
@click.option(
    "--pages",
    "pages_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DOSSIER",
    help="Écrit dans DOSSIER les images des pages de l’annexe, avant et après, des intercommunalités modifiées.",
)
@click.pass_context
def review_command(ctx: click.Context, base: str | None, pages_dir: Path | None) -> None:
    """Résume en Markdown l’effet des changements sur chaque convention (pour une demande de fusion).

    Compare les données de la révision de référence à celles du dossier de travail, sans rien extraire.

    \b
    Exemple : convgen review --base origin/main >> "$GITHUB_STEP_SUMMARY"
    """
    with handled():
        from convgen.review.summary import review

        markdown, code = review(project_root(ctx), base, pages=pages_dir)
        click.echo(markdown, nl=False)
        if code:
            sys.exit(code)


@main.command("sign", context_settings=CONTEXT)
@click.argument("slug", metavar="INTERCOMMUNALITÉ")
@click.option("--date", "date_text", metavar="AAAA-MM-JJ", help="Date de la signature sur papier (mode manuscrite).")
@click.option(
    "--pdf",
    "pdf",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PDF signé électroniquement (ou, sur papier, le scan de l’original signé, archivé tel quel).",
)
@trust_option("pour vérifier la chaîne des signataires")
@click.option(
    "--certificat",
    "p12",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Signer soi-même un champ avec ce certificat PKCS#12 (mot de passe : CONVGEN_P12_PASSWORD, ou demandé).",
)
@click.option("--champ", "field", metavar="NOM", help="Champ à signer avec --certificat (ex. signature_departement).")
@click.option(
    "--horodatage",
    "timestamp_url",
    metavar="URL",
    help="Autorité d’horodatage RFC 3161 (niveau B-LTA) ; par défaut programme.horodatage de departement.yaml.",
)
@click.option(
    "--archiver",
    "backfill",
    is_flag=True,
    help="Archive dans registre/ le PDF des actes papier déjà signés, si build/ en garde les octets exacts.",
)
@WAIT_OPTION
@click.pass_context
def sign_command(
    ctx: click.Context,
    slug: str,
    date_text: str | None,
    pdf: Path | None,
    trust: tuple[Path, ...],
    p12: Path | None,
    field: str | None,
    timestamp_url: str | None,
    backfill: bool,
    attente: float,
) -> None:
    """Enregistre la signature de l’acte en attente (convention, puis avenants et mises à jour de l’annexe 3) dans registre/.

    L’acte en attente de l’intercommunalité est noté signé dans registre/<intercommunalité>.yaml.
    Sur papier : --date (et, si on veut, --pdf avec le scan). En électronique : --pdf avec le PDF signé
    revenu des signataires ; convgen vérifie que c’est bien l’acte produit, que chaque signature est intacte
    et que rien n’a changé depuis ; l’acte est signé à la date de la dernière signature, une seule signature
    est enregistrée comme signature incomplète. --certificat et --champ signent d’abord un champ.

    \b
    Exemples :
      convgen sign cc-maine-saosnois --date 2024-04-12
      convgen sign cc-maine-saosnois --pdf convention-signee.pdf --confiance autorite.pem
    """
    with handled():
        from convgen.recipes.sign import parse_date, sign, sign_with_certificate

        root = project_root(ctx)
        if backfill:
            if p12 is not None or pdf is not None or date_text is not None:
                raise click.UsageError("--archiver s’emploie seul")
            from convgen.recipes.backfill import archive_built_acts

            archive_built_acts(root, slug, echo=click.echo)
            return
        if p12 is not None:
            if field is None or pdf is not None or date_text is not None:
                raise click.UsageError("--certificat demande --champ, sans --pdf ni --date")
            password = os.environ.get("CONVGEN_P12_PASSWORD")
            if password is None:
                password = click.prompt("Mot de passe du certificat", hide_input=True, err=True)
            sign_with_certificate(
                root,
                slug,
                p12=p12,
                password=password.encode(),
                field=field,
                trust=trust,
                timestamp_url=timestamp_url,
                wait=attente,
                echo=click.echo,
            )
            return
        if field is not None:
            raise click.UsageError("--champ ne s’emploie qu’avec --certificat")
        date = parse_date(date_text) if date_text is not None else None
        sign(root, slug, date, pdf=pdf, trust=trust, timestamp_url=timestamp_url, wait=attente, echo=click.echo)


@main.command("verifier", context_settings=CONTEXT)
@click.argument("slugs", nargs=-1, metavar="[INTERCOMMUNALITÉ]...")
@trust_option("en plus des racines que le registre épingle")
@click.pass_context
def verify_command(ctx: click.Context, slugs: tuple[str, ...], trust: tuple[Path, ...]) -> None:
    """Revérifie hors ligne chaque acte des registres (registre/*.yaml) : fichiers, empreintes, signatures.

    Pour un acte électronique : le fichier reçu est le début de la copie archivée, sa première révision est le
    PDF construit, chaque signature est intacte et, à partir du niveau B-LT, la chaîne de certificats est valide
    à la date de signature d’après les seules données de validation jointes. Écrit le rapport de validation
    ETSI TS 119 102-2 à côté de chaque acte électronique. Sort avec le code 1 si un acte est en échec.
    Exemple : convgen verifier cc-maine-saosnois
    """
    with handled():
        from convgen.errors import SignatureError
        from convgen.recipes.verify import failures, verify

        message = failures(verify(project_root(ctx), slugs, trust=trust, echo=click.echo))
        if message:
            raise SignatureError(message)


@main.command("archiver", context_settings=CONTEXT)
@click.argument("slugs", nargs=-1, metavar="[INTERCOMMUNALITÉ]...")
@click.option(
    "--vers",
    "dest",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DOSSIER",
    help="Dossier où écrire les paquets de versement (créé au besoin).",
)
@trust_option("en plus des racines que le registre épingle")
@click.pass_context
def archive_command(ctx: click.Context, slugs: tuple[str, ...], dest: Path, trust: tuple[Path, ...]) -> None:
    """Prépare un paquet de versement SEDA 2.3 par intercommunalité et par période de sa convention.

    Chaque paquet (sarthe-<intercommunalité>-<période>.zip) contient le bordereau manifest.xml et, dans
    Content/, les fichiers archivés des actes signés, chacun avec son empreinte SHA-512, sa taille et son
    format. Chaque acte est d’abord revérifié comme le fait convgen verifier : un seul échec, et aucun paquet
    n’est écrit. Les services d’archives et versant sont ceux de la clé « archives » de departement.yaml.
    Exemple : convgen archiver --vers versements/
    """
    with handled():
        from convgen.recipes.archive import archive

        archive(project_root(ctx), slugs, dest=dest.resolve(), trust=trust, echo=click.echo)


@main.command("renouveler", context_settings=CONTEXT)
@click.option("--debut", "debut", required=True, metavar="AAAA-MM-JJ", help="Premier jour de la nouvelle période.")
@click.option("--fin", "fin", required=True, metavar="AAAA-MM-JJ", help="Dernier jour de la nouvelle période.")
@WAIT_OPTION
@click.pass_context
def renew_command(ctx: click.Context, debut: str, fin: str, attente: float) -> None:
    """Clôt la période en cours et ouvre la suivante (conventions de la nouvelle période).

    Les actes signés de la période close restent dans registre/, marqués de leur période ; departement.yaml
    et epci/*.yaml prennent la nouvelle période, leurs délibérations et les conventions avec l’État sont
    vidées : chaque convention reste un PROJET jusqu’à ses nouvelles délibérations. Relancer la commande avec
    les mêmes dates ne change rien.

    Exemple : convgen renouveler --debut 2026-12-01 --fin 2029-11-30
    """
    with handled():
        from convgen.recipes.renew import parse_day, renew

        renew(project_root(ctx), parse_day(debut, "--debut"), parse_day(fin, "--fin"), wait=attente, echo=click.echo)


@main.command("amend", context_settings=CONTEXT)
@build_options
@click.pass_context
def amend_command(
    ctx: click.Context, slugs: tuple[str, ...], formats: tuple[str, ...], jobs: int | None, force: bool, attente: float
) -> None:
    """Rédige les projets d’avenants des conventions signées dont les données ont changé.

    Compare les données au dernier acte signé (registre/<intercommunalité>.yaml) ; produit dans
    build/<intercommunalité>/ l’avenant et son comparatif (modifications suivies), puis la convention
    consolidée après un avenant signé.

    Exemple : convgen amend cc-maine-saosnois --format docx
    """
    with handled():
        from convgen.recipes.build import build_avenants

        exit_on_failure(build_avenants(project_root(ctx), slugs, options_of(formats, jobs, force, attente)))
