#!/usr/bin/env python3
"""generate_actors.py: records of the same real-world actors in 20 sources, with known truth.

Usage: generate_actors.py DIR [--records N] [--seed S] [--schema NAME]

Writes into DIR (Python 3 standard library only; deterministic for a given seed):
  src01_registre.csv ... src20_partenaires.csv  one CSV per source, with a header; every
      source names its columns its own way (raison_sociale, nom, adresse, cp, x/y...),
      some have no SIRET or no coordinates, two put the postcode and town inside the
      address. Column types: key text, lat/lon double precision, the rest text.
  truth.csv        source,key,actor_id,kind: the actor each record describes and its kind
      (shop, company, person, collection_point).
  load.sql         psql script: creates schema NAME (default "actors") with one table per
      source plus NAME.truth, and loads the CSV files with \\copy.
  resolution.json  a nightjar.define_resolution config over those tables (fields name,
      address, postcode, siret, location; one_per_source true).

The actors: shops (35 %), companies (30 %), people (25 %) and collection points (10 %)
in towns of 95 departments. Each actor appears in 1 to 20 sources (about 4 on average,
more for visible actors) and at most once per source. What makes it hard:
  - common names: "Boulangerie du Centre", "Pharmacie de la Gare", "Marie Martin",
    chain stores sharing one SIREN, in many towns (and sometimes twice in one town);
  - per source: typos, abbreviations (St, Sté, Ets, av., bd), dropped and swapped words
    ("MARTIN Jean", "SAS Transports Durand"), accents stripped, upper case, extra words,
    legal forms added or dropped, initials for first names;
  - addresses abbreviated or with the number missing; postcodes missing, mistyped or
    replaced by the town's main postcode;
  - coordinates missing, geocoded at the town centre, moved by a few hundred metres, or
    with latitude and longitude swapped;
  - SIRETs missing, spaced ("123 456 789 00012"), mistyped (checksum fails), cut to the
    SIREN, or copied from another actor (checksum passes: a wrong but valid identifier);
  - companies that closed and reopened: a new SIRET with the same name and address --
    the same actor (truth) although older sources carry the old SIRET.
About 1,000,000 records take 20-30 s on one core.
"""
import argparse
import csv
import json
import os
import random

FIRST = ("Jean Marie Pierre Michel André Philippe Nathalie Isabelle Sylvie Catherine Jacques Alain "
         "Françoise Christine Patrick Nicolas Christophe Sophie Daniel Bernard Stéphane Valérie "
         "Sandrine Laurent Frédéric Éric Céline Julien Thierry Olivier Véronique Hélène Sébastien "
         "Anne Camille Emma Léa Chloé Manon Lucas Hugo Louis Gabriel Raphaël Jules Arthur Zoé "
         "Inès Louise Jérôme Thomas Antoine Mathieu Vincent Guillaume Aurélie Émilie Caroline "
         "Agnès Monique Josiane Gérard René Yves Noël Joëlle Benoît François Rémi Cédric Loïc "
         "Maëlle Gaëlle Anaïs Clément Maxime Alexandre Romain Aurélien Bastien Élodie Margaux "
         "Ophélie Pascal Didier Bruno Serge Thibault Quentin Damien Fabrice Ludovic").split()
COMPOUND_FIRST = ["Jean-Pierre", "Jean-Luc", "Marie-Claire", "Anne-Sophie", "Jean-Marc",
                  "Marie-Hélène", "Pierre-Yves", "Jean-François", "Marie-Christine", "Jean-Michel"]
