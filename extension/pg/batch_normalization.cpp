// batch_normalization.cpp: BatchNormalization (batch_normalization.hpp).
#include "extension/pg/batch_normalization.hpp"

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_set>

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
}

#include "core/errors.hpp"
#include "extension/pg/jsonb_read.hpp"

namespace nightjar::pg {

namespace ntext = core::text;

namespace {

// ToField fills `f` from one flattened jsonb pair, tagged with its index; assigning into
// the strings of a field reused from the previous record keeps their capacity (no
// allocation per field once the record's shape has been seen).
void ToField(const JsonPair& p, int index, ntext::Field* f) {
    f->key.assign(p.key.data(), p.key.size());
    f->kind = JsonbKind(p.value);
    f->origin = index;
    if (f->kind == ntext::ValueKind::kNull) {
        f->text.clear();
    } else {
        const std::string_view text = ScalarText(p.value);
        f->text.assign(text.data(), text.size());
    }
}

// ToJsonbValue converts a core field back: the input value when unchanged, else its text.
JsonbValue ToJsonbValue(const ntext::Field& f, const std::vector<JsonPair>& input) {
    if (f.origin >= 0) return input[static_cast<size_t>(f.origin)].value;
    switch (f.kind) {
        case ntext::ValueKind::kString:
            return StringValue(f.text);
        case ntext::ValueKind::kNumber:
            return DecimalNumeric(f.text);
        case ntext::ValueKind::kBool:
            return BoolValue(f.text == "true");
        case ntext::ValueKind::kNull:
        case ntext::ValueKind::kAbsent: {
            JsonbValue v;
            v.type = jbvNull;
            return v;
        }
        case ntext::ValueKind::kJson:
            break;
    }
    throw core::DataError("nightjar: a changed field holds a JSON container (normalizer bug)");
}

// UpsertTail is the upsert's conflict clause: a batch never overwrites a record written
// by a newer batch.
constexpr const char* kUpsertTail =
    " ON CONFLICT (source_id, record_id) DO UPDATE SET batch_id = excluded.batch_id, "
    "record_no = excluded.record_no, payload = excluded.payload, updated_at = now() "
    "WHERE c.batch_id <= excluded.batch_id";

// UpsertSql is the chunk upsert of (record_id, record_no, payload) rows; source_id and
// batch_id are integers formatted here, never text from a rule.
std::string UpsertSql(int64 source_id, int64 batch_id) {
    return "INSERT INTO nightjar.clean_record AS c (source_id, record_id, batch_id, record_no, "
           "payload) SELECT " +
           std::to_string(source_id) + ", unnest($1::text[]), " + std::to_string(batch_id) +
           ", unnest($2::bigint[]), unnest($3::jsonb[])" + kUpsertTail;
}

// FullRowUpsertSql is the same upsert taking the five columns the direct writer takes
// (its fallback when clean_record has triggers or policies).
std::string FullRowUpsertSql() {
    return std::string(
               "INSERT INTO nightjar.clean_record AS c (source_id, record_id, batch_id, "
               "record_no, payload) SELECT unnest($1::bigint[]), unnest($2::text[]), "
               "unnest($3::bigint[]), unnest($4::bigint[]), unnest($5::jsonb[])") +
           kUpsertTail;
}

// TextDatum copies `s` into a text Datum of CurrentMemoryContext.
Datum TextDatum(const std::string& s) {
    return PgCall([&] {
        return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
    });
}

}  // namespace

ntext::Normalizer CompileNormalizer(const std::string& rules,
                                    const std::vector<std::string>* fields,
                                    const std::string& source) {
    try {
        return ntext::Normalizer::Compile(rules, fields);
    } catch (const core::InvalidArgument& e) {
        throw core::InvalidArgument("nightjar: normalisation rules of source \"" + source +
                                    "\": " + e.what());
    }
}

void IdHashSet::Rehash(size_t slots) {
    core::rules::ZeroedArray<uint64_t> old = std::move(slots_);
    slots_ = core::rules::ZeroedArray<uint64_t>(slots);
    const size_t mask = slots_.size() - 1;
    for (uint64_t v : old) {
        if (v == 0) continue;
        size_t i = (v ^ (v >> 29)) & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = v;
    }
}

void IdHashSet::Reserve(size_t n) {
    n = std::min(n, size_t{1} << 22);
    size_t slots = 1024;
    while (slots < n * 2) slots *= 2;  // at most half full with n hashes
    if (slots > slots_.size()) Rehash(slots);
}

bool IdHashSet::Insert(uint64_t h) {
    if (h == 0) h = 1;
    if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.empty() ? 1024 : slots_.size() * 2);
    const size_t mask = slots_.size() - 1;
    for (size_t i = (h ^ (h >> 29)) & mask;; i = (i + 1) & mask) {
        if (slots_[i] == h) return false;
        if (slots_[i] == 0) {
            slots_[i] = h;
            ++size_;
            return true;
        }
    }
}

