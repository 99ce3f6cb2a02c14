// incremental.cpp: what an incremental resolve does differently from a full one.
//
// An incremental run reads every record (the blocking keys and term frequencies need the
// whole set) but compares only the pairs that involve a new or changed record:
//   1. fingerprints: a hash of each record's normalised compared values and of its
//      blocking keys; a record whose fingerprint differs from the stored one (or that has
//      none) is "touched" — also when only its keys moved (a word of its name became
//      rarer or commoner in today's data), so that its new blocks are searched;
//   2. blocking as in a full run (every record's keys), emitting only the candidate pairs
//      with a touched record;
//   3. those pairs are compared; the previous run's stored pairs between untouched records
//      keep their levels (their values did not change) and join them;
//   4. every pair is scored with the frozen model (term frequencies of today's data), and
//      clustered with the same Cluster as a full run;
//   5. for the write (the glue): StableEntityIds keeps the last run's entity ids where it
//      can, and DiffRuns lists the member rows and pairs that differ from the stored ones
//      (each kept pair knows the stored pair it came from: ResolveResult::previous_pair),
//      so that only those are rewritten. A stored pair between untouched records whose weight moved
//      by at most kStoredWeightTolerance (term frequencies are relative to today's counts: every
//      change to a common value moves the pairs that share it a little) keeps its stored
//      probability and weight; its status is today's, and so are the entities.
// Equivalence: a full run with the same frozen model compares every candidate pair; the
// two differ only for a pair of untouched records (same values, same keys) that the last
// run had not kept (below review_threshold, or outside an oversize block's window) and
// that would now be kept because term frequencies or an oversize block's order moved. Memory: 8
// bytes a record for fingerprints, the previous pairs as stored (16 + fields bytes each). Time:
// O(records) + blocking + the comparisons of touched pairs + sorting all kept pairs.
#include "core/resolve/incremental.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/errors.hpp"
#include "core/resolve/parallel.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {

std::vector<uint64_t> Fingerprints(const RecordData& d, const std::vector<uint64_t>& key_hash,
                                   int threads) {
    // Fingerprints folds each field's normalised value text (or a missing mark) per record,
    // records in parallel.
    std::vector<uint64_t> out(d.size());
    ParallelFor(
        d.size(), std::max(1, threads), 65536, NoProgress(), [&](size_t begin, size_t end, int) {
            for (size_t r = begin; r < end; ++r) {
                uint64_t h = r < key_hash.size() ? key_hash[r] : 0x9E3779B97F4A7C15ull;
                for (size_t f = 0; f < d.fields.size(); ++f) {
                    const FieldStore& s = d.fields[f];
                    const uint32_t v = s.value_of[r];
                    h = HashBytes(v == kMissing ? std::string_view("\x01missing") : s.values.Get(v),
                                  h + f);
                }
                out[r] = h == kNewRecord ? 1 : h;
            }
        });
    return out;
}

std::vector<uint8_t> MarkTouched(const std::vector<uint64_t>& fingerprint,
                                 const PreviousRun& previous, ResolveResult& result) {
    // MarkTouched compares today's fingerprints with the stored ones.
    if (previous.fingerprint.size() != fingerprint.size())
        throw InvalidArgument("nightjar: the previous run covers " +
                              std::to_string(previous.fingerprint.size()) + " records, not " +
                              std::to_string(fingerprint.size()));
    std::vector<uint8_t> touched(fingerprint.size(), 0);
    for (size_t r = 0; r < fingerprint.size(); ++r) {
        if (previous.fingerprint[r] == kNewRecord) {
            touched[r] = 1;
            ++result.new_records;
        } else if (previous.fingerprint[r] != fingerprint[r]) {
            touched[r] = 1;
            ++result.changed_records;
        }
    }
    result.deleted_records = previous.deleted;
    return touched;
}