LAST = ("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
        "Lefèbvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre "
        "Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc "
        "Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez "
        "Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer Denis Lemaire Duval Joly "
        "Gautier Roger Roche Roy Noël Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard "
        "Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Pierre Renard Arnaud "
        "Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard "
        "Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Hubert Louis Charles "
        "Guillot Rivière Guillaume Adam Rey Moulin Gonzalez Berger Lecomte Ménard "
        "Fleury Deschamps Carpentier Julien Benoît Paris Maillard Marchal Aubry Vasseur "
        "Renault Jacquet Collet Prévost Poirier Charpentier Royer Huet Baron Dupuy Pons Paul "
        "Laine Carré Breton Rémy Schneider Perrot Guyot Barre Marty Cousin Bouvier Lebrun "
        "Besson Mallet Millet Hoarau Tessier Chauvin Bailly Boucher Hamon Bouchet "
        "Colas Weber Germain Leblanc Gilbert Langlois Joubert Pasquier Texier Bigot Delmas "
        "Tanguy Riviere Dumoulin Lebon Pelletier Étienne Guichard Boulanger Bréhier Kerjean "
        "Caradec Quéméner Abalain Etcheverry Larrieu Dupont-Aignan Lagarde Castagné").split() + [
    "Da Silva", "Le Gall", "Le Roux", "Le Goff", "Le Bihan", "De Oliveira"]
SHOP_TYPES = ["Boulangerie", "Pharmacie", "Boucherie", "Coiffure", "Garage", "Tabac Presse",
              "Café", "Restaurant", "Fleuriste", "Librairie", "Épicerie", "Pressing", "Optique",
              "Auto-école", "Bar Tabac", "Pâtisserie", "Charcuterie", "Quincaillerie",
              "Cordonnerie", "Institut de Beauté", "Boulangerie Pâtisserie", "Crêperie",
              "Pizzeria", "Supérette", "Bijouterie"]
QUALIFIERS = ["du Centre", "de la Gare", "de la Place", "des Halles", "du Marché", "de la Mairie",
              "du Château", "du Port", "de l'Église", "des Arts", "Saint-Michel", "de la Poste",
              "du Lac", "des Écoles", "du Pont", "Sainte-Anne", "de la Fontaine", "du Parc"]
FANCY = ["Au Bon Pain", "Le Fournil d'Antan", "La Mie Dorée", "Au Petit Marché", "Le Comptoir",
         "L'Atelier", "Les Délices", "Le Relais", "La Belle Époque", "Le Saint-Hubert",
         "Aux Saveurs d'Autrefois", "Le Panier Gourmand", "Au Coin de la Rue", "La Halte"]
CHAINS = ["Carrefour Market", "Intermarché Express", "Franprix", "Relais H", "Pharmacie Lafayette",
          "Point Vert", "Krys", "Jean Louis David", "Speedy", "Norauto", "Feu Vert", "Bricomarché",
          "Picard", "Nicolas", "Optic 2000", "Yves Rocher", "Casino Shop", "Vival", "Spar", "Leclerc Drive"]
ACTIVITIES = ["Bâtiment", "Plomberie", "Électricité", "Menuiserie", "Couverture", "Informatique",
              "Conseil", "Transports", "Maçonnerie", "Peinture", "Chauffage", "Nettoyage",
              "Paysage", "Sécurité", "Logistique", "Ingénierie", "Communication", "Immobilier"]
LEGAL = ["SARL", "SAS", "SA", "EURL", "SASU", "SCI"]
ADJ = ["Générale", "Nouvelle", "Industrielle", "Régionale", "Technique", "Moderne", "Européenne"]
NOUNS = ["Travaux", "Services", "Distribution", "Maintenance", "Construction", "Équipements"]
STREET_TYPES = [("rue", ("r.", "r", "RUE")), ("avenue", ("av.", "av", "ave")),
                ("boulevard", ("bd", "boul.", "bld")), ("place", ("pl.", "pl")),
                ("chemin", ("ch.", "chem.")), ("allée", ("all.", "allee")),
                ("impasse", ("imp.", "imp")), ("route", ("rte", "rte.")), ("quai", ("q.",)),
                ("cours", ("crs",))]
