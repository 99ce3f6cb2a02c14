// string_set.hpp: StringSet, the insert-only set of strings behind the validator's value
// checks (enum values, unique_in_batch's seen values, the existing values of reference and
// unique_existing).
//
// A batch of a million records puts a million strings in unique_in_batch's set, so the set
// is built for that: strings are copied into large arena blocks, each after its 4-byte
// length (no allocation per entry, nothing to free one by one), and the table is probed
// linearly. The table is split in two arrays: the probe reads only the 4-byte hashes
// (one cache line holds 16 slots), and the 8-byte string addresses are read only on a
// hash match. Measured (perf, issue 11 §2): with 16-byte slots (address, length, hash)
// the probe was ~7% of validate_batch, nearly all of it the first load of the slot — a
// cache and TLB miss in an 8 MB table at 200k records; the hash array is a quarter of that.
// A big table sits on huge pages (zeroed_array.hpp). A slot keeps the string's hash, so a
// probe compares bytes only on a hash match and growing the table never hashes a string
// again. Lookups take a string_view: no temporary std::string per record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <vector>

#include "core/rules/zeroed_array.hpp"

namespace nightjar::core::rules {

class StringSet {
  public:
    StringSet() = default;
    StringSet(std::initializer_list<std::string_view> values);
    StringSet(const StringSet& other);  // copies the strings into arena blocks of its own
    StringSet& operator=(const StringSet& other);
    StringSet(StringSet&&) = default;
    StringSet& operator=(StringSet&&) = default;

    // Insert adds `s`; returns false when it was already there.
    bool Insert(std::string_view s);
    // Reserve sizes the table for `n` strings at once, so that inserting them never grows
    // it (each growth re-places every slot and touches a fresh table); no-op when smaller.
    void Reserve(size_t n);
    // Prefetch asks the processor to bring in the slot where `s` would be probed, so that
    // an Insert or Contains of `s` a little later need not wait for memory.
    void Prefetch(std::string_view s) const;
    // Contains says whether `s` is in the set.
    bool Contains(std::string_view s) const;
    // Size returns the number of distinct strings.
    size_t Size() const { return size_; }
    // Clear empties the set and releases its memory.
    void Clear();

  private:
    // Find returns the slot holding `s`, or the empty slot where it would go; `hash` is
    // never 0 (0 marks an empty slot).
    size_t Find(std::string_view s, uint32_t hash) const;
    // At returns the string stored in an occupied slot.
    std::string_view At(size_t slot) const;
    // Grow doubles the table, moving every slot by its stored hash.
    void Grow();
    // Rehash moves every slot into a new table of `slots` slots (a power of two).
    void Rehash(size_t slots);
    // Store copies `s`, after its length, into the arena and returns where the length is.
    const char* Store(std::string_view s);

    // Both arrays have size 0 or the same power of two, at most half full (zeroed_array.hpp).
    ZeroedArray<uint32_t> hashes_;      // 0: empty slot
    ZeroedArray<const char*> strings_;  // the stored length and bytes of each occupied slot
    size_t size_ = 0;
    std::vector<std::unique_ptr<char[]>> blocks_;
    size_t block_left_ = 0;  // bytes free at the end of blocks_.back()
    char* block_next_ = nullptr;
};

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"
