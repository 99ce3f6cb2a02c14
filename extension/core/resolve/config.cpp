// config.cpp: ResolverConfig::FromJson and the comparison levels of each field kind.
//
// The config is small, so it is read into the core's JsonValue tree and checked key by
// key. Every error names where it is ('field "postcode": ...', '"match_threshold": ...')
// and echoes user text cut to 64 characters. Defaults are the built-in levels of each kind
// (see LevelNames); "levels" overrides their cut-offs and must keep their order.
#include "core/resolve/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/errors.hpp"
#include "core/json/json_value.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

struct KindName {
    FieldKind kind;
    const char* name;
};
constexpr KindName kKinds[] = {
    {FieldKind::kName, "name"},
    {FieldKind::kText, "text"},
    {FieldKind::kAddress, "address"},
    {FieldKind::kCode, "code"},
    {FieldKind::kIdentifier, "identifier"},
    {FieldKind::kExact, "exact"},
    {FieldKind::kDate, "date"},
    {FieldKind::kNumber, "number"},
    {FieldKind::kGeo, "geo"},
};

// Cut returns `s` cut to 64 bytes (on a UTF-8 boundary) for an error message.
std::string Cut(std::string_view s) {
    if (s.size() <= 64) return std::string(s);
    size_t n = 64;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return std::string(s.substr(0, n)) + "...";
}

// Num formats a cut-off for a level name ("0.92", "5").
std::string Num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// DefaultCutoffs returns the built-in cut-offs of a kind (empty: the kind has none).
std::vector<double> DefaultCutoffs(FieldKind kind) {
    switch (kind) {
        case FieldKind::kName:
        case FieldKind::kAddress:
            return {0.92, 0.8, 0.5};
        case FieldKind::kText:
            return {0.8, 0.6, 0.4, 0.2};
        case FieldKind::kNumber:
            return {0.01, 0.1, 0.25};
        case FieldKind::kGeo:
            return {0.05, 0.2, 1, 5};
        default:
            return {};
    }
}

// Where names a field in error messages.
std::string Where(const std::string& field) { return "field \"" + Cut(field) + "\": "; }

// NumberArray reads an array of numbers for `key` of a field.
std::vector<double> NumberArray(const JsonValue& v, const std::string& where, const char* key) {
    if (v.type != JsonValue::Type::kArray)
        throw InvalidArgument(where + "\"" + key + "\" must be an array of numbers, not " +
                              TypeNameWithArticle(v.type));
    std::vector<double> out;
    for (const auto& item : v.items) {
        if (item.type != JsonValue::Type::kNumber)
            throw InvalidArgument(where + "\"" + key + "\" must contain numbers only, not " +
                                  TypeNameWithArticle(item.type));
        out.push_back(item.AsNumber());
    }
    return out;
}

