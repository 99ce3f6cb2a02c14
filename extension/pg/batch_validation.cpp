// batch_validation.cpp: BatchValidation (batch_validation.hpp), the per-batch work of the
// validation step.
//
// Every record's top-level object is read straight from its JEntry array (ReadObject,
// jsonb_read.hpp) into one FieldValue per declared field; the core Validator evaluates the rules; a
// rejected record gets one quarantine row per failed error rule, a valid one goes to the caller's
// sink with its typed pairs (the staged pairs, converted values rebuilt as jsonb values; the staged
// jsonb as is when nothing was converted). Everything a record allocates lives in the
// step's scratch context, reset after each chunk: memory is bounded by one chunk plus the
// rule state (unique_in_batch's hash set and the value sets of reference rules).
// unique_existing never loads a source's history: with such rules a chunk is read first,
// the values each rule will compare are collected (Validator::ComparedText) and looked up
// in one prepared statement per rule and chunk — an index probe of the source's
// partition built by validate_batch (its "probe") — and the chunk is then validated
// against the values found.
#include "extension/pg/batch_validation.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
}

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/errors.hpp"
#include "core/rules/compiled_rule.hpp"

namespace nightjar::pg {

namespace rules = core::rules;

namespace {

constexpr size_t kMaxQuarantineValue = 1000;  // bytes of a value kept in quarantine.value

// TextDatum copies `s` into a text Datum of CurrentMemoryContext.
Datum TextDatum(std::string_view s) {
    return PgCall([&] {
        return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
    });
}

// Truncated cuts `s` to at most kMaxQuarantineValue bytes on a UTF-8 boundary.
std::string_view Truncated(std::string_view s) {
    if (s.size() <= kMaxQuarantineValue) return s;
    size_t n = kMaxQuarantineValue;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

// ToFieldValue converts a jsonb value into the core's view of it.
rules::FieldValue ToFieldValue(const JsonbValue& v) {
    rules::FieldValue f;
    f.kind = JsonbKind(v);
    if (f.kind == rules::FieldValue::Kind::kBool) f.boolean = v.val.boolean;
    if (f.kind != rules::FieldValue::Kind::kNull) f.text = ScalarText(v);
    return f;
}

// TextArray makes a text[] Datum of `values` in CurrentMemoryContext.
Datum TextArray(const std::vector<std::string>& values) {
    return PgCall([&] {
        Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (values.size() + 1)));
        for (size_t i = 0; i < values.size(); ++i)
            elems[i] = PointerGetDatum(
                cstring_to_text_with_len(values[i].data(), static_cast<int>(values[i].size())));
        return PointerGetDatum(
            construct_array(elems, static_cast<int>(values.size()), TEXTOID, -1, false, 'i'));
    });
}

// TypedJsonb makes the jsonb value of a converted field.
JsonbValue TypedJsonb(const rules::TypedValue& t) {
    switch (t.kind) {
        case rules::TypedValue::Kind::kInteger:
            return Int64Value(t.integer);
        case rules::TypedValue::Kind::kDecimal:
            return DecimalNumeric(t.text);
        case rules::TypedValue::Kind::kBoolean:
            return BoolValue(t.boolean);
        default:
            return StringValue(t.text);
    }
}

// QuarantineOid returns the oid of nightjar.quarantine.
Oid QuarantineOid() {
    return PgCall(
        [] { return get_relname_relid("quarantine", get_namespace_oid("nightjar", false)); });
}

}  // namespace

BatchValidation::BatchValidation(int64 batch_id, int64 source_id, std::vector<std::string> fields)
    : batch_id_(batch_id),
      source_id_(source_id),
      fields_(std::move(fields)),
      field_lookup_(fields_) {}

