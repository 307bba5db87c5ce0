"""The typed data of the conventions: Département, programme, intercommunalities (EPCI).

Field names are the YAML keys legal staff write (French), one to one. Every rule of validity lives
here; errors are raised as ``PydanticCustomError("convgen", …)`` whose context carries the French
``message``, a ``hint`` and, when the error belongs to a sub-key, the relative path ``at`` of that key.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from convgen.data.fields import (
    FIGURES_DIR,
    ChangementReferents,
    Civilite,
    Courriel,
    Date,
    FigureFile,
    KeyPath,
    LongText,
    ModeSignature,
    OptionalDate,
    PersonName,
    ShortText,
    Siren,
    Telephone,
    check_keys_to_confirm,
    error,
    fold,
)
from convgen.data.patterns import schema_rule

# Examples shown by editors for the keys that hold other keys; fictitious people and numbers.
_PRESIDENT_EXAMPLE = {"civilite": "Madame", "prenom": "Anne", "nom": "Exemple"}
_REFERENT_EXAMPLE = {
    "civilite": "Monsieur",
    "prenom": "Jean",
    "nom": "Modèle",
    "fonction": "Chargé de mission numérique",
    "courriel": "jean.modele@exemple.fr",
    "telephone": "02 61 91 12 34",
}
_SUPPLEANT_EXAMPLE = {
    "civilite": "Madame",
    "prenom": "Claire",
    "nom": "Factice",
    "fonction": "Directrice des services à la population",
    "courriel": "claire.factice@exemple.fr",
    "telephone": "02 61 91 12 35",
}
_RESSOURCES_EXAMPLE = {
    "materiels": ["Salle de réunion du siège communautaire équipée d’un vidéoprojecteur"],
    "communication": ["Article dans le magazine intercommunal"],
}
DEPARTEMENT_EXAMPLE = {
    "nom": "Département de la Sarthe",
    "president": _PRESIDENT_EXAMPLE,
    "deliberation": "2024-02-23",
    "lieu_signature": "Le Mans",
    "adresse": "Hôtel du Département – 72072 Le Mans Cedex 9",
    "referent": _REFERENT_EXAMPLE,
    "suppleant": _SUPPLEANT_EXAMPLE,
}
PROGRAMME_EXAMPLE = {
    "debut": "2023-12-01",
    "fin": "2026-11-30",
    "convention_etat": "2024-02-23",
    "convention_etat_coordinateur": "2024-02-23",
}


class StrictModel(BaseModel):
    """Base: unknown keys refused, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Personne(StrictModel):
    """A person named in a convention (a president)."""

    model_config = ConfigDict(
        title="Personne", json_schema_extra={"description": "Personne nommée dans la convention."}
    )

    civilite: Civilite = Field(
        title="Civilité",
        description="« Madame » ou « Monsieur ».",
        examples=["Madame"],
        json_schema_extra={"errorMessage": "écrivez « Madame » ou « Monsieur »"},
    )
    prenom: PersonName = Field(
        title="Prénom",
        description="Prénom, tel qu’il doit être imprimé : lettres, espaces, apostrophes, tirets et points.",
        examples=["Claire"],
    )
    nom: PersonName = Field(
        title="Nom",
        description=(
            "Nom de famille en minuscules accentuées ; les capitales sont mises à l’impression. "
            "Lettres, espaces, apostrophes, tirets et points."
        ),
        examples=["Exemple"],
    )

    def same_person(self, other: Personne) -> bool:
        """Return True when both name the same person (case, accents and punctuation ignored)."""
        return (fold(self.prenom), fold(self.nom)) == (fold(other.prenom), fold(other.nom))


