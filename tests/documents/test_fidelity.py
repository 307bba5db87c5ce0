"""Fidelity of the templates to the legal text of the seed, and gender agreement both ways.

The reference text (``tests/fixtures/reference/…``, a copy of the convention text the legal service approved)
is what the templates reproduce. The templates keep it word for word, except the evident defects listed in
``templates/README.md``; the same fixes are applied to the seed here (``SEED_FIXES``) before comparing.

Both ways: every sentence of the seed is in the rendered text, and every sentence of the rendered text is in
the seed, or is one of the additions the README lists (``ADDITIONS``: blanks filled from the data, and the
decisions left to the legal service).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from tests.projects import judged_context

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "convention-conseiller-numerique-2024-2026.txt"

# Evident defects of the seed, fixed in the templates (same list, same order as templates/README.md).
SEED_FIXES: list[tuple[str, str]] = [
    # Wording and agreement.
    ("II A ÉTÉ CONVENU", "IL A ÉTÉ CONVENU"),
    ("en soirée et/le week-end", "en soirée et/ou le week-end"),
    ("cette feuille de route de route", "cette feuille de route"),
    ("RESSOURCES MATERIELS", "RESSOURCES MATÉRIELLES"),
    ("agissant ès qualité,", "agissant ès qualités,"),
    ("se sont achevés les deux premières années", "se sont achevées les deux premières années"),
    ("le 23 juin 2023 a décidé", "le 23 juin 2023, a décidé"),
    ("1,5 millions €", "1,5 million €"),
    ("mission locales", "missions locales"),
    ("s'engagent à ce que, le conseiller", "s'engagent à ce que le conseiller"),
    ("présente convention);", "présente convention ;"),
    (
        "dans différents lieux : mairies, bibliothèques-médiathèques, espaces France Services, marchés, "
        "centres commerciaux, établissements scolaires, centre de loisirs, centres sociaux ; etc.)",
        "dans différents lieux (mairies, bibliothèques-médiathèques, espaces France Services, marchés, "
        "centres commerciaux, établissements scolaires, centre de loisirs, centres sociaux, etc.)",
    ),
    ("(événements, réseaux...)\n", "(événements, réseaux...) ;\n"),
    ("en tant de besoin", "en tant que de besoin"),
    ("(disponible sur la plate-forme collaborative)", "(disponibles sur la plate-forme collaborative)"),
    ("aux actions qu'il entreprend", "aux actions qu'ils entreprennent"),
    ("à caractère\n\npersonnel résultant", "à caractère personnel résultant"),
    ("qui sont mis à sa disposition", "qui sont mises à sa disposition"),
    ("et, le cas échéant celle de", "et, le cas échéant, celle de"),
    (
        "au travers du dispositif Conseiller numérique France Services dans ses propres actions",
        "au travers du dispositif Conseiller numérique France Services dans leurs propres actions",
    ),
    (
        "etc.) : Le Département et l'Intercommunalité font figurer",
        "etc.) : le Département et l'Intercommunalité font figurer",
    ),
    ("France Services »;", "France Services » ;"),
    ("« www.conseiller-numerique.gouv.fr »\n", "« www.conseiller-numerique.gouv.fr » ;\n"),
    ("logo-france-reliance-gouv-ue.png", "logo-france-relance-gouv-ue.png"),
    ("des territoires, Le Département et l'Intercommunalité", "des territoires, le Département et l'Intercommunalité"),
    ("L'Intercommunalité, s'engage à mentionner", "L'Intercommunalité s'engage à mentionner"),
    ("(Lien de téléchargement : ", "(lien de téléchargement : "),
    ("utiliser-le-logo-du-departement>)\n", "utiliser-le-logo-du-departement>).\n"),
    (
        "La durée prévue du contrat de travail est de 3 années du 1^{er} décembre 2023",
        "La durée prévue du contrat de travail est de 3 années du 1er décembre 2023",
    ),
    ("dont un pour chacun des signataires\n", "dont un pour chacun des signataires.\n"),
    ("Garants de la qualité", "Garant de la qualité"),
    (
        "La majorité des communes et Communauté de communes estime",
        "La majorité des communes et Communautés de communes estime",
    ),
    ("des agents de leur collectivités", "des agents de leurs collectivités"),
    # Accents on capitals, in the text and in the headings.
    ("l'Etat", "l'État"),
    ("A la vue", "À la vue"),
    ("A ce titre", "À ce titre"),
    ("A sa demande", "À sa demande"),
    ("PREAMBULE", "PRÉAMBULE"),
    ("DEPARTEMENT", "DÉPARTEMENT"),
    ("DEPLOIEMENT", "DÉPLOIEMENT"),
    ("NUMERIQUE", "NUMÉRIQUE"),
    ("L'INTERCOMMUNALITE", "L'INTERCOMMUNALITÉ"),
    ("RECHERCHES", "RECHERCHÉS"),
    ("RESULTATS", "RÉSULTATS"),
    ("REALISATIONS", "RÉALISATIONS"),
    ("ALLOUES", "ALLOUÉS"),
    ("A LA MISE A DISPOSITION", "À LA MISE À DISPOSITION"),
    ("RELATIVES A LA COMMUNICATION", "RELATIVES À LA COMMUNICATION"),
    ("DEFINITION", "DÉFINITION"),
    ("STRATEGIE", "STRATÉGIE"),
    ("DESIGNATION DE REFERENTS", "DÉSIGNATION DE RÉFÉRENTS"),
    ("ECHANGES", "ÉCHANGES"),
    ("RESPONSABILITE", "RESPONSABILITÉ"),
    ("FINANCIERE", "FINANCIÈRE"),
    ("L'ETAT", "L'ÉTAT"),
    ("DUREE", "DURÉE"),
    ("REVISION", "RÉVISION"),
    ("RESILIATION", "RÉSILIATION"),
    ("REGLEMENT", "RÈGLEMENT"),
    ("ELEMENTS", "ÉLÉMENTS"),
    ("TABLE DES MATIERES", "TABLE DES MATIÈRES"),
    # One numbering and punctuation for every heading.
    ("Article 2.", "ARTICLE 2."),
    ("ARTICLE 5 : RESPONSABILITÉ - ASSURANCES", "ARTICLE 5 – RESPONSABILITÉ – ASSURANCES"),
    ("\n5.1 RESPONSABILITÉ\n", "\nARTICLE 5.1 : RESPONSABILITÉ\n"),
    ("\n5.2 ASSURANCES\n", "\nARTICLE 5.2 : ASSURANCES\n"),
    ("ARTICLE 7- DURÉE", "ARTICLE 7 – DURÉE"),
    ("ARTICLE 8 - RÉVISION – RÉSILIATION", "ARTICLE 8 – RÉVISION – RÉSILIATION"),
    ("ARTICLE 9 - RÈGLEMENT DES LITIGES", "ARTICLE 9 – RÈGLEMENT DES LITIGES"),
    (
        "\nANNEXE\n\nÉLÉMENTS INFORMATIFS RELATIFS AUX RESSOURCES HUMAINES\n",
        "\nANNEXE 1 – ÉLÉMENTS INFORMATIFS RELATIFS AUX RESSOURCES HUMAINES\n",
    ),
    (
        "\nÉLÉMENTS INFORMATIFS RELATIFS AUX RESSOURCES MATÉRIELLES\n",
        "\nANNEXE 2 – ÉLÉMENTS INFORMATIFS RELATIFS AUX RESSOURCES MATÉRIELLES\n",
    ),
]

# Typography of the whole text (not wording): URLs without Markdown brackets, spaced dashes.
SEED_REGEX_FIXES: list[tuple[str, str]] = [
    (r"<(https?://[^>\s]+)>", r"\1"),
    (r" - ", " – "),
]

TOC_START, TOC_END = "TABLE DES MATIERES", "II A ÉTÉ CONVENU"
SIGNATURES_START, SIGNATURES_END = "Fait en deux exemplaires", "\nANNEXE 1 –"
MIN_WORD_RATIO = 0.97


def fixed_seed() -> str:
    """Return the seed with its typed table of contents removed (a TOC field replaces it) and fixes applied."""
    text = SEED.read_text(encoding="utf-8")
    text = text[: text.index(TOC_START)] + TOC_START + "\n\n" + text[text.index(TOC_END) :]
    for old, new in SEED_FIXES:
        assert old in text, f"correction sans objet : {old!r}"
        text = text.replace(old, new)
    for pattern, repl in SEED_REGEX_FIXES:
        text = re.sub(pattern, repl, text)
    return text


def normalize(text: str) -> str:
    """Return the text with apostrophes and spaces of one kind each, "45 %" spaced, no invisible characters.

    Web addresses hold a word joiner after their hyphens and a zero-width space after their slashes (where a
    line may break): neither is printed.
    """
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    text = text.replace("\u2060", "").replace("\u200b", "")
    text = re.sub(r"(\d) ?%", r"\1 %", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Return the words of a text, case and accents folded (headings change case and gain accents)."""
    folded = unicodedata.normalize("NFKD", normalize(text).casefold())
    return re.findall(r"\w+", "".join(c for c in folded if not unicodedata.combining(c)))


