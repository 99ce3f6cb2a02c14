// resolve_run_snapshot_test.cpp: the run snapshot an incremental resolve starts from —
// identities, the round trip of a base and of a delta through their bytes, corrupt bytes
// refused, deltas applied in order (a record gone drops its pairs, the last write wins, a
// pair deleted then written again is there), and the mapping onto today's records equal,
// field by field, to what reading the stored rows gives (hand-made cases).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/resolve/record_set.hpp"
#include "core/resolve/run_snapshot.hpp"

namespace nightjar::core::resolve {
namespace {

// Base returns a snapshot of four records (identities 10, 20, 30, 40) and three pairs
// (10-20 match, 20-30 review, 30-40 cut), with two fields.
RunSnapshot Base() {
    RunSnapshot s;
    s.fields = 2;
    s.identity = {10, 20, 30, 40};
    s.fingerprint = {101, 201, 301, 401};
    s.entity = {1, 1, 2, 3};
    s.member_row = {1001, 1002, 1003, 1004};
    s.pair_a = {0, 1, 2};
    s.pair_b = {1, 2, 3};
    s.probability = {0.99f, 0.4f, 0.95f};
    s.match_weight = {9.5f, -0.5f, 4.0f};
    s.status = {static_cast<uint8_t>(PairStatus::kMatch), static_cast<uint8_t>(PairStatus::kReview),
                static_cast<uint8_t>(PairStatus::kCut)};
    s.pair_row = {2001, 2002, 2003};
    s.levels = {0, 1, 2, kNullLevel, 0, 0};
    return s;
}

// PairsOf lists a snapshot's pairs as "ida-idb:row" strings, sorted.
std::vector<std::string> PairsOf(const RunSnapshot& s) {
    std::vector<std::string> out;
    for (size_t i = 0; i < s.pair_a.size(); ++i)
        out.push_back(std::to_string(s.identity[s.pair_a[i]]) + "-" +
                      std::to_string(s.identity[s.pair_b[i]]) + ":" +
                      std::to_string(s.pair_row[i]));
    std::sort(out.begin(), out.end());
    return out;
}

TEST(RunSnapshot, BaseRoundTripsThroughItsBytes) {
    const RunSnapshot s = Base();
    const std::string bytes = EncodeSnapshot(s);
    EXPECT_FALSE(IsDelta(bytes));
    const RunSnapshot back = DecodeSnapshot(bytes);
    EXPECT_EQ(back.fields, 2u);
    EXPECT_EQ(back.identity, s.identity);
    EXPECT_EQ(back.fingerprint, s.fingerprint);
    EXPECT_EQ(back.entity, s.entity);
    EXPECT_EQ(back.member_row, s.member_row);
    EXPECT_EQ(back.pair_a, s.pair_a);
    EXPECT_EQ(back.pair_b, s.pair_b);
    EXPECT_EQ(back.probability, s.probability);
    EXPECT_EQ(back.match_weight, s.match_weight);
    EXPECT_EQ(back.status, s.status);
    EXPECT_EQ(back.pair_row, s.pair_row);
    EXPECT_EQ(back.levels, s.levels);
}

TEST(RunSnapshot, CorruptBytesAreRefused) {
    const std::string bytes = EncodeSnapshot(Base());
    EXPECT_THROW(DecodeSnapshot(bytes.substr(0, bytes.size() - 1)), DataError);
    EXPECT_THROW(DecodeSnapshot(bytes + "x"), DataError);
    EXPECT_THROW(DecodeSnapshot("not a snapshot at all, but long enough to have a header"),
                 DataError);
    EXPECT_THROW(DecodeSnapshot(""), DataError);
    std::string bad_pair = bytes;
    RunSnapshot s = Base();
    s.pair_b[0] = 9;  // names a record the snapshot lacks
    EXPECT_THROW(DecodeSnapshot(EncodeSnapshot(s)), DataError);
    s = Base();
    s.identity = {20, 10, 30, 40};  // not sorted
    EXPECT_THROW(DecodeSnapshot(EncodeSnapshot(s)), DataError);
    SnapshotDelta d;
    d.fields = 2;
    d.gone = {10};
    const std::string delta = EncodeDelta(d);
    EXPECT_TRUE(IsDelta(delta));
    EXPECT_THROW(DecodeSnapshot(delta), DataError);  // a delta is not a base
    EXPECT_THROW(DecodeDelta(bytes), DataError);     // nor the reverse
    EXPECT_THROW(DecodeDelta(delta.substr(0, delta.size() - 2)), DataError);
}

TEST(RunSnapshot, DeltaRoundTripsThroughItsBytes) {
    SnapshotDelta d;
    d.fields = 2;
    d.gone = {40};
    d.identity = {25};
    d.fingerprint = {251};
    d.entity = {7};
    d.member_row = {1005};
    d.gone_a = {20};
    d.gone_b = {30};
    d.pair_a = {25};
    d.pair_b = {30};
    d.probability = {0.97f};
    d.match_weight = {6.0f};
    d.status = {static_cast<uint8_t>(PairStatus::kMatch)};
    d.pair_row = {2004};
    d.levels = {1, 1};
    const SnapshotDelta back = DecodeDelta(EncodeDelta(d));
    EXPECT_EQ(back.gone, d.gone);
    EXPECT_EQ(back.identity, d.identity);
    EXPECT_EQ(back.entity, d.entity);
    EXPECT_EQ(back.member_row, d.member_row);
    EXPECT_EQ(back.gone_a, d.gone_a);
    EXPECT_EQ(back.gone_b, d.gone_b);
    EXPECT_EQ(back.pair_a, d.pair_a);
    EXPECT_EQ(back.match_weight, d.match_weight);
    EXPECT_EQ(back.pair_row, d.pair_row);
    EXPECT_EQ(back.levels, d.levels);
}

TEST(RunSnapshot, DeltasApplyInOrder) {
    // Night 1: record 40 is gone (its pair 30-40 with it), 25 arrives and pairs with 30,
    // 20 is rewritten (new row), and the review pair 20-30 is deleted.
    SnapshotDelta night1;
    night1.fields = 2;
    night1.gone = {40};
    night1.identity = {25, 20};
    night1.fingerprint = {251, 202};
    night1.entity = {2, 1};
    night1.member_row = {1005, 1006};
    night1.gone_a = {30};
    night1.gone_b = {20};  // either order names the pair
    night1.pair_a = {30};
    night1.pair_b = {25};
    night1.probability = {0.97f};
    night1.match_weight = {6.0f};
    night1.status = {static_cast<uint8_t>(PairStatus::kMatch)};
    night1.pair_row = {2004};
    night1.levels = {1, 1};
    // Night 2: 25 is rewritten again (the last write wins); the pair 10-20 is deleted and
    // written again with a new row; 20-30 comes back.
    SnapshotDelta night2;
    night2.fields = 2;
    night2.identity = {25};
    night2.fingerprint = {252};
    night2.entity = {2};
    night2.member_row = {1007};
    night2.gone_a = {10};
    night2.gone_b = {20};
    night2.pair_a = {10, 20};
    night2.pair_b = {20, 30};
    night2.probability = {0.98f, 0.45f};
    night2.match_weight = {9.0f, -0.1f};
    night2.status = {static_cast<uint8_t>(PairStatus::kMatch),
                     static_cast<uint8_t>(PairStatus::kReview)};
    night2.pair_row = {2005, 2006};
    night2.levels = {0, 0, 2, 1};
    const RunSnapshot s = ApplyDeltas(Base(), {night1, night2});
    EXPECT_EQ(s.identity, (std::vector<uint64_t>{10, 20, 25, 30}));
    EXPECT_EQ(s.fingerprint, (std::vector<uint64_t>{101, 202, 252, 301}));
    EXPECT_EQ(s.member_row, (std::vector<uint64_t>{1001, 1006, 1007, 1003}));
    EXPECT_EQ(PairsOf(s), (std::vector<std::string>{"10-20:2005", "20-30:2006", "30-25:2004"}));
    // Each pair carries its own values.
    for (size_t i = 0; i < s.pair_a.size(); ++i) {
        if (s.pair_row[i] == 2006) {
            EXPECT_FLOAT_EQ(s.probability[i], 0.45f);
            EXPECT_EQ(s.levels[i * 2], 2);
            EXPECT_EQ(s.levels[i * 2 + 1], 1);
        }
    }
    // Only night 1: the base pair 10-20 keeps its row.
    EXPECT_EQ(PairsOf(ApplyDeltas(Base(), {night1})),
              (std::vector<std::string>{"10-20:2001", "30-25:2004"}));
    // The same deltas the other way round give another result: order matters.
    EXPECT_NE(PairsOf(ApplyDeltas(Base(), {night2, night1})), PairsOf(s));
    SnapshotDelta other = night1;
    other.fields = 3;
    EXPECT_THROW(ApplyDeltas(Base(), {other}), DataError);
}

TEST(RunSnapshot, PreviousRunMapsOntoTodaysRecords) {
    // Today: 30, 10, 50 (new) — 20 and 40 are gone.
    const std::vector<uint64_t> today = {30, 10, 50};
    PreviousRun prev;
    StoredRows rows;
    std::vector<uint64_t> gone;
    ASSERT_TRUE(PreviousFromSnapshot(Base(), today, 2, prev, rows, &gone));
    EXPECT_EQ(prev.fingerprint, (std::vector<uint64_t>{301, 101, kNewRecord}));
    EXPECT_EQ(prev.entity, (std::vector<int64_t>{2, 1, -1}));
    EXPECT_EQ(prev.entity_size, (std::vector<uint32_t>{0, 2, 1, 1}));  // gone records count
    EXPECT_EQ(prev.deleted, 2u);
    EXPECT_EQ(rows.member, (std::vector<uint64_t>{1003, 1001, 0}));
    EXPECT_EQ(rows.stale_members, (std::vector<uint64_t>{1002, 1004}));
    EXPECT_TRUE(prev.pairs.empty());  // every pair named 20 or 40
    EXPECT_EQ(rows.stale_pairs, (std::vector<uint64_t>{2001, 2002, 2003}));
    EXPECT_EQ(gone, (std::vector<uint64_t>{20, 40}));
    // All four still there, in another order: every pair kept, with today's indexes.
    ASSERT_TRUE(PreviousFromSnapshot(Base(), {40, 30, 20, 10}, 2, prev, rows));
    ASSERT_EQ(prev.pairs.size(), 3u);
    EXPECT_EQ(prev.pairs[0].a, 3u);  // 10
    EXPECT_EQ(prev.pairs[0].b, 2u);  // 20
    EXPECT_EQ(prev.pairs[2].status, PairStatus::kCut);
    EXPECT_EQ(prev.pair_levels, Base().levels);
    EXPECT_EQ(rows.pair, (std::vector<uint64_t>{2001, 2002, 2003}));
    // Declined: another number of fields, or two of today's records with one identity.
    EXPECT_FALSE(PreviousFromSnapshot(Base(), today, 3, prev, rows));
    EXPECT_FALSE(PreviousFromSnapshot(Base(), {10, 30, 10}, 2, prev, rows));
}

TEST(RunSnapshot, BuildListsTheStoredRowsByIdentity) {
    ResolveResult result;
    result.field_count = 1;
    result.entity_of = {0, 0, 1};
    result.fingerprint = {11, 22, 33};
    ScoredPair p;
    p.a = 0;
    p.b = 1;
    p.probability = 0.9f;
    p.match_weight = 5.0f;
    p.status = PairStatus::kMatch;
    result.pairs = {p};
    result.pair_levels = {0};
    const std::vector<uint64_t> identity = {300, 100, 200};
    RunSnapshot s = BuildSnapshot(result, {}, identity, {7, 8, 9}, {70}, {}, nullptr);
    EXPECT_EQ(s.identity, (std::vector<uint64_t>{100, 200, 300}));
    EXPECT_EQ(s.entity, (std::vector<int64_t>{1, 2, 1}));  // index + 1 without ids
    EXPECT_EQ(s.member_row, (std::vector<uint64_t>{8, 9, 7}));
    EXPECT_EQ(PairsOf(s), (std::vector<std::string>{"300-100:70"}));
    // A kept row keeps the stored probability and weight.
    PreviousRun prev;
    ScoredPair stored = p;
    stored.probability = 0.88f;
    stored.match_weight = 4.9f;
    prev.pairs = {stored};
    s = BuildSnapshot(result, {5, 6}, identity, {7, 8, 9}, {70}, {0}, &prev);
    EXPECT_EQ(s.entity, (std::vector<int64_t>{5, 6, 5}));
    EXPECT_FLOAT_EQ(s.probability[0], 0.88f);
    EXPECT_FLOAT_EQ(s.match_weight[0], 4.9f);
    EXPECT_THROW(BuildSnapshot(result, {}, {1, 1, 2}, {7, 8, 9}, {70}, {}, nullptr),
                 InvalidArgument);
}

TEST(RunSnapshot, IdentitiesDependOnInputLabelAndKey) {
    ResolverConfig config;
    FieldSpec f;
    f.name = "name";
    f.kind = FieldKind::kName;
    config.fields = {f};
    RecordSet records(config);
    records.Add(0, "k1", std::vector<std::optional<std::string_view>>{std::string_view("A")});
    records.Add(1, "k1", std::vector<std::optional<std::string_view>>{std::string_view("A")});
    records.Add(0, "k2", std::vector<std::optional<std::string_view>>{std::nullopt});
    const std::vector<uint64_t> ids = RecordIdentities(records, {"shops", "companies"});
    EXPECT_NE(ids[0], ids[1]);  // same key, other input
    EXPECT_NE(ids[0], ids[2]);
    // The same labels give the same identities; renaming an input changes them.
    EXPECT_EQ(RecordIdentities(records, {"shops", "companies"}), ids);
    EXPECT_NE(RecordIdentities(records, {"shops2", "companies"})[0], ids[0]);
    EXPECT_THROW(RecordIdentities(records, {"shops"}), InvalidArgument);
}

}  // namespace
}  // namespace nightjar::core::resolve
