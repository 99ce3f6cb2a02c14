// validate.cpp: nightjar._check_rule (definition-time compile of one rule) and
// nightjar._validate_records (the heavy part of nightjar.validate_batch).
//
// _validate_records streams raw_record of one batch through an SPI cursor, 1000 rows
// per fetch; every record's top-level object is flattened by JsonbIterator into one
// FieldValue per declared field; the core Validator evaluates the rules; valid rows (with
// typed values rebuilt by pushJsonbValue, or the raw jsonb as is when nothing was
// converted) and quarantine rows are inserted in bulk once per fetched chunk, after which
// the chunk's memory context is reset: memory is bounded by one chunk plus the rule
// state (unique_in_batch's hash set and the value sets of reference/unique_existing).
// The SQL wrapper (sql/41_validate.sql) prepares the partition, deletes earlier results
// of the batch, loads the value sets and resolves custom functions before calling it.
#include "extension/pg/record_io.hpp"
#include "extension/pg/validate_params.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
}

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/errors.hpp"
#include "core/rules/compiled_rule.hpp"
#include "core/rules/validator.hpp"

using namespace nightjar::pg;
namespace rules = nightjar::core::rules;

namespace {

constexpr long kChunkRows = 1000;
constexpr size_t kMaxQuarantineValue = 1000;  // bytes of a value kept in quarantine.value

// RuleMeta is what the glue keeps beside a compiled rule: its id, custom function, texts.
struct RuleMeta {
    int64 rule_id = 0;
    Oid fn_oid = InvalidOid;
    FmgrInfo flinfo;
    Datum name_text = 0, field_text = 0;
};

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

// ContainerJsonb turns a jbvBinary value back into a standalone Jsonb.
Jsonb* ContainerJsonb(const JsonbValue& v) {
    return PgCall([&] { return JsonbValueToJsonb(const_cast<JsonbValue*>(&v)); });
}

// ToFieldValue converts a jsonb value into the core's view of it.
rules::FieldValue ToFieldValue(const JsonbValue& v) {
    rules::FieldValue f;
    switch (v.type) {
        case jbvNull:
            f.kind = rules::FieldValue::Kind::kNull;
            break;
        case jbvString:
            f.kind = rules::FieldValue::Kind::kString;
            break;
        case jbvNumeric:
            f.kind = rules::FieldValue::Kind::kNumber;
            break;
        case jbvBool:
            f.kind = rules::FieldValue::Kind::kBool;
            f.boolean = v.val.boolean;
            break;
        default:
            f.kind = rules::FieldValue::Kind::kJson;
            break;
    }
    if (f.kind != rules::FieldValue::Kind::kNull) f.text = ScalarText(v);
    return f;
}

// TypedJsonb makes the jsonb value of a converted field.
JsonbValue TypedJsonb(const rules::TypedValue& t) {
    switch (t.kind) {
        case rules::TypedValue::Kind::kInteger:
            return Int64Value(t.integer);
        case rules::TypedValue::Kind::kDecimal:
            return NumericFromText(t.text);
        case rules::TypedValue::Kind::kBoolean:
            return BoolValue(t.boolean);
        default:
            return StringValue(t.text);
    }
}

// StringSet reads a jsonb array of scalars as a set of their texts.
std::unordered_set<std::string> StringSet(const JsonbValue& v) {
    std::unordered_set<std::string> out;
    if (v.type != jbvBinary) return out;
    std::vector<JsonbValue> elems;
    PgCall([&] {
        JsonbIterator* it = JsonbIteratorInit(v.val.binary.data);
        JsonbValue e;
        JsonbIteratorToken tok;
        while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
            if (tok == WJB_ELEM && e.type != jbvNull) elems.push_back(e);
    });
    for (const JsonbValue& e : elems) out.emplace(ScalarText(e));
    return out;
}

}  // namespace

// _check_rule(name, kind, field, params, severity, fields) compiles one rule or raises 22023.
NIGHTJAR_FUNCTION(nightjar_check_rule) {
    rules::RuleSpec spec;
    auto text_arg = [&](int i) {
        text* t = PG_GETARG_TEXT_PP(i);
        return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    };
    spec.name = text_arg(0);
    spec.kind = text_arg(1);
    spec.field = text_arg(2);
    spec.params = ParamsFromJsonb(PG_GETARG_JSONB_P(3));
    spec.severity = text_arg(4);
    std::vector<std::string> fields = TextArray(PG_GETARG_DATUM(5), "fields");
    rules::CompileRule(spec, fields);
    PG_RETURN_VOID();
}