size_t AddPreviousPairs(const PreviousRun& previous, const std::vector<uint8_t>& touched, size_t nf,
                        std::vector<uint64_t>& pairs, std::vector<int8_t>& gamma,
                        std::vector<uint32_t>& origin) {
    // AddPreviousPairs sorts the untouched previous pairs (mostly in order already: a
    // sorted run and the pairs later nights appended) and merges them with the compared
    // pairs, which blocking returned sorted.
    if (previous.pair_levels.size() != previous.pairs.size() * nf)
        throw InvalidArgument("nightjar: the previous run's pair levels do not match its pairs");
    std::vector<std::pair<uint64_t, uint32_t>> kept;  // (pair, index in previous.pairs)
    kept.reserve(previous.pairs.size());
    for (size_t i = 0; i < previous.pairs.size(); ++i) {
        uint32_t a = previous.pairs[i].a, b = previous.pairs[i].b;
        if (a > b) std::swap(a, b);
        if (b >= touched.size() || a == b || touched[a] || touched[b]) continue;
        kept.emplace_back(static_cast<uint64_t>(a) << 32 | b, static_cast<uint32_t>(i));
    }
    auto unsorted = std::is_sorted_until(kept.begin(), kept.end());
    if (unsorted != kept.end()) {
        std::sort(unsorted, kept.end());
        std::inplace_merge(kept.begin(), unsorted, kept.end());
    }
    if (!std::is_sorted(pairs.begin(), pairs.end()))
        throw InvalidArgument("nightjar: the compared pairs are not sorted");
    const size_t compared = pairs.size();
    std::vector<uint64_t> merged;
    std::vector<int8_t> merged_gamma;
    merged.reserve(compared + kept.size());
    merged_gamma.reserve((compared + kept.size()) * nf);
    origin.clear();
    origin.reserve(compared + kept.size());
    size_t added = 0;
    auto take = [&](uint64_t pair, const int8_t* levels, uint32_t from) {
        if (!merged.empty() && merged.back() == pair) return;  // stored twice, or compared too
        merged.push_back(pair);
        origin.push_back(from);
        merged_gamma.insert(merged_gamma.end(), levels, levels + nf);
        added += from != kNoOrigin;
    };
    size_t i = 0, k = 0;
    while (i < compared || k < kept.size()) {
        if (k == kept.size() || (i < compared && pairs[i] <= kept[k].first)) {
            take(pairs[i], gamma.data() + i * nf, kNoOrigin);
            ++i;
        } else {
            take(kept[k].first, previous.pair_levels.data() + size_t{kept[k].second} * nf,
                 kept[k].second);
            ++k;
        }
    }
    pairs.swap(merged);
    gamma.swap(merged_gamma);
    return added;
}

size_t CountChangedEntities(const std::vector<uint32_t>& entity_of, size_t entities,
                            const PreviousRun& previous) {
    // CountChangedEntities checks that each entity's records share one old entity of the
    // same size.
    constexpr int64_t kMixed = -2;
    std::vector<int64_t> old(entities, -3);  // -3: not seen yet
    std::vector<uint32_t> size(entities, 0);
    for (size_t r = 0; r < entity_of.size(); ++r) {
        const uint32_t e = entity_of[r];
        const int64_t o = r < previous.entity.size() ? previous.entity[r] : -1;
        ++size[e];
        if (old[e] == -3)
            old[e] = o < 0 ? kMixed : o;
        else if (old[e] != o)
            old[e] = kMixed;
    }
    size_t changed = 0;
    for (size_t e = 0; e < entities; ++e) {
        const int64_t o = old[e];
        const bool same = o >= 0 && static_cast<size_t>(o) < previous.entity_size.size() &&
                          previous.entity_size[static_cast<size_t>(o)] == size[e];
        changed += !same;
    }
    return changed;
}

std::vector<int64_t> StableEntityIds(const std::vector<uint32_t>& entity_of, size_t entities,
                                     const PreviousRun& previous) {
    // StableEntityIds lets each entity claim its first record's old id, then fills the rest.
    int64_t max_old = 0;
    for (int64_t o : previous.entity) max_old = std::max(max_old, o);
    std::vector<uint8_t> taken(static_cast<size_t>(max_old) + 1, 0), decided(entities, 0);
    std::vector<int64_t> ids(entities, -1);
    for (size_t r = 0; r < entity_of.size(); ++r) {
        const uint32_t e = entity_of[r];
        const int64_t o = r < previous.entity.size() ? previous.entity[r] : -1;
        if (decided[e] || o < 0) continue;
        decided[e] = 1;
        if (taken[static_cast<size_t>(o)]) continue;
        taken[static_cast<size_t>(o)] = 1;
        ids[e] = o;
    }
    int64_t next = 1;
    for (size_t e = 0; e < entities; ++e) {
        if (ids[e] >= 0) continue;
        while (next <= max_old && taken[static_cast<size_t>(next)]) ++next;
        ids[e] = next++;
    }
    return ids;
}

