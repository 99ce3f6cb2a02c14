// resolve_snapshot_store.hpp: one resolution's rows of nightjar.resolution_snapshot
// (sql/54_resolve_snapshot.sql): reading a base and its deltas, writing a base or a delta.
#pragma once

#include <string>
#include <vector>

#include "core/resolve/run_snapshot.hpp"
#include "extension/pg/batch_step.hpp"

namespace nightjar::pg {

// SnapshotStore reads and writes the run snapshot of one resolution whose partitions are
// member_oid and pair_oid (the snapshot names their relfilenodes; another file, no
// snapshot). It keeps what it did for the run's summary.
class SnapshotStore {
  public:
    SnapshotStore(std::string resolution, Oid member_oid, Oid pair_oid);

    // Read applies the deltas to the base and maps it onto today's records (identity):
    // true with `out`, `rows` and `gone` filled; false, saying why in Status(), when there
    // is no usable snapshot (the caller reads the tables).
    bool Read(BatchStep& step, const std::vector<uint64_t>& identity, size_t fields,
              core::resolve::PreviousRun& out, core::resolve::StoredRows& rows,
              std::vector<uint64_t>& gone);
    // WriteBase replaces the snapshot by `bytes` (EncodeSnapshot), in parts.
    void WriteBase(MemoryContext outer, const std::string& bytes);
    // WriteDelta appends `bytes` (EncodeDelta) after the snapshot Read found, unless that
    // one was not read, or the deltas would then pass a quarter of the base or number
    // kMaxDeltas: then false (the caller writes a new base).
    bool WriteDelta(MemoryContext outer, const std::string& bytes);
    // Delete removes the snapshot.
    void Delete();

    // What the run did: how it read ("used", "not needed", or why not), how many deltas,
    // what it wrote ("base", "delta", "none"), the bytes and seconds of writing.
    const std::string& Status() const { return read_; }
    size_t DeltasRead() const { return delta_count_; }
    const std::string& Written() const { return written_; }
    size_t WrittenBytes() const { return written_bytes_; }
    void SetWriteSeconds(double s) { write_seconds_ = s; }
    double WriteSeconds() const { return write_seconds_; }
    bool Used() const { return read_ == "used"; }

  private:
    // InsertPart stores one row (part number, base part or delta, bytes).
    void InsertPart(MemoryContext outer, int part, bool delta, const char* data, size_t len);

    const std::string resolution_;
    const Oid member_oid_, pair_oid_;
    std::string read_ = "not needed", written_ = "none";
    size_t base_bytes_ = 0, delta_bytes_ = 0, delta_count_ = 0, written_bytes_ = 0;
    int next_part_ = 0;
    double write_seconds_ = 0;
};

}  // namespace nightjar::pg
