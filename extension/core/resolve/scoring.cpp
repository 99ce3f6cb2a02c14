// scoring.cpp: Fellegi-Sunter weights estimated without labels.
//
// Phases:
//   1. u: random pairs (distinct records; of two sources when one_per_source) are compared
//      and each field's level frequencies counted (+0.5 per level so no u is 0); for kinds
//      whose best level means "same normalised value" that level's u is computed exactly
//      from the value counts, sum c(c-1) / (M(M-1)), and the other levels rescaled.
//   2. m and the prior by EM over the candidate pairs, grouped into distinct comparison
//      patterns first (a few thousand patterns for tens of millions of pairs, so an EM
//      iteration costs microseconds): m starts at "agreement likely" (best level 0.6, then
//      halving), the prior at 0.1; u stays fixed unless `free_u`.
//   3. a pair's weight: log2 prior odds + sum of log2(m/u) over non-null levels, plus the
//      term-frequency adjustment of an exact match: log2(u_exact_random / tf(v)), with
//      tf(v) the share of records holding v, clamped to [-13, +2] bits (a common name such
//      as "boulangerie" says little; a rare one a little more than average).
//   4. u_local (local_u.cpp): when the first code field (a postcode) agrees exactly, the
//      other fields' u are those among same-code non-matches (chain rule), so a postcode
//      and "within 5 km" or a name sharing the town's word are not counted twice.
// Conditional independence of the fields given match status (and, for non-matches, given
// the locality) is otherwise assumed, as in every Fellegi-Sunter tool; address and geo
// still count shared evidence twice when the postcode differs or is missing.
#include "core/resolve/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "core/resolve/parallel.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

// ExactIsValueEquality says whether level 0 of a kind holds exactly when value ids are equal.
bool ExactIsValueEquality(FieldKind k) {
    return k == FieldKind::kCode || k == FieldKind::kExact || k == FieldKind::kDate ||
           k == FieldKind::kNumber || k == FieldKind::kText || k == FieldKind::kName ||
           k == FieldKind::kAddress;
}

// SplitMix is a small deterministic random generator.
struct SplitMix {
    uint64_t s;
    uint64_t Next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
};

// Json formats a probability compactly.
std::string Json(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

// Escape escapes a string for JSON.
std::string Escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
            continue;
        }
        out += c;
    }
    return out;
}

// DefaultM sets a field's starting m: the best level 0.6, each next one half as likely.
void DefaultM(FieldModel& fm, int levels) {
    fm.m.assign(static_cast<size_t>(levels), 0);
    double v = 0.6, total = 0;
    for (auto& x : fm.m) {
        x = v;
        total += v;
        v /= 2;
    }
    for (auto& x : fm.m) x /= total;
}

// Posterior returns P(match | pattern q) under `model`.
double Posterior(const Patterns& p, size_t q, const Model& model) {
    const size_t nf = p.field_count;
    double x = std::log(1 - model.prior) - std::log(model.prior);
    for (size_t f = 0; f < nf; ++f) {
        int8_t l = p.levels[q * nf + f];
        if (l < 0) continue;
        x += std::log(model.fields[f].u[l]) - std::log(model.fields[f].m[l]);
    }
    return x > 700 ? 0 : 1 / (1 + std::exp(x));
}

}  // namespace

Patterns GroupPatterns(const std::vector<int8_t>& gamma, size_t field_count, Progress& progress) {
    // GroupPatterns packs a comparison vector in 64 bits (4 bits a field) when it fits, else
    // hashes it as text.
    Patterns p;
    p.field_count = field_count;
    size_t pairs = field_count ? gamma.size() / field_count : 0;
    p.pattern_of.resize(pairs);
    ProgressTicker ticker(progress, static_cast<int64_t>(pairs), 1 << 20);
    auto add = [&](size_t i, auto& index, auto key) {
        ticker.Tick();
        auto [it, added] = index.try_emplace(key, static_cast<uint32_t>(p.count.size()));
        if (added) {
            p.count.push_back(0);
            p.levels.insert(p.levels.end(), gamma.begin() + static_cast<ptrdiff_t>(i * field_count),
                            gamma.begin() + static_cast<ptrdiff_t>((i + 1) * field_count));
        }
        ++p.count[it->second];
        p.pattern_of[i] = it->second;
    };
    if (field_count <= 16) {
        std::unordered_map<uint64_t, uint32_t> index;
        for (size_t i = 0; i < pairs; ++i) {
            uint64_t key = 0;
            for (size_t f = 0; f < field_count; ++f)
                key |= static_cast<uint64_t>(gamma[i * field_count + f] + 1) << (4 * f);
            add(i, index, key);
        }
    } else {
        std::unordered_map<std::string, uint32_t> index;
        for (size_t i = 0; i < pairs; ++i)
            add(i, index,
                std::string(reinterpret_cast<const char*>(gamma.data() + i * field_count),
                            field_count));
    }
    return p;
}

