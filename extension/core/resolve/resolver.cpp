// resolver.cpp: Resolve — the phases of entity resolution in order, and the result.
//
// Phases (seconds of each in ResolveResult::timings):
//   prepare   TF-IDF norms of text values (Comparer)
//   blocking  candidate pairs from derived or explicit keys (blocking.cpp)
//   compare   a level per field and candidate pair, on config.threads threads
//   estimate  u from random pairs, m and the prior by EM over comparison patterns, u
//             given the same postcode (local_u.cpp)
//   score     match probability per pair (pattern weight + term-frequency adjustment)
//   cluster   components of pairs >= match_threshold under one_per_source (cluster.cpp)
// Decision rule: a pair is a match when its posterior probability is >= match_threshold,
// 0.5 by default — the Bayes decision of the fitted model for equal costs of a false link
// and a missed one; nothing is tuned on labelled data.
// Memory, beyond the RecordSet (~150 bytes per record): 8 bytes per candidate pair (twice
// while radix-sorting), 1 per field and pair (levels), 4 per pair (pattern), 8 per pair
// (probability, weight) while scoring; then 16 + F bytes per kept pair (>= review_threshold).
// Measured on 1M generated actors, 5 fields, 20 sources (bench/resolve_core_bench.cpp, a
// shared 2-core machine under load): tests/unit/core/resolve_synthetic.hpp Resolve 13.2 s
// wall, F1 0.988 (0.991 at 100k); examples/consolidation's generator 15.3M candidate
// pairs, 23.9 s wall, F1 0.984 (P 0.988 / R 0.980; 0.992 at 100k). Peak RSS of
// the whole benchmark (input strings included) 0.85-1.07 GB. Progress and cancel: every
// phase reports through `progress` from the calling thread (see parallel.hpp).
#include "core/resolve/resolver.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/errors.hpp"
#include "core/resolve/blocking.hpp"
#include "core/resolve/cluster.hpp"
#include "core/resolve/compare.hpp"
#include "core/resolve/incremental.hpp"
#include "core/resolve/model_state.hpp"
#include "core/resolve/parallel.hpp"
#include "core/resolve/record_data.hpp"
#include "core/resolve/scoring.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

using Clock = std::chrono::steady_clock;

// Seconds returns the time since `start` and restarts it.
double Lap(Clock::time_point& start) {
    auto now = Clock::now();
    double s = std::chrono::duration<double>(now - start).count();
    start = now;
    return s;
}

// CheckSameFields fails when `records` was built with other fields than `config`.
void CheckSameFields(const ResolverConfig& config, const RecordData& d) {
    bool same = config.fields.size() == d.config.fields.size();
    for (size_t f = 0; same && f < config.fields.size(); ++f)
        same = config.fields[f].name == d.config.fields[f].name &&
               config.fields[f].kind == d.config.fields[f].kind;
    if (!same)
        throw InvalidArgument("the records were stored for other fields than the configuration's");
}

// Quote returns a JSON string literal.
std::string Quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + "\"";
}

// EstimateModel fits the model on the candidate pairs (u from random pairs, m and the
// prior by EM per blocking rule, u given the locality) and groups their patterns.
Model EstimateModel(const ResolverConfig& config, const RecordData& d, const Comparer& comparer,
                    const std::vector<uint64_t>& pairs, const std::vector<int8_t>& gamma,
                    const std::vector<int>& level_counts, BlockingStats& stats, Progress& progress,
                    Patterns& patterns) {
    const size_t nf = d.fields.size(), n = d.size();
    const int threads = std::max(1, config.threads);
    Model model;
    model.fields.resize(nf);
    for (size_t f = 0; f < nf; ++f) {
        const FieldSpec& spec = config.fields[f];
        model.fields[f].m = spec.m;
        model.fields[f].u = spec.u;
        model.fields[f].fixed_m = !spec.m.empty();
        model.fields[f].fixed_u = !spec.u.empty();
    }
    size_t samples = std::min<size_t>(config.u_sample_pairs, n < 2 ? 0 : n * (n - 1) / 2 + 1000);
    EstimateU(d, comparer, config.one_per_source, samples, config.seed, threads, model, progress);
    patterns = GroupPatterns(gamma, nf, progress);
    // All pairs the model speaks of: every pair, or every pair of two sources.
    double space = static_cast<double>(n) * (static_cast<double>(n) - 1) / 2;
    if (config.one_per_source) {
        std::vector<double> per_source;
        for (uint32_t s : d.source) {
            if (s >= per_source.size()) per_source.resize(s + 1, 0);
            ++per_source[s];
        }
        for (double c : per_source) space -= c * (c - 1) / 2;
    }
    EstimateByRules(pairs, gamma, patterns, stats.samples, level_counts, config.em_iterations,
                    space, config.global_em, model, progress);
    EstimateLocalU(d, comparer, config.one_per_source, samples, config.seed, threads,
                   config.em_iterations, model, progress);
    return model;
}

}  // namespace