// _validate_records(batch_id, source_id, fields, rules jsonb[]) validates and writes one batch.
NIGHTJAR_FUNCTION(nightjar_validate_records) {
    const int64 batch_id = PG_GETARG_INT64(0);
    const int64 source_id = PG_GETARG_INT64(1);
    const std::vector<std::string> fields = TextArray(PG_GETARG_DATUM(2), "fields");
    Datum* rule_datums = nullptr;
    bool* rule_nulls = nullptr;
    int nrules = 0;
    PgCall([&] {
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(3), JSONBOID, -1, false, TYPALIGN_INT, &rule_datums,
                          &rule_nulls, &nrules);
    });

    // Compile the rules and gather what the glue needs beside them.
    std::vector<rules::CompiledRule> compiled;
    std::vector<RuleMeta> meta(static_cast<size_t>(nrules));
    std::vector<std::pair<size_t, std::unordered_set<std::string>>> sets;
    for (int i = 0; i < nrules; ++i) {
        Jsonb* rj =
            reinterpret_cast<Jsonb*>(PgCall([&] { return PG_DETOAST_DATUM(rule_datums[i]); }));
        std::vector<JsonPair> pairs;
        FlattenObject(rj, &pairs);
        rules::RuleSpec spec;
        RuleMeta& m = meta[static_cast<size_t>(i)];
        for (const JsonPair& p : pairs) {
            if (p.key == "name")
                spec.name = ScalarText(p.value);
            else if (p.key == "kind")
                spec.kind = ScalarText(p.value);
            else if (p.key == "field")
                spec.field = ScalarText(p.value);
            else if (p.key == "severity")
                spec.severity = ScalarText(p.value);
            else if (p.key == "params")
                spec.params = ParamsFromJsonb(ContainerJsonb(p.value));
            else if (p.key == "rule_id")
                m.rule_id = std::stoll(std::string(ScalarText(p.value)));
            else if (p.key == "fn_oid")
                m.fn_oid = static_cast<Oid>(std::stoul(std::string(ScalarText(p.value))));
            else if (p.key == "values")
                sets.emplace_back(static_cast<size_t>(i), StringSet(p.value));
        }
        compiled.push_back(rules::CompileRule(spec, fields));
        m.name_text = TextDatum(spec.name);
        m.field_text = TextDatum(spec.field);
        if (compiled.back().kind == rules::RuleKind::kCustomSql)
            PgCall([&] { fmgr_info(m.fn_oid, &m.flinfo); });
    }
    rules::Validator validator(std::move(compiled), fields.size());
    for (auto& [index, values] : sets) validator.SetValueSet(index, std::move(values));
    const auto& rule_list = validator.Rules();
    std::unordered_map<std::string_view, size_t> field_index;
    for (size_t i = 0; i < fields.size(); ++i) field_index.emplace(fields[i], i);

    std::vector<int64> counts(rule_list.size(), 0);
    int64 rows_in = 0, rows_out = 0, rejected = 0, warned = 0;
    SpiSession spi;
    {
        MemoryContext chunk_ctx = PgCall([&] {
            return AllocSetContextCreate(spi.OuterContext(), "nightjar validate chunk",
                                         ALLOCSET_DEFAULT_SIZES);
        });
        Datum args[1] = {Int64GetDatum(batch_id)};
        RecordCursor cursor(
            "SELECT record_no, payload FROM nightjar.raw_record WHERE batch_id = $1 ORDER BY "
            "record_no",
            {INT8OID}, {args[0]});
        BulkWriter valid_writer(
            "INSERT INTO nightjar.valid_record (source_id, batch_id, record_no, payload, warnings) "
            "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::jsonb[], "
            "$5::jsonb[])",
            {INT8OID, INT8OID, INT8OID, JSONBOID, JSONBOID});
        BulkWriter quarantine_writer(
            "INSERT INTO nightjar.quarantine (source_id, batch_id, record_no, rule_id, rule, "
            "field, value, message) "
            "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], "
            "$5::text[], $6::text[], "
            "$7::text[], $8::text[])",
            {INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
        const Datum record_rule = TextDatum("record"), empty_field = TextDatum("");

        std::vector<JsonPair> pairs, out_pairs;
        std::vector<rules::FieldValue> values(fields.size());
        std::vector<std::optional<bool>> custom(rule_list.size());
        std::vector<std::vector<JsonPair>> warning_objects;
        rules::RecordResult result;
        for (;;) {
            PgCall([&] { CHECK_FOR_INTERRUPTS(); });
            uint64 n = cursor.Fetch(kChunkRows);
            if (n == 0) break;
            MemoryContext saved = MemoryContextSwitchTo(chunk_ctx);
            for (uint64 row = 0; row < n; ++row) {
                bool isnull = false;
                const int64 record_no = DatumGetInt64(cursor.Value(row, 1, &isnull));
                Datum raw = cursor.Value(row, 2, &isnull);
                Jsonb* jb = reinterpret_cast<Jsonb*>(PgCall([&] { return PG_DETOAST_DATUM(raw); }));
                ++rows_in;
                if (!FlattenObject(jb, &pairs)) {  // not an object: one quarantine row, no rule
                    Datum q[8] = {Int64GetDatum(source_id),
                                  Int64GetDatum(batch_id),
                                  Int64GetDatum(record_no),
                                  0,
                                  record_rule,
                                  empty_field,
                                  0,
                                  TextDatum("is not a JSON object")};
                    bool qn[8] = {false, false, false, true, false, false, true, false};
                    quarantine_writer.Add(q, qn);
                    ++rejected;
                    continue;
                }
                for (auto& v : values) v = rules::FieldValue{};
                for (const JsonPair& p : pairs) {
                    auto it = field_index.find(p.key);
                    if (it != field_index.end()) values[it->second] = ToFieldValue(p.value);
                }
                for (size_t r = 0; r < rule_list.size(); ++r) {
                    if (rule_list[r].kind != rules::RuleKind::kCustomSql) continue;
                    RuleMeta& m = meta[r];
                    custom[r] = PgCall([&] {
                        LOCAL_FCINFO(fc, 1);
                        InitFunctionCallInfoData(*fc, &m.flinfo, 1, InvalidOid, nullptr, nullptr);
                        fc->args[0].value = PointerGetDatum(jb);
                        fc->args[0].isnull = false;
                        Datum d = FunctionCallInvoke(fc);
                        return fc->isnull ? std::optional<bool>()
                                          : std::optional<bool>(DatumGetBool(d));
                    });
                }
                validator.Validate(values, custom, &result);
                for (const auto& f : result.failures) ++counts[f.rule_index];
                if (result.rejected) {
                    ++rejected;
                    for (const auto& f : result.failures) {
                        const rules::CompiledRule& rule = rule_list[f.rule_index];
                        if (!rule.is_error) continue;
                        const rules::FieldValue& v = values[rule.field_index];
                        bool no_value = v.kind == rules::FieldValue::Kind::kAbsent ||
                                        v.kind == rules::FieldValue::Kind::kNull;
                        Datum q[8] = {
                            Int64GetDatum(source_id),
                            Int64GetDatum(batch_id),
                            Int64GetDatum(record_no),
                            Int64GetDatum(meta[f.rule_index].rule_id),
                            meta[f.rule_index].name_text,
                            meta[f.rule_index].field_text,
                            no_value ? Datum(0)
                                     : TextDatum(Truncated(v.kind == rules::FieldValue::Kind::kBool
                                                               ? (v.boolean ? "true" : "false")
                                                               : v.text)),
                            TextDatum(f.message)};
                        bool qn[8] = {false, false, false,    meta[f.rule_index].rule_id == 0,
                                      false, false, no_value, false};
                        quarantine_writer.Add(q, qn);
                    }
                    continue;
                }
                ++rows_out;
                Datum payload = PointerGetDatum(jb);
                bool converted = false;
                for (const auto& t : result.typed)
                    converted |= t.kind != rules::TypedValue::Kind::kNone;
                if (converted) {
                    out_pairs = pairs;
                    for (JsonPair& p : out_pairs) {
                        auto it = field_index.find(p.key);
                        if (it == field_index.end()) continue;
                        const rules::TypedValue& t = result.typed[it->second];
                        if (t.kind != rules::TypedValue::Kind::kNone) p.value = TypedJsonb(t);
                    }
                    payload = PointerGetDatum(BuildObject(out_pairs));
                }
                Datum warnings = 0;
                if (!result.failures.empty()) {
                    ++warned;
                    warning_objects.clear();
                    for (const auto& f : result.failures) {
                        const rules::CompiledRule& rule = rule_list[f.rule_index];
                        warning_objects.push_back({JsonPair{"field", StringValue(rule.field)},
                                                   JsonPair{"message", StringValue(f.message)},
                                                   JsonPair{"rule", StringValue(rule.name)}});
                    }
                    warnings = PointerGetDatum(BuildArrayOfObjects(warning_objects));
                }
                Datum v[5] = {Int64GetDatum(source_id), Int64GetDatum(batch_id),
                              Int64GetDatum(record_no), payload, warnings};
                bool vn[5] = {false, false, false, false, warnings == 0};
                valid_writer.Add(v, vn);
            }
            valid_writer.Flush();
            quarantine_writer.Flush();
            MemoryContextSwitchTo(saved);
            PgCall([&] { MemoryContextReset(chunk_ctx); });
        }
    }  // the cursor and the writers are released before SPI is
    spi.Finish();

    // The result is built with pushJsonbValue, so no rule name is ever spliced into JSON text.
    std::vector<JsonPair> count_pairs;
    for (size_t r = 0; r < rule_list.size(); ++r)
        count_pairs.push_back({rule_list[r].name, Int64Value(counts[r])});
    Jsonb* counts_jsonb = BuildObject(count_pairs);
    JsonbValue counts_value;
    counts_value.type = jbvBinary;
    counts_value.val.binary.data = &counts_jsonb->root;
    counts_value.val.binary.len = static_cast<int>(VARSIZE(counts_jsonb) - VARHDRSZ);
    PG_RETURN_JSONB_P(BuildObject({{"rows_in", Int64Value(rows_in)},
                                   {"rows_out", Int64Value(rows_out)},
                                   {"rejected", Int64Value(rejected)},
                                   {"warnings", Int64Value(warned)},
                                   {"counts", counts_value}}));
}