STREET_W = [40, 15, 8, 6, 8, 5, 5, 8, 2, 3]
STREET_NAMES = ["de la République", "Victor Hugo", "Jean Jaurès", "du Général de Gaulle", "Pasteur",
                "des Lilas", "de la Gare", "du Moulin", "Gambetta", "de Verdun", "Jules Ferry",
                "de l'Église", "Émile Zola", "de la Liberté", "des Écoles", "du 8 Mai 1945",
                "Nationale", "de Paris", "Saint-Jean", "des Tilleuls", "du Stade", "de la Mairie",
                "Carnot", "Voltaire", "Jean Moulin", "Anatole France", "Georges Clemenceau",
                "du Maréchal Foch", "des Roses", "du Château", "de la Paix", "Louis Pasteur",
                "Aristide Briand", "des Acacias", "Léon Blum", "de la Fontaine", "du Port",
                "Sainte-Catherine", "des Vignes", "de Bretagne", "du Commerce", "de la Croix",
                "Gustave Eiffel", "Pierre Curie", "Marcel Pagnol", "du Four", "des Peupliers",
                "de Strasbourg", "Thiers", "de l'Hôtel de Ville", "des Prés", "du Lavoir"]
TOWN_ROOTS = ("Beau Mont Ville Val Font Roche Château Bois Champ Pont Mar Ber Sau Vil Li Ro Ca "
              "Cha Bel Ser Gre Lan Mor Pra Tal Ver Bour Mon Cour Plou Ker Tré Quim Lor Fla Mou "
              "Gen Dra Bri Cré Sar").split()
TOWN_ENDS = ("ville court mont val bourg lieu nac ac ieu an on ay igny ans oux ière ange y "
             "ailles erre ot eux").split()
TOWN_SUFFIXES = ["", "", "", "", "", "-sur-Loire", "-sur-Mer", "-en-Provence", "-les-Bains",
                 "-le-Château", "-sur-Seine", "-la-Forêt", "-de-Bretagne", "-le-Vieux"]
CP_NAMES = ["Déchetterie de {town}", "Point d'apport volontaire {street}", "Borne textile {street}",
            "Ressourcerie {town}", "Point de collecte {shop}", "Relais colis {shop}",
            "Écopoint {town}", "Recyclerie {qual}"]

ABBREV = {"Saint": "St", "Sainte": "Ste", "Société": "Sté", "Établissements": "Ets",
          "Boulangerie": "Boul.", "Pharmacie": "Pharm.", "Compagnie": "Cie", "et": "&",
          "Transports": "Transp.", "Entreprise": "Ent.", "Institut": "Inst.", "Restaurant": "Resto",
          "Déchetterie": "Déchèterie", "Point": "Pt", "Générale": "Gle", "Bâtiment": "Bat.",
          "Électricité": "Elec.", "Fils": "Fils", "Supérette": "Sup.", "Saint-Michel": "St-Michel",
          "Sainte-Anne": "Ste-Anne", "d'apport": "d'app.", "volontaire": "vol."}
ACCENTS = str.maketrans("àâäáãçéèêëíìîïñóòôöõúùûüýÿœÀÂÄÁÇÉÈÊËÎÏÔÖÙÛÜŸŒ",
                        "aaaaaceeeeiiiinooooouuuuyyoAAAACEEEEIIOOUUUYO")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
KIND_NAMES = {"s": "shop", "c": "company", "p": "person", "k": "collection_point"}
SMALL_WORDS = {"de", "du", "des", "la", "le", "les", "et", "&", "chez", "d'", "l'"}