void EstimateU(const RecordData& d, const Comparer& comparer, bool one_per_source, size_t samples,
               uint64_t seed, int threads, Model& model, Progress& progress) {
    // EstimateU samples pairs on `threads` threads (one generator per chunk: deterministic).
    const size_t nf = d.fields.size(), n = d.size();
    std::vector<std::vector<uint64_t>> counts(static_cast<size_t>(std::max(threads, 1)),
                                              std::vector<uint64_t>(nf * 16, 0));
    if (n >= 2) {
        const size_t chunk = 4096;
        ParallelFor(samples, threads, chunk, progress, [&](size_t begin, size_t end, int t) {
            SplitMix rng{seed ^ (begin * 0x9E3779B97F4A7C15ULL)};
            std::vector<int8_t> levels(nf);
            for (size_t i = begin; i < end; ++i) {
                uint32_t a = 0, b = 0;
                for (int tries = 0; tries < 8; ++tries) {
                    a = static_cast<uint32_t>(rng.Next() % n);
                    b = static_cast<uint32_t>(rng.Next() % n);
                    if (a != b && !(one_per_source && d.source[a] == d.source[b])) break;
                }
                if (a == b) continue;
                comparer.Compare(a, b, levels.data());
                for (size_t f = 0; f < nf; ++f)
                    if (levels[f] >= 0) ++counts[t][f * 16 + levels[f]];
            }
        });
    }
    for (size_t f = 0; f < nf; ++f) {
        FieldModel& fm = model.fields[f];
        const FieldStore& s = d.fields[f];
        double m_present = static_cast<double>(s.present);
        double same = 0;
        for (uint32_t c : s.value_count) same += double(c) * (double(c) - 1);
        fm.u_exact_random = m_present > 1 ? same / (m_present * (m_present - 1)) : 0;
        fm.u_exact_random = std::max(fm.u_exact_random, 1e-9);
        if (fm.fixed_u) continue;
        int levels = comparer.LevelCount(f);
        std::vector<double> u(static_cast<size_t>(levels));
        double total = 0;
        for (int l = 0; l < levels; ++l) {
            double c = 0.5;
            for (const auto& per_thread : counts) c += static_cast<double>(per_thread[f * 16 + l]);
            u[l] = c;
            total += c;
        }
        for (double& x : u) x /= total;
        if (ExactIsValueEquality(s.kind) && levels > 1) {
            double exact = std::clamp(fm.u_exact_random, 1e-9, 0.999);
            double rest = 1 - u[0];
            for (int l = 1; l < levels; ++l) u[l] = u[l] / rest * (1 - exact);
            u[0] = exact;
        }
        fm.u = u;
    }
}

void EstimateM(const Patterns& p, const std::vector<int>& level_counts, int iterations, bool free_u,
               Model& model) {
    // EstimateM alternates the E and M steps over the pattern table.
    const size_t nf = p.field_count, k = p.size();
    for (size_t f = 0; f < nf; ++f)
        if (!model.fields[f].fixed_m &&
            model.fields[f].m.size() != static_cast<size_t>(level_counts[f]))
            DefaultM(model.fields[f], level_counts[f]);
    std::vector<double> post(k);
    model.converged = false;
    for (int it = 0; it < iterations; ++it) {
        double sum_post = 0, sum_all = 0;
        for (size_t q = 0; q < k; ++q) {
            double log_m = std::log(model.prior), log_u = std::log(1 - model.prior);
            for (size_t f = 0; f < nf; ++f) {
                int8_t l = p.levels[q * nf + f];
                if (l < 0) continue;
                log_m += std::log(model.fields[f].m[l]);
                log_u += std::log(model.fields[f].u[l]);
            }
            double x = log_u - log_m;
            post[q] = x > 700 ? 0 : 1 / (1 + std::exp(x));
            sum_post += post[q] * static_cast<double>(p.count[q]);
            sum_all += static_cast<double>(p.count[q]);
        }
        double change = 0;
        double prior = std::clamp(sum_post / std::max(sum_all, 1.0), 1e-9, 1 - 1e-9);
        change = std::max(change, std::fabs(prior - model.prior));
        model.prior = prior;
        for (size_t f = 0; f < nf; ++f) {
            FieldModel& fm = model.fields[f];
            size_t levels = fm.m.size();
            std::vector<double> mm(levels, 1e-9), uu(levels, 1e-9);
            for (size_t q = 0; q < k; ++q) {
                int8_t l = p.levels[q * nf + f];
                if (l < 0) continue;
                mm[l] += post[q] * static_cast<double>(p.count[q]);
                uu[l] += (1 - post[q]) * static_cast<double>(p.count[q]);
            }
            double tm = 0, tu = 0;
            for (size_t l = 0; l < levels; ++l) {
                tm += mm[l];
                tu += uu[l];
            }
            for (size_t l = 0; l < levels; ++l) {
                if (!fm.fixed_m) {
                    double v = mm[l] / tm;
                    change = std::max(change, std::fabs(v - fm.m[l]));
                    fm.m[l] = v;
                }
                if (free_u && !fm.fixed_u) {
                    double v = uu[l] / tu;
                    change = std::max(change, std::fabs(v - fm.u[l]));
                    fm.u[l] = v;
                }
            }
        }
        model.iterations = it + 1;
        if (change < 1e-6) {
            model.converged = true;
            break;
        }
    }
}

