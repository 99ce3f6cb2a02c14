// validate_normalize.cpp: nightjar._validate_normalize_records, the heavy part of the
// one-pass step nightjar.validate_normalize_batch (sql/45_validate_normalize.sql).
//
// The two-step chain reads raw_record, writes every valid record to valid_record, reads
// it back and writes clean_record. Here the batch's raw records are read once (the
// BatchStep loop, 1000 per chunk) and each goes through the validation's per-record work
// (BatchValidation: the same rules, counts and quarantine rows) and, when valid, straight
// into the normalisation (BatchNormalization) with its typed pairs — the values the
// valid_record payload would have held, so the clean rows are the ones the two steps
// write. Per chunk: quarantine rows, then clean rows, written once. valid_record is not
// written (nor its warnings column); the SQL wrapper routes the sources whose semantics
// need it (all_or_nothing, unique_existing) through the two steps instead.
// Memory: one chunk in the scratch context, plus the two steps' per-batch state.
#include <string>
#include <vector>

#include "extension/pg/batch_normalization.hpp"
#include "extension/pg/batch_validation.hpp"

extern "C" {
#include "utils/jsonb.h"
}

using namespace nightjar::pg;

namespace {

constexpr long kChunkRows = 1000;

// Pair makes a jsonb object pair from a jsonb Datum (the sub-results).
JsonPair Pair(std::string_view key, Jsonb* value) {
    JsonbValue v;
    v.type = jbvBinary;
    v.val.binary.data = &value->root;
    v.val.binary.len = static_cast<int>(VARSIZE(value) - VARHDRSZ);
    return JsonPair{key, v};
}

}  // namespace

// _validate_normalize_records(batch_id, source_id, source, fields, rules, normalization)
// validates and normalises one batch in one read; returns {"validation": <what
// _validate_records returns>, "normalization": <what _normalize_records returns>}.
NIGHTJAR_FUNCTION(nightjar_validate_normalize_records) {
    const int64 batch_id = PG_GETARG_INT64(0);
    const int64 source_id = PG_GETARG_INT64(1);
    const std::string source = TextArg(fcinfo, 2);
    BatchValidation validation(batch_id, source_id, TextArrayArg(fcinfo, 3, "fields"));
    validation.LoadRules(JsonbTextArg(fcinfo, 4));
    const nightjar::core::text::Normalizer normalizer =
        CompileNormalizer(JsonbTextArg(fcinfo, 5), nullptr, source);
    BatchNormalization normalization(batch_id, source_id, normalizer);
    {
        BatchStep step("nightjar.validate_normalize_batch(" + std::to_string(batch_id) + ")",
                       kChunkRows);
        validation.AddQuarantineWriter(step);
        normalization.AddWriters(step);
        validation.Run(
            step,
            [&](int64 record_no, Jsonb*, const std::vector<JsonPair>& typed) {
                normalization.AddRecord(record_no, typed);
            },
            [&] { normalization.EndChunk(); });
        step.Finish();
    }
    Jsonb* validated = validation.Result();
    Jsonb* normalized = DatumGetJsonbP(normalization.Result());
    PG_RETURN_JSONB_P(
        BuildObject({Pair("validation", validated), Pair("normalization", normalized)}));
}
