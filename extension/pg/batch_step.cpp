// batch_step.cpp: the non-template parts of the batch-step loop (see batch_step.hpp).
#include "extension/pg/batch_step.hpp"

#include "extension/pg/direct_writer.hpp"

namespace nightjar::pg {

ScratchContext::ScratchContext(MemoryContext parent) {
    // ScratchContext creates the context under the guard (creation may run out of memory).
    ctx_ = PgCall(
        [&] { return AllocSetContextCreate(parent, "nightjar scratch", ALLOCSET_DEFAULT_SIZES); });
}

void ScratchContext::Reset() {
    // Reset frees the chunk's allocations; it must not be the current context's child
    // being used, which the Scope guarantees by having ended.
    PgCall([&] { MemoryContextReset(ctx_); });
}

int64 StepRow::Int64(int col) const {
    // Int64 reads a by-value column: no detoasting, nothing to guard beyond Value.
    bool isnull = false;
    Datum d = Value(col, &isnull);
    return isnull ? 0 : DatumGetInt64(d);
}

::Jsonb* StepRow::Jsonb(int col) const {
    // Jsonb reads and detoasts the column into the current (scratch) context in one guard.
    return reinterpret_cast<::Jsonb*>(cursor_.DetoastedValue(row_, col));
}

BatchStep::BatchStep(std::string label, long chunk_rows)
    : progress_(std::move(label), "records read"), chunk_rows_(chunk_rows) {
    // BatchStep connects to SPI first: the writers and the cursor need it.
    spi_.emplace();
}

BatchStep::~BatchStep() {
    // ~BatchStep releases the writers before SPI (their plans are SPI's).
    writers_.clear();
    spi_.reset();
}

BulkWriter& BatchStep::Writer(const std::string& sql, const std::vector<Oid>& element_types) {
    // Writer prepares the statement now, so a wrong one fails before any row is read.
    auto writer = std::make_unique<BulkWriter>(sql, element_types);
    BulkWriter& ref = *writer;
    writers_.push_back(std::move(writer));
    return ref;
}

RowWriter& BatchStep::TableWriter(Oid relid, Oid check_rel, const std::vector<std::string>& columns,
                                  const std::string& fallback_sql,
                                  const std::vector<Oid>& fallback_types) {
    // TableWriter decides once per step: the table's triggers, policies and privileges
    // cannot change under the lock Usable takes until the transaction ends.
    if (!DirectWriter::Usable(relid, check_rel)) return Writer(fallback_sql, fallback_types);
    writers_.push_back(std::make_unique<DirectWriter>(relid, check_rel, columns));
    return *writers_.back();
}

void BatchStep::FlushWriters() {
    // FlushWriters writes in creation order (a step may rely on it).
    for (auto& w : writers_) w->Flush();
}

void BatchStep::Finish() {
    // Finish lets a failing disconnect raise, unlike the destructor.
    writers_.clear();
    if (spi_) spi_->Finish();
}

}  // namespace nightjar::pg
