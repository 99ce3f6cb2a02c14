// rules_zeroed_array_test.cpp: ZeroedArray, the slot tables of the big hash sets — zeroed
// on allocation, small (calloc) and big (a mapping advised to use huge pages) alike, and
// empty after a move.
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "core/rules/string_set.hpp"
#include "core/rules/zeroed_array.hpp"

namespace rules = nightjar::core::rules;

TEST(ZeroedArray, SmallAndBigTablesStartZeroedAndKeepWrites) {
    for (size_t n : {size_t{1}, size_t{1000}, size_t{(4u << 20) / 8 + 3}}) {  // the last: > 4 MB
        rules::ZeroedArray<uint64_t> a(n);
        ASSERT_EQ(a.size(), n);
        uint64_t sum = 0;
        for (uint64_t v : a) sum += v;
        EXPECT_EQ(sum, 0u) << n;
        a[0] = 7;
        a[n - 1] = 9;
        EXPECT_EQ(a[0] + a[n - 1], n == 1 ? 18u : 16u) << n;
    }
}

TEST(ZeroedArray, MoveLeavesTheSourceEmpty) {
    rules::ZeroedArray<uint64_t> a(1u << 20);
    a[5] = 42;
    rules::ZeroedArray<uint64_t> b(std::move(a));
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(b[5], 42u);
    a = std::move(b);
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(a[5], 42u);
}

TEST(ZeroedArray, StringSetGrowsPastTheHugePageSize) {
    // 300,000 strings: the slot table passes 2 MB (mapped) while growing.
    rules::StringSet set;
    for (int i = 0; i < 300000; ++i) ASSERT_TRUE(set.Insert(std::to_string(i)));
    for (int i = 0; i < 300000; i += 997) EXPECT_FALSE(set.Insert(std::to_string(i)));
    EXPECT_TRUE(set.Contains("299999"));
    EXPECT_FALSE(set.Contains("300000"));
    EXPECT_EQ(set.Size(), 300000u);
    rules::StringSet moved(std::move(set));
    EXPECT_TRUE(moved.Contains("12345"));
}