void EstimateByRules(const std::vector<uint64_t>& pairs, const std::vector<int8_t>& gamma,
                     const Patterns& all, const std::vector<FamilySample>& samples,
                     const std::vector<int>& level_counts, int iterations, double pair_space,
                     bool global_em, Model& model, Progress& progress) {
    // EstimateByRules trains on each family's sample, then solves for the global prior.
    const size_t nf = level_counts.size();
    std::vector<std::vector<double>> m_sum(nf);
    std::vector<double> weight(nf, 0);
    for (size_t f = 0; f < nf; ++f) m_sum[f].assign(static_cast<size_t>(level_counts[f]), 0);
    double expected_matches = 0;
    std::vector<int8_t> sub;
    for (size_t si = 0; si < samples.size(); ++si) {
        const FamilySample& sample = samples[si];
        progress.Report(static_cast<int64_t>(si), static_cast<int64_t>(samples.size()));
        sub.clear();
        for (uint64_t pair : sample.pairs) {
            size_t i = static_cast<size_t>(std::lower_bound(pairs.begin(), pairs.end(), pair) -
                                           pairs.begin());
            if (i == pairs.size() || pairs[i] != pair) continue;
            size_t row = sub.size();
            sub.insert(sub.end(), gamma.begin() + static_cast<ptrdiff_t>(i * nf),
                       gamma.begin() + static_cast<ptrdiff_t>((i + 1) * nf));
            for (size_t f : sample.fields) sub[row + f] = kNullLevel;
        }
        if (sub.empty()) continue;
        Patterns p = GroupPatterns(sub, nf, progress);
        Model local = model;
        local.prior = 0.1;
        EstimateM(p, level_counts, iterations, true, local);
        double rows = static_cast<double>(sub.size() / nf);
        expected_matches =
            std::max(expected_matches, local.prior * static_cast<double>(sample.emitted) * rows /
                                           static_cast<double>(sample.pairs.size()));
        for (size_t f = 0; f < nf; ++f) {
            if (std::find(sample.fields.begin(), sample.fields.end(), f) != sample.fields.end())
                continue;
            double present = 0;
            for (size_t q = 0; q < p.size(); ++q)
                if (p.levels[q * nf + f] >= 0)
                    present += static_cast<double>(p.count[q]) * Posterior(p, q, local);
            for (size_t l = 0; l < m_sum[f].size(); ++l)
                m_sum[f][l] += local.fields[f].m[l] * present;
            weight[f] += present;
        }
    }
    for (size_t f = 0; f < nf; ++f) {
        FieldModel& fm = model.fields[f];
        if (fm.fixed_m) continue;
        if (weight[f] <= 0) {
            DefaultM(fm, level_counts[f]);
            continue;
        }
        fm.m = m_sum[f];
        for (double& x : fm.m) x = std::max(x / weight[f], 1e-9);
    }
    // The prior over all pairs: a fixed point, starting from the best family's estimate.
    double space = std::max(pair_space, 1.0);
    model.prior = std::clamp(expected_matches / space, 1e-12, 0.5);
    model.converged = false;
    for (int it = 0; it < 50; ++it) {
        double sum = 0;
        for (size_t q = 0; q < all.size(); ++q)
            sum += static_cast<double>(all.count[q]) * Posterior(all, q, model);
        double prior = std::clamp(sum / space, 1e-12, 0.5);
        bool done = std::fabs(prior - model.prior) <= 1e-4 * model.prior;
        model.prior = prior;
        model.iterations = it + 1;
        if (done) {
            model.converged = true;
            break;
        }
    }
    if (!global_em) return;
    // Refinement: EM over all candidate pairs, u free, from the trained m and the random
    // u, the prior now among candidates. Kept only when its prior stays within a factor 2
    // of the rules' estimate and it changes few decisions: a refinement that wanders off
    // has found another split of the candidates (e.g. "same town"), not matches.
    double candidates = 0;
    for (size_t q = 0; q < all.size(); ++q) candidates += static_cast<double>(all.count[q]);
    Model refined = model;
    double start = std::clamp(model.prior * space / std::max(candidates, 1.0), 1e-6, 0.9);
    refined.prior = start;
    EstimateM(all, level_counts, iterations, true, refined);
    // Kept only when it changes few decisions: the candidate pairs whose side of 0.5 differs
    // between the two models must weigh at most 10% of the rules model's matches.
    double matches = 0, flips = 0;
    for (size_t q = 0; q < all.size(); ++q) {
        bool before = Posterior(all, q, model) >= 0.5, after = Posterior(all, q, refined) >= 0.5;
        matches += before ? static_cast<double>(all.count[q]) : 0;
        flips += before != after ? static_cast<double>(all.count[q]) : 0;
    }
    if (refined.prior >= start / 2 && refined.prior <= start * 2 && flips <= 0.1 * matches) {
        refined.refined = true;
        model = refined;
    }
}

