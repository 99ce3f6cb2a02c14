// direct_writer.cpp: DirectWriter (see direct_writer.hpp) — COPY FROM's insert path for a
// batch step's output rows.
#include "extension/pg/direct_writer.hpp"

#include <exception>

#include "core/errors.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/reltrigger.h"
#include "utils/rls.h"
}

namespace nightjar::pg {

namespace {

// HasInsertTriggers says whether any INSERT trigger (row, statement, transition) is defined.
bool HasInsertTriggers(Relation rel) {
    const TriggerDesc* td = rel->trigdesc;
    return td != nullptr && (td->trig_insert_before_row || td->trig_insert_after_row ||
                             td->trig_insert_instead_row || td->trig_insert_before_statement ||
                             td->trig_insert_after_statement || td->trig_insert_new_table);
}

// DirectlyWritable checks one relation's side of Usable (its lock is kept until commit).
bool DirectlyWritable(Oid relid, bool target) {
    Relation rel = table_open(relid, RowExclusiveLock);
    bool ok = !HasInsertTriggers(rel) && check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED;
    if (target)
        ok = ok && rel->rd_rel->relkind == RELKIND_RELATION &&
             !(rel->rd_att->constr != nullptr && rel->rd_att->constr->has_generated_stored);
    table_close(rel, NoLock);
    return ok;
}

}  // namespace

bool DirectWriter::Usable(Oid relid, Oid check_rel) {
    if (check_rel == InvalidOid) check_rel = relid;
    return PgCall([&] {
        // Without the table-level privilege INSERT may still succeed through column
        // privileges, or must fail with its own message: both are the SQL path's job.
        if (pg_class_aclcheck(check_rel, GetUserId(), ACL_INSERT) != ACLCHECK_OK) return false;
        if (!DirectlyWritable(relid, true)) return false;
        return check_rel == relid || DirectlyWritable(check_rel, false);
    });
}

DirectWriter::DirectWriter(Oid relid, Oid check_rel, const std::vector<std::string>& columns) {
    (void)check_rel;  // checked by Usable; kept in the signature so callers name it
    owner_ctx_ = CurrentMemoryContext;
    PgCall([&] {
        rel_ = table_open(relid, RowExclusiveLock);
        estate_ = CreateExecutorState();
        rri_ = makeNode(ResultRelInfo);
        InitResultRelInfo(rri_, rel_, 0, nullptr, 0);
        ExecOpenIndices(rri_, false);
        check_constraints_ = rel_->rd_att->constr != nullptr;
    });
    TupleDesc desc = RelationGetDescr(rel_);
    std::vector<bool> given(desc->natts, false);
    for (const std::string& name : columns) {
        int found = -1;
        for (int i = 0; i < desc->natts && found < 0; ++i) {
            Form_pg_attribute att = TupleDescAttr(desc, i);
            if (!att->attisdropped && name == NameStr(att->attname)) found = i;
        }
        if (found < 0)
            throw core::InvalidArgument("nightjar: table \"" +
                                        std::string(RelationGetRelationName(rel_)) +
                                        "\" has no column \"" + name + "\"");
        given_.push_back(found);
        given[found] = true;
    }
    PgCall([&] {
        MemoryContext old = MemoryContextSwitchTo(estate_->es_query_cxt);
        for (int i = 0; i < desc->natts; ++i) {
            if (given[i] || TupleDescAttr(desc, i)->attisdropped) continue;
            Node* expr = build_column_default(rel_, i + 1);
            if (expr == nullptr) continue;  // NULL, as INSERT would store
            defaults_.emplace_back(i, ExecInitExpr(expression_planner((Expr*)expr), nullptr));
        }
        MemoryContextSwitchTo(old);
    });
}

DirectWriter::~DirectWriter() {
    // On an error the transaction's abort releases everything (and may not yet have
    // released the locks the error left held): nothing to do while unwinding.
    if (rel_ == nullptr || std::uncaught_exceptions() > 0) return;
    try {
        PgCall([&] {
            for (TupleTableSlot* slot : slots_) ExecDropSingleTupleTableSlot(slot);
            ExecCloseIndices(rri_);
            FreeExecutorState(estate_);
            table_close(rel_, NoLock);
        });
    } catch (...) {
        // Only a broken transaction fails here, and its abort cleans up.
    }
}

TupleTableSlot* DirectWriter::NextSlot() {
    if (used_ == slots_.size()) {
        TupleTableSlot* slot = PgCall([&] {
            MemoryContext old = MemoryContextSwitchTo(owner_ctx_);
            TupleTableSlot* s = table_slot_create(rel_, nullptr);
            MemoryContextSwitchTo(old);
            return s;
        });
        slots_.push_back(slot);
    }
    return slots_[used_];
}

void DirectWriter::Add(const Datum* values, const bool* nulls) {
    TupleTableSlot* slot = NextSlot();
    PgCall([&] {
        ExecClearTuple(slot);
        const int natts = slot->tts_tupleDescriptor->natts;
        for (int i = 0; i < natts; ++i) {
            slot->tts_values[i] = 0;
            slot->tts_isnull[i] = true;
        }
        for (size_t c = 0; c < given_.size(); ++c) {
            slot->tts_values[given_[c]] = values[c];
            slot->tts_isnull[given_[c]] = nulls[c];
        }
        ExprContext* econtext = GetPerTupleExprContext(estate_);
        for (const auto& [att, state] : defaults_)
            slot->tts_values[att] = ExecEvalExpr(state, econtext, &slot->tts_isnull[att]);
        ExecStoreVirtualTuple(slot);
        // Checked on the virtual values, before they become a heap tuple: materialising
        // makes the slot forget them (a heap slot deforms its tuple again when asked),
        // and NOT NULL checks would then deform every row (~1% of validate_batch).
        if (check_constraints_) ExecConstraints(rri_, slot, estate_);
        // The heap tuple is formed now, in the slot's memory: the caller's Datums and the
        // defaults' per-tuple memory need not outlive this call.
        ExecMaterializeSlot(slot);
        ResetPerTupleExprContext(estate_);
    });
    ++used_;
}

uint64 DirectWriter::Flush() {
    if (used_ == 0) return 0;
    PgCall([&] {
        // No BulkInsertState: its 16 MB ring makes this backend write out every page it
        // fills (COPY's choice, to spare the cache); like INSERT, the pages stay in shared
        // buffers for the checkpointer. Measured: ~4% of validate_batch.
        table_multi_insert(rel_, slots_.data(), static_cast<int>(used_), GetCurrentCommandId(true),
                           0, nullptr);
        if (rri_->ri_NumIndices > 0) {
            for (size_t i = 0; i < used_; ++i) {
                List* recheck =
                    ExecInsertIndexTuples(rri_, slots_[i], estate_, false, false, nullptr, NIL);
                list_free(recheck);
                ResetPerTupleExprContext(estate_);
            }
        }
        for (size_t i = 0; i < used_; ++i) ExecClearTuple(slots_[i]);
    });
    const uint64 written = used_;
    used_ = 0;
    return written;
}

}  // namespace nightjar::pg
