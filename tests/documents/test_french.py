"""Tests of the French words: dates, names, gender, typography, places, numbers, durations."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convgen.documents.french import (
    date_in_words,
    duration_in_words,
    format_phone,
    format_siren,
    gendered,
    typography,
    upper_name,
    upper_text,
    with_place_preposition,
)

NB = "\u00a0"


# --- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2024, 2, 23), "23 février 2024"),
        (dt.date(2023, 12, 1), "1er décembre 2023"),
        (dt.date(2026, 11, 30), "30 novembre 2026"),
        (dt.date(2024, 8, 1), "1er août 2024"),
        (dt.date(2024, 3, 12), "12 mars 2024"),
        (dt.date(2025, 1, 2), "2 janvier 2025"),
        (dt.date(2024, 10, 11), "11 octobre 2024"),
        (dt.date(2024, 1, 21), "21 janvier 2024"),
    ],
)
def test_date_in_words(day: dt.date, expected: str) -> None:
    assert date_in_words(day) == expected


# --- capitals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nom", "expected"),
    [
        ("Le Mèner", "LE MÈNER"),
        ("d'Aubigné-Ñúñez", "D'AUBIGNÉ-ÑÚÑEZ"),
        ("Lefèvre-Œuvray", "LEFÈVRE-ŒUVRAY"),
        ("Çelik", "ÇELIK"),
        ("Weiß", "WEISS"),
        ("  de   la Motte ", "DE LA MOTTE"),
        ("Le Me\u0300ner", "LE MÈNER"),  # decomposed input comes out composed
    ],
)
def test_upper_name(nom: str, expected: str) -> None:
    result = upper_name(nom)

    assert result == expected
    assert unicodedata.is_normalized("NFC", result)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Éléments informatifs", "ÉLÉMENTS INFORMATIFS"),
        ("État", "ÉTAT"),
        ("Communauté de communes Maine Saosnois", "COMMUNAUTÉ DE COMMUNES MAINE SAOSNOIS"),
        ("Département de la Sarthe", "DÉPARTEMENT DE LA SARTHE"),
        ("cœur", "CŒUR"),
        ("Communaute\u0301", "COMMUNAUTÉ"),
    ],
)
def test_upper_text(text: str, expected: str) -> None:
    result = upper_text(text)

    assert result == expected
    assert unicodedata.is_normalized("NFC", result)


# --- typography --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # apostrophes
        ("l'Intercommunalité", "l’Intercommunalité"),
        ("aujourd'hui l'État", "aujourd’hui l’État"),
        # high punctuation: a space replaced, a missing space inserted after a letter
        ("ENTRE :", f"ENTRE{NB}:"),
        ("ENTRE:", f"ENTRE{NB}:"),
        ("numérique ;", f"numérique{NB};"),
        ("numérique;", f"numérique{NB};"),
        ("Pourquoi ?", f"Pourquoi{NB}?"),
        ("Bravo!", f"Bravo{NB}!"),
        ("Quoi ?!", f"Quoi{NB}?!"),
        ("Quoi ? !", f"Quoi{NB}?{NB}!"),
        ("deux  espaces  :", f"deux  espaces{NB}:"),
        ("déjà\u202f:", f"déjà{NB}:"),
        ("(voir annexe):", f"(voir annexe){NB}:"),
        # never in times, double colons, numbers or at the start of a line
        ("à 10:30", "à 10:30"),
        ("a::b", "a::b"),
        ("ratio 3:2", "ratio 3:2"),
        (": début", ": début"),
        # guillemets
        ("« conseiller numérique »", f"«{NB}conseiller numérique{NB}»"),
        ("«mot»", f"«{NB}mot{NB}»"),
        ("«\u202fmot\u202f»", f"«{NB}mot{NB}»"),
        ('le "mot" juste', f"le «{NB}mot{NB}» juste"),
        ('" espacé "', f"«{NB}espacé{NB}»"),
        ("\u201cmot\u201d", f"«{NB}mot{NB}»"),
        ('un " seul', 'un " seul'),
        # characters left to the renderer
        ("A & B < C > D", "A & B < C > D"),
        ("& < > \" '", '& < > " ’'),
        ('& < > "x" \'', f"& < > «{NB}x{NB}» ’"),
        # text without anything to change
        ("", ""),
        ("Département de la Sarthe", "Département de la Sarthe"),
        ("Hôtel du Département – 72072 Le Mans Cedex 9", "Hôtel du Département – 72072 Le Mans Cedex 9"),
    ],
)
def test_typography(text: str, expected: str) -> None:
    assert typography(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://www.sarthe.fr/numerique-usages-services",
            "https://www.sarthe.fr/numerique-usages-services",
        ),
        ("voir https://anct.gouv.fr/a?b=1&c=d'e", "voir https://anct.gouv.fr/a?b=1&c=d'e"),
        (
            "(lien : <https://cdn.conseiller-numerique.gouv.fr/kit/logo.png>)",
            f"(lien{NB}: <https://cdn.conseiller-numerique.gouv.fr/kit/logo.png>)",
        ),
        ("site : https://www.sarthe.fr ; ok", f"site{NB}: https://www.sarthe.fr{NB}; ok"),
        ("« www.conseiller-numerique.gouv.fr »", f"«{NB}www.conseiller-numerique.gouv.fr{NB}»"),
        ('"https://x.fr/l\'a"', f"«{NB}https://x.fr/l'a{NB}»"),
        ("Écrire à jean.o'brien@cc-exemple.fr !", f"Écrire à jean.o'brien@cc-exemple.fr{NB}!"),
        ("mailto:claire.exemple@sarthe.fr", "mailto:claire.exemple@sarthe.fr"),
        ("ftp://x.fr:21/a", "ftp://x.fr:21/a"),
    ],
)
def test_typography_leaves_urls_and_addresses_untouched(text: str, expected: str) -> None:
    assert typography(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        'l\'Intercommunalité : « mot » ; "cité" ! https://x.fr/?a=b:c 10:30 a::b',
        "«mot»;x?y!z:w",
        '"" « » "a" ""',
        "déjà\u202f: fait !  ",
        "Le Mèner d'Aubigné: Ñúñez;",
        "« « imbriqué » »",
    ],
)
def test_typography_is_idempotent(text: str) -> None:
    once = typography(text)

    assert typography(once) == once


@given(st.text(alphabet=st.sampled_from(list("ab1 :;?!«»\"'/.@-\u00a0\u202f\u201c\u201d\n")) | st.characters()))
def test_typography_is_idempotent_on_any_text(text: str) -> None:
    once = typography(text)

    assert typography(once) == once


def test_typography_returns_nfc() -> None:
    assert typography("Communaute\u0301 :") == f"Communauté{NB}:"


# --- places ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lieu", "expected"),
    [
        ("Le Mans", "au Mans"),
        ("Les Sables-d'Olonne", "aux Sables-d’Olonne"),
        ("La Flèche", "à La Flèche"),
        ("Sablé-sur-Sarthe", "à Sablé-sur-Sarthe"),
        ("Le Grand-Lucé", "au Grand-Lucé"),
        ("L'Isle-Adam", "à L’Isle-Adam"),
        ("Lesneven", "à Lesneven"),
        ("Lemberg", "à Lemberg"),
        ("Marolles-les-Braults", "à Marolles-les-Braults"),
    ],
)
def test_with_place_preposition(lieu: str, expected: str) -> None:
    assert with_place_preposition(lieu) == expected


# --- numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("siren", "expected"),
    [
        ("200072676", f"200{NB}072{NB}676"),
        ("200 072 676", f"200{NB}072{NB}676"),
        (f"200{NB}072{NB}676", f"200{NB}072{NB}676"),
    ],
)
def test_format_siren(siren: str, expected: str) -> None:
    assert format_siren(siren) == expected


def test_format_siren_refuses_a_wrong_length() -> None:
    with pytest.raises(ValueError) as caught:
        format_siren("20007267")

    assert str(caught.value) == "SIREN invalide « 20007267 » : 9 chiffres attendus"


@pytest.mark.parametrize(
    ("telephone", "expected"),
    [
        ("02 43 12 34 56", f"02{NB}43{NB}12{NB}34{NB}56"),
        ("0243123456", f"02{NB}43{NB}12{NB}34{NB}56"),
        ("02.43.12.34.56", f"02{NB}43{NB}12{NB}34{NB}56"),
        ("+33 2 43 12 34 56", f"+33{NB}2{NB}43{NB}12{NB}34{NB}56"),
    ],
)
def test_format_phone(telephone: str, expected: str) -> None:
    assert format_phone(telephone) == expected


# --- gender ------------------------------------------------------------------------------------------


def test_gendered_both_ways() -> None:
    assert gendered("Madame", "Président", "Présidente") == "Présidente"
    assert gendered("Monsieur", "Président", "Présidente") == "Président"


def test_gendered_refuses_an_unknown_civility() -> None:
    with pytest.raises(ValueError) as caught:
        gendered("Mme", "Président", "Présidente")

    assert str(caught.value) == "civilité inconnue « Mme » : « Madame » ou « Monsieur » attendu"


# --- durations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("debut", "fin", "expected"),
    [
        (dt.date(2023, 12, 1), dt.date(2026, 11, 30), "3 années"),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), "1 année"),
        (dt.date(2023, 12, 1), dt.date(2027, 5, 31), "3 années et 6 mois"),
        (dt.date(2023, 12, 1), dt.date(2024, 12, 31), "1 année et 1 mois"),
        (dt.date(2024, 1, 1), dt.date(2024, 6, 30), "6 mois"),
        (dt.date(2024, 1, 31), dt.date(2024, 2, 28), "1 mois"),  # leap year: ends on 29 February
        (dt.date(2024, 1, 15), dt.date(2024, 3, 20), "2 mois et 6 jours"),
        (dt.date(2023, 1, 1), dt.date(2025, 2, 1), "2 années, 1 mois et 1 jour"),
        (dt.date(2024, 3, 1), dt.date(2024, 3, 1), "1 jour"),
    ],
)
def test_duration_in_words(debut: dt.date, fin: dt.date, expected: str) -> None:
    assert duration_in_words(debut, fin) == expected


def test_duration_in_words_refuses_an_empty_period() -> None:
    with pytest.raises(ValueError) as caught:
        duration_in_words(dt.date(2024, 3, 2), dt.date(2024, 3, 1))

    assert str(caught.value) == "période vide : la fin (2024-03-01) précède le début (2024-03-02)"