def lcs_length(a: list[str], b: list[str]) -> int:
    """Return the length of the longest common subsequence of two word lists (bit-parallel)."""
    masks: dict[str, int] = {}
    for index, word in enumerate(a):
        masks[word] = masks.get(word, 0) | (1 << index)
    full = (1 << len(a)) - 1
    v = full
    for word in b:
        u = v & masks.get(word, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def sentences(text: str) -> list[str]:
    """Return the sentences of the articles and annexes of a (fixed) seed, signatures left out."""
    start = text.index("ARTICLE 1 – OBJET")
    body = text[start:]
    body = body[: body.index(SIGNATURES_START)] + body[body.index(SIGNATURES_END) :]
    found = []
    for block in re.split(r"\n\s*\n", body):
        for item in re.split(r"\n(?=- )", block.strip()):
            item = normalize(item.removeprefix("- "))
            found += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ«])", item) if s]
    return found


@pytest.fixture(scope="module")
def rendered_text() -> str:
    """Return the text of the sample convention (Madame), rendered from the templates."""
    from convgen.documents.docxtext import docx_text
    from convgen.documents.render import render_convention
    from tests.documents.test_render import TEMPLATES, make_context

    return docx_text(render_convention(TEMPLATES, make_context("madame")))


def test_lcs_is_exact_on_small_lists() -> None:
    assert lcs_length(["a", "b", "c", "b", "d", "a", "b"], ["b", "d", "c", "a", "b", "a"]) == 4
    assert lcs_length([], ["a"]) == 0
    assert lcs_length(["a"], ["a"]) == 1