const char* PairStatusName(PairStatus status) {
    // PairStatusName spells the status for the match_pair table.
    switch (status) {
        case PairStatus::kMatch:
            return "match";
        case PairStatus::kCut:
            return "cut";
        case PairStatus::kReview:
            return "review";
    }
    return "?";
}

std::string ResolveResult::SummaryJson() const {
    // SummaryJson lists the counts, the blocking rules, the timings and the model.
    auto num = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", v);
        return std::string(buf);
    };
    std::string out = "{\"records\":" + std::to_string(records) +
                      ",\"candidate_pairs\":" + std::to_string(candidate_pairs) +
                      ",\"matches\":" + std::to_string(matches) +
                      ",\"review_pairs\":" + std::to_string(review_pairs) +
                      ",\"cut_links\":" + std::to_string(cut_links) +
                      ",\"entities\":" + std::to_string(entities) +
                      ",\"multi_record_entities\":" + std::to_string(multi_record_entities) +
                      ",\"blocks\":" + std::to_string(blocks) +
                      ",\"oversize_blocks\":" + std::to_string(oversize_blocks) +
                      ",\"skipped_blocks\":" + std::to_string(skipped_blocks) + ",\"mode\":\"" +
                      (incremental ? "incremental" : "full") + "\",\"model_source\":\"" +
                      (frozen_model ? "frozen" : "estimated") +
                      "\",\"must_links\":" + std::to_string(must_links) +
                      ",\"cannot_link_cuts\":" + std::to_string(cannot_link_cuts) +
                      ",\"constraint_conflicts\":" + std::to_string(constraint_conflicts);
    if (incremental)
        out += ",\"new_records\":" + std::to_string(new_records) +
               ",\"changed_records\":" + std::to_string(changed_records) +
               ",\"deleted_records\":" + std::to_string(deleted_records) +
               ",\"compared_pairs\":" + std::to_string(candidate_pairs) +
               ",\"kept_pairs\":" + std::to_string(kept_pairs) +
               ",\"entities_changed\":" + std::to_string(entities_changed);
    out += ",\"blocking_rules\":[";
    for (size_t i = 0; i < blocking_rules.size(); ++i)
        out += std::string(i ? "," : "") + "{\"rule\":" + Quote(blocking_rules[i]) + ",\"pairs\":" +
               std::to_string(i < blocking_rule_pairs.size() ? blocking_rule_pairs[i] : 0) + "}";
    out += "],\"dropped_blocking_rules\":[";
    for (size_t i = 0; i < dropped_blocking_rules.size(); ++i)
        out += (i ? "," : "") + Quote(dropped_blocking_rules[i]);
    out += "],\"timings\":{";
    for (size_t i = 0; i < timings.size(); ++i)
        out += (i ? "," : "") + Quote(timings[i].first) + ":" + num(timings[i].second);
    out += "},\"model\":" + (model_json.empty() ? std::string("null") : model_json) + "}";
    return out;
}

