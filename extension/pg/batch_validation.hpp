// batch_validation.hpp: BatchValidation, the per-batch state of the validation step
// (validate.cpp): the compiled rules, their glue-side metadata, the counts, and the
// per-record work — flatten, validate, quarantine a rejected record, hand a valid one on.
//
// Where a valid record goes is the caller's choice: the validation step writes it to
// valid_record (WriteValid), the one-pass step (validate_normalize.cpp) hands its typed
// pairs straight to the normaliser. Both use the same ProcessRecord, so the quarantine
// rows and the counts of the two routes are the same code.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/rules/rule_set.hpp"
#include "core/rules/validator.hpp"
#include "extension/pg/batch_step.hpp"
#include "extension/pg/jsonb_read.hpp"

namespace nightjar::pg {

class BatchValidation {
  public:
    // ValidSink receives a valid record: its number, its staged jsonb, and its typed pairs
    // (TypedPairs: the staged pairs with converted values replaced), valid until the chunk ends.
    using ValidSink =
        std::function<void(int64 record_no, ::Jsonb* staged, const std::vector<JsonPair>& typed)>;

    BatchValidation(int64 batch_id, int64 source_id, std::vector<std::string> fields);

    // LoadRules compiles the rules (the JSON array validate_batch builds) and their value sets.
    void LoadRules(const std::string& rules_json);
    // Run streams the batch's raw records through `step` (read by the caller's `step`,
    // chunk by chunk), quarantines the rejected ones and hands each valid one to `sink`;
    // `on_chunk_end` runs after a chunk's records (before the step flushes its writers).
    void Run(BatchStep& step, const ValidSink& sink, const std::function<void()>& on_chunk_end);
    // WriteValid returns a sink that writes valid_record rows (typed payload, warnings)
    // into `valid`, a writer of (source_id, batch_id, record_no, payload, warnings).
    ValidSink WriteValid(RowWriter& valid);
    // QuarantineWriter makes the step's writer of quarantine rows (Run uses it).
    void AddQuarantineWriter(BatchStep& step);
    // BatchRecords returns the batch's record count as staged (0 when unknown), for progress.
    int64 BatchRecords() const;
    // Result returns {"rows_in", "rows_out", "rejected", "warnings", "counts": {rule: n}}.
    ::Jsonb* Result() const;

  private:
    // RuleMeta is what the glue keeps beside a compiled rule: its id, custom function, texts.
    struct RuleMeta {
        int64 rule_id = 0;
        Oid fn_oid = InvalidOid;
        FmgrInfo flinfo;
        Datum name_text = 0, field_text = 0;
    };
    // ExistingProbe is a unique_existing rule's per-chunk lookup (SPI plan of its "probe").
    struct ExistingProbe {
        size_t rule;
        std::string sql;
        SPIPlanPtr plan = nullptr;
    };

    // PrepareProbes prepares each unique_existing rule's probe (SPI must be connected).
    void PrepareProbes();
    // ProbeChunk fills each unique_existing rule's value set with the values of the
    // queued records that already exist in other batches.
    void ProbeChunk();
    // RecordFields is one record as the rules see it: its pairs, the declared field of
    // each pair (-1: undeclared), and one value per declared field.
    struct RecordFields {
        std::vector<JsonPair> pairs;
        std::vector<int> pair_field;
        std::vector<core::rules::FieldValue> values;
    };

    // FillValues flattens a record into `out`; false when it is not an object.
    bool FillValues(::Jsonb* jb, RecordFields* out);
    // ProcessQueued validates the chunk's queued records in order, each flattened while
    // the one before is validated, then empties the queue.
    void ProcessQueued(const ValidSink& sink);
    // ProcessRecord validates one staged record, already flattened into current_
    // (`object`: what FillValues said): quarantine rows, or the sink.
    void ProcessRecord(int64 record_no, ::Jsonb* jb, bool object, const ValidSink& sink);
    // CallCustom asks each custom_sql rule's function about the record.
    void CallCustom(::Jsonb* jb);
    // QueueRejected adds one quarantine row per failed error rule.
    void QueueRejected(int64 record_no);
    // TypedPairs returns the record's pairs with the converted values in place.
    const std::vector<JsonPair>& TypedPairs();
    // QuarantineRow adds one quarantine row.
    void QuarantineRow(int64 record_no, int64 rule_id, Datum rule, Datum field, Datum value,
                       Datum message);

    const int64 batch_id_, source_id_;
    const std::vector<std::string> fields_;
    FieldLookup field_lookup_;  // refers to fields_: declared after it
    std::vector<RuleMeta> meta_;
    std::optional<core::rules::Validator> validator_;
    std::vector<int64> counts_;
    int64 rows_in_ = 0, rows_out_ = 0, rejected_ = 0, warned_ = 0;
    RowWriter* quarantine_ = nullptr;
    // Per-record scratch, kept to reuse its capacity.
    RecordFields current_, next_;  // the record being validated, the one after it
    std::vector<JsonPair> out_pairs_;
    std::vector<std::optional<bool>> custom_;
    std::vector<std::vector<JsonPair>> warning_objects_;
    core::rules::RecordResult result_;
    std::vector<ExistingProbe> probes_;
    std::vector<std::pair<int64, ::Jsonb*>> queued_;  // the chunk's records
};

}  // namespace nightjar::pg