def test_words_of_the_seed_appear_in_order(rendered_text: str) -> None:
    seed_words = words(fixed_seed())
    common = lcs_length(seed_words, words(rendered_text))
    assert common / len(seed_words) >= MIN_WORD_RATIO, f"{common}/{len(seed_words)}"


def test_every_sentence_of_the_articles_and_annexes_appears(rendered_text: str) -> None:
    text = normalize(rendered_text.replace("\n", " \n "))
    missing = [s for s in sentences(fixed_seed()) if s not in text]
    assert missing == []


def gendered_text(epci_civilite: str, departement_civilite: str) -> str:
    """Return the text of a convention with presidents of the given civilities."""
    from convgen.data.model import Departement, Epci, Programme
    from convgen.documents.docxtext import docx_text
    from convgen.documents.render import render_convention
    from tests.documents.test_render import TEMPLATES, sample_data

    departement, programme, epci = sample_data("madame")
    departement = {**departement, "president": {**departement["president"], "civilite": departement_civilite}}
    epci = {**epci, "president": {**epci["president"], "civilite": epci_civilite}}
    context = judged_context(
        Departement.model_validate(departement), Programme.model_validate(programme), Epci.model_validate(epci)
    )
    return normalize(docx_text(render_convention(TEMPLATES, context)))


def test_gender_agreement_madame_presidents() -> None:
    text = gendered_text("Madame", "Madame")
    assert "représentée par sa Présidente, Madame Anne EXEMPLE, agissant ès qualités" in text
    assert "représenté par la Présidente du Conseil départemental, Madame Dominique LE MÈNER" in text
    assert "La Présidente de la Communauté de communes Maine Saosnois" in text
    assert "La Présidente du Conseil départemental de la Sarthe" in text
    for wrong in ("son Président,", "le Président du Conseil", "Le Président de la", "Le Président du"):
        assert wrong not in text