void BatchValidation::LoadRules(const std::string& rules_json) {
    rules::RuleSet set = rules::CompileRuleSet(rules_json, fields_);
    meta_.resize(set.rules.size());
    for (size_t i = 0; i < meta_.size(); ++i) {
        RuleMeta& m = meta_[i];
        m.rule_id = set.rule_ids[i];
        m.fn_oid = static_cast<Oid>(set.function_oids[i]);
        m.name_text = TextDatum(set.rules[i].name);
        m.field_text = TextDatum(set.rules[i].field);
        if (set.rules[i].kind == rules::RuleKind::kCustomSql)
            PgCall([&] { fmgr_info(m.fn_oid, &m.flinfo); });
    }
    for (size_t i = 0; i < set.rules.size(); ++i)
        if (set.rules[i].kind == rules::RuleKind::kUniqueExisting)
            probes_.push_back(ExistingProbe{i, set.probes[i]});
    validator_.emplace(std::move(set.rules), fields_.size());
    for (auto& [index, values] : set.value_sets) validator_->SetValueSet(index, std::move(values));
    counts_.assign(meta_.size(), 0);
    custom_.resize(meta_.size());
}

int64 BatchValidation::BatchRecords() const {
    RecordCursor batch("SELECT records FROM nightjar.batch WHERE batch_id = $1", {INT8OID},
                       {Int64GetDatum(batch_id_)});
    bool isnull = true;
    Datum records = batch.Fetch(1) == 1 ? batch.Value(0, 1, &isnull) : 0;
    return isnull ? 0 : DatumGetInt64(records);
}