// ReadField reads one element of "fields".
FieldSpec ReadField(const JsonValue& v, size_t index) {
    if (v.type != JsonValue::Type::kObject)
        throw InvalidArgument("fields[" + std::to_string(index) + "] must be an object, not " +
                              TypeNameWithArticle(v.type));
    FieldSpec f;
    const JsonValue* name = v.Find("name");
    if (!name || name->type != JsonValue::Type::kString || name->text.empty())
        throw InvalidArgument("fields[" + std::to_string(index) +
                              "] needs a \"name\" (a non-empty string)");
    f.name = name->text;
    std::string where = Where(f.name);
    const JsonValue* kind = v.Find("kind");
    if (!kind || kind->type != JsonValue::Type::kString)
        throw InvalidArgument(where +
                              "needs a \"kind\" (name, text, address, code, identifier, "
                              "exact, date, number or geo)");
    auto k = ParseFieldKind(kind->text);
    if (!k)
        throw InvalidArgument(where + "unknown kind \"" + Cut(kind->text) +
                              "\" (known: name, text, address, code, identifier, exact, date, "
                              "number, geo)");
    f.kind = *k;
    for (const auto& [key, value] : v.members) {
        if (key == "name" || key == "kind" || key == "column") continue;
        if (key == "lat" || key == "lon") {
            if (f.kind != FieldKind::kGeo)
                throw InvalidArgument(where + "\"" + key + "\" is only for geo fields");
            continue;  // the glue's: which columns hold the coordinates
        }
        if (key == "levels") {
            f.levels = NumberArray(value, where, "levels");
            size_t want = DefaultCutoffs(f.kind).size();
            if (want == 0)
                throw InvalidArgument(where + "kind " + kind->text + " has no \"levels\" to set");
            if (f.levels.size() != want)
                throw InvalidArgument(where + "\"levels\" needs " + std::to_string(want) +
                                      " cut-offs, got " + std::to_string(f.levels.size()));
            bool descending = f.kind == FieldKind::kName || f.kind == FieldKind::kAddress ||
                              f.kind == FieldKind::kText;
            for (size_t i = 0; i < f.levels.size(); ++i) {
                double c = f.levels[i];
                if (!std::isfinite(c) || c < 0 || (descending && c > 1))
                    throw InvalidArgument(where + "\"levels\" cut-off " + Num(c) +
                                          " is out of range");
                if (i > 0 && (descending ? c >= f.levels[i - 1] : c <= f.levels[i - 1]))
                    throw InvalidArgument(where + "\"levels\" must be " +
                                          (descending ? "decreasing" : "increasing"));
            }
        } else if (key == "m" || key == "u") {
            auto probs = NumberArray(value, where, key.c_str());
            (key == "m" ? f.m : f.u) = probs;
        } else if (key == "blocking" || key == "term_frequency") {
            if (value.type != JsonValue::Type::kBool)
                throw InvalidArgument(where + "\"" + key + "\" must be a boolean");
            (key == "blocking" ? f.blocking : f.term_frequency) = value.AsBool();
        } else {
            throw InvalidArgument(where + "unknown key \"" + Cut(key) +
                                  "\" (known: name, kind, levels, m, u, blocking, "
                                  "term_frequency, lat, lon)");
        }
    }
    size_t levels = LevelNames(f).size();
    for (const auto* probs : {&f.m, &f.u}) {
        if (probs->empty()) continue;
        const char* which = probs == &f.m ? "m" : "u";
        if (probs->size() != levels)
            throw InvalidArgument(where + "\"" + which + "\" needs " + std::to_string(levels) +
                                  " probabilities (one per level), got " +
                                  std::to_string(probs->size()));
        for (double p : *probs)
            if (!(p > 0 && p <= 1))
                throw InvalidArgument(where + "\"" + which + "\" probability " + Num(p) +
                                      " is not in (0, 1]");
    }
    return f;
}

// ReadTerm reads one blocking term "field" or "field:transform".
BlockingTerm ReadTerm(const ResolverConfig& c, const JsonValue& v, size_t rule) {
    std::string where = "blocking[" + std::to_string(rule) + "]: ";
    if (v.type != JsonValue::Type::kString)
        throw InvalidArgument(where + "terms must be strings (\"field\" or \"field:transform\")");
    std::string_view text = v.text;
    size_t colon = text.find(':');
    std::string_view field = text.substr(0, colon);
    BlockingTerm t;
    int index = c.FieldIndex(field);
    if (index < 0) throw InvalidArgument(where + "unknown field \"" + Cut(field) + "\"");
    t.field = static_cast<size_t>(index);
    std::string tr =
        colon == std::string_view::npos ? "value" : std::string(text.substr(colon + 1));
    for (const char* prefix : {"prefix", "geohash"}) {
        size_t n = std::char_traits<char>::length(prefix);
        if (tr.compare(0, n, prefix) == 0 && tr.size() > n) {
            int len = std::atoi(tr.c_str() + n);
            if (len < 1 || len > 12 || tr.find_first_not_of("0123456789", n) != std::string::npos)
                throw InvalidArgument(where + "bad length in \"" + Cut(text) + "\" (1 to 12)");
            t.transform = prefix;
            t.length = len;
        }
    }
    if (t.transform.empty()) t.transform = tr;
    bool geo = c.fields[t.field].kind == FieldKind::kGeo;
    if (t.transform == "geohash" ? !geo
                                 : (geo || (t.transform != "value" && t.transform != "tokens" &&
                                            t.transform != "phonetic" && t.transform != "prefix")))
        throw InvalidArgument(where + "transform of \"" + Cut(text) +
                              "\" must be value, tokens, phonetic or prefixN (geohashN for geo "
                              "fields)");
    if (t.transform == "prefix" && t.length == 0)
        throw InvalidArgument(where + "\"prefix\" needs a length, e.g. \"" + Cut(field) +
                              ":prefix3\"");
    if (t.transform == "geohash" && t.length == 0) t.length = 6;
    return t;
}

