// config.hpp: the configuration of one entity resolution (fields, kinds, blocking,
// thresholds), read from the "fields" part of nightjar.define_resolution's JSON.
//
// The core reads only what it needs: "inputs" (relations, keys, column maps) and the
// "lat"/"lon" column names of geo fields belong to the glue and are ignored here, but
// every other key is checked and an unknown key is an error naming it, so a typo in an
// expert override never silently falls back to a default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nightjar::core::resolve {

// FieldKind says how a field is normalised, compared and blocked on.
enum class FieldKind : uint8_t {
    kName,        // person or organisation name: accents, case, token order, initials, typos
    kText,        // free text: TF-IDF weighted token cosine
    kAddress,     // postal address: abbreviations (bd, av, st), house number, street tokens
    kCode,        // postcodes, short codes: exact / one edit / same prefix
    kIdentifier,  // SIRET, SIREN, ISBN...: exact (checksum-valid weighs more) / different
    kExact,       // any value compared for equality after trimming and lower-casing
    kDate,        // ISO or French dates: exact / day-month swapped / one year apart
    kNumber,      // prices, quantities: relative closeness bands
    kGeo,         // "lat,lon": haversine distance bands
};

// FieldKindName returns the config spelling of a kind ("name", "text", ...).
const char* FieldKindName(FieldKind kind);
// ParseFieldKind reads a kind's config spelling; nullopt when unknown.
std::optional<FieldKind> ParseFieldKind(std::string_view text);

// FieldSpec is one compared field with its optional expert overrides.
struct FieldSpec {
    std::string name;
    FieldKind kind = FieldKind::kExact;
    // "levels": the kind's cut-offs replacing the built-in ones (similarities in
    // descending order for name/address/text, km ascending for geo, relative
    // differences ascending for number); empty: built-in.
    std::vector<double> levels;
    // "m" / "u": fixed probabilities of each non-null level (best level first, as many as
    // LevelNames(field).size()); empty: estimated (u from random pairs, m by EM).
    std::vector<double> m, u;
    // "blocking": false keeps the field out of the default blocking keys.
    bool blocking = true;
    // "term_frequency": false turns off the term-frequency adjustment of exact matches.
    bool term_frequency = true;
};

// BlockingTerm is one part of an explicit blocking key: a field and how its value is
// turned into key parts ("value", "tokens", "phonetic", "prefix" + length,
// "geohash" + length).
struct BlockingTerm {
    size_t field = 0;       // index into ResolverConfig::fields
    std::string transform;  // value | tokens | phonetic | prefix | geohash
    int length = 0;         // prefix / geohash length
};

// ResolverConfig is everything Resolve needs besides the records.
struct ResolverConfig {
    std::vector<FieldSpec> fields;
    // one_per_source: no two records of one source in an entity (linkage between sources);
    // false deduplicates within sources too.
    bool one_per_source = true;
    // Explicit blocking keys ("blocking": [["postcode", "name:phonetic"], ["siret"]]), each
    // a conjunction of terms; empty: keys derived from the fields' kinds.
    std::vector<std::vector<BlockingTerm>> blocking;
    // A pair is a match when its probability >= match_threshold (default 0.5: the Bayes
    // decision of the fitted model) and kept for review when >= review_threshold.
    double match_threshold = 0.5;
    double review_threshold = 0.2;
    // Blocks with more records are not compared all-to-all but by a sorted window of
    // `window` neighbours (counted in oversize_blocks).
    size_t max_block_size = 100;
    size_t window = 10;
    // EM: at most em_iterations, random pairs sampled for u, seed of the sampler.
    int em_iterations = 25;
    // global_em: after m is trained per blocking rule (u from random pairs, prior over all
    // pairs), one EM over all candidate pairs refines m, u and the prior (kept when sane);
    // false keeps the per-rule model.
    bool global_em = true;
    size_t u_sample_pairs = 200000;
    uint64_t seed = 42;
    // threads used to compare pairs (1 or 2 on this machine; progress stays on the caller's).
    int threads = 2;

    // FromJson reads a define_resolution config ({"fields": [...], "one_per_source": ...,
    // "blocking": ..., "match_threshold": ..., ...}); errors (core::InvalidArgument) name
    // the offending field or key, e.g. 'field "postcode": unknown kind "zip"'.
    static ResolverConfig FromJson(std::string_view json_text);
    // FieldIndex returns the index of the field called `name`, or -1.
    int FieldIndex(std::string_view name) const;
};

// LevelNames returns the names of a field's comparison levels, best first (the level of
// a pair is an index into it; kNullLevel means a value was missing on either side).
std::vector<std::string> LevelNames(const FieldSpec& field);
constexpr int8_t kNullLevel = -1;
// Cutoffs returns a field's cut-offs in force ("levels", else the kind's built-in ones;
// empty for kinds without cut-offs).
std::vector<double> Cutoffs(const FieldSpec& field);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
