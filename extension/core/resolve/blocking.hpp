// blocking.hpp: candidate pairs from blocking keys (internal to the resolver).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/resolve/record_data.hpp"
#include "core/util/progress.hpp"

namespace nightjar::core::resolve {

// KeyTerm is one part of a blocking key (BlockingTerm plus the derived transforms
// "rare_phonetic" — phonetic keys of a value's two rarest words — and "number_street" —
// an address's first house number with its rarest street word's phonetic key).
struct KeyTerm {
    size_t field = 0;
    std::string transform;
    int length = 0;
};

// KeyFamily is one blocking rule: records sharing all its terms' parts are compared.
struct KeyFamily {
    std::string name;  // e.g. "name:rare_phonetic+postcode"
    std::vector<KeyTerm> terms;
};

// FamilySample is a sample of the distinct pairs one family produced (for estimating m
// on the fields the family did not block on).
struct FamilySample {
    std::vector<size_t> fields;   // fields the family's terms use
    std::vector<uint64_t> pairs;  // sorted, distinct, at most kFamilySample
    size_t emitted = 0;           // pairs the family produced (before deduplication)
};
constexpr size_t kFamilySample = 400000;

// BlockingStats reports what blocking did.
struct BlockingStats {
    std::vector<FamilySample> samples;          // one per family used
    size_t blocks = 0;                          // keys shared by >= 2 records
    size_t oversize_blocks = 0;                 // compared by sorted window
    size_t skipped_blocks = 0;                  // oversize blocks of one name, not compared
    std::vector<std::string> families;          // rules used
    std::vector<std::string> dropped_families;  // rules dropped as unselective
};

// DefaultFamilies derives blocking rules from the fields' kinds (see blocking.cpp).
std::vector<KeyFamily> DefaultFamilies(const ResolverConfig& config);
// ExplicitFamilies converts the config's "blocking" rules.
std::vector<KeyFamily> ExplicitFamilies(const ResolverConfig& config);

// RareWords holds, for the fields the rarity-based terms of `families` use, each value's
// rarest words (RarestTokens in blocking.cpp), computed once on `threads` threads; then it
// is only read, from any thread.
class RareWords {
  public:
    RareWords(const RecordData& data, const std::vector<KeyFamily>& families, int threads);
    // Get returns the positions (out, n of them) of value v's rarest words in field `field`.
    void Get(size_t field, uint32_t v, bool words_only, size_t out[2], size_t& n) const;

  private:
    static constexpr uint32_t kUncached = 0xFFFFFFFFu;
    const RecordData& d_;
    std::vector<std::vector<uint32_t>> memo_;  // per field and mode, per value (packed)
};

// CandidatePairs returns the distinct pairs (a << 32 | b, a < b) that share a key of one of
// `families`, sorted; pairs of one source are left out when one_per_source.
// Block sizes and one_per_source come from `config` (the resolution's, not the store's copy).
// With `touched` (one flag per record), only pairs with a flagged record are returned.
// Families are blocked on config.threads threads; `words` (else computed here) must be
// of `families`.
std::vector<uint64_t> CandidatePairs(const RecordData& data, const ResolverConfig& config,
                                     const std::vector<KeyFamily>& families, BlockingStats& stats,
                                     Progress& progress,
                                     const std::vector<uint8_t>* touched = nullptr,
                                     const RareWords* words = nullptr);

// BlockingKeyHashes returns per record a hash of the words its rarity-based keys pick (the
// two rarest words of a name...): with the record's values, it decides the record's keys,
// and it changes when today's data makes another word the rarest.
std::vector<uint64_t> BlockingKeyHashes(const RecordData& data,
                                        const std::vector<KeyFamily>& families,
                                        const RareWords* words = nullptr, int threads = 1);

// SortUnique sorts 64-bit values (LSD radix sort, 16 bits a pass) and removes duplicates.
void SortUnique(std::vector<uint64_t>& v);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
