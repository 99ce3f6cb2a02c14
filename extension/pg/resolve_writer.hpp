// resolve_writer.hpp: appending rows to a heap table the way COPY does
// (table_multi_insert with a bulk-insert state), for nightjar.resolve's result partitions.
//
// Why: the resolve step writes a million entity_member rows and millions of match_pair
// rows per run. Through SQL (BulkWriter: INSERT ... SELECT FROM unnest) every row is also
// a row of an executor plan; table_multi_insert forms the tuples and writes them a page at
// a time with one WAL record per page, which is what makes COPY fast.
// What it bypasses, and why that is safe here: indexes, row triggers, constraints other
// than the row's own types, row security. Usable() therefore accepts only a plain table
// with no index, no trigger, no row security and exactly the expected columns; the
// resolution's partitions are such tables while they are loaded (their indexes are built
// after the load, sql/52_resolve.sql) and the caller falls back to BulkWriter otherwise.
#pragma once

// postgres.h must come first: clang-format would sort it after the others
// clang-format off
extern "C" {
#include "postgres.h"
#include "access/heapam.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/rel.h"
}
// clang-format on

#include <cstdint>
#include <string>
#include <vector>

#include "extension/pg/boundary.hpp"
#include "extension/pg/record_io.hpp"

namespace nightjar::pg {

// HeapWriter appends rows to one table with table_multi_insert.
class HeapWriter {
  public:
    // Usable says whether `relid` is a plain table without index, trigger or row security
    // whose columns are exactly `columns`, in order.
    static bool Usable(Oid relid, const std::vector<const char*>& columns);
    // HeapWriter opens `relid` (RowExclusiveLock) for appending, `batch_rows` rows at a time.
    explicit HeapWriter(Oid relid, int batch_rows = 1000);
    ~HeapWriter();
    HeapWriter(const HeapWriter&) = delete;
    HeapWriter& operator=(const HeapWriter&) = delete;
    // Add appends one row (one value per column); by-reference values must stay valid
    // until the next Flush, which Add itself calls when a batch is full.
    void Add(const Datum* values, const bool* nulls);
    // Flush writes the pending rows.
    void Flush();
    // CollectTids makes every later Flush append the written rows' addresses to `out`
    // (packed as block << 16 | offset), in the order of Add.
    void CollectTids(std::vector<uint64_t>* out) { tids_ = out; }

  private:
    Relation rel_ = nullptr;
    BulkInsertState bistate_ = nullptr;
    CommandId cid_ = 0;
    int natts_ = 0;
    std::vector<TupleTableSlot*> slots_;
    int used_ = 0;
    std::vector<uint64_t>* tids_ = nullptr;
};

// DeleteRowsByCtid deletes the rows of `table` (a quoted name) at `ctids` (packed as
// block << 16 | offset), `batch` a statement ("DELETE ... WHERE ctid = ANY($1)", a TID
// scan), in a scratch context under `outer` reset after each: an incremental resolve
// removes the few stored rows it replaces without an index or a scan of the partition.
void DeleteRowsByCtid(MemoryContext outer, const std::string& table,
                      const std::vector<uint64_t>& ctids, size_t batch);

}  // namespace nightjar::pg