// ReadProbability reads a threshold in [0, 1].
double ReadProbability(const JsonValue& v, const std::string& key) {
    if (v.type != JsonValue::Type::kNumber || !(v.AsNumber() >= 0 && v.AsNumber() <= 1))
        throw InvalidArgument("\"" + key + "\" must be a number between 0 and 1");
    return v.AsNumber();
}

// ReadCount reads a positive integer up to `max`.
double ReadCount(const JsonValue& v, const std::string& key, double min, double max) {
    double d = v.type == JsonValue::Type::kNumber ? v.AsNumber() : -1;
    if (v.type != JsonValue::Type::kNumber || d != std::floor(d) || d < min || d > max)
        throw InvalidArgument("\"" + key + "\" must be an integer between " + Num(min) + " and " +
                              Num(max));
    return d;
}

}  // namespace

const char* FieldKindName(FieldKind kind) {
    // FieldKindName looks the kind up in kKinds.
    for (const auto& k : kKinds)
        if (k.kind == kind) return k.name;
    return "?";
}

std::optional<FieldKind> ParseFieldKind(std::string_view text) {
    // ParseFieldKind looks the spelling up in kKinds.
    for (const auto& k : kKinds)
        if (text == k.name) return k.kind;
    return std::nullopt;
}

int ResolverConfig::FieldIndex(std::string_view name) const {
    // FieldIndex scans the (few) fields.
    for (size_t i = 0; i < fields.size(); ++i)
        if (fields[i].name == name) return static_cast<int>(i);
    return -1;
}

std::vector<double> Cutoffs(const FieldSpec& field) {
    // Cutoffs prefers the override.
    return field.levels.empty() ? DefaultCutoffs(field.kind) : field.levels;
}

std::vector<std::string> LevelNames(const FieldSpec& field) {
    // LevelNames spells each kind's levels with the cut-offs in force.
    std::vector<double> c = field.levels.empty() ? DefaultCutoffs(field.kind) : field.levels;
    switch (field.kind) {
        case FieldKind::kName:
            return {"exact",    "jaro_winkler>=" + Num(c[0]), "token_set>=" + Num(c[1]),
                    "initials", "token_set>=" + Num(c[2]),    "else"};
        case FieldKind::kAddress:
            return {"exact",        "jaro_winkler>=" + Num(c[0]), "token_set>=" + Num(c[1]),
                    "other_number", "token_set>=" + Num(c[2]),    "else"};
        case FieldKind::kText: {
            std::vector<std::string> out{"exact"};
            for (double x : c) out.push_back("cosine>=" + Num(x));
            out.push_back("else");
            return out;
        }
        case FieldKind::kCode:
            return {"exact", "one_edit", "same_prefix", "else"};
        case FieldKind::kIdentifier:
            return {"exact_valid", "exact", "same_siren", "one_edit", "else"};
        case FieldKind::kExact:
            return {"exact", "else"};
        case FieldKind::kDate:
            return {"exact", "day_month_swapped", "one_year_apart", "else"};
        case FieldKind::kNumber: {
            std::vector<std::string> out{"exact"};
            for (double x : c) out.push_back("within_" + Num(x * 100) + "%");
            out.push_back("else");
            return out;
        }
        case FieldKind::kGeo: {
            std::vector<std::string> out;
            for (double x : c) out.push_back("within_" + Num(x) + "km");
            out.push_back("else");
            return out;
        }
    }
    return {};
}

