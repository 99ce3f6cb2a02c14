// consolidate_stable_ids_test.cpp: AssignStableIds on hand-made nights — nothing changed,
// merge (oldest survives, tie by id), split (largest part keeps the id, tie by record
// order), merge and split at once, retire, member added/removed, relabelled clusters.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/consolidate/stable_ids.hpp"
#include "core/errors.hpp"

namespace nightjar::core::consolidate {
namespace {

// Kinds returns the events' kinds as "kind(entity,other)" strings, in order.
std::vector<std::string> Kinds(const StableIdResult& r) {
    std::vector<std::string> out;
    for (const EntityEvent& e : r.events) {
        std::string s = std::string(EntityEventKindName(e.kind)) + "(" + std::to_string(e.entity) +
                        "," + std::to_string(e.other);
        if (e.record >= 0) s += ",r" + std::to_string(e.record);
        out.push_back(s + ")");
    }
    return out;
}

TEST(StableIds, NothingChangedKeepsEveryIdAndEmitsNothing) {
    const std::vector<PriorEntity> prior = {{10, 100}, {20, 50}};
    // Cluster labels are tonight's arbitrary numbers (here: resolve's smallest record).
    const std::vector<RecordPlacement> records = {{10, 900}, {10, 900}, {20, 7}};
    const StableIdResult r = AssignStableIds(prior, records);
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{10, 10, 20}));
    EXPECT_TRUE(r.events.empty());
    EXPECT_TRUE(r.changed.empty());
    EXPECT_TRUE(r.created.empty());
    EXPECT_TRUE(r.merged.empty());
    EXPECT_TRUE(r.retired.empty());
    EXPECT_EQ(r.unchanged, 2);
}

TEST(StableIds, RelabelledClustersGiveTheSameAnswer) {
    const std::vector<PriorEntity> prior = {{10, 100}, {20, 50}};
    const StableIdResult a = AssignStableIds(prior, {{10, 1}, {10, 1}, {20, 2}});
    const StableIdResult b = AssignStableIds(prior, {{10, 77}, {10, 77}, {20, -3}});
    EXPECT_EQ(a.record_entity, b.record_entity);
    EXPECT_EQ(Kinds(a), Kinds(b));
}

TEST(StableIds, FirstNightCreatesOneEntityPerCluster) {
    const StableIdResult r = AssignStableIds({}, {{kNoEntity, 5}, {kNoEntity, 6}, {kNoEntity, 5}});
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{-1, -2, -1}));
    EXPECT_EQ(r.created, (std::vector<int64_t>{-1, -2}));
    EXPECT_EQ(r.changed, (std::vector<int64_t>{-1, -2}));
    EXPECT_EQ(Kinds(r), (std::vector<std::string>{"created(-1,0)", "created(-2,0)"}));
    EXPECT_EQ(r.events[0].reason, "2 records, none of them in an entity before");
}

TEST(StableIds, MergeKeepsTheOldestEntity) {
    // 5 is younger than 3: 3 survives although 5 has more records.
    const std::vector<PriorEntity> prior = {{5, 200}, {3, 100}};
    const StableIdResult r = AssignStableIds(prior, {{5, 1}, {5, 1}, {3, 1}});
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{3, 3, 3}));
    ASSERT_EQ(r.merged.size(), 1u);
    EXPECT_EQ(r.merged[0].id, 5);
    EXPECT_EQ(r.merged[0].into, 3);
    EXPECT_EQ(Kinds(r), (std::vector<std::string>{"merged(5,3)"}));
    EXPECT_EQ(r.changed, (std::vector<int64_t>{3}));
    EXPECT_EQ(r.unchanged, 0);
    EXPECT_TRUE(r.created.empty());
}

TEST(StableIds, MergeTieOnAgeKeepsTheSmallestId) {
    const std::vector<PriorEntity> prior = {{8, 100}, {4, 100}, {6, 100}};
    const StableIdResult r = AssignStableIds(prior, {{8, 1}, {4, 1}, {6, 1}});
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{4, 4, 4}));
    EXPECT_EQ(Kinds(r), (std::vector<std::string>{"merged(6,4)", "merged(8,4)"}));
}

