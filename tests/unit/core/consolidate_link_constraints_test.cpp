// consolidate_link_constraints_test.cpp: must-links join clusters, cannot-links separate
// records (with their must-linked group), contradictions and gone records are counted.
#include <gtest/gtest.h>

#include <vector>

#include "core/consolidate/link_constraints.hpp"
#include "core/errors.hpp"

namespace nightjar::core::consolidate {
namespace {

// Labels returns the records' cluster labels.
std::vector<int64_t> Labels(const std::vector<RecordPlacement>& records) {
    std::vector<int64_t> out;
    for (const RecordPlacement& r : records) out.push_back(r.cluster);
    return out;
}

std::vector<RecordPlacement> Clusters(const std::vector<int64_t>& labels) {
    std::vector<RecordPlacement> out;
    for (int64_t l : labels) out.push_back({kNoEntity, l});
    return out;
}

TEST(LinkConstraints, NoConstraintOnlyRelabelsDensely) {
    auto recs = Clusters({70, 70, 9, kGone});
    const ConstraintReport r = ApplyLinkConstraints(recs, {}, {});
    EXPECT_EQ(Labels(recs), (std::vector<int64_t>{0, 0, 1, kGone}));
    EXPECT_EQ(r.must_joined + r.cannot_split + r.conflicts + r.skipped_gone, 0);
}

TEST(LinkConstraints, MustLinkJoinsClusters) {
    auto recs = Clusters({1, 2, 3, 3});
    const ConstraintReport r = ApplyLinkConstraints(recs, {{0, 2}, {2, 3}}, {});
    const auto l = Labels(recs);
    EXPECT_EQ(l[0], l[2]);
    EXPECT_EQ(l[2], l[3]);
    EXPECT_NE(l[0], l[1]);
    EXPECT_EQ(r.must_joined, 1);  // the second link was inside one cluster already
}

TEST(LinkConstraints, CannotLinkMovesTheSecondRecordOut) {
    auto recs = Clusters({5, 5, 5});
    const ConstraintReport r = ApplyLinkConstraints(recs, {}, {{0, 2}});
    const auto l = Labels(recs);
    EXPECT_EQ(l[0], l[1]);
    EXPECT_NE(l[0], l[2]);
    EXPECT_EQ(r.cannot_split, 1);
}

TEST(LinkConstraints, CannotLinkMovesTheWholeMustGroup) {
    auto recs = Clusters({5, 5, 5, 5});
    // 2 and 3 must stay together; 0 and 3 must not.
    const ConstraintReport r = ApplyLinkConstraints(recs, {{2, 3}}, {{0, 3}});
    const auto l = Labels(recs);
    EXPECT_EQ(l[0], l[1]);
    EXPECT_EQ(l[2], l[3]);
    EXPECT_NE(l[0], l[2]);
    EXPECT_EQ(r.cannot_split, 1);
}

TEST(LinkConstraints, CannotLinkUndoesTheMergeOfTwoPriorEntities) {
    // Records 0, 1 were entity 7, record 2 entity 9; resolve joined them tonight with a new
    // record 3. cannot(2, 1): entity 7's records leave together; 2 and the new 3 stay.
    std::vector<RecordPlacement> recs = {{7, 4}, {7, 4}, {9, 4}, {kNoEntity, 4}};
    const ConstraintReport r = ApplyLinkConstraints(recs, {}, {{2, 1}});
    const auto l = Labels(recs);
    EXPECT_EQ(l[0], l[1]);
    EXPECT_EQ(l[2], l[3]);
    EXPECT_NE(l[0], l[2]);
    EXPECT_EQ(r.cannot_split, 1);
}

TEST(LinkConstraints, ContradictionIsSkippedAndCounted) {
    auto recs = Clusters({1, 2, 3});
    const ConstraintReport r = ApplyLinkConstraints(recs, {{0, 1}, {1, 2}}, {{0, 2}});
    const auto l = Labels(recs);
    EXPECT_EQ(l[0], l[2]);
    EXPECT_EQ(r.conflicts, 1);
    EXPECT_EQ(r.cannot_split, 0);
}

TEST(LinkConstraints, GoneRecordsAndBadIndexes) {
    auto recs = Clusters({1, kGone});
    const ConstraintReport r = ApplyLinkConstraints(recs, {{0, 1}}, {{1, 0}});
    EXPECT_EQ(r.skipped_gone, 2);
    EXPECT_THROW(ApplyLinkConstraints(recs, {{0, 2}}, {}), InvalidArgument);
    EXPECT_THROW(ApplyLinkConstraints(recs, {}, {{-1, 0}}), InvalidArgument);
}

}  // namespace
}  // namespace nightjar::core::consolidate