BatchNormalization::BatchNormalization(int64 batch_id, int64 source_id,
                                       const ntext::Normalizer& normalizer)
    : batch_id_(batch_id),
      source_id_(source_id),
      normalizer_(normalizer),
      counters_(normalizer.CounterNames().size(), 0) {}

void BatchNormalization::AddWriters(BatchStep& step) {
    const Oid clean = PgCall(
        [] { return get_relname_relid("clean_record", get_namespace_oid("nightjar", false)); });
    // Created first, flushed first: an id goes to one of the two per chunk, never both.
    direct_ = &step.TableWriter(clean, InvalidOid,
                                {"source_id", "record_id", "batch_id", "record_no", "payload"},
                                FullRowUpsertSql(), {INT8OID, TEXTOID, INT8OID, INT8OID, JSONBOID});
    upsert_ = &step.Writer(UpsertSql(source_id_, batch_id_), {TEXTOID, INT8OID, JSONBOID});
    // The id set sized once for the batch's staged count (valid records are at most that
    // many), not grown ~20 times with a rehash each.
    RecordCursor batch("SELECT records FROM nightjar.batch WHERE batch_id = $1", {INT8OID},
                       {Int64GetDatum(batch_id_)});
    bool isnull = true;
    const Datum records = batch.Fetch(1) == 1 ? batch.Value(0, 1, &isnull) : 0;
    if (!isnull && DatumGetInt64(records) > 0)
        seen_.Reserve(static_cast<size_t>(DatumGetInt64(records)));
    // Rows of this batch were deleted by the caller: anything left is an earlier batch's.
    RecordCursor any("SELECT 1 FROM nightjar.clean_record WHERE source_id = $1 LIMIT 1", {INT8OID},
                     {Int64GetDatum(source_id_)});
    source_had_rows_ = any.Fetch(1) == 1;
    if (source_had_rows_) {
        // COLLATE "C": the key's collation, so the probe is an index scan of the key.
        Oid probe_types[2] = {INT8OID, TEXTARRAYOID};
        probe_ = PgCall([&] {
            SPIPlanPtr plan = SPI_prepare(
                "SELECT record_id FROM nightjar.clean_record WHERE source_id = $1 "
                "AND record_id = ANY($2::text[] COLLATE \"C\")",
                2, probe_types);
            if (plan == nullptr)
                elog(ERROR, "nightjar: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
            return plan;
        });
    }
}

void BatchNormalization::AddJsonb(int64 record_no, Jsonb* jb) {
    ReadObject(jb, &pairs_);  // not an object: no pairs
    AddRecord(record_no, pairs_);
}

void BatchNormalization::AddRecord(int64 record_no, const std::vector<JsonPair>& pairs) {
    ++rows_in_;
    record_.resize(pairs.size());
    for (size_t i = 0; i < pairs.size(); ++i) ToField(pairs[i], static_cast<int>(i), &record_[i]);
    std::optional<std::string> id = normalizer_.Apply(record_, counters_);
    if (!id) return;
    ++with_id_;
    const bool first = seen_.Insert(std::hash<std::string>{}(*id));
    if (!first) ++duplicates_;
    out_pairs_.clear();
    for (const ntext::Field& f : record_)
        out_pairs_.push_back(JsonPair{f.key, ToJsonbValue(f, pairs)});
    Datum payload = PointerGetDatum(BuildObject(out_pairs_));
    auto [it, inserted] = chunk_index_.emplace(*id, pending_.size());
    if (inserted) {
        pending_.push_back(PendingRow{std::move(*id), record_no, payload, first});
    } else {
        pending_[it->second].record_no = record_no;  // last wins
        pending_[it->second].payload = payload;
    }
}

std::vector<bool> BatchNormalization::ExistingIds() {
    std::vector<bool> exists(pending_.size(), false);
    if (!source_had_rows_) return exists;
    std::vector<std::string> ids;
    for (const PendingRow& p : pending_)
        if (p.new_in_batch) ids.push_back(p.record_id);
    if (ids.empty()) return exists;
    std::unordered_set<std::string> found;
    PgCall([&] {
        Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * ids.size()));
        for (size_t i = 0; i < ids.size(); ++i)
            elems[i] = PointerGetDatum(
                cstring_to_text_with_len(ids[i].data(), static_cast<int>(ids[i].size())));
        Datum args[2] = {Int64GetDatum(source_id_),
                         PointerGetDatum(construct_array(elems, static_cast<int>(ids.size()),
                                                         TEXTOID, -1, false, TYPALIGN_INT))};
        int rc = SPI_execute_plan(probe_, args, nullptr, true, 0);
        if (rc != SPI_OK_SELECT)
            elog(ERROR, "nightjar: clean_record probe failed: %s", SPI_result_code_string(rc));
    });
    SPITupleTable* rows = SPI_tuptable;
    for (uint64 r = 0; r < SPI_processed; ++r) {
        const char* v = PgCall([&] { return SPI_getvalue(rows->vals[r], rows->tupdesc, 1); });
        if (v != nullptr) found.insert(v);
    }
    PgCall([&] { SPI_freetuptable(rows); });
    for (size_t i = 0; i < pending_.size(); ++i)
        exists[i] = pending_[i].new_in_batch && found.count(pending_[i].record_id) > 0;
    return exists;
}

