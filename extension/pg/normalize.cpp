// normalize.cpp: the C++ side of the normalisation step (sql/42_normalize.sql).
//
//   nightjar._check_normalization(rules jsonb, fields text[]) compiles a rule list and
//     raises 22023 "nightjar: normalisation rules of <source>: rule <n> (<kind>): …".
//   nightjar._normalize_records(batch_id, source_id, rules jsonb) streams the batch's
//     valid_record rows (SPI cursor, ordered by record_no, kChunkRows at a time) through
//     BatchNormalization (batch_normalization.hpp: the compiled Normalizer per record, one
//     clean row per id per chunk, written once per chunk into clean_record).
// Memory per chunk lives in a scratch context reset after each flush.
#include <string>
#include <vector>

#include "extension/pg/batch_normalization.hpp"

extern "C" {
#include "catalog/pg_type.h"
}

using namespace nightjar::pg;
namespace ntext = nightjar::core::text;

namespace {

constexpr long kChunkRows = 2000;
}  // namespace

// nightjar_check_normalization compiles a source's rules (definition-time checks only).
NIGHTJAR_FUNCTION(nightjar_check_normalization) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(2)) PG_RETURN_VOID();
    const std::string rules = JsonbTextArg(fcinfo, 0);
    const std::string source = TextArg(fcinfo, 2);
    if (PG_ARGISNULL(1)) {
        CompileNormalizer(rules, nullptr, source);
    } else {
        const std::vector<std::string> fields = TextArrayArg(fcinfo, 1, "fields");
        CompileNormalizer(rules, &fields, source);
    }
    PG_RETURN_VOID();
}

// nightjar_normalize_records normalises one batch into clean_record and returns the counts.
NIGHTJAR_FUNCTION(nightjar_normalize_records) {
    const int64 batch_id = PG_GETARG_INT64(0);
    const int64 source_id = PG_GETARG_INT64(1);
    const std::string source = TextArg(fcinfo, 2);
    const ntext::Normalizer normalizer =
        CompileNormalizer(JsonbTextArg(fcinfo, 3), nullptr, source);
    BatchNormalization run(batch_id, source_id, normalizer);
    BatchStep step("nightjar.normalize_batch(" + std::to_string(batch_id) + ")", kChunkRows);
    run.AddWriters(step);
    step.Run(
        "SELECT record_no, payload FROM nightjar.valid_record "
        "WHERE source_id = $1 AND batch_id = $2 ORDER BY record_no",
        {INT8OID, INT8OID}, {Int64GetDatum(source_id), Int64GetDatum(batch_id)},
        [&](const StepRow& row) { run.AddJsonb(row.Int64(1), row.Jsonb(2)); },
        [&] { run.EndChunk(); });
    step.Finish();
    return run.Result();
}
