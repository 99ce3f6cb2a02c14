// incremental.hpp: the pieces of an incremental resolve (internal to the resolver).
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
std::vector<uint64_t> Fingerprints(const RecordData& data, const std::vector<uint64_t>& key_hash);

// MarkTouched returns per record 1 when it is new or its fingerprint changed since the
// previous run, and counts both in `result`.
std::vector<uint8_t> MarkTouched(const std::vector<uint64_t>& fingerprint,
                                 const PreviousRun& previous, ResolveResult& result);

// AddPreviousPairs appends to `pairs` and `gamma` (nf levels a pair) the previous run's
// pairs between untouched records, then sorts both by pair; returns how many it added.
size_t AddPreviousPairs(const PreviousRun& previous, const std::vector<uint8_t>& touched, size_t nf,
                        std::vector<uint64_t>& pairs, std::vector<int8_t>& gamma);

// CountChangedEntities returns how many entities of `entity_of` are not exactly one of
// the previous run's (same records, none added, none gone).
size_t CountChangedEntities(const std::vector<uint32_t>& entity_of, size_t entities,
                            const PreviousRun& previous);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
