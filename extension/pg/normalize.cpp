// normalize.cpp: the C++ side of the normalisation step (sql/42_normalize.sql).
//
//   nightjar._check_normalization(rules jsonb, fields text[]) compiles a rule list and
//     raises 22023 "nightjar: normalisation rules of <source>: rule <n> (<kind>): …".
//   nightjar._normalize_records(batch_id, source_id, rules jsonb) streams the batch's
//     valid_record rows (SPI cursor, ordered by record_no, kChunkRows at a time), applies
//     the compiled Normalizer to each, and upserts clean_record one statement per chunk.
//
// Design. A record is flattened (record_io's FlattenObject, values pointing into the
// detoasted jsonb) into the core's field list, each field tagged with its input index;
// fields the rules did not change are written back from the input JsonbValue as is, so
// only changed fields are converted (text → jsonb string / numeric_in). Duplicate record
// ids: within a chunk the later record replaces the earlier before the insert (ON
// CONFLICT cannot touch a row twice in one statement); across chunks the later statement
// overwrites. duplicate_ids counts them exactly from the sorted 64-bit hashes of every id
// of the batch (8 bytes per record; a false duplicate needs a 64-bit hash collision,
// ~3e-8 for a million ids). The upsert never lets an older batch overwrite a newer one.
// Memory per chunk lives in a scratch context reset after each flush.
#include <algorithm>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "extension/pg/batch_step.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

#include "core/errors.hpp"
#include "core/text/normalizer.hpp"

using namespace nightjar::pg;
namespace ntext = nightjar::core::text;

namespace {

constexpr long kChunkRows = 2000;

// CompileForSource compiles `rules`, prefixing any definition error with the source.
ntext::Normalizer CompileForSource(const std::string& rules, const std::vector<std::string>* fields,
                                   const std::string& source) {
    try {
        return ntext::Normalizer::Compile(rules, fields);
    } catch (const nightjar::core::InvalidArgument& e) {
        throw nightjar::core::InvalidArgument("nightjar: normalisation rules of source \"" +
                                              source + "\": " + e.what());
    }
}

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
            return NumericFromText(f.text);
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
    throw nightjar::core::DataError(
        "nightjar: a changed field holds a JSON container (normalizer bug)");
}

// UpsertSql is the chunk upsert; source_id and batch_id are integers formatted here,
// never text from a rule. A batch never overwrites a record written by a newer batch.
std::string UpsertSql(int64 source_id, int64 batch_id) {
    return "INSERT INTO nightjar.clean_record AS c (source_id, record_id, batch_id, record_no, "
           "payload) "
           "SELECT " +
           std::to_string(source_id) + ", unnest($1::text[]), " + std::to_string(batch_id) +
           ", unnest($2::bigint[]), unnest($3::jsonb[]) "
           "ON CONFLICT (source_id, record_id) DO UPDATE SET batch_id = excluded.batch_id, "
           "record_no = excluded.record_no, payload = excluded.payload, updated_at = now() "
           "WHERE c.batch_id <= excluded.batch_id";
}

// BatchNormalization runs one batch: Run streams and writes, Result reports.
class BatchNormalization {
  public:
    BatchNormalization(int64 batch_id, int64 source_id, const ntext::Normalizer& normalizer)
        : batch_id_(batch_id),
          source_id_(source_id),
          normalizer_(normalizer),
          counters_(normalizer.CounterNames().size(), 0) {}

    // Run reads the batch's valid records chunk by chunk and upserts each chunk.
    void Run() {
        BatchStep step("nightjar.normalize_batch(" + std::to_string(batch_id_) + ")", kChunkRows);
        BulkWriter& writer =
            step.Writer(UpsertSql(source_id_, batch_id_), {TEXTOID, INT8OID, JSONBOID});
        step.Run(
            "SELECT record_no, payload FROM nightjar.valid_record "
            "WHERE source_id = $1 AND batch_id = $2 ORDER BY record_no",
            {INT8OID, INT8OID}, {Int64GetDatum(source_id_), Int64GetDatum(batch_id_)},
            [&](const StepRow& row) { NormalizeRecord(row.Int64(1), row.Jsonb(2)); },
            [&] { QueueChunk(writer); });
        step.Finish();
    }