class Contact(Personne):
    """A referent or deputy, with the means to reach them (personal data: RGPD)."""

    model_config = ConfigDict(
        title="Contact",
        json_schema_extra={"description": "Référent ou suppléant : personne à contacter pour le dispositif."},
    )

    fonction: ShortText = Field(
        title="Fonction",
        description="Fonction exercée, accordée au genre.",
        examples=["Directrice des services à la population"],
    )
    courriel: Courriel = Field(
        title="Courriel",
        description="Adresse électronique ; le domaine est réécrit en minuscules.",
        examples=["prenom.nom@cc-exemple.fr"],
    )
    telephone: Telephone = Field(
        title="Téléphone",
        description=(
            "Numéro de téléphone français entre guillemets : 10 chiffres commençant par 0, "
            "ou +33 suivi de 9 chiffres ; espaces, points et tirets permis. Réécrit sous la forme 02 43 12 34 56."
        ),
        examples=["02 43 12 34 56"],
    )


def _check_items(items: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse an item repeated in the same list."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        key = fold(item) or item
        if key in seen:
            raise error(f"élément « {item} » en double dans la liste", "supprimez l’une des deux lignes", (index,))
        seen.add(key)
    return items


class Ressources(StrictModel):
    """What the intercommunality lends the adviser (Article 3.2, annex)."""

    model_config = ConfigDict(
        title="Ressources",
        json_schema_extra={
            "description": "Ressources prêtées gracieusement au conseiller numérique (article 3.2).",
            "anyOf": [  # _not_empty: at least one resource across both lists
                {"required": ["materiels"], "properties": {"materiels": {"minItems": 1}}},
                {"required": ["communication"], "properties": {"communication": {"minItems": 1}}},
            ],
        },
    )

    materiels: tuple[LongText, ...] = Field(
        title="Matériels et locaux",
        default=(),
        description=(
            "Locaux, matériels et accès prêtés, un élément par ligne précédé de « - », 500 caractères au plus, "
            "sans doublon ; au moins un élément ici ou sous « communication »."
        ),
        examples=[["Salle de réunion du siège communautaire équipée d’un vidéoprojecteur"]],
        json_schema_extra={"uniqueItems": True},  # the exact repeats of _check_items; case and accents: check
    )
    communication: tuple[LongText, ...] = Field(
        title="Communication",
        default=(),
        description=(
            "Supports de communication mobilisés, un élément par ligne précédé de « - », 500 caractères au plus, "
            "sans doublon ; au moins un élément ici ou sous « materiels »."
        ),
        examples=[["Article dans le magazine intercommunal"]],
        json_schema_extra={"uniqueItems": True},
    )

    @field_validator("materiels", "communication")
    @classmethod
    def _no_duplicate(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        """Refuse an item repeated in the same list."""
        return _check_items(items)

    @model_validator(mode="after")
    def _not_empty(self) -> Ressources:
        """Require at least one resource across both lists."""
        if not self.materiels and not self.communication:
            raise error(
                "aucune ressource n’est indiquée",
                "ajoutez au moins un élément sous « materiels » ou « communication » (article 3.2)",
            )
        return self


def _distinct_contacts(referent: Contact, suppleant: Contact) -> None:
    """Refuse a deputy who is the referent."""
    if referent.same_person(suppleant):
        raise error(
            "le suppléant est la même personne que le référent",
            "désignez comme suppléant une autre personne",
            ("suppleant",),
        )


class ArretePrefectoral(StrictModel):
    """The prefectoral order that changed the intercommunality's statutes (CGCT, art. L. 5211-20)."""

    model_config = ConfigDict(
        title="Arrêté préfectoral",
        json_schema_extra={
            "description": "Arrêté préfectoral modifiant les statuts (article L. 5211-20 du CGCT), cité par l’avenant."
        },
    )

    date: Date = Field(title="Date", description="Date de l’arrêté (AAAA-MM-JJ).", examples=["2025-01-15"])
    reference: ShortText = Field(
        title="Numéro",
        description="Numéro de l’arrêté, tel qu’il figure sur l’arrêté (sans « n° »).",
        examples=["DCPPAT 2025-0012"],
    )


class Epci(StrictModel):
    """One communauté de communes: the content of ``epci/<slug>.yaml``."""

    model_config = ConfigDict(
        title="Intercommunalité",
        json_schema_extra={"description": "Fiche d’une communauté de communes partenaire (fichier epci/<slug>.yaml)."},
    )

    nom: ShortText = Field(
        title="Nom",
        description="Nom complet, imprimé tel quel dans la convention.",
        examples=["Communauté de communes Maine Saosnois"],
    )
    nom_court: ShortText = Field(
        title="Nom court", description="Nom court (pied de page, titres de fichiers).", examples=["CC Maine Saosnois"]
    )
    siren: Siren = Field(
        title="SIREN",
        description="Numéro SIREN entre guillemets : 9 chiffres, le dernier étant la clé de contrôle (Luhn).",
        examples=["200072676"],
    )
    siege: ShortText = Field(title="Siège", description="Commune du siège.", examples=["Marolles-les-Braults"])
    president: Personne = Field(
        title="Président ou présidente",
        description="Président ou présidente, signataire de la convention.",
        examples=[_PRESIDENT_EXAMPLE],
    )
    deliberation: OptionalDate = Field(
        title="Délibération",
        default=None,
        description=(
            "Date de la délibération autorisant la signature (AAAA-MM-JJ), au plus tard la fin du programme ; "
            "absente : projet."
        ),
        examples=["2024-03-12"],
    )
    deliberation_avenant: OptionalDate = Field(
        title="Délibération du prochain avenant",
        default=None,
        description=(
            "Date de la délibération autorisant le prochain avenant (AAAA-MM-JJ), au plus tard la fin du programme."
        ),
        examples=["2025-03-11"],
    )
    referent: Contact = Field(
        title="Référent", description="Référent de l’intercommunalité (article 4.2).", examples=[_REFERENT_EXAMPLE]
    )
    suppleant: Contact = Field(
        title="Suppléant",
        description="Suppléant du référent (article 4.2) : une autre personne que le référent.",
        examples=[_SUPPLEANT_EXAMPLE],
    )
    ressources: Ressources = Field(
        title="Ressources",
        description="Ressources mises à disposition (article 3.2 et annexe).",
        examples=[_RESSOURCES_EXAMPLE],
    )

    a_confirmer: tuple[KeyPath, ...] | None = Field(
        title="Valeurs à confirmer",
        default=None,
        description=(
            "Clés de ce fichier dont la valeur reste à confirmer (siege, nom, president.nom…) ; "
            "tant que la liste n’est pas vide, la convention et ses avenants restent en projet."
        ),
        examples=[["siege", "nom"]],
    )
    mode_signature: ModeSignature | None = Field(
        default=None,
        title="Mode de signature",
        description="« electronique » ou « manuscrite » ; absent : celui du programme (departement.yaml).",
        examples=["manuscrite"],
    )
    arrete_prefectoral: ArretePrefectoral | None = Field(
        default=None,
        title="Arrêté préfectoral",
        description=(
            "Arrêté préfectoral qui a modifié les statuts (dénomination) : date (AAAA-MM-JJ) et numéro ; "
            "cité dans les visas de l’avenant qui prend acte du changement de nom."
        ),
        examples=[{"date": "2025-01-15", "reference": "DCPPAT 2025-0012"}],
    )

    @model_validator(mode="after")
    def _keys_to_confirm(self) -> Epci:
        """Require every key to confirm to be a key of this file, listed once."""
        check_keys_to_confirm(self, self.a_confirmer or ())
        return self

    @model_validator(mode="after")
    def _distinct(self) -> Epci:
        """Refuse a deputy who is the referent."""
        _distinct_contacts(self.referent, self.suppleant)
        return self


class Departement(StrictModel):
    """The Département, first party to every convention."""

    model_config = ConfigDict(
        title="Département",
        json_schema_extra={"description": "Le Département, première partie à chaque convention."},
    )

    nom: ShortText = Field(title="Nom", description="Nom de la collectivité.", examples=["Département de la Sarthe"])
    president: Personne = Field(
        title="Président ou présidente",
        description="Président ou présidente du Conseil départemental.",
        examples=[_PRESIDENT_EXAMPLE],
    )
    deliberation: OptionalDate = Field(
        title="Délibération",
        default=None,
        description=(
            "Date de la délibération de la Commission permanente (AAAA-MM-JJ), au plus tard la fin du programme ; "
            "absente (après un renouvellement), les conventions restent en projet."
        ),
        examples=["2024-02-23"],
    )
    deliberation_avenant: OptionalDate = Field(
        title="Délibération des prochains avenants",
        default=None,
        description=(
            "Date de la délibération de la Commission permanente autorisant les prochains avenants (AAAA-MM-JJ) ; "
            "absente, les avenants restent en projet."
        ),
        examples=["2025-03-10"],
    )
    lieu_signature: ShortText = Field(title="Lieu de signature", description="Lieu de signature.", examples=["Le Mans"])
    adresse: ShortText = Field(
        title="Adresse", description="Adresse postale.", examples=["Hôtel du Département – 72072 Le Mans Cedex 9"]
    )
    referent: Contact = Field(
        title="Référent",
        description="Référent du Département : chef du service DNUT (article 4.2).",
        examples=[_REFERENT_EXAMPLE],
    )
    suppleant: Contact = Field(
        title="Suppléant",
        description="Suppléant : conseiller numérique coordinateur (article 4.2), une autre personne que le référent.",
        examples=[_SUPPLEANT_EXAMPLE],
    )

    @model_validator(mode="after")
    def _distinct(self) -> Departement:
        """Refuse a deputy who is the referent."""
        _distinct_contacts(self.referent, self.suppleant)
        return self


class Figure(StrictModel):
    """A figure of the convention: its image file and the text that describes it (alternative text)."""

    model_config = ConfigDict(
        title="Figure",
        json_schema_extra={"description": "Image insérée dans la convention, avec son texte alternatif."},
    )

    fichier: FigureFile = Field(
        title="Fichier",
        description=f"Image PNG ou JPEG du dossier {FIGURES_DIR}/ ; absente, les conventions restent en projet.",
        examples=[f"{FIGURES_DIR}/carte-offres.png"],
    )
    texte_alternatif: LongText = Field(
        title="Texte alternatif",
        description="Ce que montre l’image, lu à la place de l’image par les lecteurs d’écran (PDF accessible).",
        examples=["Carte de la Sarthe situant les 228 offres d’accès à un accompagnement numérique."],
    )


NUAGE = Figure(
    fichier=f"{FIGURES_DIR}/nuage-de-mots.png",
    texte_alternatif=("Nuage des mots les plus souvent cités par les collectivités ayant répondu à la concertation."),
)
CARTE = Figure(
    fichier=f"{FIGURES_DIR}/carte-offres.png",
    texte_alternatif="Carte de la Sarthe situant les 228 offres d’accès à un accompagnement numérique.",
)


class Figures(StrictModel):
    """The two figures of the synthesis of the consultation (annex 4)."""

    model_config = ConfigDict(
        title="Figures",
        json_schema_extra={"description": "Les deux figures de la synthèse de la concertation (annexe 4)."},
    )

    nuage: Figure = Field(
        default=NUAGE,
        title="Nuage de mots",
        description="Après « Les mots les plus souvent cités par les collectivités ayant répondu sont les suivants : ».",
    )
    carte: Figure = Field(
        default=CARTE,
        title="Carte des offres",
        description="Sous la légende « Carte des 228 offres d’accès à un accompagnement numérique en Sarthe ».",
    )


_URL_PATTERN = r"^https?://[^\s]+$"
TimestampUrl = Annotated[
    str,
    Field(
        strict=True,
        min_length=8,
        max_length=500,
        pattern=_URL_PATTERN,
        json_schema_extra=schema_rule(
            lambda: _URL_PATTERN,
            "adresse http:// ou https:// sans espace attendue",
            "une adresse, par exemple https://horodatage.exemple.fr/tsa",
        ),
    ),
]


class ProlongationEtat(StrictModel):
    """The State's act extending its co-financing of the programme, which an avenant extending Article 7 cites."""

    model_config = ConfigDict(
        title="Prolongation par l’État",
        json_schema_extra={
            "description": "Acte de l’État prolongeant le cofinancement du dispositif, cité par l’avenant qui "
            "prolonge la durée (article 7)."
        },
    )

    date: Date = Field(title="Date", description="Date de l’acte (AAAA-MM-JJ).", examples=["2026-10-15"])
    reference: ShortText = Field(
        title="Numéro",
        description="Numéro de l’acte, tel qu’il figure sur l’acte (sans « n° »).",
        examples=["2026-CNFS-072"],
    )


class Programme(StrictModel):
    """The programme: contract period and the two State conventions."""

    model_config = ConfigDict(
        title="Programme",
        json_schema_extra={"description": "Période du dispositif et dates des deux conventions avec l’État."},
    )

    debut: Date = Field(
        title="Début", description="Début de la période couverte (AAAA-MM-JJ).", examples=["2023-12-01"]
    )
    fin: Date = Field(
        title="Fin", description="Fin de la période couverte (AAAA-MM-JJ), après son début.", examples=["2026-11-30"]
    )
    convention_etat: OptionalDate = Field(
        title="Convention avec l’État",
        default=None,
        description=(
            "Date de la convention de subvention « conseiller numérique France services » de la période ; "
            "absente, les conventions restent en projet."
        ),
        examples=["2024-02-23"],
    )
    convention_etat_coordinateur: OptionalDate = Field(
        title="Convention avec l’État (coordinateur)",
        default=None,
        description=(
            "Date de la convention de subvention « conseiller numérique coordinateur » de la période ; "
            "absente, les conventions restent en projet."
        ),
        examples=["2024-02-23"],
    )

    prolongation_etat: ProlongationEtat | None = Field(
        default=None,
        title="Prolongation par l’État",
        description=(
            "Acte de l’État prolongeant le cofinancement : date (AAAA-MM-JJ) et numéro ; cité dans les visas de "
            "l’avenant qui prolonge la durée de la convention (article 7), qui reste en projet sans lui."
        ),
        examples=[{"date": "2026-10-15", "reference": "2026-CNFS-072"}],
    )
    figures: Figures = Field(
        default=Figures(),
        title="Figures de l’annexe 4",
        description="Images de la synthèse de la concertation : nuage de mots et carte des offres.",
    )
    mode_signature: ModeSignature = Field(
        default="electronique",
        title="Mode de signature",
        description=(
            "« electronique » : chaque partie signe électroniquement le même PDF ; « manuscrite » : deux "
            "exemplaires signés à la main (« Fait au Mans, le … »). Un fichier epci/ peut le changer pour sa convention."
        ),
        examples=["electronique"],
    )

    changement_referents: ChangementReferents = Field(
        default="mise_a_jour_annexe",
        title="Changement de référent",
        description=(
            "« mise_a_jour_annexe » (valeur par défaut, article 4.2 : « En cas de changement, l’annexe est "
            "modifiée ») : un changement du seul référent ou suppléant de l’intercommunalité est notifié par une mise "
            "à jour de l’annexe 3 signée par son exécutif, sans délibération ; « avenant » : il est fait par avenant."
        ),
        examples=["mise_a_jour_annexe"],
    )

    horodatage: TimestampUrl | None = Field(
        default=None,
        title="Autorité d’horodatage",
        description=(
            "Adresse (http ou https) de l’autorité d’horodatage RFC 3161 qui horodate chaque acte signé "
            "électroniquement à son enregistrement (niveau PAdES B-LTA) ; absente : pas d’horodatage, sauf --horodatage."
        ),
        examples=["https://horodatage.exemple.fr/tsa"],
    )

    @model_validator(mode="after")
    def _period(self) -> Programme:
        """Require the period to start before it ends."""
        if self.debut >= self.fin:
            raise error(
                f"la fin du programme ({self.fin.isoformat()}) n’est pas postérieure à son début "
                f"({self.debut.isoformat()})",
                "vérifiez les dates « debut » et « fin »",
                ("fin",),
            )
        return self