std::vector<double> PatternWeights(const Patterns& p, const Model& model) {
    // PatternWeights sums log2 Bayes factors per pattern, with u_local when the locality
    // field agrees exactly.
    const size_t nf = p.field_count;
    std::vector<double> w(p.size());
    double prior = std::log2(model.prior / (1 - model.prior));
    for (size_t q = 0; q < p.size(); ++q) {
        double x = prior;
        const int8_t* lv = &p.levels[q * nf];
        bool local = model.local_field >= 0 && lv[model.local_field] == 0;
        for (size_t f = 0; f < nf; ++f) {
            int8_t l = lv[f];
            if (l < 0) continue;
            const FieldModel& fm = model.fields[f];
            double u = local && !fm.u_local.empty() ? fm.u_local[l] : fm.u[l];
            x += std::log2(fm.m[l] / u);
        }
        w[q] = x;
    }
    return w;
}

double TermFrequencyLog2(const RecordData& d, const Model& model, size_t f, uint32_t va,
                         uint32_t vb) {
    // TermFrequencyLog2 compares the value's frequency with the average exact-match rate.
    const FieldStore& s = d.fields[f];
    if (!d.config.fields[f].term_frequency || s.present < 2) return 0;
    if (s.kind == FieldKind::kIdentifier || s.kind == FieldKind::kGeo ||
        s.kind == FieldKind::kNumber)
        return 0;
    double c = std::max(s.value_count[va], s.value_count[vb]);
    double tf = c / static_cast<double>(s.present);
    double adj = std::log2(model.fields[f].u_exact_random / tf);
    return std::clamp(adj, -13.0, 2.0);
}

std::string ModelJson(const RecordData& d, const Model& model) {
    // ModelJson lists each field's levels with their m and u.
    std::string out =
        "{\"prior\":" + Json(model.prior) + ",\"iterations\":" + std::to_string(model.iterations) +
        ",\"converged\":" + (model.converged ? "true" : "false") + ",\"prior_over\":\"" +
        (model.refined ? "candidate pairs" : "all pairs") + "\",\"locality\":" +
        (model.local_field >= 0
             ? "\"" + Escape(d.config.fields[static_cast<size_t>(model.local_field)].name) + "\""
             : std::string("null")) +
        ",\"fields\":[";
    for (size_t f = 0; f < d.fields.size(); ++f) {
        const FieldSpec& spec = d.config.fields[f];
        auto names = LevelNames(spec);
        if (f) out += ',';
        out += "{\"name\":\"" + Escape(spec.name) + "\",\"kind\":\"" + FieldKindName(spec.kind) +
               "\",\"levels\":[";
        const FieldModel& fm = model.fields[f];
        for (size_t l = 0; l < names.size(); ++l) {
            if (l) out += ',';
            double m = l < fm.m.size() ? fm.m[l] : 0, u = l < fm.u.size() ? fm.u[l] : 0;
            out += "{\"level\":\"" + Escape(names[l]) + "\",\"m\":" + Json(m) +
                   ",\"u\":" + Json(u) +
                   (l < fm.u_local.size() ? ",\"u_same_locality\":" + Json(fm.u_local[l]) : "") +
                   ",\"weight\":" + Json(m > 0 && u > 0 ? std::log2(m / u) : 0) + "}";
        }
        out += "]}";
    }
    return out + "]}";
}

}  // namespace nightjar::core::resolve
