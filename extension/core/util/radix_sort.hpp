// radix_sort.hpp: a stable LSD radix sort by an unsigned integer key, 16 bits a pass.
//
// Why: the resolver sorts millions of 64-bit hashes (blocking entries, pairs, record
// identities) and of 32-bit probabilities' bits; a comparison sort of that many items costs
// several times the four (or two) linear passes, and stability gives the tie order for free
// (items appended in record order stay in record order). Memory: one scratch copy of the
// items and a 64k-entry count table. A pass whose digit is the same for every item is
// skipped.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nightjar::core {

// StableRadixSort sorts `v` by key(item) (an unsigned integer of at most `key_bits` bits,
// a multiple of 16), keeping the order of items with equal keys.
template <typename T, typename Key>
void StableRadixSort(std::vector<T>& v, int key_bits, Key key) {
    if (v.size() < 2) return;
    std::vector<T> scratch(v.size());
    std::vector<size_t> count(65537);
    for (int shift = 0; shift < key_bits; shift += 16) {
        std::fill(count.begin(), count.end(), 0);
        for (const T& x : v) ++count[((static_cast<uint64_t>(key(x)) >> shift) & 0xFFFF) + 1];
        if (count[((static_cast<uint64_t>(key(v[0])) >> shift) & 0xFFFF) + 1] == v.size())
            continue;  // one digit for all: nothing to move
        for (size_t i = 1; i < count.size(); ++i) count[i] += count[i - 1];
        for (const T& x : v)
            scratch[count[(static_cast<uint64_t>(key(x)) >> shift) & 0xFFFF]++] = x;
        v.swap(scratch);
    }
}

}  // namespace nightjar::core

#include "core/cpp_only.hpp"