# Sources: (name, coverage per kind {shop, company, person, point}, SIRET present (share of
# records), coordinates (share), quality (typo rate, abbreviation rate), case style, era
# (0: old registry, carries the first SIRET of reopened companies), combined address.
SOURCES = [
    ("src01_registre", dict(s=.75, c=.85, p=.08, k=.30), .97, .90, (.01, .05), "upper", 1, False),
    ("src02_annuaire_commerces", dict(s=.50), 0, .85, (.03, .25), "title", 1, False),
    ("src03_cci", dict(s=.40, c=.50), .70, .60, (.02, .15), "asis", 1, False),
    ("src04_cma", dict(s=.35, c=.20, p=.10), .60, .40, (.03, .20), "upper", 1, False),
    ("src05_collectivite", dict(k=.70, s=.05), .10, .95, (.02, .20), "asis", 1, False),
    ("src06_eco_organisme_a", dict(k=.50, s=.10), .50, .90, (.02, .15), "asis", 1, False),
    ("src07_eco_organisme_b", dict(k=.40, c=.10), .40, .80, (.04, .30), "lower", 1, False),
    ("src08_crm", dict(s=.30, c=.30, p=.20), .40, 0, (.08, .30), "asis", 1, True),
    ("src09_clients", dict(p=.50), 0, .50, (.04, .20), "lastfirst", 1, False),
    ("src10_adherents", dict(p=.30, s=.05), 0, 0, (.05, .25), "asis", 1, False),
    ("src11_marketplace", dict(s=.30, c=.20), .60, .70, (.05, .20), "title", 1, False),
    ("src12_open_data", dict(s=.20, k=.30), .30, .95, (.02, .10), "upper", 1, False),
    ("src13_subventions", dict(c=.20, s=.10, p=.10), .90, 0, (.03, .15), "asis", 1, False),
    ("src14_fournisseurs", dict(c=.40), .85, 0, (.03, .25), "upper", 1, False),
    ("src15_annuaire_web", dict(s=.40, k=.20), 0, .95, (.03, .15), "web", 1, False),
    ("src16_annuaire_pro", dict(s=.35, c=.30), 0, .60, (.04, .30), "title", 1, False),
    ("src17_banque", dict(c=.20, p=.20), .60, 0, (.02, .10), "upper", 1, False),
    ("src18_ancien_referentiel", dict(c=.30, s=.30), .80, .50, (.03, .20), "upper_noacc", 0, False),
    ("src19_enquete_terrain", dict(s=.15, k=.20, p=.05), .10, .95, (.10, .30), "asis", 1, False),
    ("src20_partenaires", dict(s=.10, c=.10, p=.10, k=.10), .30, .30, (.05, .20), "lower", 1, True),
]
# Column names per source: key, name, address, postcode, city, siret, lat, lon (None: absent).
COLUMNS = [
    ("id", "denomination", "adresse", "code_postal", "commune", "siret", "latitude", "longitude"),
    ("ref", "nom_commerce", "adresse", "cp", "ville", None, "lat", "lon"),
    ("code", "raison_sociale", "adresse_ligne", "code_postal", "ville", "num_siret", "lat", "lng"),
    ("identifiant", "nom", "adr", "cp", "commune", "siret", "y", "x"),
    ("id_point", "libelle", "adresse", "code_postal", "commune", "siret", "lat", "lon"),
    ("uid", "nom_site", "adresse", "cp", "ville", "siret_exploitant", "latitude", "longitude"),
    ("pk", "name", "address", "zip", "city", "siret", "lat", "lon"),
    ("crm_id", "account_name", "billing_address", None, None, "siret", None, None),
    ("client_no", "nom_client", "adresse", "cp", "ville", None, "lat", "lon"),
    ("num_adherent", "nom_prenom", "adresse", "code_postal", "localite", None, None, None),
    ("seller_id", "shop_name", "street", "postal_code", "town", "siret", "latitude", "longitude"),
    ("objectid", "nom", "adresse", "cp", "commune", "siret", "geo_lat", "geo_lon"),
    ("dossier", "beneficiaire", "adresse", "code_postal", "commune", "siret", None, None),
    ("no_fournisseur", "raison_sociale", "adresse1", "cp", "ville", "siret", None, None),
    ("place_id", "title", "address", "postcode", "locality", None, "lat", "lon"),
    ("fiche", "enseigne", "adresse", "cp", "ville", None, "latitude", "longitude"),
    ("tiers", "raison_sociale", "adresse", "code_postal", "ville", "siret", None, None),
    ("ancien_id", "nom", "adresse", "cp", "ville", "siret", "lat", "lon"),
    ("releve", "nom_releve", "adresse_releve", "cp", "commune", "siret", "gps_lat", "gps_lon"),
    ("ext_id", "name", "full_address", None, None, "siret", "lat", "lon"),
]


