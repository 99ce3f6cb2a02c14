// local_u.cpp: u conditioned on locality (EstimateLocalU).
//
// Why: Fellegi-Sunter multiplies the fields' Bayes factors as if they were independent
// among non-matches. Locations are not: two different actors with the same postcode are
// also within a few km of each other, and their names share the town's name far more often
// than two random records do. Counting a postcode agreement and then "within 5 km" and
// "token_set >= 0.8" at their global u counts one piece of evidence two or three times.
// The chain rule instead: P(pattern | U) = P(code level | U) * P(other levels | code
// exact, U) when the code agrees exactly, the latter estimated among pairs of the same
// code value; the other fields stay independent of each other given that.
// Phases:
//   1. records holding the locality field (the first `code` field) are grouped by value
//      (a counting sort by value id, 4 bytes a record);
//   2. `samples` pairs are drawn uniformly among same-value pairs (a group by binary search
//      over cumulative c(c-1), then two distinct members; pairs of one source are redrawn
//      when one_per_source) and compared, on `threads` threads, one generator per chunk;
//   3. same-value pairs contain some matches (many more than random pairs do), so u_local
//      is not their raw level frequency: EM over their patterns with m fixed (trained on the
//      blocking rules), the prior free and u_local starting at the global u (shrunk towards
//      it by 1,000 pseudo-pairs) gives the non-match share of each level.
// Memory: 4 bytes per record, 8 per value, F bytes per sample. Cost: samples comparisons.
// Trades away: dependence among the other fields given the locality, and the locality
// levels below exact (one edit, same prefix), which keep the global u.
#include <algorithm>
#include <cmath>

#include "core/resolve/parallel.hpp"
#include "core/resolve/scoring.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

// Mix is a small deterministic random generator (SplitMix64).
struct Mix {
    uint64_t s;
    uint64_t Next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
};

}  // namespace

void EstimateLocalU(const RecordData& d, const Comparer& comparer, bool one_per_source,
                    size_t samples, uint64_t seed, int threads, int iterations, Model& model,
                    Progress& progress) {
    // EstimateLocalU groups, samples, compares, then runs EM with m fixed.
    const size_t nf = d.fields.size();
    int c = -1;
    for (size_t f = 0; f < nf && c < 0; ++f)
        if (d.fields[f].kind == FieldKind::kCode) c = static_cast<int>(f);
    if (c < 0 || samples == 0) return;
    const FieldStore& s = d.fields[static_cast<size_t>(c)];
    const size_t values = s.value_count.size();
    std::vector<uint64_t> start(values + 1, 0);
    for (size_t v = 0; v < values; ++v) start[v + 1] = start[v] + s.value_count[v];
    std::vector<uint32_t> members(start[values]);
    {
        std::vector<uint64_t> at(start.begin(), start.end() - 1);
        for (uint32_t r = 0; r < s.value_of.size(); ++r)
            if (s.value_of[r] != kMissing) members[at[s.value_of[r]]++] = r;
    }
    std::vector<uint32_t> group;
    std::vector<double> cumulative;
    double total = 0;
    for (size_t v = 0; v < values; ++v) {
        double n = s.value_count[v];
        if (n < 2) continue;
        total += n * (n - 1);
        group.push_back(static_cast<uint32_t>(v));
        cumulative.push_back(total);
    }
    if (group.empty()) return;
    std::vector<int8_t> gamma(samples * nf, kNullLevel);
    std::vector<uint8_t> drawn(samples, 0);
    ParallelFor(samples, threads, 4096, progress, [&](size_t begin, size_t end, int) {
        Mix rng{seed ^ 0x5851F42D4C957F2DULL ^ (begin * 0x9E3779B97F4A7C15ULL)};
        for (size_t i = begin; i < end; ++i) {
            for (int tries = 0; tries < 8; ++tries) {
                double x = static_cast<double>(rng.Next() >> 11) * 0x1.0p-53 * total;
                size_t g = static_cast<size_t>(
                    std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin());
                g = std::min(g, group.size() - 1);
                uint64_t first = start[group[g]], n = s.value_count[group[g]];
                uint64_t ia = rng.Next() % n, ib = rng.Next() % (n - 1);
                if (ib >= ia) ++ib;
                uint32_t a = members[first + ia], b = members[first + ib];
                if (one_per_source && d.source[a] == d.source[b]) continue;
                comparer.Compare(a, b, gamma.data() + i * nf);
                drawn[i] = 1;
                break;
            }
        }
    });
    // Keep the drawn rows only (a group of one source yields none).
    size_t rows = 0;
    for (size_t i = 0; i < samples; ++i)
        if (drawn[i]) {
            std::copy_n(gamma.begin() + static_cast<ptrdiff_t>(i * nf), nf,
                        gamma.begin() + static_cast<ptrdiff_t>(rows * nf));
            ++rows;
        }
    if (rows == 0) return;
    gamma.resize(rows * nf);
    Patterns p = GroupPatterns(gamma, nf, progress);
    std::vector<double>().swap(cumulative);
    // EM: m fixed, u_local and the share of matches among same-value pairs free, u_local
    // starting at the global u and shrunk towards it by kPriorPairs pseudo-pairs (when
    // nearly all same-value pairs match, e.g. a code that identifies the actor, too few
    // non-matches remain to say anything and u_local stays the global u).
    constexpr double kPriorPairs = 1000;
    std::vector<std::vector<double>> u(nf);
    for (size_t f = 0; f < nf; ++f) {
        const FieldModel& fm = model.fields[f];
        if (fm.m.empty() || fm.u.size() != fm.m.size()) return;
        u[f] = fm.u;
    }
    double prior = 0.01;
    std::vector<double> post(p.size(), 0);
    for (int it = 0; it < std::max(iterations, 1); ++it) {
        double sum_post = 0, sum_all = 0;
        for (size_t q = 0; q < p.size(); ++q) {
            double x = std::log(1 - prior) - std::log(prior);
            for (size_t f = 0; f < nf; ++f) {
                int8_t l = p.levels[q * nf + f];
                if (l < 0 || static_cast<int>(f) == c) continue;
                x += std::log(u[f][l]) - std::log(model.fields[f].m[l]);
            }
            post[q] = x > 700 ? 0 : 1 / (1 + std::exp(x));
            sum_post += post[q] * static_cast<double>(p.count[q]);
            sum_all += static_cast<double>(p.count[q]);
        }
        double next = std::clamp(sum_post / std::max(sum_all, 1.0), 1e-9, 1 - 1e-9);
        double change = std::fabs(next - prior);
        prior = next;
        for (size_t f = 0; f < nf; ++f) {
            if (static_cast<int>(f) == c) continue;
            const std::vector<double>& global = model.fields[f].u;
            std::vector<double> uu(u[f].size());
            double tu = 0;
            for (size_t l = 0; l < uu.size(); ++l) uu[l] = kPriorPairs * global[l];
            for (size_t q = 0; q < p.size(); ++q) {
                int8_t l = p.levels[q * nf + f];
                if (l >= 0) uu[l] += (1 - post[q]) * static_cast<double>(p.count[q]);
            }
            for (double v : uu) tu += v;
            for (size_t l = 0; l < uu.size(); ++l) {
                change = std::max(change, std::fabs(uu[l] / tu - u[f][l]));
                u[f][l] = uu[l] / tu;
            }
        }
        if (change < 1e-6) break;
    }
    model.local_field = c;
    for (size_t f = 0; f < nf; ++f)
        if (static_cast<int>(f) != c && !model.fields[f].fixed_u) model.fields[f].u_local = u[f];
}

}  // namespace nightjar::core::resolve
