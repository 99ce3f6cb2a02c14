// resolve_functions.cpp: the analyst-facing SQL functions of entity resolution
// (sql/52_resolve.sql): nightjar.similarity(a, b, method), nightjar.normalize_name(text)
// and nightjar.phonetic(text). Each is a thin wrapper over the core function the
// resolver itself compares and blocks with, so an analyst sees exactly what it sees.
#include <string>
#include <string_view>

#include "extension/pg/args.hpp"

extern "C" {
#include "utils/builtins.h"
}

#include "core/resolve/resolver.hpp"

using namespace nightjar::pg;
namespace res = nightjar::core::resolve;

namespace {

// TextResult returns `s` as a text Datum.
Datum TextResult(const std::string& s) {
    return PgCall([&] {
        return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
    });
}

}  // namespace

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