def luhn_sum(digits):
    """luhn_sum returns the Luhn sum of a digit string (valid when divisible by 10)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def with_check(body):
    """with_check appends the digit that makes `body` pass the Luhn checksum."""
    for d in "0123456789":
        if luhn_sum(body + d) % 10 == 0:
            return body + d
    raise AssertionError


def new_siren(rng):
    """new_siren returns a random 9-digit SIREN passing Luhn."""
    return with_check(f"{rng.randrange(10000000, 100000000)}")


def new_siret(rng, siren):
    """new_siret returns a 14-digit SIRET of `siren` whose 14 digits pass Luhn."""
    return with_check(siren + f"{rng.randrange(1, 10000):04d}")


class Towns:
    """Towns: departments, towns with postcodes and centres, drawn with a Zipf-like weight."""

    def __init__(self, rng):
        self.towns = []
        weights = []
        names = set()
        for dept in [d for d in range(1, 96) if d != 20]:
            clat, clon = rng.uniform(43.0, 50.5), rng.uniform(-3.5, 7.0)
            for rank in range(1, rng.randint(25, 45)):
                while True:
                    name = rng.choice(TOWN_ROOTS) + rng.choice(TOWN_ENDS)
                    if rng.random() < 0.12:
                        name = "Saint-" + name
                    name += rng.choice(TOWN_SUFFIXES)
                    if (name, dept) not in names:
                        names.add((name, dept))
                        break
                big = rank <= 2
                codes = [f"{dept:02d}{rng.randrange(0, 100) * 10:03d}"]
                if big:  # a main postcode and several districts
                    codes = [f"{dept:02d}000"] + [f"{dept:02d}{k:03d}" for k in range(1, rng.randint(3, 9))]
                lat, lon = clat + rng.gauss(0, 0.25), clon + rng.gauss(0, 0.35)
                spread = 0.03 if big else 0.008
                self.towns.append((name, codes, lat, lon, spread))
                weights.append(1.0 / rank ** 1.1)
        total = sum(weights)
        acc, self.cum = 0.0, []
        for w in weights:
            acc += w / total
            self.cum.append(acc)

    def pick(self, rng):
        """pick draws a town (big towns more often)."""
        import bisect
        return self.towns[min(bisect.bisect_left(self.cum, rng.random()), len(self.towns) - 1)]


def make_actor(rng, towns, actor_id, chain_sirens):
    """make_actor returns one actor's true attributes as a dict."""
    r = rng.random()
    kind = "s" if r < .35 else "c" if r < .65 else "p" if r < .90 else "k"
    town = towns.pick(rng)
    tname, codes, tlat, tlon, spread = town
    stype = rng.choices(STREET_TYPES, STREET_W)[0]
    street = rng.choice(STREET_NAMES)
    number = rng.randint(1, 180) if rng.random() < .93 else None
    bis = " bis" if number and rng.random() < .04 else ""
    postcode = codes[0] if len(codes) == 1 else rng.choice(codes[1:])
    lat, lon = tlat + rng.gauss(0, spread), tlon + rng.gauss(0, spread * 1.4)
    siren = None
    if kind == "p":
        first = rng.choice(COMPOUND_FIRST) if rng.random() < .12 else rng.choice(FIRST)
        name = (first, rng.choice(LAST))
        if rng.random() < .12:
            siren = new_siren(rng)  # a sole trader
    elif kind == "s":
        x = rng.random()
        if x < .08:
            chain = rng.randrange(len(CHAINS))
            name = CHAINS[chain]
            siren = chain_sirens[chain]
        else:
            t = rng.choice(SHOP_TYPES)
            if x < .50:
                name = f"{t} {rng.choice(QUALIFIERS)}"
            elif x < .72:
                name = f"{t} {rng.choice(LAST)}"
            elif x < .82:
                name = f"{t} Chez {rng.choice(FIRST)}"
            elif x < .90:
                name = rng.choice(FANCY)
            else:
                name = f"{t} de {tname}"
            siren = new_siren(rng) if rng.random() < .85 else None
    elif kind == "c":
        x = rng.random()
        last = rng.choice(LAST)
        act = rng.choice(ACTIVITIES)
        if x < .25:
            name = f"{last} et Fils"
        elif x < .50:
            name = f"{act} {last}"
        elif x < .70:
            name = f"{last} {act}"
        elif x < .82:
            name = f"Société {rng.choice(ADJ)} de {rng.choice(NOUNS)}"
        elif x < .90:
            name = f"Établissements {last}"
        else:
            name = "".join(rng.choice("BCDFGHKLMNPRSTV") + rng.choice("AEIOU") for _ in range(rng.randint(2, 3))).upper()
            name += " " + act
        if rng.random() < .6:
            name += " " + rng.choice(LEGAL)
        siren = new_siren(rng)
    else:
        pattern = rng.choice(CP_NAMES)
        name = pattern.format(town=tname, street=f"{stype[0]} {street}",
                              shop=f"{rng.choice(SHOP_TYPES)} {rng.choice(QUALIFIERS)}",
                              qual=rng.choice(QUALIFIERS))
        siren = new_siren(rng) if rng.random() < .4 else None
    sirets = []
    if siren:
        sirets.append(new_siret(rng, siren))
        if kind in "sc" and rng.random() < .04:  # closed and reopened: a new company
            sirets.insert(0, new_siret(rng, new_siren(rng)))  # sirets[0] is the old one
    return dict(id=actor_id, kind=kind, name=name, number=number, bis=bis, stype=stype,
                street=street, postcode=postcode, codes=codes, city=tname, lat=lat, lon=lon,
                tlat=tlat, tlon=tlon, sirets=sirets, visibility=rng.choice((.4, .7, 1.0, 1.0, 1.3, 1.8)))


