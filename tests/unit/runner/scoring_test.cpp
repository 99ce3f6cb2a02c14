// scoring_test.cpp: relevance scores from weighted keywords, regexes and headers.
#include <gtest/gtest.h>

#include "runner/ingest/score.hpp"
#include "runner/sources/source.hpp"

using namespace nightjar::runner;

TEST(Scoring, WeightedFractionOfRules) {
    std::vector<RelevanceRule> rules{
        {"prix", "", 2.0}, {"", "^bpu_[0-9]+", 1.0}, {"draft", "", 1.0}};
    EXPECT_NEAR(ScoreName("bpu_12_PRIX.xlsx", rules), 3.0 / 4.0,
                1e-12);  // keyword is case-insensitive
    EXPECT_NEAR(ScoreName("notes.txt", rules), 0.0, 1e-12);
    EXPECT_NEAR(ScoreName("x/prix_draft.csv", rules), 3.0 / 4.0, 1e-12);
    EXPECT_NEAR(ScoreName("anything", {}), 1.0, 1e-12);
}

TEST(Scoring, CombineWithHeaders) {
    std::vector<RelevanceRule> rules{{"prix", "", 1.0}, {"bpu", "", 1.0}};
    // name 0.5 over weight 2, header 1.0 over weight 2 (header_weight 1 = same as all rules)
    EXPECT_NEAR(CombineScore(0.5, rules, 1.0, 1.0), 0.75, 1e-12);
    EXPECT_NEAR(CombineScore(0.5, rules, 0.0, 3.0), 0.125, 1e-12);
    EXPECT_NEAR(CombineScore(1.0, {}, 0.25, 1.0), 0.25, 1e-12);
}

TEST(Archive, NameCarriesTheDate) {
    EXPECT_EQ(ArchivedName("a.csv", "2026-01-02"), "a.2026-01-02.csv");
    EXPECT_EQ(ArchivedName("noext", "2026-01-02"), "noext.2026-01-02");
    EXPECT_EQ(ArchivedName("x.tar.gz", "d"), "x.tar.d.gz");
}

// Issue 11 §3: a catastrophic-backtracking pattern against a long name answers at once
// (RE2 is linear; std::regex took exponential time here, or overflowed its stack).
TEST(Scoring, PathologicalPatternDoesNotHang) {
    std::vector<RelevanceRule> rules{{"", "^(a+)+$", 1.0}};
    std::string name(5000, 'a');
    EXPECT_NEAR(ScoreName(name, rules), 1.0, 1e-12);
    EXPECT_NEAR(ScoreName(name + "!", rules), 0.0, 1e-12);
    std::vector<RelevanceRule> icase{{"", "^LOT[0-9]+/", 1.0}};
    EXPECT_NEAR(ScoreName("lot3/dpgf.xlsx", icase), 1.0, 1e-12);  // case-insensitive
}
