// run_snapshot.hpp: the compact record of a resolve run's stored rows, from which the next
// incremental run starts instead of reading the result tables back (run_snapshot.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/resolve/incremental.hpp"
#include "core/resolve/record_set.hpp"
#include "core/resolve/resolver.hpp"

namespace nightjar::core::resolve {

// StoredRows locates the last run's stored rows for an incremental run that rewrites only
// what changed: row addresses (ctids) packed as block << 16 | offset (0: no row).
struct StoredRows {
    std::vector<uint64_t> member;         // per today's record
    std::vector<uint64_t> pair;           // per PreviousRun::pairs entry
    std::vector<uint64_t> stale_members;  // rows of records that are gone
    std::vector<uint64_t> stale_pairs;    // rows naming a record that is gone
};

// RunSnapshot is what a run stored, one entry per stored member row and per stored pair
// row. Records are sorted by identity (RecordIdentities); a pair names its two records by
// their position in that order.
struct RunSnapshot {
    uint32_t fields = 0;
    std::vector<uint64_t> identity;     // sorted, distinct
    std::vector<uint64_t> fingerprint;  // as stored in entity_member
    std::vector<int64_t> entity;        // entity_id as stored
    std::vector<uint64_t> member_row;   // the member row's ctid
    std::vector<uint32_t> pair_a, pair_b;
    std::vector<float> probability, match_weight;  // as stored (a kept row keeps its values)
    std::vector<uint8_t> status;                   // PairStatus
    std::vector<uint64_t> pair_row;                // the pair row's ctid
    std::vector<int8_t> levels;                    // fields per pair, kNullLevel: missing
};

// SnapshotDelta is what one incremental run changed of the stored rows: records gone and
// records (re)written, pairs deleted and pairs written; records and pairs are named by
// identity. A snapshot is a base (RunSnapshot) followed by the deltas of the later runs.
struct SnapshotDelta {
    uint32_t fields = 0;
    std::vector<uint64_t> gone;  // identities of records whose row is gone
    std::vector<uint64_t> identity, fingerprint, member_row;  // records (re)written
    std::vector<int64_t> entity;
    std::vector<uint64_t> gone_a, gone_b;  // pairs whose row was deleted
    std::vector<uint64_t> pair_a, pair_b;  // pairs written
    std::vector<float> probability, match_weight;
    std::vector<uint8_t> status;
    std::vector<uint64_t> pair_row;
    std::vector<int8_t> levels;
};

// RecordIdentities returns per record a 64-bit hash of (its input's label, its key):
// `labels[source]` is the label of input `source`.
std::vector<uint64_t> RecordIdentities(const RecordSet& records,
                                       const std::vector<std::string>& labels);

// BuildSnapshot describes the rows a run leaves stored: per record its identity, its
// fingerprint, its entity id (`ids[entity]`, or the entity's index + 1 when `ids` is
// empty) and its row (`member_row[record]`); per pair of `result.pairs` its row
// (`pair_row[i]`) and, when `kept[i]` names a row of `previous` that stayed, that row's
// stored probability and weight instead of today's. Throws InvalidArgument when two
// records share an identity.
RunSnapshot BuildSnapshot(const ResolveResult& result, const std::vector<int64_t>& ids,
                          const std::vector<uint64_t>& identity,
                          const std::vector<uint64_t>& member_row,
                          const std::vector<uint64_t>& pair_row, const std::vector<uint32_t>& kept,
                          const PreviousRun* previous);

// EncodeSnapshot serialises a snapshot (native byte order; a header with a magic number,
// a format version and the counts).
std::string EncodeSnapshot(const RunSnapshot& snapshot);

// DecodeSnapshot reads EncodeSnapshot's bytes; throws DataError when they are not a
// snapshot of this format or are cut short.
RunSnapshot DecodeSnapshot(std::string_view bytes);

// EncodeDelta and DecodeDelta are EncodeSnapshot and DecodeSnapshot for a delta.
std::string EncodeDelta(const SnapshotDelta& delta);
SnapshotDelta DecodeDelta(std::string_view bytes);

// IsDelta says whether encoded bytes are a delta (else a base, or not a snapshot).
bool IsDelta(std::string_view bytes);

// ApplyDeltas returns `base` with `deltas` applied in order: records gone or rewritten,
// and pairs deleted or written, as the runs that wrote them left the rows. A pair naming
// a record that is not there is dropped. Throws DataError when a delta is for another
// number of fields.
RunSnapshot ApplyDeltas(const RunSnapshot& base, const std::vector<SnapshotDelta>& deltas);

// PreviousFromSnapshot fills `out` and `rows` as reading the stored rows would, mapping
// the snapshot's records onto today's through `identity` (RecordIdentities of today's
// records), and `gone` (when given) with the identities of the snapshot's records that
// are not among today's, sorted. Returns false, filling nothing, when the snapshot is for
// another number of fields or two of today's records share an identity (the caller reads
// the tables).
bool PreviousFromSnapshot(const RunSnapshot& snapshot, const std::vector<uint64_t>& identity,
                          size_t fields, PreviousRun& out, StoredRows& rows,
                          std::vector<uint64_t>* gone = nullptr);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