void BatchNormalization::EndChunk() {
    const std::vector<bool> exists = ExistingIds();
    const Datum source = Int64GetDatum(source_id_), batch = Int64GetDatum(batch_id_);
    for (size_t i = 0; i < pending_.size(); ++i) {
        const PendingRow& p = pending_[i];
        Datum id = TextDatum(p.record_id);
        if (p.new_in_batch && !exists[i]) {
            Datum values[5] = {source, id, batch, Int64GetDatum(p.record_no), p.payload};
            bool nulls[5] = {false, false, false, false, false};
            direct_->Add(values, nulls);
        } else {
            Datum values[3] = {id, Int64GetDatum(p.record_no), p.payload};
            bool nulls[3] = {false, false, false};
            upsert_->Add(values, nulls);
        }
    }
    pending_.clear();
    chunk_index_.clear();
}

Datum BatchNormalization::Result() const {
    std::string json = "{\"rows_in\": " + std::to_string(rows_in_) +
                       ", \"rows_out\": " + std::to_string(with_id_ - duplicates_) +
                       ", \"counts\": {";
    const auto& names = normalizer_.CounterNames();  // [a-z_] names: no escaping needed
    for (size_t i = 0; i < names.size(); ++i)
        json += "\"" + names[i] + "\": " + std::to_string(counters_[i]) + ", ";
    json += "\"duplicate_ids\": " + std::to_string(duplicates_) + "}}";
    return PgCall([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
}

}  // namespace nightjar::pg
