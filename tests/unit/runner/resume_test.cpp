// resume_test.cpp: a recorded plan against the listing now — what is new, gone or
// changed, and how a resumed plan takes the listing's data but keeps its own decisions.
#include "runner/ingest/resume.hpp"

#include <gtest/gtest.h>

using namespace nightjar::runner;

namespace {

// C builds a candidate.
Candidate C(const std::string& key, std::uint64_t size, double confidence = 1.0,
            const std::string& extra = "") {
    Candidate c;
    c.key = key;
    c.name = key;
    c.size = size;
    c.confidence = confidence;
    c.extra = extra;
    return c;
}

// Batch builds a planned batch.
PlannedBatch Batch(int seq, std::vector<Candidate> files) {
    PlannedBatch b;
    b.seq = seq;
    for (const auto& f : files) b.bytes += f.size;
    b.files = std::move(files);
    return b;
}

}  // namespace

TEST(DiffPlan, NamesNewGoneAndChangedFilesOfComparedBatchesOnly) {
    std::vector<PlannedBatch> plan{Batch(1, {C("a", 10), C("b", 20)}),
                                   Batch(2, {C("c", 30), C("d", 40, 1.0, "2026-01")})};
    // Batch 1 is done (its files archived, so not listed); batch 2 is compared.
    std::vector<Candidate> now{C("c", 31), C("d", 40, 1.0, "2026-02"), C("e", 5)};
    PlanChanges changes = DiffPlan(plan, {false, true}, now);
    EXPECT_EQ(changes.added, std::vector<std::string>{"e"});
    EXPECT_TRUE(changes.gone.empty());  // a and b are in a batch not compared
    EXPECT_EQ(changes.changed,
              (std::vector<std::string>{"c (size 30 -> 31)", "d (2026-01 -> 2026-02)"}));
    EXPECT_FALSE(changes.Empty());
    // Comparing every batch: a and b are gone; an unknown size (0) is not a change.
    changes = DiffPlan(plan, {true, true}, {C("a", 0), C("c", 30), C("d", 40, 1.0, "2026-01")});
    EXPECT_EQ(changes.gone, std::vector<std::string>{"b"});
    EXPECT_TRUE(changes.added.empty());
    EXPECT_TRUE(changes.changed.empty());
}

TEST(DiffPlan, AFileOfAnyBatchOfThePlanIsNotNew) {
    std::vector<PlannedBatch> plan{Batch(1, {C("a", 1)}), Batch(2, {C("b", 1)})};
    PlanChanges changes = DiffPlan(plan, {false, true}, {C("a", 1), C("b", 1)});
    EXPECT_TRUE(changes.Empty());
}

TEST(ResumeBatches, TakesTheListingsDataButKeepsThePlansConfidence) {
    std::vector<PlannedBatch> plan{Batch(1, {C("a", 10, 0.9)}),
                                   Batch(2, {C("b", 20, 0.8), C("c", 30, 0.7)})};
    Candidate listed_b = C("b", 25, 0.1, "mark");
    listed_b.rel_path = "dir/b";
    std::set<std::string> gone;
    auto out = ResumeBatches(plan, {C("a", 10, 0.2), listed_b}, gone);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].seq, 1);
    EXPECT_EQ(out[1].seq, 2);
    ASSERT_EQ(out[1].files.size(), 2u);
    EXPECT_EQ(out[1].files[0].size, 25u);
    EXPECT_EQ(out[1].files[0].extra, "mark");
    EXPECT_EQ(out[1].files[0].rel_path, "dir/b");
    EXPECT_DOUBLE_EQ(out[1].files[0].confidence, 0.8);
    EXPECT_DOUBLE_EQ(out[0].files[0].confidence, 0.9);
    EXPECT_EQ(out[1].files[1].size, 30u);  // gone: keeps what was recorded
    EXPECT_EQ(out[1].bytes, 55u);
    EXPECT_EQ(gone, std::set<std::string>{"c"});
}

TEST(PlanChangesText, CapsEachKind) {
    PlanChanges changes;
    changes.added = {"n1", "n2", "n3"};
    changes.gone = {"g1"};
    EXPECT_EQ(PlanChangesText(changes, 2),
              "  new: n1\n  new: n2\n  … and 1 more new\n  gone: g1\n");
    EXPECT_EQ(PlanChangesText(PlanChanges{}, 2), "");
}