void BatchValidation::AddQuarantineWriter(BatchStep& step) {
    // The quarantine's identity and created_at are its defaults, on either route.
    quarantine_ = &step.TableWriter(
        QuarantineOid(), InvalidOid,
        {"source_id", "batch_id", "record_no", "rule_id", "rule", "field", "value", "message"},
        "INSERT INTO nightjar.quarantine (source_id, batch_id, record_no, rule_id, rule, "
        "field, value, message) SELECT unnest($1::bigint[]), unnest($2::bigint[]), "
        "unnest($3::bigint[]), unnest($4::bigint[]), unnest($5::text[]), unnest($6::text[]), "
        "unnest($7::text[]), unnest($8::text[])",
        {INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
}

void BatchValidation::Run(BatchStep& step, const ValidSink& sink,
                          const std::function<void()>& on_chunk_end) {
    const int64 total = BatchRecords();
    step.SetTotal(total);
    // unique_in_batch's sets sized once for the staged count, not grown ~20 times.
    if (total > 0) validator_->ReserveBatch(static_cast<size_t>(total));
    const char* query =
        "SELECT record_no, payload FROM nightjar.raw_record WHERE batch_id = $1 "
        "ORDER BY record_no";
    // Records are queued per chunk and validated at its end, one record ahead (ProcessQueued).
    if (!probes_.empty()) PrepareProbes();
    step.Run(
        query, {INT8OID}, {Int64GetDatum(batch_id_)},
        [&](const StepRow& row) { queued_.emplace_back(row.Int64(1), row.Jsonb(2)); },
        [&] {
            if (!probes_.empty()) ProbeChunk();
            ProcessQueued(sink);
            on_chunk_end();
        });
}

void BatchValidation::ProcessQueued(const ValidSink& sink) {
    // The next record is flattened before the current one is validated, and the slots its
    // unique_in_batch values will probe are prefetched: that probe is a cache miss in a
    // table of 2 MB or more (~6% of validate_batch at 200k records), now overlapped with
    // the current record's work.
    bool next_object = !queued_.empty() && FillValues(queued_[0].second, &next_);
    for (size_t i = 0; i < queued_.size(); ++i) {
        std::swap(current_, next_);
        const bool object = next_object;
        if (i + 1 < queued_.size()) {
            next_object = FillValues(queued_[i + 1].second, &next_);
            if (next_object) validator_->Prefetch(next_.values);
        }
        ProcessRecord(queued_[i].first, queued_[i].second, object, sink);
    }
    queued_.clear();
}

void BatchValidation::PrepareProbes() {
    for (ExistingProbe& p : probes_) {
        if (p.sql.empty())
            throw nightjar::core::InvalidArgument("nightjar: unique_existing rule \"" +
                                                  validator_->Rules()[p.rule].name +
                                                  "\" came without its probe");
        Oid types[2] = {TEXTARRAYOID, INT8OID};
        p.plan = PgCall([&] {
            SPIPlanPtr plan = SPI_prepare(p.sql.c_str(), 2, types);
            if (plan == nullptr)
                elog(ERROR, "nightjar: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
            return plan;
        });
    }
}

void BatchValidation::ProbeChunk() {
    std::vector<std::vector<std::string>> wanted(probes_.size());
    for (const auto& [record_no, jb] : queued_) {
        if (!FillValues(jb, &current_)) continue;
        for (size_t i = 0; i < probes_.size(); ++i)
            if (auto text = validator_->ComparedText(probes_[i].rule, current_.values))
                wanted[i].push_back(std::move(*text));
    }
    for (size_t i = 0; i < probes_.size(); ++i) {
        std::vector<std::string>& w = wanted[i];
        std::sort(w.begin(), w.end());
        w.erase(std::unique(w.begin(), w.end()), w.end());
        rules::StringSet found;
        if (!w.empty()) {
            Datum args[2] = {TextArray(w), Int64GetDatum(batch_id_)};
            PgCall([&] {
                int rc = SPI_execute_plan(probes_[i].plan, args, nullptr, true, 0);
                if (rc != SPI_OK_SELECT)
                    elog(ERROR, "nightjar: unique_existing probe failed: %s",
                         SPI_result_code_string(rc));
            });
            SPITupleTable* rows = SPI_tuptable;
            const uint64 n = SPI_processed;
            for (uint64 r = 0; r < n; ++r) {
                const char* v =
                    PgCall([&] { return SPI_getvalue(rows->vals[r], rows->tupdesc, 1); });
                if (v != nullptr) found.Insert(v);
            }
            PgCall([&] { SPI_freetuptable(rows); });
        }
        validator_->SetValueSet(probes_[i].rule, std::move(found));
    }
}

bool BatchValidation::FillValues(Jsonb* jb, RecordFields* out) {
    if (!ReadObject(jb, &out->pairs)) {
        out->pair_field.clear();
        return false;
    }
    field_lookup_.Map(out->pairs, &out->pair_field);
    out->values.assign(fields_.size(), rules::FieldValue{});
    for (size_t i = 0; i < out->pairs.size(); ++i)
        if (out->pair_field[i] >= 0)
            out->values[static_cast<size_t>(out->pair_field[i])] =
                ToFieldValue(out->pairs[i].value);
    return true;
}

void BatchValidation::ProcessRecord(int64 record_no, Jsonb* jb, bool object,
                                    const ValidSink& sink) {
    ++rows_in_;
    if (!object) {  // not an object: one quarantine row, no rule
        ++rejected_;
        QuarantineRow(record_no, 0, TextDatum("record"), TextDatum(""), 0,
                      TextDatum("is not a JSON object"));
        return;
    }
    CallCustom(jb);
    validator_->Validate(current_.values, custom_, &result_);
    for (const auto& f : result_.failures) ++counts_[f.rule_index];
    if (result_.rejected) {
        ++rejected_;
        QueueRejected(record_no);
        return;
    }
    ++rows_out_;
    if (!result_.failures.empty()) ++warned_;  // a valid record's failures are all warnings
    sink(record_no, jb, TypedPairs());
}

void BatchValidation::CallCustom(Jsonb* jb) {
    const auto& rule_list = validator_->Rules();
    for (size_t r = 0; r < rule_list.size(); ++r) {
        if (rule_list[r].kind != rules::RuleKind::kCustomSql) continue;
        FmgrInfo* flinfo = &meta_[r].flinfo;
        custom_[r] = PgCall([&] {
            LOCAL_FCINFO(fc, 1);
            InitFunctionCallInfoData(*fc, flinfo, 1, InvalidOid, nullptr, nullptr);
            fc->args[0].value = PointerGetDatum(jb);
            fc->args[0].isnull = false;
            Datum d = FunctionCallInvoke(fc);
            return fc->isnull ? std::optional<bool>() : std::optional<bool>(DatumGetBool(d));
        });
    }
}

void BatchValidation::QuarantineRow(int64 record_no, int64 rule_id, Datum rule, Datum field,
                                    Datum value, Datum message) {
    Datum q[8] = {Int64GetDatum(source_id_),
                  Int64GetDatum(batch_id_),
                  Int64GetDatum(record_no),
                  Int64GetDatum(rule_id),
                  rule,
                  field,
                  value,
                  message};
    bool qn[8] = {false, false, false, rule_id == 0, false, false, value == 0, false};
    quarantine_->Add(q, qn);
}

void BatchValidation::QueueRejected(int64 record_no) {
    for (const auto& f : result_.failures) {
        const rules::CompiledRule& rule = validator_->Rules()[f.rule_index];
        if (!rule.is_error) continue;  // warnings of a rejected record are only counted
        const rules::FieldValue& v = current_.values[rule.field_index];
        Datum value = 0;  // NULL when the value is missing or null
        if (v.kind == rules::FieldValue::Kind::kBool)
            value = TextDatum(v.boolean ? "true" : "false");
        else if (v.kind != rules::FieldValue::Kind::kAbsent &&
                 v.kind != rules::FieldValue::Kind::kNull)
            value = TextDatum(Truncated(v.text));
        const RuleMeta& m = meta_[f.rule_index];
        QuarantineRow(record_no, m.rule_id, m.name_text, m.field_text, value, TextDatum(f.message));
    }
}

const std::vector<JsonPair>& BatchValidation::TypedPairs() {
    bool converted = false;
    for (const auto& t : result_.typed) converted |= t.kind != rules::TypedValue::Kind::kNone;
    if (!converted) return current_.pairs;
    out_pairs_ = current_.pairs;
    for (size_t i = 0; i < out_pairs_.size(); ++i) {
        const int field = current_.pair_field[i];
        if (field < 0) continue;
        const rules::TypedValue& t = result_.typed[static_cast<size_t>(field)];
        if (t.kind != rules::TypedValue::Kind::kNone) out_pairs_[i].value = TypedJsonb(t);
    }
    return out_pairs_;
}

BatchValidation::ValidSink BatchValidation::WriteValid(RowWriter& valid) {
    return [this, &valid](int64 record_no, Jsonb* jb, const std::vector<JsonPair>& typed) {
        // Nothing converted: the staged jsonb as is.
        Datum payload = PointerGetDatum(&typed == &current_.pairs ? jb : BuildObject(typed));
        Datum warnings = 0;
        if (!result_.failures.empty()) {
            warning_objects_.clear();
            for (const auto& f : result_.failures) {
                const rules::CompiledRule& rule = validator_->Rules()[f.rule_index];
                warning_objects_.push_back({JsonPair{"field", StringValue(rule.field)},
                                            JsonPair{"message", StringValue(f.message)},
                                            JsonPair{"rule", StringValue(rule.name)}});
            }
            warnings = PointerGetDatum(BuildArrayOfObjects(warning_objects_));
        }
        Datum v[5] = {Int64GetDatum(source_id_), Int64GetDatum(batch_id_), Int64GetDatum(record_no),
                      payload, warnings};
        bool vn[5] = {false, false, false, false, warnings == 0};
        valid.Add(v, vn);
    };
}

Jsonb* BatchValidation::Result() const {
    // Built with pushJsonbValue, so no rule name is ever spliced into JSON text.
    std::vector<JsonPair> count_pairs;
    const auto& rule_list = validator_->Rules();
    for (size_t r = 0; r < rule_list.size(); ++r)
        count_pairs.push_back({rule_list[r].name, Int64Value(counts_[r])});
    Jsonb* counts = BuildObject(count_pairs);
    JsonbValue counts_value;
    counts_value.type = jbvBinary;
    counts_value.val.binary.data = &counts->root;
    counts_value.val.binary.len = static_cast<int>(VARSIZE(counts) - VARHDRSZ);
    return BuildObject({{"rows_in", Int64Value(rows_in_)},
                        {"rows_out", Int64Value(rows_out_)},
                        {"rejected", Int64Value(rejected_)},
                        {"warnings", Int64Value(warned_)},
                        {"counts", counts_value}});
}

}  // namespace nightjar::pg