def test_gender_agreement_monsieur_presidents() -> None:
    text = gendered_text("Monsieur", "Monsieur")
    assert "représentée par son Président, Monsieur Anne EXEMPLE, agissant ès qualités" in text
    assert "représenté par le Président du Conseil départemental, Monsieur Dominique LE MÈNER" in text
    assert "Le Président de la Communauté de communes Maine Saosnois" in text
    assert "Le Président du Conseil départemental de la Sarthe" in text
    for wrong in ("sa Présidente", "la Présidente", "La Présidente"):
        assert wrong not in text


# --- the other way: nothing in the rendered text that the seed does not have -------------------------------

README = Path(__file__).resolve().parents[2] / "templates" / "README.md"
BLANKS_SECTION = "### Ajouts (là où le texte d’origine laissait un blanc)"
DECISIONS_SECTION = "## Décisions à valider par le service juridique"

_ROLES = [
    f"{{{party}.{role}.{role}_titre}} {{{party}.{role}.nom_complet}} {{{party}.{role}.fonction}} "
    f"{{{party}.{role}.courriel}} / {{{party}.{role}.telephone}}"
    for party in ("epci", "departement")
    for role in ("referent", "suppleant")
]

# Sentences of the rendered documents that the seed does not have, each quoted in templates/README.md:
# (README section, words quoted there, pattern of the whole sentence). In a pattern, ``{epci.nom}`` is a value
# of the context, ``{epci.ressources.materiels[]}`` any item of that list, ``{blanc}`` a blank to fill in by
# hand (« …… »), ``{page}`` a page number; ``{a|b}`` is either.
ADDITIONS: list[tuple[str, str, str]] = [
    # Blanks of the seed filled from the data.
    (BLANKS_SECTION, "‹nom› – DÉPARTEMENT DE LA SARTHE", "{epci.nom} – {departement.nom_majuscules}"),
    (
        BLANKS_SECTION,
        "SUR LE TERRITOIRE DE LA ‹NOM›",
        "POUR L'ORGANISATION DE L'INTERVENTION D'UN CONSEILLER NUMÉRIQUE SUR LE TERRITOIRE DE LA {epci.nom_majuscules}",
    ),
    (
        BLANKS_SECTION,
        "‹Titre› ‹de la Communauté de communes …› / ‹Prénom NOM›",
        "{epci.president.Le_titre} {epci.de_nom} {departement.president.Le_titre} du Conseil départemental de la Sarthe",
    ),
    (  # the names on their own row, under the titles
        BLANKS_SECTION,
        "‹Titre› ‹de la Communauté de communes …› / ‹Prénom NOM›",
        "{epci.president.signature} {departement.president.signature}",
    ),
    (BLANKS_SECTION, "Fait au Mans, le ……", "Fait {departement.lieu_signature_prepose}, le {blanc}"),
    (DECISIONS_SECTION, "« PROJET – NE PAS SIGNER »", "PROJET – NE PAS SIGNER"),
    # Wording added by the tool: decisions for the legal service.
    (
        DECISIONS_SECTION,
        "(SIREN ‹numéro›, siège : ‹commune›)",
        "La {epci.nom} (SIREN {epci.siren}, siège : {epci.siege}), représentée par {epci.president.son_titre}, "
        "{epci.president.nom_complet}, agissant ès qualités, en vertu de la délibération en date du "
        "{epci.deliberation|blanc},",
    ),
    (
        DECISIONS_SECTION,
        "ANNEXE 3 – RESSOURCES MISES À DISPOSITION ET RÉFÉRENTS DÉSIGNÉS",
        "ANNEXE 3 – RESSOURCES MISES À DISPOSITION ET RÉFÉRENTS DÉSIGNÉS",
    ),
    (DECISIONS_SECTION, "‹nom de l’intercommunalité›", "{epci.nom}"),
    (
        DECISIONS_SECTION,
        "1. RESSOURCES MISES À DISPOSITION PAR L’INTERCOMMUNALITÉ (ARTICLE 3.2)",
        "1. RESSOURCES MISES À DISPOSITION PAR L'INTERCOMMUNALITÉ (ARTICLE 3.2)",
    ),
    (DECISIONS_SECTION, "« Matériels »", "Matériels"),
    (DECISIONS_SECTION, "« Communication »", "Communication"),
    (DECISIONS_SECTION, "‹ressource›", "{epci.ressources.materiels[]|epci.ressources.communication[]}"),
    (DECISIONS_SECTION, "« Néant. »", "Néant."),
    (DECISIONS_SECTION, "2. RÉFÉRENTS DÉSIGNÉS (ARTICLE 4.2)", "2. RÉFÉRENTS DÉSIGNÉS (ARTICLE 4.2)"),
    (DECISIONS_SECTION, "Rôle | Nom | Fonction | Coordonnées", "Rôle Nom Fonction Coordonnées"),
    (DECISIONS_SECTION, "« Pour la ‹nom› »", "Pour la {epci.nom}"),
    (DECISIONS_SECTION, "« Pour le Département de la Sarthe »", "Pour le {departement.nom}"),
    *(
        (DECISIONS_SECTION, "‹Référent› | ‹Madame Prénom NOM› | ‹fonction› | ‹courriel› / ‹téléphone›", r)
        for r in _ROLES
    ),
    (
        DECISIONS_SECTION,
        "ANNEXE 4 – SYNTHÈSE DE LA CONCERTATION DES COMMUNES ET INTERCOMMUNALITÉS",
        "ANNEXE 4 – SYNTHÈSE DE LA CONCERTATION DES COMMUNES ET INTERCOMMUNALITÉS",
    ),
    (
        DECISIONS_SECTION,
        "[Figure manquante : ‹fichier›]",
        "[Figure manquante : {figures.nuage.fichier|figures.carte.fichier}]",
    ),
    (
        DECISIONS_SECTION,
        "« La présente convention est signée électroniquement par chacune des parties ; elle est datée du jour de "
        "la dernière signature. »",
        "La présente convention est signée électroniquement par chacune des parties ; elle est datée du jour de la "
        "dernière signature.",
    ),
    (DECISIONS_SECTION, "« PROJET »", "PROJET"),
    (
        DECISIONS_SECTION,
        "Convention conseiller numérique 2024-2026 — ‹nom court› — page X sur Y",
        "Convention conseiller numérique {programme.millesime} — {epci.nom_court} — page {page} sur {page}",
    ),
]