TEST(StableIds, SplitLeavesTheIdWithTheLargestPart) {
    // Records 0 and 2 stay together (2 of 3), record 1 leaves.
    const std::vector<PriorEntity> prior = {{7, 1}};
    const StableIdResult r = AssignStableIds(prior, {{7, 40}, {7, 30}, {7, 40}});
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{7, -1, 7}));
    EXPECT_EQ(r.created, (std::vector<int64_t>{-1}));
    EXPECT_EQ(Kinds(r), (std::vector<std::string>{"created(-1,0)", "split(7,-1)"}));
    EXPECT_EQ(r.events[0].reason, "split from entity 7 (1 record of 1 record)");
    EXPECT_EQ(r.events[1].reason,
              "1 record of 3 moved to a new entity; the largest part (2 records) kept the id");
    EXPECT_EQ(r.changed, (std::vector<int64_t>{7, -1}));
}

TEST(StableIds, SplitTieGoesToThePartHoldingTheEarliestRecord) {
    const std::vector<PriorEntity> prior = {{7, 1}};
    // Two parts of two records; the part holding record 0 (cluster 9) keeps 7.
    const StableIdResult r = AssignStableIds(prior, {{7, 9}, {7, 2}, {7, 2}, {7, 9}});
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{7, -1, -1, 7}));
}

TEST(StableIds, MergeAndSplitAtOnce) {
    // Entity 1 = {0,1,2}, entity 2 = {3,4}. Tonight {0,1,3,4} and {2}: 1 and 2 merge
    // (1 is older), record 2 splits off into a new entity.
    const std::vector<PriorEntity> prior = {{1, 10}, {2, 20}};
    const StableIdResult r = AssignStableIds(prior, {{1, 5}, {1, 5}, {1, 6}, {2, 5}, {2, 5}});
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{1, 1, -1, 1, 1}));
    EXPECT_EQ(Kinds(r), (std::vector<std::string>{"merged(2,1)", "created(-1,0)", "split(1,-1)"}));
    EXPECT_EQ(r.changed, (std::vector<int64_t>{1, -1}));
}

TEST(StableIds, SplitPartJoiningAnotherEntityIsNotCreated) {
    // Record 1 moves from entity 1 to entity 2: a split of 1 into 2, no new id.
    const std::vector<PriorEntity> prior = {{1, 10}, {2, 20}};
    const StableIdResult r = AssignStableIds(prior, {{1, 5}, {1, 6}, {1, 5}, {2, 6}, {2, 6}});
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{1, 2, 1, 2, 2}));
    EXPECT_TRUE(r.created.empty());
    EXPECT_EQ(Kinds(r), (std::vector<std::string>{"split(1,2)"}));
    EXPECT_EQ(r.changed, (std::vector<int64_t>{1, 2}));
}

TEST(StableIds, EntityWithEveryRecordGoneIsRetired) {
    const std::vector<PriorEntity> prior = {{4, 1}, {9, 2}, {12, 3}};
    const StableIdResult r = AssignStableIds(prior, {{4, kGone}, {4, kGone}, {9, 1}});
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{kNoEntity, kNoEntity, 9}));
    EXPECT_EQ(r.retired, (std::vector<int64_t>{4, 12}));
    EXPECT_EQ(Kinds(r), (std::vector<std::string>{"retired(4,0)", "retired(12,0)"}));
    EXPECT_EQ(r.events[0].reason, "all its 2 records left the resolution");
    EXPECT_EQ(r.events[1].reason, "it had no record");
    EXPECT_EQ(r.unchanged, 1);
}

TEST(StableIds, MembersAddedAndRemoved) {
    const std::vector<PriorEntity> prior = {{1, 1}};
    const StableIdResult r = AssignStableIds(prior, {{1, 3}, {1, kGone}, {kNoEntity, 3}});
    EXPECT_EQ(r.record_entity, (std::vector<int64_t>{1, kNoEntity, 1}));
    EXPECT_EQ(Kinds(r),
              (std::vector<std::string>{"member_removed(1,0,r1)", "member_added(1,0,r2)"}));
    EXPECT_EQ(r.changed, (std::vector<int64_t>{1}));
    EXPECT_EQ(r.unchanged, 0);
}

TEST(StableIds, BadPriorEntitiesAreRefused) {
    EXPECT_THROW(AssignStableIds({{1, 0}}, {{2, 1}}), InvalidArgument);
    EXPECT_THROW(AssignStableIds({{1, 0}, {1, 5}}, {}), InvalidArgument);
    EXPECT_THROW(AssignStableIds({{0, 0}}, {}), InvalidArgument);
}

}  // namespace
}  // namespace nightjar::core::consolidate
