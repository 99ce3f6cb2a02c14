// radix_sort_test.cpp: StableRadixSort gives std::stable_sort's order (keys of 64 and 32
// bits, many ties, digits that never vary, empty and one-item vectors).
#include "core/util/radix_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace nightjar::core {
namespace {

using Item = std::pair<uint64_t, uint32_t>;  // (key, original position)

// Check sorts `items` both ways by their key masked to `mask` and compares.
void Check(std::vector<Item> items, uint64_t mask, int bits) {
    std::vector<Item> want = items;
    std::stable_sort(want.begin(), want.end(), [&](const Item& x, const Item& y) {
        return (x.first & mask) < (y.first & mask);
    });
    StableRadixSort(items, bits, [&](const Item& x) { return x.first & mask; });
    EXPECT_EQ(items, want);
}

TEST(StableRadixSort, MatchesStableSort) {
    std::mt19937_64 rng(7);
    std::vector<Item> items;
    for (uint32_t i = 0; i < 50000; ++i) items.emplace_back(rng(), i);
    Check(items, ~uint64_t{0}, 64);
    Check(items, 0xFFFFFFFFu, 32);
    for (auto& it : items) it.first %= 37;  // many ties: the original order must hold
    Check(items, ~uint64_t{0}, 64);
    for (auto& it : items) it.first = (it.first << 40) | 0x1234;  // constant low digits
    Check(items, ~uint64_t{0}, 64);
    Check({}, ~uint64_t{0}, 64);
    Check({{5, 0}}, ~uint64_t{0}, 64);
}

}  // namespace
}  // namespace nightjar::core
