// scoring.hpp: Fellegi-Sunter model estimated without labels (internal to the resolver).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/resolve/blocking.hpp"
#include "core/resolve/compare.hpp"
#include "core/resolve/record_data.hpp"
#include "core/util/progress.hpp"

namespace nightjar::core::resolve {

// FieldModel holds the m and u probabilities of each level of one field.
struct FieldModel {
    std::vector<double> m, u;
    std::vector<double> u_local;  // u given the locality field agrees exactly (may be empty)
    double u_exact_random = 0;    // P(equal values) among random pairs (term-frequency reference)
    bool fixed_m = false, fixed_u = false;
};

// Model is a fitted Fellegi-Sunter model.
struct Model {
    double prior = 0.1;  // P(match) among candidate pairs
    std::vector<FieldModel> fields;
    int iterations = 0;
    bool converged = false;
    bool refined = false;  // the prior is among candidate pairs (global EM kept)
    int local_field = -1;  // the code field whose exact level selects u_local, or -1
};

// Patterns groups the comparison vectors of the candidate pairs: pattern k has levels
// levels[k*F .. k*F+F) and count[k] pairs; pattern_of[i] is pair i's pattern.
struct Patterns {
    size_t field_count = 0;
    std::vector<int8_t> levels;
    std::vector<uint64_t> count;
    std::vector<uint32_t> pattern_of;
    size_t size() const { return count.size(); }
};

// GroupPatterns builds Patterns from per-pair levels (pairs x F bytes).
Patterns GroupPatterns(const std::vector<int8_t>& gamma, size_t field_count,
                       Progress& progress = NoProgress());

// EstimateU fills each field's u from `samples` random pairs (of two sources when
// one_per_source); the exact level of value-equality kinds is computed from the value
// counts instead of sampled. Config u's are kept.
void EstimateU(const RecordData& data, const Comparer& comparer, bool one_per_source,
               size_t samples, uint64_t seed, int threads, Model& model, Progress& progress);

// EstimateM runs EM over the patterns: E step posterior per pattern, M step m (and, when
// `free_u`, u) per field level and the prior; stops after `iterations` or when no
// parameter moves by 1e-6.
void EstimateM(const Patterns& patterns, const std::vector<int>& level_counts, int iterations,
               bool free_u, Model& model);

// EstimateByRules trains m on blocking rules, as Splink does: for each family's sample of
// pairs, EM (u free, from the random-pair u) over the fields the family did not block on;
// a field's m is the average over families weighted by their expected matches. u stays
// the random-pair u and the prior is P(match) among ALL `pair_space` pairs (pairs outside
// the candidates count as non-matches): a fixed point of prior = sum of candidate
// posteriors / pair_space. With `global_em`, a final EM over all candidate pairs (u free)
// refines the model and is kept when its prior stays within a factor 2 of the rules'.
void EstimateByRules(const std::vector<uint64_t>& pairs, const std::vector<int8_t>& gamma,
                     const Patterns& all, const std::vector<FamilySample>& samples,
                     const std::vector<int>& level_counts, int iterations, double pair_space,
                     bool global_em, Model& model, Progress& progress = NoProgress());

// EstimateLocalU fills u_local of every other field, conditioned on exact agreement of
// the first code field (e.g. a postcode): `samples` random pairs of records sharing its
// value (of two sources when one_per_source) are compared, then EM with m fixed and the
// prior free separates the few matches among them, so u_local counts non-matches only.
// Leaves the model unchanged when there is no code field or no two records share a value.
void EstimateLocalU(const RecordData& data, const Comparer& comparer, bool one_per_source,
                    size_t samples, uint64_t seed, int threads, int iterations, Model& model,
                    Progress& progress = NoProgress());

// PatternWeights returns log2 of the prior odds times each pattern's Bayes factor.
std::vector<double> PatternWeights(const Patterns& patterns, const Model& model);

// TermFrequencyLog2 returns the log2 adjustment of an exact match on value v of field f
// (down for common values, up to 2 bits for rare ones; 0 when not applicable).
double TermFrequencyLog2(const RecordData& data, const Model& model, size_t f, uint32_t va,
                         uint32_t vb);

// ModelJson renders the model for the result ({"prior":..,"fields":[...]}).
std::string ModelJson(const RecordData& data, const Model& model);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
