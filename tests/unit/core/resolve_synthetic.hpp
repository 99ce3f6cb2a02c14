// resolve_synthetic.hpp: a small generator of actors (shops, companies) seen by several
// sources with known truth, for the resolver's quality test and core benchmark. It is
// independent of examples/consolidation/ (the SQL-level generator) on purpose: the core's
// defaults are checked on data they were not written against there.
//
// Each entity has a name ("Boulangerie Dupont", "Garage Martin et Fils", "Lefebvre
// Optique"), an address, a postcode, a Luhn-valid SIRET and coordinates; each source sees
// it with probability `coverage` and writes it with noise: typos, abbreviations (rue -> r,
// saint -> st, boulevard -> bd), an added legal form, a dropped or swapped word, upper
// case, lost accents, missing or wrong SIRET, moved or missing coordinates.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nightjar::core::resolve::synthetic {

struct Record {
    uint32_t source = 0;
    uint32_t entity = 0;
    std::string key;
    std::vector<std::optional<std::string>> values;  // name, address, postcode, siret, location
};

// Rng is a deterministic generator (splitmix64).
struct Rng {
    uint64_t s;
    uint64_t Next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
    double Unit() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }
    bool Chance(double p) { return Unit() < p; }
    template <typename T, size_t N>
    const T& Pick(const T (&items)[N]) {
        return items[Below(N)];
    }
};

inline const char* const kTypes[] = {"Boulangerie", "Pharmacie",   "Garage",     "Coiffure",
                                     "Tabac",       "Restaurant",  "Café",       "Boucherie",
                                     "Librairie",   "Fleuriste",   "Épicerie",   "Pressing",
                                     "Optique",     "Cordonnerie", "Pâtisserie", "Quincaillerie",
                                     "Brasserie",   "Auto-école",  "Bijouterie", "Charcuterie"};
inline const char* const kSyl1[] = {"Du",  "Le",  "Mar", "Ber",  "Gar",  "Ro",   "Fon", "La",
                                    "Bou", "Che", "Ri",  "Mo",   "Pe",   "Dela", "Gi",  "Tho",
                                    "Lam", "Fau", "Vin", "Blan", "Cour", "Gau",  "Mer", "Bar",
                                    "Cha", "Ler", "Pi",  "Col",  "Dau",  "Ver"};
inline const char* const kSyl2[] = {"pon", "fe",   "tin", "nar", "dou", "ber", "tai",  "cha",
                                    "lan", "vel",  "mi",  "ro",  "ge",  "ri",  "quet", "bre",
                                    "mon", "seau", "cou", "ton", "",    "",    "",     ""};
inline const char* const kSyl3[] = {"t",   "d",  "vre", "ier", "el",   "eau", "ard",
                                    "in",  "et", "ot",  "aud", "ault", "on",  "y",
                                    "and", "é",  "ès",  "is",  "ez",   "oux"};
inline const char* const kFirst[] = {"Jean",     "Marie",  "Pierre",  "François", "Hélène",
                                     "Michel",   "Anne",   "Jacques", "Nathalie", "Philippe",
                                     "Isabelle", "Louis",  "Sophie",  "André",    "Catherine",
                                     "Paul",     "Julien", "Céline",  "Nicolas",  "Émilie"};
inline const char* const kStreetType[] = {"rue",   "rue",    "rue",   "avenue",  "boulevard",
                                          "place", "chemin", "allée", "impasse", "route"};
inline const char* const kStreetName[] = {
    "de la République", "Victor Hugo",  "du Général de Gaulle",
    "Jean Jaurès",      "Saint-Denis",  "Saint-Michel",
    "de la Gare",       "des Lilas",    "Pasteur",
    "de Verdun",        "Gambetta",     "du Moulin",
    "de l'Église",      "des Écoles",   "Sainte-Anne",
    "du Château",       "Carnot",       "de la Paix",
    "Émile Zola",       "des Tilleuls", "Voltaire",
    "de Paris",         "Saint-Martin", "du Stade",
    "de la Fontaine",   "Nationale",    "des Acacias",
    "Jules Ferry",      "du Port",      "des Roses"};
