// rules_string_set_test.cpp: StringSet against std::unordered_set on the same inputs.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_set>

#include "core/rules/string_set.hpp"

namespace nightjar::core::rules {
namespace {

TEST(StringSet, InsertReportsNewAndDuplicate) {
    StringSet s;
    EXPECT_FALSE(s.Contains("a"));
    EXPECT_TRUE(s.Insert("a"));
    EXPECT_FALSE(s.Insert("a"));
    EXPECT_TRUE(s.Insert("b"));
    EXPECT_TRUE(s.Contains("a"));
    EXPECT_TRUE(s.Contains("b"));
    EXPECT_FALSE(s.Contains("c"));
    EXPECT_EQ(s.Size(), 2u);
}

TEST(StringSet, EmptyStringAndEmbeddedNulsAreValues) {
    StringSet s;
    EXPECT_FALSE(s.Contains(""));
    EXPECT_TRUE(s.Insert(""));
    EXPECT_FALSE(s.Insert(""));
    EXPECT_TRUE(s.Contains(""));
    const std::string with_nul("a\0b", 3);
    EXPECT_TRUE(s.Insert(with_nul));
    EXPECT_FALSE(s.Contains("a"));  // a prefix up to the NUL is another string
    EXPECT_TRUE(s.Contains(with_nul));
    EXPECT_EQ(s.Size(), 2u);
}

TEST(StringSet, StringsLargerThanABlockAreKept) {
    StringSet s;
    const std::string big(1 << 20, 'x');  // 1 MB, more than one arena block
    EXPECT_TRUE(s.Insert("small"));
    EXPECT_TRUE(s.Insert(big));
    EXPECT_TRUE(s.Insert("after"));
    EXPECT_FALSE(s.Insert(big));
    EXPECT_TRUE(s.Contains(big));
    EXPECT_FALSE(s.Contains(big.substr(1)));
    EXPECT_TRUE(s.Contains("small"));
    EXPECT_TRUE(s.Contains("after"));
}

TEST(StringSet, AgreesWithUnorderedSetOnManyRandomStrings) {
    // Enough strings to grow the table many times and fill several arena blocks; values
    // drawn from a small alphabet so that duplicates and shared prefixes are common.
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int> len(0, 12), ch('a', 'd');
    StringSet ours;
    std::unordered_set<std::string> reference;
    for (int i = 0; i < 200000; ++i) {
        std::string v(static_cast<size_t>(len(rng)), ' ');
        for (char& c : v) c = static_cast<char>(ch(rng));
        ASSERT_EQ(ours.Insert(v), reference.insert(v).second) << "value " << v;
    }
    EXPECT_EQ(ours.Size(), reference.size());
    for (int i = 0; i < 50000; ++i) {
        std::string v(static_cast<size_t>(len(rng)), ' ');
        for (char& c : v) c = static_cast<char>(ch(rng));
        ASSERT_EQ(ours.Contains(v), reference.count(v) == 1) << "value " << v;
    }
}

TEST(StringSet, ReservedSetKeepsWhatItHeldAndAcceptsMore) {
    // Reserve re-places the slots already there (a reservation after inserts) and then
    // the set must still answer like std::unordered_set, below and beyond the reservation.
    StringSet ours;
    std::unordered_set<std::string> reference;
    for (int i = 0; i < 100; ++i) {
        std::string v = "k" + std::to_string(i % 70);
        ASSERT_EQ(ours.Insert(v), reference.insert(v).second) << v;
    }
    ours.Reserve(5000);
    ours.Reserve(10);  // smaller: nothing changes
    for (int i = 0; i < 20000; ++i) {
        std::string v = "k" + std::to_string((i * 7919) % 12000);
        ASSERT_EQ(ours.Insert(v), reference.insert(v).second) << v;
    }
    EXPECT_EQ(ours.Size(), reference.size());
    for (int i = 0; i < 13000; ++i) {
        std::string v = "k" + std::to_string(i);
        ASSERT_EQ(ours.Contains(v), reference.count(v) == 1) << v;
    }
    StringSet empty;
    empty.Reserve(1000);
    EXPECT_FALSE(empty.Contains("k1"));
    EXPECT_TRUE(empty.Insert("k1"));
    EXPECT_FALSE(empty.Insert("k1"));
}

TEST(StringSet, ClearForgetsEverything) {
    StringSet s;
    for (int i = 0; i < 1000; ++i) s.Insert(std::to_string(i));
    s.Clear();
    EXPECT_EQ(s.Size(), 0u);
    EXPECT_FALSE(s.Contains("1"));
    EXPECT_TRUE(s.Insert("1"));
    EXPECT_TRUE(s.Contains("1"));
}

TEST(StringSet, CopiesAreIndependent) {
    StringSet a{"x", "y"};
    StringSet b = a;
    EXPECT_TRUE(b.Insert("z"));
    EXPECT_FALSE(a.Contains("z"));
    a.Clear();
    EXPECT_TRUE(b.Contains("x"));  // b's strings live in its own blocks
    EXPECT_EQ(b.Size(), 3u);
}

TEST(StringSet, MovedSetKeepsItsStrings) {
    StringSet a;
    a.Insert("kept");
    StringSet b = std::move(a);
    EXPECT_TRUE(b.Contains("kept"));
    EXPECT_FALSE(b.Insert("kept"));
}

}  // namespace
}  // namespace nightjar::core::rules