def typo(rng, s):
    """typo returns `s` with one random edit (delete, insert, substitute, transpose)."""
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.random()
    if op < .3:
        return s[:i] + s[i + 1:]
    if op < .55:
        return s[:i] + rng.choice(LETTERS) + s[i:]
    if op < .8:
        return s[:i] + rng.choice(LETTERS) + s[i + 1:]
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def style(s, case):
    """style applies a source's case convention."""
    if case == "upper":
        return s.upper()
    if case == "upper_noacc":
        return s.translate(ACCENTS).upper()
    if case == "lower":
        return s.lower()
    if case == "title":
        return s.title()
    return s


def vary_name(rng, a, typo_rate, abbr_rate, case):
    """vary_name returns how one source writes an actor's name."""
    if a["kind"] == "p":
        first, last = a["name"]
        r = rng.random()
        if r < abbr_rate * .6:
            first = "-".join(p[0] + "." for p in first.split("-")) if "-" in first else first[0] + "."
        if case == "lastfirst" or rng.random() < .15:
            s = f"{last.upper()} {first}"
        else:
            s = f"{first} {last}"
        if rng.random() < .03:
            s = ("M. " if rng.random() < .5 else "Mme ") + s
    else:
        s = a["name"]
        words = s.split(" ")
        if rng.random() < abbr_rate:
            words = [ABBREV.get(w, w) if rng.random() < .7 else w for w in words]
        if len(words) > 2 and rng.random() < .10:  # drop a word (and a dangling small word)
            del words[rng.randrange(1, len(words))]
            while len(words) > 1 and words[-1].lower() in SMALL_WORDS:
                words.pop()
        if words[-1] in LEGAL and rng.random() < .35:  # legal form dropped or moved first
            lf = words.pop()
            if rng.random() < .4:
                words.insert(0, lf)
        elif a["kind"] == "c" and rng.random() < .08:
            words.append(rng.choice(LEGAL))
        if len(words) == 2 and rng.random() < .05:
            words.reverse()
        s = " ".join(words)
        if case == "web" and rng.random() < .4:
            s += " - " + a["city"]
    if rng.random() < typo_rate:
        s = typo(rng, s)
    if rng.random() < typo_rate * .3:
        s = typo(rng, s)
    if rng.random() < .15:
        s = s.translate(ACCENTS)
    return style(s, "asis" if case == "lastfirst" else case)