inline const char* const kLegal[] = {"SARL", "SAS", "EURL", "S.A.R.L.", "& Cie", "Ets"};

// Surname builds a name from three syllables (tens of thousands of distinct names).
inline std::string Surname(Rng& r) {
    return std::string(r.Pick(kSyl1)) + r.Pick(kSyl2) + r.Pick(kSyl3);
}

// Siret returns 14 digits passing the Luhn check.
inline std::string Siret(Rng& r) {
    std::string d;
    for (int i = 0; i < 13; ++i) d += static_cast<char>('0' + r.Below(10));
    for (int check = 0; check < 10; ++check) {
        std::string s = d + static_cast<char>('0' + check);
        int sum = 0;
        bool twice = false;
        for (size_t k = s.size(); k-- > 0;) {
            int x = s[k] - '0';
            if (twice) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
            sum += x;
            twice = !twice;
        }
        if (sum % 10 == 0) return s;
    }
    return d + "0";
}

struct Entity {
    std::string name, address, postcode, siret;
    double lat = 0, lon = 0;
};

// Typo applies one random edit to an ASCII letter of s.
inline std::string Typo(Rng& r, std::string s) {
    if (s.size() < 4) return s;
    size_t i = 1 + r.Below(s.size() - 2);
    if (static_cast<unsigned char>(s[i]) >= 0x80 || static_cast<unsigned char>(s[i - 1]) >= 0x80)
        return s;
    switch (r.Below(4)) {
        case 0:
            s[i] = static_cast<char>('a' + r.Below(26));
            break;
        case 1:
            s.erase(i, 1);
            break;
        case 2:
            s.insert(i, 1, static_cast<char>('a' + r.Below(26)));
            break;
        default:
            std::swap(s[i], s[i - 1]);
    }
    return s;
}

// Replace replaces the first `from` in s by `to`.
inline std::string Replace(std::string s, const std::string& from, const std::string& to) {
    size_t p = s.find(from);
    if (p != std::string::npos) s.replace(p, from.size(), to);
    return s;
}

// Unaccent drops the accents this generator writes.
inline std::string Plain(std::string s) {
    const char* map[][2] = {{"é", "e"}, {"è", "e"}, {"É", "E"}, {"ç", "c"}, {"â", "a"},
                            {"ê", "e"}, {"î", "i"}, {"ô", "o"}, {"û", "u"}};
    for (auto& m : map)
        for (size_t p; (p = s.find(m[0])) != std::string::npos;)
            s.replace(p, std::string(m[0]).size(), m[1]);
    return s;
}

// Upper upper-cases ASCII.
inline std::string Upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

// MakeEntity draws one actor.
inline Entity MakeEntity(
    Rng& r, const std::vector<std::pair<std::string, std::pair<double, double>>>& towns) {
    Entity e;
    std::string surname = Surname(r);
    switch (r.Below(5)) {
        case 0:
            e.name = std::string(r.Pick(kTypes)) + " " + surname;
            break;
        case 1:
            e.name = surname + " " + r.Pick(kTypes);
            break;
        case 2:
            e.name = std::string(r.Pick(kFirst)) + " " + surname;
            break;
        case 3:
            e.name = std::string(r.Pick(kTypes)) + " " + r.Pick(kFirst) + " " + surname;
            break;
        default:
            e.name = surname + " et Fils";
            break;
    }
    e.address =
        std::to_string(1 + r.Below(150)) + " " + r.Pick(kStreetType) + " " + r.Pick(kStreetName);
    const auto& town = towns[r.Below(towns.size())];
    e.postcode = town.first;
    e.lat = town.second.first + (r.Unit() - 0.5) * 0.04;
    e.lon = town.second.second + (r.Unit() - 0.5) * 0.06;
    e.siret = Siret(r);
    return e;
}

