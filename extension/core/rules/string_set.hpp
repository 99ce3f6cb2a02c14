// string_set.hpp: StringSet, the insert-only set of strings behind the validator's value
// checks (enum values, unique_in_batch's seen values, the existing values of reference and
// unique_existing).
//
// A batch of a million records puts a million strings in unique_in_batch's set, so the set
// is built for that: strings are copied into large arena blocks (no allocation per entry,
// nothing to free one by one), and the table is one flat array of slots probed linearly
// (one cache miss per lookup, where a node-based std::unordered_set takes two or three;
// a big table sits on huge pages, so that miss is not also a TLB miss: zeroed_array.hpp).
// A slot keeps the string's 32-bit hash, so a probe compares bytes only on a hash match and
// growing the table never hashes a string again. Lookups take a string_view: no temporary
// std::string per record.
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
    // Contains says whether `s` is in the set.
    bool Contains(std::string_view s) const;
    // Size returns the number of distinct strings.
    size_t Size() const { return size_; }
    // Clear empties the set and releases its memory.
    void Clear();

  private:
    struct Slot {
        const char* data = nullptr;  // nullptr: empty slot
        uint32_t size = 0;
        uint32_t hash = 0;
    };

    // Find returns the slot holding `s`, or the empty slot where it would go.
    size_t Find(std::string_view s, uint32_t hash) const;
    // Grow doubles the table, moving every slot by its stored hash.
    void Grow();
    // Store copies `s` into the arena and returns the copy.
    const char* Store(std::string_view s);

    ZeroedArray<Slot> slots_;  // size 0 or a power of two, at most half full (zeroed_array.hpp)
    size_t size_ = 0;
    std::vector<std::unique_ptr<char[]>> blocks_;
    size_t block_left_ = 0;  // bytes free at the end of blocks_.back()
    char* block_next_ = nullptr;
};

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"