    // Result returns {"rows_in", "rows_out", "counts": {...}} as jsonb.
    Datum Result() {
        std::sort(id_hashes_.begin(), id_hashes_.end());
        int64 duplicates = 0;
        for (size_t i = 1; i < id_hashes_.size(); ++i)
            duplicates += id_hashes_[i] == id_hashes_[i - 1];
        const int64 rows_out = static_cast<int64>(id_hashes_.size()) - duplicates;
        std::string json = "{\"rows_in\": " + std::to_string(rows_in_) +
                           ", \"rows_out\": " + std::to_string(rows_out) + ", \"counts\": {";
        const auto& names = normalizer_.CounterNames();  // [a-z_] names: no escaping needed
        for (size_t i = 0; i < names.size(); ++i)
            json += "\"" + names[i] + "\": " + std::to_string(counters_[i]) + ", ";
        json += "\"duplicate_ids\": " + std::to_string(duplicates) + "}}";
        return PgCall([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
    }

  private:
    // PendingRow is one clean row of the current chunk, kept until the chunk is flushed.
    struct PendingRow {
        std::string record_id;
        int64 record_no;
        Datum payload;
    };

    // NormalizeRecord applies the rules to one record and queues its clean row (a later
    // record with the same id in the chunk replaces the earlier one).
    void NormalizeRecord(int64 record_no, Jsonb* jb) {
        ++rows_in_;
        if (!FlattenObject(jb, &pairs_)) pairs_.clear();
        record_.resize(pairs_.size());
        for (size_t i = 0; i < pairs_.size(); ++i)
            ToField(pairs_[i], static_cast<int>(i), &record_[i]);
        std::optional<std::string> id = normalizer_.Apply(record_, counters_);
        if (!id) return;
        id_hashes_.push_back(std::hash<std::string>{}(*id));
        out_pairs_.clear();
        for (const ntext::Field& f : record_)
            out_pairs_.push_back(JsonPair{f.key, ToJsonbValue(f, pairs_)});
        Datum payload = PointerGetDatum(BuildObject(out_pairs_));
        auto [it, inserted] = chunk_index_.emplace(*id, pending_.size());
        if (inserted) {
            pending_.push_back(PendingRow{std::move(*id), record_no, payload});
        } else {
            pending_[it->second].record_no = record_no;  // last wins
            pending_[it->second].payload = payload;
        }
    }

    // QueueChunk hands the chunk's rows, one per record id, to the upsert writer.
    void QueueChunk(BulkWriter& writer) {
        for (const PendingRow& p : pending_) {
            Datum id = PgCall([&] {
                return PointerGetDatum(cstring_to_text_with_len(
                    p.record_id.data(), static_cast<int>(p.record_id.size())));
            });
            Datum values[3] = {id, Int64GetDatum(p.record_no), p.payload};
            bool nulls[3] = {false, false, false};
            writer.Add(values, nulls);
        }
        pending_.clear();
        chunk_index_.clear();
    }

    const int64 batch_id_, source_id_;
    const ntext::Normalizer& normalizer_;
    std::vector<int64_t> counters_;
    std::vector<uint64_t> id_hashes_;  // every id of the batch, for duplicate_ids
    int64 rows_in_ = 0;
    std::vector<JsonPair> pairs_, out_pairs_;
    ntext::Record record_;
    std::vector<PendingRow> pending_;
    std::unordered_map<std::string, size_t> chunk_index_;  // record id → index in pending_
};

}  // namespace

// nightjar_check_normalization compiles a source's rules (definition-time checks only).
NIGHTJAR_FUNCTION(nightjar_check_normalization) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(2)) PG_RETURN_VOID();
    const std::string rules = JsonbTextArg(fcinfo, 0);
    const std::string source = TextArg(fcinfo, 2);
    if (PG_ARGISNULL(1)) {
        CompileForSource(rules, nullptr, source);
    } else {
        const std::vector<std::string> fields = TextArrayArg(fcinfo, 1, "fields");
        CompileForSource(rules, &fields, source);
    }
    PG_RETURN_VOID();
}

// nightjar_normalize_records normalises one batch into clean_record and returns the counts.
NIGHTJAR_FUNCTION(nightjar_normalize_records) {
    const int64 batch_id = PG_GETARG_INT64(0);
    const int64 source_id = PG_GETARG_INT64(1);
    const std::string source = TextArg(fcinfo, 2);
    const ntext::Normalizer normalizer = CompileForSource(JsonbTextArg(fcinfo, 3), nullptr, source);
    BatchNormalization run(batch_id, source_id, normalizer);
    run.Run();
    return run.Result();
}
