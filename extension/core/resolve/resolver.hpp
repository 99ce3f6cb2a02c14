// resolver.hpp: entity resolution in the core — the one header the glue includes.
//
//   ResolverConfig config = ResolverConfig::FromJson(config_json);   // errors name the field
//   RecordSet records(config);
//   for each input row: records.Add(source_index, key, {value per field, nullopt if missing});
//   ResolveResult result = Resolve(config, records, progress);       // outside any PG call
//   result.pairs / result.PairLevel(i, f) -> nightjar.match_pair
//   result.entity_of[record]               -> nightjar.entity_member
//   result.SummaryJson()                   -> resolve()'s jsonb (counts, timings, model)
//
// Phases of Resolve (each in its own file, design comments there): blocking.cpp (candidate
// pairs from derived or explicit keys), compare.cpp (a comparison level per field and
// pair, 2 threads), scoring.cpp (u from random pairs, m and the prior by EM, term-frequency
// adjustment, match probability), cluster.cpp (connected components of matches, then the
// one_per_source constraint by weakest links). Progress is reported, and a cancel (an
// exception thrown by progress.Report) honoured, from the calling thread only; the figures
// restart with each phase (blocking: 2 x records x rules; compare, score: candidate pairs;
// estimate: random pairs sampled, then pairs grouped, then rules trained; cluster: matches).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/resolve/cluster.hpp"
#include "core/resolve/config.hpp"
#include "core/resolve/record_set.hpp"
#include "core/util/progress.hpp"

namespace nightjar::core::resolve {

// PairStatus says what clustering did with a scored pair.
enum class PairStatus : uint8_t {
    kMatch,   // probability >= match_threshold, and its records share an entity
    kCut,     // probability >= match_threshold, refused by one_per_source (a weakest link)
    kReview,  // review_threshold <= probability < match_threshold
};

// PairStatusName returns "match", "cut" or "review".
const char* PairStatusName(PairStatus status);

// ScoredPair is one pair of records (a < b, record indexes of the RecordSet).
struct ScoredPair {
    uint32_t a = 0, b = 0;
    float probability = 0;
    float match_weight = 0;  // log2 Bayes factor (with the prior), for display
    PairStatus status = PairStatus::kReview;
};

// kNoOrigin is ResolveResult::previous_pair's mark of a pair compared today.
constexpr uint32_t kNoOrigin = 0xFFFFFFFFu;

// kNewRecord is PreviousRun::fingerprint's mark of a record the last run did not have
// (a record's fingerprint is never 0).
constexpr uint64_t kNewRecord = 0;

// PreviousRun is what an incremental run knows of the last one, mapped by the caller onto
// the current records (incremental.cpp).
struct PreviousRun {
    // fingerprint[record]: the record's fingerprint at the last run, kNewRecord if absent.
    std::vector<uint64_t> fingerprint;
    // The last run's scored pairs whose two records still exist (a < b, current indexes),
    // with their levels (pairs.size() x fields); those touching a new or changed record
    // are ignored (compared again).
    std::vector<ScoredPair> pairs;
    std::vector<int8_t> pair_levels;
    // entity[record]: the record's entity_id at the last run (-1 if absent);
    // entity_size[id]: that entity's size then (deleted records included).
    std::vector<int64_t> entity;
    std::vector<uint32_t> entity_size;
    size_t deleted = 0;  // records of the last run that are gone
};

// ResolveOptions changes how Resolve runs (the defaults: a full run that fits its model).
struct ResolveOptions {
    // A model as ResolveResult::model_state: score with it instead of estimating one.
    std::string frozen_model;
    // Incremental: compare only pairs with a new or changed record (needs frozen_model).
    const PreviousRun* previous = nullptr;
    // Reviewers' decisions, honoured by clustering (cluster.hpp).
    LinkConstraints constraints;
};

// ResolveResult is what Resolve found.
struct ResolveResult {
    // Pairs with probability >= review_threshold, sorted by (a, b).
    std::vector<ScoredPair> pairs;
    // pair_levels[i * field_count + f]: the level of field f for pairs[i] (kNullLevel: missing).
    std::vector<int8_t> pair_levels;
    size_t field_count = 0;
    // entity_of[record]: a dense entity index 0..entities-1 (singletons get their own),
    // numbered in order of each entity's smallest record index (stable across reruns).
    std::vector<uint32_t> entity_of;