_SLOT = re.compile(r"\{([^{}]+)\}")


def _flat(text: str) -> str:
    """Return the text as ``normalize`` sees it, edges kept (a pattern is made of pieces)."""
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    text = text.replace("\u2060", "").replace("\u200b", "")
    return re.sub(r"\s+", " ", text)


def _value(context: dict[str, Any], path: str) -> list[str]:
    """Return the values a slot of a pattern stands for."""
    if path == "blanc":
        return ["…" * 2 + "…*"]
    if path == "page":
        return [r"\d+"]
    node: Any = context
    for key in path.removesuffix("[]").split("."):
        node = node[key]
    items = node if path.endswith("[]") else [node]
    return [re.escape(_flat(str(item)).strip()) for item in items if str(item)]


def addition_pattern(pattern: str, context: dict[str, Any]) -> re.Pattern[str]:
    """Return the regular expression of a pattern of ``ADDITIONS`` for the values of ``context``."""
    regex = ""
    for index, piece in enumerate(_SLOT.split(pattern)):
        if index % 2 == 0:
            regex += re.escape(_flat(piece))
        else:
            choices = [v for path in piece.split("|") for v in _value(context, path)]
            regex += "(?:" + "|".join(choices or ["(?!)"]) + ")"
    return re.compile(regex)


