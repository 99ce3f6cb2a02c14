// resolve_writer.cpp: HeapWriter (resolve_writer.hpp), COPY's write path for the result
// partitions of nightjar.resolve, and DeleteRowsByCtid, an incremental run's deletes.
#include "extension/pg/resolve_writer.hpp"

#include "extension/pg/batch_step.hpp"

extern "C" {
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/relcache.h"
}

#include <algorithm>
#include <cstring>

namespace nightjar::pg {

bool HeapWriter::Usable(Oid relid, const std::vector<const char*>& columns) {
    // Usable opens the table briefly and looks at its indexes, triggers and columns.
    return PgCall([&] {
        Relation rel = table_open(relid, AccessShareLock);
        bool ok = rel->rd_rel->relkind == RELKIND_RELATION && rel->trigdesc == nullptr &&
                  !rel->rd_rel->relrowsecurity && RelationGetIndexList(rel) == NIL &&
                  RelationGetDescr(rel)->natts == static_cast<int>(columns.size());
        for (int i = 0; ok && i < RelationGetDescr(rel)->natts; ++i) {
            Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), i);
            ok = !att->attisdropped && std::strcmp(NameStr(att->attname), columns[i]) == 0;
        }
        table_close(rel, AccessShareLock);
        return ok;
    });
}

HeapWriter::HeapWriter(Oid relid, int batch_rows) {
    slots_.resize(static_cast<size_t>(batch_rows), nullptr);
    PgCall([&] {
        rel_ = table_open(relid, RowExclusiveLock);
        natts_ = RelationGetDescr(rel_)->natts;
        bistate_ = GetBulkInsertState();
        cid_ = GetCurrentCommandId(true);
        for (TupleTableSlot*& slot : slots_)
            slot = MakeSingleTupleTableSlot(RelationGetDescr(rel_), &TTSOpsVirtual);
    });
}

HeapWriter::~HeapWriter() {
    try {
        PgCall([&] {
            for (TupleTableSlot* slot : slots_)
                if (slot != nullptr) ExecDropSingleTupleTableSlot(slot);
            if (bistate_ != nullptr) FreeBulkInsertState(bistate_);
            if (rel_ != nullptr)
                table_close(rel_, NoLock);  // the lock is kept to the end of the transaction
        });
    } catch (...) {
        // Only in an aborting transaction, which releases all of these itself.
    }
}

void HeapWriter::Add(const Datum* values, const bool* nulls) {
    TupleTableSlot* slot = slots_[static_cast<size_t>(used_)];
    PgCall([&] {
        ExecClearTuple(slot);
        std::memcpy(slot->tts_values, values, sizeof(Datum) * static_cast<size_t>(natts_));
        std::memcpy(slot->tts_isnull, nulls, sizeof(bool) * static_cast<size_t>(natts_));
        ExecStoreVirtualTuple(slot);
    });
    if (++used_ == static_cast<int>(slots_.size())) Flush();
}

void HeapWriter::Flush() {
    if (used_ == 0) return;
    PgCall([&] { table_multi_insert(rel_, slots_.data(), used_, cid_, 0, bistate_); });
    if (tids_ != nullptr)
        for (int i = 0; i < used_; ++i)
            tids_->push_back(PackTid(slots_[static_cast<size_t>(i)]->tts_tid));
    used_ = 0;
}

void DeleteRowsByCtid(MemoryContext outer, const std::string& table,
                      const std::vector<uint64_t>& ctids, size_t batch) {
    // DeleteRowsByCtid prepares the statement once and binds one tid[] per batch.
    if (ctids.empty()) return;
    const std::string sql = "DELETE FROM " + table + " WHERE ctid = ANY($1)";
    SPIPlanPtr plan = PgCall([&] {
        Oid type = get_array_type(TIDOID);
        SPIPlanPtr p = SPI_prepare(sql.c_str(), 1, &type);
        if (p == nullptr) elog(ERROR, "nightjar: could not prepare \"%s\"", sql.c_str());
        return p;
    });
    ScratchContext scratch(outer);
    for (size_t begin = 0; begin < ctids.size(); begin += batch) {
        const size_t end = std::min(ctids.size(), begin + batch);
        {
            ScratchContext::Scope in_scratch(scratch);
            PgCall([&] {
                const int n = static_cast<int>(end - begin);
                auto* tids = static_cast<ItemPointerData*>(palloc(sizeof(ItemPointerData) * n));
                auto* elems = static_cast<Datum*>(palloc(sizeof(Datum) * n));
                for (int i = 0; i < n; ++i) {
                    const uint64_t c = ctids[begin + static_cast<size_t>(i)];
                    ItemPointerSet(&tids[i], static_cast<BlockNumber>(c >> 16),
                                   static_cast<OffsetNumber>(c & 0xFFFF));
                    elems[i] = PointerGetDatum(&tids[i]);
                }
                Datum arg = PointerGetDatum(construct_array(
                    elems, n, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT));
                if (SPI_execute_plan(plan, &arg, nullptr, false, 0) != SPI_OK_DELETE)
                    elog(ERROR, "nightjar: could not delete from %s", table.c_str());
            });
        }
        scratch.Reset();
    }
    PgCall([&] { SPI_freeplan(plan); });
}

}  // namespace nightjar::pg
