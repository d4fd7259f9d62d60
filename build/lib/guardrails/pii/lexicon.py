"""Curated French word lists used by the recognizers (loaded once, on first use).

Long lists live in text files beside this module (``first_names.txt``, ``places.txt``,
``not_persons.txt``); short closed lists are constants here.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources


def fold(text: str) -> str:
    """Case- and accent-insensitive key: ``"Élodie  LE-GALL"`` -> ``"elodie le-gall"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def _read_list(name: str) -> frozenset[str]:
    raw = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    items = (line.strip() for line in raw.splitlines())
    return frozenset(fold(item) for item in items if item and not item.startswith("#"))


@cache
def first_names() -> frozenset[str]:
    """Folded common first names (single words; compound ones are split on hyphens too)."""
    names = set(_read_list("first_names.txt"))
    for name in list(names):
        names.update(part for part in name.split("-") if len(part) > 1)
    return frozenset(names)


@cache
def places() -> frozenset[str]:
    """Folded names of towns, departments and regions that must stay visible."""
    return _read_list("places.txt")


@cache
def not_persons() -> frozenset[str]:
    """Folded institutions, acronyms, products and vocabulary that are never a person."""
    return _read_list("not_persons.txt") | places()


def wordset(words: str) -> frozenset[str]:
    """Folded set of the space-separated ``words``."""
    return frozenset(fold(word) for word in words.split())


def is_first_name(word: str) -> bool:
    """True when ``word`` (or every part of a hyphenated ``word``) is a known first name."""
    parts = [p for p in fold(word).split("-") if p]
    names = first_names()
    return bool(parts) and all(part in names for part in parts)


def is_not_person(phrase: str) -> bool:
    """True when ``phrase`` is on the deny-list (institution, product, place, vocabulary)."""
    return fold(phrase) in not_persons()


#: Forms of address that precede a name ("M. Dupont", "Maître Bernard"). Case-sensitive.
TITLES: tuple[str, ...] = (
    "Monsieur",
    "Madame",
    "Mademoiselle",
    "Messieurs",
    "Mesdames",
    "M.",
    "MM.",
    "Mr.",
    "Mr",
    "Mme",
    "Mmes",
    "Mlle",
    "Mlles",
    "Maître",
    "Me",
    "Docteur",
    "Dr.",
    "Dr",
    "Professeur",
    "Pr.",
    "Pr",
    "Veuve",
    "Vve",
    # Kinship words used like titles in social files: "la famille MARTIN", "l'époux Durand".
    "famille",
    "Famille",
    "époux",
    "épouse",
    "Époux",
    "Épouse",
)

#: Functions and jobs: "Monsieur le Maire" or "Madame la Directrice" name nobody.
FUNCTION_WORDS: frozenset[str] = wordset(
    "maire adjoint adjointe président présidente vice-président vice-présidente préfet "
    "préfète sous-préfet sous-préfète ministre député députée sénateur sénatrice "
    "conseiller conseillère directeur directrice secrétaire responsable délégué déléguée "
    "juge procureur procureure commissaire trésorier trésorière receveur chef cheffe "
    "inspecteur inspectrice commandant capitaine général générale recteur rectrice doyen "
    "doyenne proviseur proviseure principal principale curé abbé agent agente élu élue "
    "administrateur administratrice gérant gérante notaire avocat avocate huissier "
    "médecin docteur professeur maître bâtonnier défenseur défenseure médiateur "
    "médiatrice chargé chargée gestionnaire assistant assistante référent référente "
    "coordinateur coordinatrice instructeur instructrice officier garde"
)

#: Street types (lower-case, folded) for addresses; the ambiguous ones need a capital after.
STREET_TYPES: tuple[str, ...] = (
    "rue",
    "avenue",
    "av.",
    "av",
    "ave",
    "boulevard",
    "bd",
    "bld",
    "bvd",
    "chemin",
    "ch.",
    "impasse",
    "imp.",
    "allée",
    "allee",
    "allées",
    "place",
    "pl.",
    "route",
    "rte",
    "quai",
    "cours",
    "lieu-dit",
    "lieudit",
    "résidence",
    "residence",
    "square",
    "sq.",
    "passage",
    "voie",
    "sentier",
    "esplanade",
    "promenade",
    "rond-point",
    "faubourg",
    "fg",
    "hameau",
    "cité",
    "parvis",
    "mail",
    "ruelle",
    "venelle",
    "villa",
    "lotissement",
    "lot.",
    "domaine",
    "montée",
    "rampe",
    "traverse",
    "chaussée",
    "carrefour",
    "clos",
    "côte",
    "port",
    "parc",
    "zone",
    "za",
    "zi",
    "zac",
)

#: Street types that are also common nouns ("3 cours de français"): need a capital after.
AMBIGUOUS_STREET_TYPES: frozenset[str] = wordset(
    "place pl. route cours passage voie mail villa domaine côte port parc zone clos "
    "carrefour cité hameau traverse rampe"
)

#: Words before a name that make it a place or a building, not a person ("lycée Jean Moulin").
FACILITY_WORDS: frozenset[str] = wordset(
    "rue avenue av boulevard bd chemin impasse allée allées place route quai cours square "
    "passage voie sentier esplanade promenade rond-point faubourg hameau cité parvis "
    "ruelle venelle villa lotissement domaine résidence lieu-dit "
    "lycée collège école groupe scolaire université faculté institut iut salle espace "
    "centre médiathèque bibliothèque gymnase stade piscine hôpital clinique ehpad "
    "fondation prix pont parc jardin musée théâtre cinéma gare aéroport station "
    "complexe maison foyer halle halles auditorium amphithéâtre amphi bâtiment campus "
    "quartier établissement association club entreprise société cabinet "
    "saint sainte st ste"
)

