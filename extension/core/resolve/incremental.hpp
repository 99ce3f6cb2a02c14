// incremental.hpp: the pieces of an incremental resolve (the resolver's, and the glue's
// StableEntityIds and DiffRuns, which decide which stored rows to rewrite).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/resolve/record_data.hpp"
#include "core/resolve/resolver.hpp"

namespace nightjar::core::resolve {

// Fingerprints returns per record a 64-bit hash (never 0) of its normalised values of
// every compared field, missing values included, and of its blocking keys (`key_hash`,
// BlockingKeyHashes): equal fingerprints, same comparisons and same blocks.
std::vector<uint64_t> Fingerprints(const RecordData& data, const std::vector<uint64_t>& key_hash,
                                   int threads = 1);

// MarkTouched returns per record 1 when it is new or its fingerprint changed since the
// previous run, and counts both in `result`.
std::vector<uint8_t> MarkTouched(const std::vector<uint64_t>& fingerprint,
                                 const PreviousRun& previous, ResolveResult& result);

// AddPreviousPairs merges into `pairs` (sorted, as blocking returns them; else it throws
// InvalidArgument) and `gamma` (nf levels a pair) the previous run's pairs between
// untouched records, keeping them sorted by pair, and fills `origin` (per pair: the index
// in previous.pairs it was taken from, or kNoOrigin); returns how many it added.
size_t AddPreviousPairs(const PreviousRun& previous, const std::vector<uint8_t>& touched, size_t nf,
                        std::vector<uint64_t>& pairs, std::vector<int8_t>& gamma,
                        std::vector<uint32_t>& origin);

// CountChangedEntities returns how many entities of `entity_of` are not exactly one of
// the previous run's (same records, none added, none gone).
size_t CountChangedEntities(const std::vector<uint32_t>& entity_of, size_t entities,
                            const PreviousRun& previous);

// StableEntityIds returns per entity of `entity_of` the id an incremental run stores: an
// entity takes the previous id of its smallest record that had one, unless an earlier
// entity took it; the others take the previous ids nobody took, smallest first, then ids
// above every previous one. An entity identical to one of the last run keeps its id.
std::vector<int64_t> StableEntityIds(const std::vector<uint32_t>& entity_of, size_t entities,
                                     const PreviousRun& previous);

// RunChanges is what an incremental run rewrites of the last run's stored rows.
struct RunChanges {
    std::vector<uint32_t> members;    // records whose row is (re)written: new or changed
    std::vector<size_t> pairs;        // indexes of result.pairs to insert
    std::vector<size_t> stale_pairs;  // indexes of previous.pairs whose row is deleted
    std::vector<uint32_t>
        kept_row;  // per result.pairs: the previous.pairs row it keeps, or kNoOrigin
};

// kStoredWeightTolerance is how far (log2 Bayes factor) today's weight of a pair between
// unchanged records may be from the stored one before the row is rewritten: 0.1 bit, a
// probability within 1.8% (p(1-p) ln 2 x 0.1). Term frequencies are relative to today's
// counts: a night that renames 1% of the records moves the weights of the pairs sharing a
// common value by 0.01-0.05 bit, which would otherwise rewrite ~15% of the pairs.
constexpr float kStoredWeightTolerance = 0.1f;

// DiffRuns compares a run's result (entity ids `ids` per entity) with the previous run
// (through result.previous_pair when it is filled, else by sorting the stored pairs):
// a record's row changes when it is new or its entity id or fingerprint moved; a stored
// pair stays only when neither record is new or changed and today's pair has the same
// status and a weight within kStoredWeightTolerance (pairs in any order).
RunChanges DiffRuns(const ResolveResult& result, const std::vector<int64_t>& ids,
                    const PreviousRun& previous);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
