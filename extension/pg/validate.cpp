// validate.cpp: nightjar._check_rule (definition-time compile of one rule) and
// nightjar._validate_records (the heavy part of nightjar.validate_batch).
//
// The rules arrive as JSON text (the array validate_batch builds from nightjar.validation_rule,
// with value sets and resolved functions) and are compiled by the core (CompileRuleSet,
// core/rules/rule_set.hpp) — the same route as normalisation rules. _validate_records
// streams raw_record of one batch through the BatchStep loop (batch_step.hpp), 1000 rows
// per fetch, and BatchValidation (batch_validation.hpp) does the per-record work; valid
// rows go to the source's partition of valid_record and quarantine rows to quarantine,
// both written once per chunk by COPY's multi-insert path (direct_writer.hpp; a
// statement per chunk when the table has triggers or policies).
// The SQL wrapper (sql/41_validate.sql) prepares the partition, deletes earlier results
// of the batch, loads the value sets and resolves custom functions before calling it.
#include "extension/pg/batch_validation.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"
}

#include <string>
#include <vector>

#include "core/rules/rule_set.hpp"

using namespace nightjar::pg;
namespace rules = nightjar::core::rules;

namespace {

constexpr long kChunkRows = 1000;

// ValidRecordOid returns the oid of nightjar.valid_record (the partitions' parent).
Oid ValidRecordOid() {
    return PgCall(
        [] { return get_relname_relid("valid_record", get_namespace_oid("nightjar", false)); });
}

}  // namespace

// _check_rule(rule jsonb, fields text[]) compiles one rule object or raises 22023.
NIGHTJAR_FUNCTION(nightjar_check_rule) {
    const std::string rule = JsonbTextArg(fcinfo, 0);
    const std::vector<std::string> fields = TextArrayArg(fcinfo, 1, "fields");
    rules::CompileRuleSet("[" + rule + "]", fields);
    PG_RETURN_VOID();
}

// _validate_records(batch_id, source_id, fields, rules jsonb, valid_table regclass)
// validates and writes one batch; valid_table is the source's partition of valid_record.
NIGHTJAR_FUNCTION(nightjar_validate_records) {
    const int64 batch_id = PG_GETARG_INT64(0);
    BatchValidation run(batch_id, PG_GETARG_INT64(1), TextArrayArg(fcinfo, 2, "fields"));
    run.LoadRules(JsonbTextArg(fcinfo, 3));
    const Oid partition = PG_GETARG_OID(4);
    BatchStep step("nightjar.validate_batch(" + std::to_string(batch_id) + ")", kChunkRows);
    RowWriter& valid = step.TableWriter(
        partition, ValidRecordOid(), {"source_id", "batch_id", "record_no", "payload", "warnings"},
        "INSERT INTO nightjar.valid_record (source_id, batch_id, record_no, payload, warnings) "
        "SELECT unnest($1::bigint[]), unnest($2::bigint[]), unnest($3::bigint[]), "
        "unnest($4::jsonb[]), unnest($5::jsonb[])",
        {INT8OID, INT8OID, INT8OID, JSONBOID, JSONBOID});
    run.AddQuarantineWriter(step);
    run.Run(step, run.WriteValid(valid), [] {});
    step.Finish();
    PG_RETURN_JSONB_P(run.Result());
}