#: Words that are capitalised at the start of a sentence or a greeting but name nobody.
CAPITALISED_STOPWORDS: frozenset[str] = wordset(
    "Bonjour Bonsoir Merci Cordialement Salut Objet Madame Monsieur Mesdames Messieurs "
    "Le La Les Un Une Des De Du Au Aux Et Ou Mais Donc Or Ni Car Si Pour Par Sur Sous "
    "Dans Avec Sans Chez Entre Vers Je Tu Il Elle On Nous Vous Ils Elles Ce Cette Ces "
    "Mon Ma Mes Son Sa Ses Notre Nos Votre Vos Leur Leurs Qui Que Quoi Quand Comment "
    "Où Pourquoi Puis-je Peut-on Est-ce Voici Voilà Oui Non Urgent Important Attention "
    "Rappel Note Réf Ref Tél Tel Mail Email Courriel Adresse Service Direction Pôle "
    "Cellule Mission Dossier Demande Réponse Copie Pièce Pièces Annexe Date Lieu Nom "
    "Prénom Prénoms Signature Fait Lu Approuvé Vu Considérant Article Chapitre Titre "
    "Veuillez Pourriez Pouvez Sauriez Auriez Serait Merci Svp Hello Coucou Cher Chère Chers "
    "Chères Bien Bonne Très Ensuite Enfin Aussi Alors Depuis Après Avant Selon Malgré Grâce "
    "Lors Voir Ci-joint Ci-dessous Ci-dessus Suite Concernant Compte Plaque Véhicule Carte "
    "Passeport Numéro Facture Entreprise Société Association Usager Usagère Agent Agente "
    "Fiche Demande Signalement Rendez-vous Appel Contact Domicile Pièce Pièces Courrier "
    "Destinataire Expéditeur Re Fwd Tr Envoyé Cc Cci Sujet Total Montant "
    "Budget Délibération Arrêté Décision Commune Ville Syndicat Charte Compte-rendu"
)


def _conjugations(infinitive: str) -> set[str]:
    """Forms that open an instruction: infinitive, imperative (tu, nous, vous), present."""
    forms = {infinitive}
    if infinitive.endswith("er"):
        stem = infinitive[:-2]
        forms |= {stem + "e", stem + "es", stem + "ez", stem + "ons", stem + "ent"}
        if stem.endswith("g"):
            forms.add(stem + "eons")
    elif infinitive.endswith("ir"):
        stem = infinitive[:-2]
        forms |= {stem + "is", stem + "it", stem + "issez", stem + "issons"}
    return forms


#: Verbs that open a request or an instruction ("Rédige un courrier...", "Laisser le champ
#: vide"): spaCy's NER sometimes reads such a capitalised first word as a person.
INSTRUCTION_VERBS: frozenset[str] = frozenset(
    fold(form)
    for verb in wordset(
        "rédiger résumer reformuler expliquer indiquer lister proposer donner préparer "
        "analyser comparer vérifier créer générer aider trouver chercher citer classer organiser "
        "synthétiser simplifier améliorer compléter transformer convertir extraire calculer "
        "anonymiser pseudonymiser supprimer ajouter modifier envoyer répondre décrire définir "
        "présenter laisser acheter découper rappeler contacter appeler noter penser éviter "
        "utiliser demander signaler consulter relire contrôler valider informer prévenir "
        "garder conserver archiver effacer partager publier imprimer scanner copier coller "
        "sauvegarder tester essayer privilégier limiter respecter généraliser contre-appeler "
        "traduire corriger rechercher accompagner identifier évaluer planifier structurer "
        "formuler adapter rappeler justifier détailler illustrer préciser retirer masquer "
        "remplacer vérifier sécuriser chiffrer signer transmettre déposer télécharger "
        "installer paramétrer désactiver activer former sensibiliser documenter mesurer "
        "réduire choisir réfléchir remplir fournir agir finir établir saisir"
    )
    for form in _conjugations(verb)
) | wordset(
    "fais faites dis dites écris écrivez lis lisez mets mettez prends prenez traduis "
    "traduisez produis produisez réduis réduisez fournis fournissez sois soyez aie ayez "
    "va allez vas viens venez vois voyez sache sachez peux pouvez veux voulez dois devez "
    "faire dire écrire lire mettre prendre produire voir savoir pouvoir vouloir devoir"
)

#: Local parts of shared mailboxes ("dpo@...", "contact@..."): a role, not a person.
ROLE_MAILBOXES: frozenset[str] = wordset(
    "dpo rssi dsi dgs drh rh contact contacts support accueil mairie info infos information "
    "informations secretariat secretariat-general urbanisme etat-civil etatcivil "
    "communication comptabilite finances marches marches-publics marchespublics noreply "
    "no-reply ne-pas-repondre nepasrepondre webmaster postmaster admin administrateur "
    "helpdesk assistance service services courrier standard ccas police cnil rgpd "
    "donnees-personnelles protection-donnees cil juridique direction presidence cabinet "
    "elus conseil-municipal numerique formation formations webinaire"
)