    // Counts.
    size_t records = 0;
    size_t candidate_pairs = 0;  // distinct pairs compared
    size_t matches = 0;          // pairs with status kMatch
    size_t review_pairs = 0;     // pairs with status kReview
    size_t cut_links = 0;        // pairs with status kCut
    size_t entities = 0;         // including singletons
    size_t multi_record_entities = 0;
    size_t blocks = 0;           // blocks with >= 2 records
    size_t oversize_blocks = 0;  // blocks compared by window instead of all pairs
    size_t skipped_blocks = 0;   // oversize blocks whose records all share one name: skipped
    std::vector<std::string> blocking_rules;          // rules that produced pairs
    std::vector<size_t> blocking_rule_pairs;          // pairs each rule produced (with repeats)
    std::vector<std::string> dropped_blocking_rules;  // rules dropped as unselective
    int em_iterations = 0;
    double prior = 0;  // EM's estimate of P(match) among candidate pairs

    // Seconds per phase, in order: prepare, blocking, compare, estimate, score, cluster.
    std::vector<std::pair<std::string, double>> timings;
    // The fitted model as JSON: {"prior":..,"fields":[{"name":..,"levels":[{"level":..,
    // "m":..,"u":..}]}]}.
    std::string model_json;
    // The model as text for a later run (ResolveOptions::frozen_model), and whether this
    // run reused one.
    std::string model_state;
    bool frozen_model = false;
    // fingerprint[record]: a hash of the record's normalised compared values (never 0).
    std::vector<uint64_t> fingerprint;
    // Incremental runs: what changed since the last run.
    bool incremental = false;
    size_t new_records = 0, changed_records = 0, deleted_records = 0;
    size_t kept_pairs = 0;  // scored pairs taken over from the last run (rescored)
    // previous_pair[i]: the index in PreviousRun::pairs that pairs[i] was taken from, or
    // kNoOrigin (compared today); empty for a full run.
    std::vector<uint32_t> previous_pair;
    size_t entities_changed = 0;  // entities that are not exactly one of the last run's
    // Link constraints (Clustering's counts).
    size_t must_links = 0, cannot_link_cuts = 0, constraint_conflicts = 0;

    // PairLevel returns the level of field f for pairs[i].
    int8_t PairLevel(size_t i, size_t f) const { return pair_levels[i * field_count + f]; }
    // SummaryJson returns {"records":..,"candidate_pairs":..,"matches":..,"entities":..,
    // ...,"blocking_rules":[{"rule":..,"pairs":..}],"timings":{...},"model":{...}}.
    std::string SummaryJson() const;
};

// Resolve finds the entities among `records` (built with the same config).
ResolveResult Resolve(const ResolverConfig& config, const RecordSet& records,
                      Progress& progress = NoProgress(),
                      const ResolveOptions& options = ResolveOptions());

// RecordIndex finds a record of a RecordSet by its source index and key.
class RecordIndex {
  public:
    // RecordIndex indexes every record of `records` (which must outlive it).
    explicit RecordIndex(const RecordSet& records);
    // Find returns the record's index, or -1 when no record has that source and key.
    int64_t Find(uint32_t source, std::string_view key) const;

  private:
    const RecordSet& records_;
    std::vector<uint32_t> slots_;  // open addressing: record + 1, 0 = empty
};

// Similarity returns a similarity in [0, 1] of two strings as given (no normalisation:
// compose with NormalizeName): "jaro_winkler", "jaro", "levenshtein" (1 - distance /
// longer length, in code points), "damerau_levenshtein", "token_set" (fuzzy token overlap),
// "token_sort" (Jaro-Winkler of sorted tokens), "jaccard" (tokens), "trigram" (like pg_trgm).
// An unknown method throws InvalidArgument naming it and listing the known ones.
double Similarity(std::string_view a, std::string_view b, std::string_view method);
// LevenshteinDistance returns the edit distance in code points.
size_t LevenshteinDistance(std::string_view a, std::string_view b);
// NormalizeName returns the comparison form of a name: lower case, no accents, punctuation
// as spaces, common French and English abbreviations expanded or dropped ("sarl", "st" ->
// "saint", "&" -> "and"...), tokens separated by one space, in their original order.
std::string NormalizeName(std::string_view name);
// Phonetic returns a phonetic key per word of `text` (space separated) suited to French
// and English names (see phonetic.cpp for the rules): "Dupond" and "Dupont" share one.
std::string Phonetic(std::string_view text);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
