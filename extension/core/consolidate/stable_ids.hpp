// stable_ids.hpp: entity ids that survive re-runs of entity resolution.
//
// Resolution gives tonight's clusters (sets of records) with labels that mean nothing
// from one night to the next. AssignStableIds maps them onto last night's entities so
// that an entity whose membership did not change keeps its id, and every change of
// membership is an event with its reason. The rules (docs/consolidation.md, "Id
// stability"):
//   1. Each prior entity E "keeps" the cluster holding most of its surviving records
//      (tie: the cluster holding the earliest record, records being numbered by the
//      caller in (source, key) order). A prior entity with no surviving record is retired.
//   2. A cluster kept by no prior entity gets a fresh id (event "created").
//   3. A cluster kept by one prior entity takes its id.
//   4. A cluster kept by several prior entities (a merge) takes the id of the oldest of
//      them (smallest created_at; tie: smallest id); the others become "merged" into it
//      (event "merged": entity = absorbed, other = survivor).
//   5. Records of E that landed in another cluster than the one E kept are a split of E
//      (event "split": entity = E, other = the id their cluster took): the largest part
//      keeps the id, by rule 1.
//   6. A new record joining an entity that existed is "member_added"; a record that left
//      the resolution while its entity goes on is "member_removed". Records moved by a
//      merge or a split are told by that event, not one event per record.
// Fresh ids are placeholders -1, -2, … in creation order: the caller maps them to real
// ids (a sequence), so the core never needs to know how ids are allocated.
//
// Phases: one pass over the records counting (cluster, prior entity) overlaps in a hash
// map; one pass over the overlaps choosing each entity's kept cluster; one pass over the
// clusters choosing ids; one pass over the records for per-record events and the answer.
// Memory: O(records + clusters + prior entities); time O(records) expected (hash maps)
// plus sorting the clusters and entities once for a deterministic event order.
// Trade-off: the kept part is chosen by record count, not by match strength — a split
// whose two parts are equal is settled by record order, which is arbitrary but stable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/progress.hpp"

namespace nightjar::core::consolidate {

// kNoEntity marks a record that belonged to no prior entity (a new record).
constexpr int64_t kNoEntity = 0;
// kGone marks a record that is in no cluster tonight (deleted from its source).
constexpr int64_t kGone = INT64_MIN;

// PriorEntity is one of last night's active entities.
struct PriorEntity {
    int64_t id = 0;          // > 0
    int64_t created_at = 0;  // any monotone clock (the caller uses epoch microseconds)
};

// RecordPlacement says where one record was last night and where it is tonight.
struct RecordPlacement {
    int64_t prior_entity = kNoEntity;  // an id of a PriorEntity, or kNoEntity
    int64_t cluster = kGone;           // tonight's cluster label (any value but kGone), or kGone
};

// EntityEventKind is what happened to an entity.
enum class EntityEventKind { kCreated, kMerged, kSplit, kRetired, kMemberAdded, kMemberRemoved };

// EntityEventKindName returns "created", "merged", "split", "retired", "member_added" or
// "member_removed".
const char* EntityEventKindName(EntityEventKind kind);

// EntityEvent is one change of an entity, with the reason in words.
struct EntityEvent {
    EntityEventKind kind;
    int64_t entity = 0;   // the entity the event is about
    int64_t other = 0;    // merged: the survivor; split: the entity the part went to; else 0
    int64_t record = -1;  // member_added / member_removed: index of the record; else -1
    std::string reason;
};

// MergedEntity is a prior entity absorbed by another one.
struct MergedEntity {
    int64_t id = 0;
    int64_t into = 0;
};

// StableIdResult is tonight's entities in terms of stable ids.
struct StableIdResult {
    std::vector<int64_t> record_entity;  // per input record: its entity tonight, kNoEntity if gone
    std::vector<int64_t> created;        // fresh placeholders -1, -2, … in creation order
    std::vector<int64_t> changed;        // entities alive tonight whose membership changed
                                         // (created ones included), in cluster order
    std::vector<MergedEntity> merged;    // prior entities absorbed by a merge
    std::vector<int64_t> retired;        // prior entities left with no record
    std::vector<EntityEvent> events;     // in a deterministic order
    int64_t unchanged = 0;               // prior entities that kept id and exact membership
};

// AssignStableIds maps tonight's clusters onto last night's entities by the rules above;
// throws InvalidArgument when a record names a prior entity missing from `prior` or an
// id is not positive or appears twice.
StableIdResult AssignStableIds(const std::vector<PriorEntity>& prior,
                               const std::vector<RecordPlacement>& records,
                               Progress& progress = NoProgress());

}  // namespace nightjar::core::consolidate

#include "core/cpp_only.hpp"