def vary_address(rng, a, typo_rate, abbr_rate, case, combined, postcode):
    """vary_address returns how one source writes an actor's street address."""
    stype = a["stype"][0]
    if rng.random() < abbr_rate:
        stype = rng.choice(a["stype"][1])
    street = a["street"]
    if rng.random() < typo_rate:
        street = typo(rng, street)
    if rng.random() < abbr_rate * .5:
        street = street.replace("Général", "Gal").replace("Maréchal", "Mal").replace("Saint", "St")
    num = a["number"]
    if num is not None and rng.random() < .06:
        num = None
    bis = a["bis"]
    if bis and rng.random() < .5:
        bis = "B" if rng.random() < .5 else " B"
    s = f"{num}{bis}{',' if rng.random() < .15 else ''} {stype} {street}" if num else f"{stype} {street}"
    if combined:
        s += f" {postcode or ''} {a['city']}".replace("  ", " ")
    if rng.random() < .12:
        s = s.translate(ACCENTS)
    return style(s, "upper" if case == "upper_noacc" else case if case in ("upper", "lower") else "asis")


def vary_siret(rng, a, era, others):
    """vary_siret returns the SIRET one source holds for an actor ('' when none)."""
    sirets = a["sirets"]
    if not sirets:
        return ""
    s = sirets[0] if era == 0 or len(sirets) == 1 else sirets[-1]
    r = rng.random()
    if r < .012:
        s = s[:9]  # the SIREN only
    elif r < .024:
        i = rng.randrange(14)
        s = s[:i] + str((int(s[i]) + rng.randint(1, 9)) % 10) + s[i + 1:]  # mistyped: Luhn fails
    elif r < .027 and others:
        s = rng.choice(others)  # another actor's: valid but wrong
    if rng.random() < .2:
        s = " ".join((s[:3], s[3:6], s[6:9], s[9:])).strip()
    return s