// Noisy writes entity e as one source would.
inline std::vector<std::optional<std::string>> Noisy(Rng& r, const Entity& e) {
    std::string name = e.name;
    if (r.Chance(0.15)) name = Typo(r, name);
    if (r.Chance(0.15))
        name =
            r.Chance(0.5) ? name + " " + r.Pick(kLegal) : std::string(r.Pick(kLegal)) + " " + name;
    if (r.Chance(0.08)) {  // swap the first two words
        size_t sp = name.find(' ');
        if (sp != std::string::npos) {
            size_t sp2 = name.find(' ', sp + 1);
            std::string w1 = name.substr(0, sp),
                        w2 = name.substr(
                            sp + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp - 1);
            name = w2 + " " + w1 + (sp2 == std::string::npos ? "" : name.substr(sp2));
        }
    }
    if (r.Chance(0.06)) {  // drop the first word when several remain
        size_t sp = name.find(' ');
        if (sp != std::string::npos && name.find(' ', sp + 1) != std::string::npos)
            name = name.substr(sp + 1);
    }
    if (r.Chance(0.3)) name = Plain(name);
    if (r.Chance(0.2)) name = Upper(Plain(name));
    std::optional<std::string> address = e.address;
    if (r.Chance(0.3))
        address = Replace(
            Replace(Replace(Replace(*address, "rue ", "r. "), "avenue", "av."), "boulevard", "bd"),
            "Saint-", "St ");
    if (r.Chance(0.1)) address = Typo(r, *address);
    if (r.Chance(0.3)) address = Plain(*address);
    if (r.Chance(0.1)) address = std::nullopt;
    std::optional<std::string> postcode = e.postcode;
    if (r.Chance(0.03)) postcode = Typo(r, e.postcode + "0").substr(0, 5);
    if (r.Chance(0.05)) postcode = std::nullopt;
    std::optional<std::string> siret = e.siret;
    if (r.Chance(0.35))
        siret = std::nullopt;
    else if (r.Chance(0.05))
        siret = Typo(r, e.siret);
    else if (r.Chance(0.3))
        siret = e.siret.substr(0, 3) + " " + e.siret.substr(3, 3) + " " + e.siret.substr(6, 3) +
                " " + e.siret.substr(9);
    std::optional<std::string> location;
    if (!r.Chance(0.2)) {
        double lat = e.lat, lon = e.lon;
        if (r.Chance(0.25)) {
            lat += (r.Unit() - 0.5) * 0.006;
            lon += (r.Unit() - 0.5) * 0.008;
        }
        location = std::to_string(lat) + "," + std::to_string(lon);
    }
    return {name, address, postcode, siret, location};
}

// Generate returns about `records` records of entities spread over `sources` sources,
// each entity seen by each source with probability `coverage`.
inline std::vector<Record> Generate(size_t records, uint32_t sources, double coverage,
                                    uint64_t seed) {
    Rng r{seed};
    std::vector<std::pair<std::string, std::pair<double, double>>> towns;
    size_t town_count = std::max<size_t>(50, records / 400);
    for (size_t t = 0; t < town_count; ++t) {
        char pc[8];
        std::snprintf(pc, sizeof pc, "%02d%03d", static_cast<int>(1 + r.Below(95)),
                      static_cast<int>(r.Below(100) * 10));
        towns.push_back({pc, {43.0 + r.Unit() * 6.0, -1.0 + r.Unit() * 8.0}});
    }
    size_t entities = static_cast<size_t>(static_cast<double>(records) / (sources * coverage)) + 1;
    std::vector<Record> out;
    out.reserve(records + records / 10);
    for (size_t e = 0; e < entities; ++e) {
        Entity ent = MakeEntity(r, towns);
        for (uint32_t s = 0; s < sources; ++s) {
            if (!r.Chance(coverage)) continue;
            Record rec;
            rec.source = s;
            rec.entity = static_cast<uint32_t>(e);
            rec.key = "s" + std::to_string(s) + "-" + std::to_string(e);
            rec.values = Noisy(r, ent);
            out.push_back(std::move(rec));
        }
    }
    // Shuffle so record order says nothing about entities.
    for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[r.Below(i)]);
    return out;
}

// kConfig is the resolution config of the generated records.
inline const char* kConfig = R"({"fields": [
    {"name": "name", "kind": "name"}, {"name": "address", "kind": "address"},
    {"name": "postcode", "kind": "code"}, {"name": "siret", "kind": "identifier"},
    {"name": "location", "kind": "geo", "lat": "lat", "lon": "lon"}],
  "one_per_source": true})";

}  // namespace nightjar::core::resolve::synthetic