ResolverConfig ResolverConfig::FromJson(std::string_view json_text) {
    // FromJson parses, then reads each known key; unknown top-level keys are errors.
    JsonValue doc = ParseJson(json_text);
    if (doc.type != JsonValue::Type::kObject)
        throw InvalidArgument(std::string("the resolution config must be an object, not ") +
                              TypeNameWithArticle(doc.type));
    ResolverConfig c;
    bool review_set = false;
    const JsonValue* fields = doc.Find("fields");
    if (!fields || fields->type != JsonValue::Type::kArray || fields->items.empty())
        throw InvalidArgument("the resolution config needs \"fields\" (a non-empty array)");
    if (fields->items.size() > 64)
        throw InvalidArgument("at most 64 fields, got " + std::to_string(fields->items.size()));
    for (size_t i = 0; i < fields->items.size(); ++i) {
        FieldSpec f = ReadField(fields->items[i], i);
        if (c.FieldIndex(f.name) >= 0) throw InvalidArgument(Where(f.name) + "defined twice");
        c.fields.push_back(std::move(f));
    }
    for (const auto& [key, v] : doc.members) {
        if (key == "fields" || key == "inputs" || key == "name" || key == "description") continue;
        if (key == "one_per_source") {
            if (v.type != JsonValue::Type::kBool)
                throw InvalidArgument("\"one_per_source\" must be a boolean");
            c.one_per_source = v.AsBool();
        } else if (key == "blocking") {
            if (v.type != JsonValue::Type::kArray)
                throw InvalidArgument(
                    "\"blocking\" must be an array of keys, each an array of "
                    "terms such as [\"postcode\", \"name:phonetic\"]");
            for (size_t r = 0; r < v.items.size(); ++r) {
                const JsonValue& rule = v.items[r];
                std::vector<BlockingTerm> terms;
                if (rule.type == JsonValue::Type::kString) {
                    terms.push_back(ReadTerm(c, rule, r));
                } else if (rule.type == JsonValue::Type::kArray && !rule.items.empty()) {
                    for (const auto& t : rule.items) terms.push_back(ReadTerm(c, t, r));
                } else {
                    throw InvalidArgument("blocking[" + std::to_string(r) +
                                          "] must be a non-empty array of terms");
                }
                c.blocking.push_back(std::move(terms));
            }
        } else if (key == "match_threshold") {
            c.match_threshold = ReadProbability(v, key);
        } else if (key == "review_threshold") {
            c.review_threshold = ReadProbability(v, key);
            review_set = true;
        } else if (key == "max_block_size") {
            c.max_block_size = static_cast<size_t>(ReadCount(v, key, 2, 1e6));
        } else if (key == "window") {
            c.window = static_cast<size_t>(ReadCount(v, key, 1, 1000));
        } else if (key == "global_em") {
            if (v.type != JsonValue::Type::kBool)
                throw InvalidArgument("\"global_em\" must be a boolean");
            c.global_em = v.AsBool();
        } else if (key == "em_iterations") {
            c.em_iterations = static_cast<int>(ReadCount(v, key, 0, 1000));
        } else if (key == "u_sample_pairs") {
            c.u_sample_pairs = static_cast<size_t>(ReadCount(v, key, 1000, 1e9));
        } else if (key == "seed") {
            c.seed = static_cast<uint64_t>(ReadCount(v, key, 0, 9007199254740991.0));
        } else if (key == "threads") {
            c.threads = static_cast<int>(ReadCount(v, key, 1, 64));
        } else {
            throw InvalidArgument(
                "unknown key \"" + Cut(key) +
                "\" in the resolution config (known: inputs, fields, "
                "one_per_source, blocking, match_threshold, review_threshold, "
                "max_block_size, window, em_iterations, global_em, u_sample_pairs, seed, "
                "threads)");
        }
    }
    if (!review_set) c.review_threshold = std::min(c.review_threshold, c.match_threshold);
    if (c.review_threshold > c.match_threshold)
        throw InvalidArgument("\"review_threshold\" (" + Num(c.review_threshold) +
                              ") must not exceed \"match_threshold\" (" + Num(c.match_threshold) +
                              ")");
    return c;
}

}  // namespace nightjar::core::resolve