ResolveResult Resolve(const ResolverConfig& config, const RecordSet& records, Progress& progress,
                      const ResolveOptions& options) {
    // Resolve runs the six phases and assembles the result.
    const RecordData& d = records.Data();
    CheckSameFields(config, d);
    const size_t nf = d.fields.size(), n = d.size();
    const int threads = std::max(1, config.threads);
    ResolveResult result;
    result.records = n;
    result.field_count = nf;
    auto clock = Clock::now();
    if (options.previous != nullptr && options.frozen_model.empty())
        throw InvalidArgument("nightjar: an incremental resolve needs the model of a full run");
    std::vector<KeyFamily> families =
        config.blocking.empty() ? DefaultFamilies(config) : ExplicitFamilies(config);
    const RareWords words(d, families, threads);
    result.fingerprint = Fingerprints(d, BlockingKeyHashes(d, families, &words, threads), threads);
    std::vector<uint8_t> touched;
    if (options.previous != nullptr) {
        result.incremental = true;
        touched = MarkTouched(result.fingerprint, *options.previous, result);
    }

    Comparer comparer(d, threads);
    result.timings.emplace_back("prepare", Lap(clock));

    BlockingStats stats;
    std::vector<uint64_t> pairs = CandidatePairs(d, config, families, stats, progress,
                                                 result.incremental ? &touched : nullptr, &words);
    result.candidate_pairs = pairs.size();
    result.blocks = stats.blocks;
    result.oversize_blocks = stats.oversize_blocks;
    result.skipped_blocks = stats.skipped_blocks;
    result.blocking_rules = stats.families;
    result.dropped_blocking_rules = stats.dropped_families;
    for (const auto& sample : stats.samples) result.blocking_rule_pairs.push_back(sample.emitted);
    result.timings.emplace_back("blocking", Lap(clock));

    std::vector<int8_t> gamma(pairs.size() * nf);
    ParallelFor(pairs.size(), threads, 8192, progress, [&](size_t begin, size_t end, int) {
        for (size_t i = begin; i < end; ++i)
            comparer.Compare(static_cast<uint32_t>(pairs[i] >> 32), static_cast<uint32_t>(pairs[i]),
                             gamma.data() + i * nf);
    });
    result.timings.emplace_back("compare", Lap(clock));

    std::vector<uint32_t> origin;  // incremental: the stored pair each pair came from
    if (result.incremental)
        result.kept_pairs = AddPreviousPairs(*options.previous, touched, nf, pairs, gamma, origin);

    std::vector<int> level_counts(nf);
    for (size_t f = 0; f < nf; ++f) level_counts[f] = comparer.LevelCount(static_cast<int>(f));
    Model model;
    Patterns patterns;
    if (!options.frozen_model.empty()) {
        model = ParseModel(options.frozen_model, level_counts);
        result.frozen_model = true;
        patterns = GroupPatterns(gamma, nf, progress);
    } else {
        model = EstimateModel(config, d, comparer, pairs, gamma, level_counts, stats, progress,
                              patterns);
    }
    stats.samples.clear();
    result.em_iterations = model.iterations;
    result.prior = model.prior;
    result.model_json = ModelJson(d, model);
    result.model_state = SerializeModel(model);
    result.timings.emplace_back("estimate", Lap(clock));

    std::vector<double> weights = PatternWeights(patterns, model);
    std::vector<float> probability(pairs.size()), weight(pairs.size());
    ParallelFor(pairs.size(), threads, 16384, progress, [&](size_t begin, size_t end, int) {
        for (size_t i = begin; i < end; ++i) {
            double w = weights[patterns.pattern_of[i]];
            uint32_t a = static_cast<uint32_t>(pairs[i] >> 32), b = static_cast<uint32_t>(pairs[i]);
            for (size_t f = 0; f < nf; ++f)
                if (gamma[i * nf + f] == 0)
                    w += TermFrequencyLog2(d, model, f, d.fields[f].value_of[a],
                                           d.fields[f].value_of[b]);
            weight[i] = static_cast<float>(w);
            probability[i] = static_cast<float>(1.0 / (1.0 + std::exp2(-w)));
        }
    });
    std::vector<uint32_t>().swap(patterns.pattern_of);
    size_t kept = 0;
    for (float p : probability) kept += p >= config.review_threshold;
    result.pairs.reserve(kept);
    result.pair_levels.reserve(kept * nf);
    for (size_t i = 0; i < pairs.size(); ++i) {
        if (probability[i] < config.review_threshold) continue;
        ScoredPair sp;
        sp.a = static_cast<uint32_t>(pairs[i] >> 32);
        sp.b = static_cast<uint32_t>(pairs[i]);
        sp.probability = probability[i];
        sp.match_weight = weight[i];
        sp.status =
            probability[i] >= config.match_threshold ? PairStatus::kMatch : PairStatus::kReview;
        result.pairs.push_back(sp);
        if (!origin.empty()) result.previous_pair.push_back(origin[i]);
        result.pair_levels.insert(result.pair_levels.end(), gamma.begin() + i * nf,
                                  gamma.begin() + (i + 1) * nf);
    }
    std::vector<uint64_t>().swap(pairs);
    std::vector<int8_t>().swap(gamma);
    std::vector<uint32_t>().swap(origin);
    result.timings.emplace_back("score", Lap(clock));

    std::vector<Edge> edges;
    std::vector<size_t> edge_pair;
    for (size_t i = 0; i < result.pairs.size(); ++i) {
        const ScoredPair& sp = result.pairs[i];
        if (sp.status != PairStatus::kMatch) continue;
        edges.push_back({sp.a, sp.b, sp.probability});
        edge_pair.push_back(i);
    }
    Clustering clustering =
        Cluster(n, d.source, edges, config.one_per_source, progress, options.constraints);
    result.must_links = clustering.must_links;
    result.cannot_link_cuts = clustering.cannot_link_cuts;
    result.constraint_conflicts = clustering.conflicts;
    for (size_t e = 0; e < edges.size(); ++e)
        if (!clustering.kept[e]) result.pairs[edge_pair[e]].status = PairStatus::kCut;
    result.entity_of = std::move(clustering.entity_of);
    result.entities = clustering.entities;
    result.cut_links = clustering.cut;
    for (const auto& sp : result.pairs) {
        result.matches += sp.status == PairStatus::kMatch;
        result.review_pairs += sp.status == PairStatus::kReview;
    }
    std::vector<uint32_t> members(result.entities, 0);
    for (uint32_t e : result.entity_of) ++members[e];
    for (uint32_t c : members) result.multi_record_entities += c > 1;
    if (result.incremental)
        result.entities_changed =
            CountChangedEntities(result.entity_of, result.entities, *options.previous);
    result.timings.emplace_back("cluster", Lap(clock));
    return result;
}

}  // namespace nightjar::core::resolve
