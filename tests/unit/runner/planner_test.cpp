// planner_test.cpp: ordering, caps and batch splitting; spool names cannot escape.
#include <gtest/gtest.h>

#include "runner/ingest/plan.hpp"
#include "runner/ingest/spool.hpp"
#include "runner/util/glob.hpp"

using namespace nightjar::runner;

namespace {

// C builds a candidate.
Candidate C(const std::string& key, std::uint64_t size, double conf) {
    Candidate c;
    c.key = key;
    c.name = key;
    c.size = size;
    c.confidence = conf;
    return c;
}

}  // namespace

TEST(Planner, FiltersOrdersAndCaps) {
    SourceConfig s;
    s.min_confidence = 0.5;
    s.batch_size = 10;
    s.max_files = 3;
    auto plan = PlanBatches(
        {C("a", 10, 0.4), C("b", 30, 0.9), C("c", 20, 0.9), C("d", 5, 0.6), C("e", 1, 0.7)}, s);
    ASSERT_EQ(plan.size(), 1u);
    ASSERT_EQ(plan[0].files.size(), 3u);
    EXPECT_EQ(plan[0].files[0].key, "c");  // 0.9, smaller first
    EXPECT_EQ(plan[0].files[1].key, "b");
    EXPECT_EQ(plan[0].files[2].key, "e");  // 0.7 before 0.6; "a" is below min
}

TEST(Planner, SplitsByCountAndMegabytes) {
    SourceConfig s;
    s.batch_size = 2;
    s.max_batch_mb = 1;  // 1 MiB
    const std::uint64_t mb = 1048576;
    auto plan = PlanBatches({C("a", mb / 4, 1), C("b", mb / 4, 1), C("c", mb / 4, 1),
                             C("d", 3 * mb, 1), C("e", mb / 2, 1)},
                            s);
    // order by size: a, b, c (0.25), e (0.5), d (3) -> [a b] [c e] [d]
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_EQ(plan[0].files.size(), 2u);
    EXPECT_EQ(plan[1].files[1].key, "e");
    EXPECT_EQ(plan[2].files[0].key, "d");  // larger than the cap: alone
    EXPECT_EQ(plan[2].seq, 3);
    for (const auto& b : plan) EXPECT_TRUE(b.files.size() == 1 || b.bytes <= mb);
}

TEST(Planner, DeterministicForResume) {
    SourceConfig s;
    s.batch_size = 3;
    std::vector<Candidate> in;
    for (int i = 0; i < 20; ++i) in.push_back(C("f" + std::to_string(i), 100 + i % 4, 1.0));
    auto p1 = PlanBatches(in, s);
    std::reverse(in.begin(), in.end());
    auto p2 = PlanBatches(in, s);
    ASSERT_EQ(p1.size(), p2.size());
    for (size_t i = 0; i < p1.size(); ++i)
        for (size_t j = 0; j < p1[i].files.size(); ++j)
            EXPECT_EQ(p1[i].files[j].key, p2[i].files[j].key);
}

TEST(Glob, SegmentsAndDoubleStarAndBraces) {
    EXPECT_TRUE(GlobMatch("*.csv", "a.csv"));
    EXPECT_FALSE(GlobMatch("*.csv", "d/a.csv"));
    EXPECT_TRUE(GlobMatch("**/*.csv", "a.csv"));
    EXPECT_TRUE(GlobMatch("**/*.csv", "d/e/a.csv"));
    EXPECT_TRUE(GlobMatch("**/*.{csv,ndjson}", "d/a.ndjson"));
    EXPECT_FALSE(GlobMatch("**/*.{csv,ndjson}", "d/a.xlsx"));
    EXPECT_TRUE(GlobMatch("data_??.csv", "data_01.csv"));
    EXPECT_FALSE(GlobMatch("data_?.csv", "data_01.csv"));
}

TEST(SpoolName, CannotEscapeTheSpool) {
    for (const std::string key : {"../../etc/passwd", "/abs/path", "..", ".hidden",
                                  "a/../../b c$`x`.csv", "", "a\\..\\b", "x/\n\t..json"}) {
        std::string n = SpoolName(7, key);
        EXPECT_EQ(n.find('/'), std::string::npos) << n;
        EXPECT_EQ(n.find('\\'), std::string::npos) << n;
        EXPECT_NE(n, "..");
        EXPECT_EQ(n.rfind("000007-", 0), 0u) << n;
        for (char c : n)
            EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                        c == '-')
                << n;
    }
    EXPECT_EQ(SpoolName(1, "dir/prices 2024.csv"), "000001-prices_2024.csv");
}
