// direct_writer.hpp: DirectWriter, a RowWriter (record_io.hpp) that inserts a chunk's rows
// into one heap table the way COPY FROM does — table_multi_insert, then the indexes — with
// no SQL statement, no executor plan and one WAL record per filled page instead of one per
// row.
//
// Why: a batch step's output rows were written by "INSERT ... SELECT unnest($1), ..." per
// chunk. Profiled (issue 11), that statement was half of validate_batch and ~60% of
// normalize_batch; of it, the executor around the heap and index work (unnest, projection,
// partition routing, per-row heap_insert and its WAL record) was a third.
//
// What it keeps of INSERT: the INSERT privilege is checked (on `check_rel`, the table the
// step names, e.g. a partitioned parent), column defaults are evaluated for the columns
// the caller does not give (identity sequences and now() included), NOT NULL and CHECK
// constraints are checked, unique indexes raise unique_violation as INSERT would, and the
// rows are counted in the table's statistics. What it cannot keep falls back: Usable()
// refuses a table with INSERT triggers (on it or on `check_rel`), row-level security,
// stored generated columns or a relkind other than an ordinary table, and the caller then
// uses a BulkWriter (BatchStep::TableWriter does the choosing). A partition is written
// directly: the caller picks it from the catalog by its key (validate_batch's
// _valid_partition), so its partition constraint is not evaluated again per row.
//
// Memory: one slot per buffered row (created once, reused); tuples and index entries
// are built in CurrentMemoryContext (the step's scratch context, reset per chunk).
// On an error the transaction's abort releases the relation, the buffers and the slots:
// the destructor only cleans up on the success path.
#pragma once

#include <string>
#include <vector>

#include "extension/pg/record_io.hpp"

extern "C" {
#include "nodes/execnodes.h"
}

namespace nightjar::pg {

class DirectWriter : public RowWriter {
  public:
    // Usable says whether rows can be written into `relid` directly (see above);
    // `check_rel` is the table the caller names (InvalidOid: `relid` itself).
    static bool Usable(Oid relid, Oid check_rel);

    // DirectWriter opens `relid` for inserting rows whose values Add gives in the order
    // of `columns` (names of relid's columns); the other columns get their defaults.
    DirectWriter(Oid relid, Oid check_rel, const std::vector<std::string>& columns);
    ~DirectWriter() override;
    DirectWriter(const DirectWriter&) = delete;
    DirectWriter& operator=(const DirectWriter&) = delete;

    void Add(const Datum* values, const bool* nulls) override;
    size_t Pending() const override { return used_; }
    uint64 Flush() override;

  private:
    // NextSlot returns a cleared slot for the next row, creating one when all are used.
    TupleTableSlot* NextSlot();

    Relation rel_ = nullptr;
    EState* estate_ = nullptr;
    ResultRelInfo* rri_ = nullptr;
    MemoryContext owner_ctx_ = nullptr;  // where slots live (the writer's creator's context)
    std::vector<int> given_;             // attribute index (0-based) of each given column
    std::vector<std::pair<int, ExprState*>> defaults_;  // attribute index, default expression
    std::vector<TupleTableSlot*> slots_;
    size_t used_ = 0;
    bool check_constraints_ = false;
};

}  // namespace nightjar::pg