def main():
    """main parses the arguments and writes the sources, the truth and the load script."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--schema", default="actors")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.dir, exist_ok=True)
    towns = Towns(rng)
    chain_sirens = [new_siren(rng) for _ in CHAINS]
    kind_field = {"s": "s", "c": "c", "p": "p", "k": "k"}
    rows = [[] for _ in SOURCES]
    truth_actor = [[] for _ in SOURCES]
    recent_sirets = []
    total, actor_id = 0, 0
    while total < args.records:
        actor_id += 1
        a = make_actor(rng, towns, actor_id, chain_sirens)
        k = kind_field[a["kind"]]
        vis = a["visibility"]
        chosen = [i for i, src in enumerate(SOURCES) if rng.random() < src[1].get(k, 0) * vis]
        if not chosen:
            eligible = [i for i, src in enumerate(SOURCES) if k in src[1]]
            chosen = [rng.choice(eligible)]
        chosen = chosen[:args.records - total]
        total += len(chosen)
        for i in chosen:
            name, cov, has_siret, has_geo, (typo_rate, abbr_rate), case, era, combined = SOURCES[i]
            cols = COLUMNS[i]
            postcode = a["postcode"]
            r = rng.random()
            if r < .05:
                postcode = ""
            elif r < .065:
                postcode = typo_digit(rng, postcode)
            elif r < .09 and len(a["codes"]) > 1:
                postcode = a["codes"][0]
            city = style(a["city"].replace("Saint-", "St-") if rng.random() < abbr_rate * .3 else a["city"],
                         "upper" if case.startswith("upper") else "asis")
            siret = vary_siret(rng, a, era, recent_sirets) if cols[5] and rng.random() < has_siret else ""
            lat = lon = ""
            if cols[6] and rng.random() < has_geo:
                r = rng.random()
                if r < .15:
                    lat, lon = a["tlat"], a["tlon"]  # geocoded at the town centre
                elif r < .25:
                    lat, lon = a["lat"] + rng.gauss(0, .004), a["lon"] + rng.gauss(0, .006)
                else:
                    lat, lon = a["lat"] + rng.gauss(0, .0003), a["lon"] + rng.gauss(0, .0004)
                if rng.random() < .005:
                    lat, lon = lon, lat
                lat, lon = f"{lat:.6f}", f"{lon:.6f}"
            address = vary_address(rng, a, typo_rate, abbr_rate, case, combined, postcode) if rng.random() < .96 else ""
            row = [vary_name(rng, a, typo_rate, abbr_rate, case), address]
            if cols[3]:
                row.append(postcode)
            if cols[4]:
                row.append(city)
            if cols[5]:
                row.append(siret)
            if cols[6]:
                row += [lat, lon]
            rows[i].append(row)
            truth_actor[i].append((a["id"], KIND_NAMES[a["kind"]]))
        if a["sirets"]:
            recent_sirets.append(a["sirets"][-1])
            if len(recent_sirets) > 50:
                recent_sirets.pop(0)
    write_outputs(args, rng, rows, truth_actor)


def typo_digit(rng, code):
    """typo_digit changes one digit of a code."""
    i = rng.randrange(len(code))
    return code[:i] + str((int(code[i]) + rng.randint(1, 9)) % 10) + code[i + 1:]


def write_outputs(args, rng, rows, truth_actor):
    """write_outputs shuffles each source, gives keys, writes CSVs, truth, load.sql, config."""
    out = os.path.abspath(args.dir)
    schema = args.schema
    load = ["\\set ON_ERROR_STOP 1", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE;', f'CREATE SCHEMA "{schema}";']
    inputs = []
    with open(os.path.join(out, "truth.csv"), "w", newline="", encoding="utf-8") as tf:
        tw = csv.writer(tf)
        tw.writerow(["source", "key", "actor_id", "kind"])
        for i, (name, *_rest) in enumerate(SOURCES):
            cols = [c for c in COLUMNS[i] if c]
            order = list(range(len(rows[i])))
            rng.shuffle(order)
            prefix = name[:5].upper().replace("SRC", "S")
            with open(os.path.join(out, name + ".csv"), "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(cols)
                for n, j in enumerate(order, 1):
                    key = f"{prefix}-{n:07d}" if i % 3 else str(100000 + n * 7)
                    w.writerow([key] + rows[i][j])
                    tw.writerow([name, key, *truth_actor[i][j]])
            types = ", ".join(f'"{c}" ' + ("double precision" if c == COLUMNS[i][6] or c == COLUMNS[i][7] else "text")
                              + (" PRIMARY KEY" if c == COLUMNS[i][0] else "") for c in cols)
            load.append(f'CREATE TABLE "{schema}"."{name}" ({types});')
            load.append(f"\\copy \"{schema}\".\"{name}\" FROM '{out}/{name}.csv' (FORMAT csv, HEADER true)")
            key, nm, addr, cp, city, siret, lat, lon = COLUMNS[i]
            inp = {"source": name, "relation": f"{schema}.{name}", "key": key}
            mapping = {"name": nm, "address": addr}
            if cp:
                mapping["postcode"] = cp
            if siret:
                mapping["siret"] = siret
            if lat:
                mapping["location"] = {"lat": lat, "lon": lon}
            inp["columns"] = mapping
            inputs.append(inp)
    load.append(f'CREATE TABLE "{schema}".truth (source text, key text, actor_id bigint, kind text, PRIMARY KEY (source, key));')
    load.append(f"\\copy \"{schema}\".truth FROM '{out}/truth.csv' (FORMAT csv, HEADER true)")
    load.append(f'ANALYZE "{schema}".truth;')
    with open(os.path.join(out, "load.sql"), "w", encoding="utf-8") as f:
        f.write("\n".join(load) + "\n")
    config = {"inputs": inputs,
              "fields": [{"name": "name", "kind": "name"}, {"name": "address", "kind": "address"},
                         {"name": "postcode", "kind": "code"}, {"name": "siret", "kind": "identifier"},
                         {"name": "location", "kind": "geo", "lat": "lat", "lon": "lon"}],
              "one_per_source": True}
    with open(os.path.join(out, "resolution.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