def rendered_sentences(text: str) -> list[str]:
    """Return the sentences of a rendered document's text (``docx_text``), table of contents left out."""
    found: list[str] = []
    for line in text.splitlines():
        if re.fullmatch(r"\[[^\]]+\]", line) or re.search(r"\t\d+$", line):
            continue  # part label; an entry of the table of contents (the headings themselves are checked)
        pieces = re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ«])", normalize(line.removeprefix("– ")))
        merged: list[str] = []
        for piece in pieces:
            if merged and re.fullmatch(r"\d+\.", merged[-1]):
                merged[-1] += " " + piece  # « 1. RESSOURCES … »: a numbered heading is one sentence
            elif piece:
                merged.append(piece)
        found += merged
    return found


def unlisted_sentences(text: str, context: dict[str, Any]) -> list[str]:
    """Return the sentences of ``text`` that are neither in the fixed seed nor listed in ``ADDITIONS``."""
    seed = normalize(fixed_seed())
    patterns = [addition_pattern(pattern, context) for _, _, pattern in ADDITIONS]
    return [s for s in rendered_sentences(text) if s not in seed and not any(p.fullmatch(s) for p in patterns)]


def readme_section(title: str) -> str:
    """Return the text of a section of templates/README.md, down to the next heading of its level or above."""
    text = README.read_text(encoding="utf-8")
    start = text.index(title + "\n")
    level = title.split(" ")[0]
    ends = [m.start() for m in re.finditer(rf"^#{{1,{len(level)}}} ", text, re.M) if m.start() > start]
    return text[start : min(ends, default=len(text))]


def rendered_text_of(name: str, templates: Path | None = None, **epci_changes: Any) -> tuple[str, dict[str, Any]]:
    """Return the text of a sample convention and its context (its figures checked against ``templates``)."""
    from convgen.data.model import Departement, Epci, Programme
    from convgen.documents.docxtext import docx_text
    from convgen.documents.render import render_convention
    from tests.documents.test_render import TEMPLATES, sample_data

    folder = templates or TEMPLATES
    departement, programme, epci = sample_data(name)
    epci = {k: v for k, v in {**epci, **epci_changes}.items() if v is not None}
    context = judged_context(
        Departement.model_validate(departement),
        Programme.model_validate(programme),
        Epci.model_validate(epci),
        templates_dir=folder,
    )
    return docx_text(render_convention(folder, context)), context


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("madame", {}),
        ("monsieur", {}),
        ("madame", {"deliberation": None}),
        ("monsieur", {"mode_signature": "manuscrite"}),
    ],
    ids=["madame", "monsieur", "projet", "manuscrite"],
)
def test_every_sentence_rendered_is_in_the_seed_or_listed(name: str, changes: dict[str, Any]) -> None:
    text, context = rendered_text_of(name, **changes)
    assert unlisted_sentences(text, context) == []


def test_every_sentence_of_a_draft_without_figures_is_in_the_seed_or_listed(tmp_path: Path) -> None:
    import shutil

    from tests.documents.test_render import TEMPLATES

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates, ignore=shutil.ignore_patterns("*.png"))
    text, context = rendered_text_of("monsieur", templates)
    assert context["projet"] is True
    assert "Figure manquante" in text
    assert unlisted_sentences(text, context) == []


def test_an_invented_sentence_is_caught() -> None:
    text, context = rendered_text_of("madame")
    invented = re.sub(
        r"(ayant répondu sont les suivants\s*:\n)",
        r"\1Le nuage de ces mots n’est pas reproduit dans la présente convention.\n",
        text,
    )
    qualified = text.replace("INTERCOMMUNALITÉS\n", "INTERCOMMUNALITÉS (À TITRE INFORMATIF)\n", 1)
    assert unlisted_sentences(invented, context) == [
        "Le nuage de ces mots n'est pas reproduit dans la présente convention."
    ]
    assert unlisted_sentences(qualified, context) == [
        "ANNEXE 4 – SYNTHÈSE DE LA CONCERTATION DES COMMUNES ET INTERCOMMUNALITÉS (À TITRE INFORMATIF)"
    ]


@pytest.mark.parametrize(("section", "quote", "pattern"), ADDITIONS, ids=[a[2][:40] for a in ADDITIONS])
def test_every_addition_is_quoted_in_the_readme(section: str, quote: str, pattern: str) -> None:
    assert quote in readme_section(section), f"{quote!r} absent de la section « {section} » de templates/README.md"
