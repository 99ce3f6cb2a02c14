// batch_step.hpp: the one loop of every batch step — read a table's rows of one batch
// through an SPI cursor a chunk at a time, hand each row to the step's C++ code, write
// its output rows in bulk once per chunk — with the safety written once.
//
// What the loop guarantees, so a step author cannot get it wrong:
//  - SPI is connected for the loop's lifetime and disconnected last (after the cursor
//    and the writers, whose destructors call SPI);
//  - each chunk's rows and everything the step pallocs for them live in a scratch memory
//    context, reset after the chunk is written: memory is bounded by one chunk. The
//    switch into it is a RAII scope, so CurrentMemoryContext is restored even when a
//    C++ exception leaves the row callback (a PgError from PgCall included);
//  - interrupts are checked before every fetch (a cancel or the dispatcher's step timer
//    stops the step within one chunk), through the core's Progress hook bound to
//    PostgreSQL (progress.hpp), which also shows "<label>: N of M records read" in
//    pg_stat_activity and puts the statement's text back at the end;
//  - the writers created with Writer() or TableWriter() are flushed after every chunk,
//    in creation order: one statement each ("INSERT ... SELECT * FROM unnest($1::t1[],
//    ...)"), or COPY's multi-insert for a TableWriter that can write directly.
//
// Usage (validate.cpp and normalize.cpp are complete examples):
//     BatchStep step("nightjar.my_step(" + std::to_string(batch_id) + ")", 1000);
//     BulkWriter& out = step.Writer("INSERT INTO nightjar.t (a, b) SELECT * FROM "
//                                   "unnest($1::bigint[], $2::jsonb[])", {INT8OID, JSONBOID});
//     step.Run("SELECT record_no, payload FROM nightjar.x WHERE batch_id = $1",
//              {INT8OID}, {Int64GetDatum(batch_id)},
//              [&](const StepRow& row) {
//                  Datum v[2] = {Int64GetDatum(row.Int64(1)), PointerGetDatum(row.Jsonb(2))};
//                  bool n[2] = {false, false};
//                  out.Add(v, n);
//              });
//     step.Finish();   // errors of the disconnect propagate; the destructor swallows them
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "extension/pg/args.hpp"
#include "extension/pg/progress.hpp"
#include "extension/pg/record_io.hpp"

namespace nightjar::pg {

// ScratchContext is a memory context for one chunk's allocations, child of `parent`.
class ScratchContext {
  public:
    explicit ScratchContext(MemoryContext parent);
    ScratchContext(const ScratchContext&) = delete;
    ScratchContext& operator=(const ScratchContext&) = delete;
    // Reset frees everything allocated in the context.
    void Reset();
    MemoryContext Get() const { return ctx_; }

    // Scope makes the context current for its lifetime and restores the previous one
    // when it ends, by return or by exception.
    class Scope {
      public:
        explicit Scope(const ScratchContext& scratch)
            : saved_(MemoryContextSwitchTo(scratch.ctx_)) {}
        ~Scope() { MemoryContextSwitchTo(saved_); }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

      private:
        MemoryContext saved_;
    };

  private:
    MemoryContext ctx_;  // freed with its parent (the call's context) at the latest
};

// StepRow is one row of the chunk being processed; values live until the chunk ends.
class StepRow {
  public:
    StepRow(const RecordCursor& cursor, uint64 row) : cursor_(cursor), row_(row) {}
    // Value returns column `col` (1-based) and whether it is NULL.
    Datum Value(int col, bool* isnull) const { return cursor_.Value(row_, col, isnull); }
    // Deform fills values and nulls (Columns() of each) with every column at once.
    void Deform(Datum* values, bool* nulls) const { cursor_.Deform(row_, values, nulls); }
    int Columns() const { return cursor_.Columns(); }
    // Int64 returns a bigint column (0 when NULL).
    int64 Int64(int col) const;
    // Jsonb returns a jsonb column, detoasted (nullptr when NULL).
    ::Jsonb* Jsonb(int col) const;

  private:
    const RecordCursor& cursor_;
    uint64 row_;
};

// BatchStep runs the loop described above.
class BatchStep {
  public:
    // BatchStep connects to SPI; `label` names the step in pg_stat_activity,
    // `chunk_rows` is the rows per fetch.
    BatchStep(std::string label, long chunk_rows);
    ~BatchStep();
    BatchStep(const BatchStep&) = delete;
    BatchStep& operator=(const BatchStep&) = delete;

    // Writer prepares a bulk writer flushed after each chunk; it lives until Finish.
    BulkWriter& Writer(const std::string& sql, const std::vector<Oid>& element_types);
    // TableWriter returns a writer of rows into table `relid` (`columns` in Add's order,
    // the others defaulted), flushed after each chunk: a DirectWriter when
    // DirectWriter::Usable(relid, check_rel), else a BulkWriter of `fallback_sql`
    // (parameters: arrays of `fallback_types`), which must write the same rows.
    RowWriter& TableWriter(Oid relid, Oid check_rel, const std::vector<std::string>& columns,
                           const std::string& fallback_sql, const std::vector<Oid>& fallback_types);

    // Run streams the rows of the read-only `query` (parameters `types` bound to
    // `values`, no NULLs): on_row(const StepRow&) for each row inside the scratch
    // context, then on_chunk_end() (a step that queues rows per chunk adds them to its
    // writers there), then every writer is flushed and the scratch context reset.
    template <typename OnRow, typename OnChunkEnd>
    void Run(const char* query, const std::vector<Oid>& types, const std::vector<Datum>& values,
             OnRow&& on_row, OnChunkEnd&& on_chunk_end);
    template <typename OnRow>
    void Run(const char* query, const std::vector<Oid>& types, const std::vector<Datum>& values,
             OnRow&& on_row) {
        Run(query, types, values, std::forward<OnRow>(on_row), [] {});
    }

    // SetTotal sets how many rows the progress line announces (0: unknown); the count
    // may come from a query run inside the step's SPI session (a RecordCursor).
    void SetTotal(int64 total) { total_ = total; }

    // Finish releases the writers and disconnects from SPI; errors propagate.
    void Finish();
    // OuterContext is the memory context of the step's caller, where results are built.
    MemoryContext OuterContext() const { return spi_->OuterContext(); }
    // RowsRead is how many rows Run has read so far.
    int64 RowsRead() const { return read_; }

  private:
    // FlushWriters writes every writer's pending rows.
    void FlushWriters();

    std::optional<SpiSession> spi_;  // declared first: destroyed after the writers
    std::vector<std::unique_ptr<RowWriter>> writers_;
    ActivityProgress progress_;
    int64 total_ = 0;
    long chunk_rows_;
    int64 read_ = 0;
};

template <typename OnRow, typename OnChunkEnd>
void BatchStep::Run(const char* query, const std::vector<Oid>& types,
                    const std::vector<Datum>& values, OnRow&& on_row, OnChunkEnd&& on_chunk_end) {
    ScratchContext scratch(OuterContext());
    RecordCursor cursor(query, types, values);
    progress_.Report(read_, total_);  // checks interrupts before the first fetch
    for (;;) {
        const uint64 n = cursor.Fetch(chunk_rows_);
        if (n == 0) break;
        {
            ScratchContext::Scope in_scratch(scratch);
            for (uint64 row = 0; row < n; ++row) on_row(StepRow(cursor, row));
            on_chunk_end();
            FlushWriters();
        }
        scratch.Reset();
        read_ += static_cast<int64>(n);
        progress_.Report(read_, total_);
    }
}

}  // namespace nightjar::pg
