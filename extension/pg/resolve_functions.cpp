// resolve_functions.cpp: the small SQL functions of entity resolution (sql/52_resolve.sql):
// nightjar._check_resolution(name, config), which define_resolution calls, and the
// analyst-facing nightjar.similarity(a, b, method), nightjar.normalize_name(text) and
// nightjar.phonetic(text). Each is a thin wrapper over the core function the
// resolver itself compares and blocks with, so an analyst sees exactly what it sees.
#include <string>
#include <string_view>

#include "extension/pg/args.hpp"
#include "extension/pg/resolve_previous.hpp"

extern "C" {
#include "utils/builtins.h"
}

#include "core/json/json_string.hpp"
#include "core/resolve/resolver.hpp"

using namespace nightjar::pg;
namespace res = nightjar::core::resolve;
using nightjar::core::AppendJsonString;

namespace {

// LevelsJson returns [{"field": .., "kind": .., "levels": [..]}] for the config's fields.
std::string LevelsJson(const res::ResolverConfig& config) {
    std::string json = "[";
    for (size_t f = 0; f < config.fields.size(); ++f) {
        const res::FieldSpec& field = config.fields[f];
        if (f > 0) json += ", ";
        json += "{\"field\": ";
        AppendJsonString(json, field.name);
        json += ", \"kind\": ";
        AppendJsonString(json, res::FieldKindName(field.kind));
        json += ", \"levels\": [";
        const std::vector<std::string> names = res::LevelNames(field);
        for (size_t l = 0; l < names.size(); ++l) {
            if (l > 0) json += ", ";
            AppendJsonString(json, names[l]);
        }
        json += "]}";
    }
    return json + "]";
}

// TextResult returns `s` as a text Datum.
Datum TextResult(const std::string& s) {
    return PgCall([&] {
        return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
    });
}

}  // namespace

// nightjar_check_resolution reads a config in the core and returns its fields' level names.
NIGHTJAR_FUNCTION(nightjar_check_resolution) {
    const std::string name = TextArg(fcinfo, 0);
    const res::ResolverConfig config = ReadResolutionConfig(name, JsonbTextArg(fcinfo, 1));
    const std::string json = LevelsJson(config);
    return PgCall([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
}

// nightjar_similarity returns the similarity of two strings by the named method.
NIGHTJAR_FUNCTION(nightjar_similarity) {
    const std::string_view a = TextViewArg(fcinfo, 0);
    const std::string_view b = TextViewArg(fcinfo, 1);
    const std::string_view method = TextViewArg(fcinfo, 2);
    PG_RETURN_FLOAT8(res::Similarity(a, b, method));
}

// nightjar_normalize_name returns the comparison form of a name.
NIGHTJAR_FUNCTION(nightjar_normalize_name) {
    return TextResult(res::NormalizeName(TextViewArg(fcinfo, 0)));
}

// nightjar_phonetic returns the phonetic key of each word of a text.
NIGHTJAR_FUNCTION(nightjar_phonetic) { return TextResult(res::Phonetic(TextViewArg(fcinfo, 0))); }