RunChanges DiffRuns(const ResolveResult& result, const std::vector<int64_t>& ids,
                    const PreviousRun& previous) {
    // DiffRuns marks the touched records, then matches today's pairs with the stored ones.
    const size_t n = result.entity_of.size();
    if (previous.fingerprint.size() != n || previous.entity.size() != n ||
        result.fingerprint.size() != n)
        throw InvalidArgument("nightjar: the previous run does not cover today's " +
                              std::to_string(n) + " records");
    RunChanges out;
    std::vector<uint8_t> touched(n, 0);
    for (size_t r = 0; r < n; ++r) {
        touched[r] = previous.fingerprint[r] == kNewRecord ||
                     previous.fingerprint[r] != result.fingerprint[r];
        if (touched[r] || previous.entity[r] != ids[result.entity_of[r]])
            out.members.push_back(static_cast<uint32_t>(r));
    }
    std::vector<uint8_t> kept(previous.pairs.size(), 0);
    out.kept_row.assign(result.pairs.size(), kNoOrigin);
    if (result.previous_pair.size() == result.pairs.size() && !result.pairs.empty()) {
        for (size_t i = 0; i < result.pairs.size(); ++i) {
            const ScoredPair& p = result.pairs[i];
            const uint32_t j = result.previous_pair[i];
            bool same = false;
            if (j != kNoOrigin && j < previous.pairs.size() && !kept[j] && !touched[p.a] &&
                !touched[p.b]) {
                const ScoredPair& q = previous.pairs[j];
                same = q.status == p.status &&
                       std::fabs(q.match_weight - p.match_weight) <= kStoredWeightTolerance;
            }
            if (same) {
                kept[j] = 1;
                out.kept_row[i] = j;
            } else {
                out.pairs.push_back(i);
            }
        }
        for (size_t j = 0; j < previous.pairs.size(); ++j)
            if (!kept[j]) out.stale_pairs.push_back(j);
        return out;
    }
    auto key = [](uint32_t a, uint32_t b) {
        if (a > b) std::swap(a, b);
        return static_cast<uint64_t>(a) << 32 | b;
    };
    std::vector<std::pair<uint64_t, size_t>> old;
    old.reserve(previous.pairs.size());
    for (size_t j = 0; j < previous.pairs.size(); ++j)
        old.emplace_back(key(previous.pairs[j].a, previous.pairs[j].b), j);
    std::sort(old.begin(), old.end());
    for (size_t i = 0; i < result.pairs.size(); ++i) {
        const ScoredPair& p = result.pairs[i];
        bool same = false;
        if (!touched[p.a] && !touched[p.b]) {
            const uint64_t k = key(p.a, p.b);
            auto it = std::lower_bound(old.begin(), old.end(), std::make_pair(k, size_t{0}));
            for (; it != old.end() && it->first == k && !same; ++it) {
                const ScoredPair& q = previous.pairs[it->second];
                same = !kept[it->second] && q.status == p.status &&
                       std::fabs(q.match_weight - p.match_weight) <= kStoredWeightTolerance;
                if (same) {
                    kept[it->second] = 1;
                    out.kept_row[i] = static_cast<uint32_t>(it->second);
                }
            }
        }
        if (!same) out.pairs.push_back(i);
    }
    for (size_t j = 0; j < previous.pairs.size(); ++j)
        if (!kept[j]) out.stale_pairs.push_back(j);
    return out;
}

RecordIndex::RecordIndex(const RecordSet& records) : records_(records) {
    // RecordIndex hashes every (source, key) into a table at most half full.
    size_t cap = 16;
    while (cap < records.size() * 2 + 2) cap <<= 1;
    slots_.assign(cap, 0);
    for (uint32_t r = 0; r < records.size(); ++r) {
        size_t i = HashBytes(records.Key(r), records.Source(r)) & (cap - 1);
        while (slots_[i] != 0) i = (i + 1) & (cap - 1);
        slots_[i] = r + 1;
    }
}

int64_t RecordIndex::Find(uint32_t source, std::string_view key) const {
    // Find probes from the key's hash until the record or an empty slot.
    const size_t mask = slots_.size() - 1;
    for (size_t i = HashBytes(key, source) & mask; slots_[i] != 0; i = (i + 1) & mask) {
        const uint32_t r = slots_[i] - 1;
        if (records_.Source(r) == source && records_.Key(r) == key) return r;
    }
    return -1;
}

}  // namespace nightjar::core::resolve
