// batch_normalization.hpp: BatchNormalization, the per-batch work of the normalisation
// step (normalize.cpp) and of the one-pass step (validate_normalize.cpp): apply the
// compiled Normalizer to each record, keep one clean row per record id per chunk, and
// write the chunk's rows into clean_record.
//
// Design. A record comes as flattened jsonb pairs (FlattenObject, or the validation's
// typed pairs), becomes the core's field list, each field tagged with its input index;
// fields the rules did not change are written back from the input JsonbValue as is, so
// only changed fields are converted (text → jsonb string / numeric_in). Duplicate record
// ids: within a chunk the later record replaces the earlier before the write; across
// chunks the later write overwrites. duplicate_ids counts them exactly from 64-bit hashes
// of every id of the batch (a false duplicate needs a 64-bit hash collision, ~3e-8 for a
// million ids). The upsert never lets an older batch overwrite a newer one.
//
// Writing (issue 11: the upsert was ~60% of the step, its speculative insertion a third of
// that). A row whose id cannot exist yet in clean_record goes through a DirectWriter
// (COPY's insert path, plain unique index check); the others through the upsert
// statement. An id can exist when the source had clean rows before this batch (then one
// index probe per chunk, "record_id = ANY(ids)", finds which do) or when an earlier chunk
// of this batch wrote it (a hash set of the ids written; a hash collision only sends a
// row to the upsert, which is always correct). normalize_batch holds an advisory lock per
// source, so no other normalisation writes the source's ids meanwhile.
// Memory: per chunk in the step's scratch context; per batch 8 bytes per record (hashes)
// and the hash set (16 bytes per distinct id at most).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/rules/zeroed_array.hpp"
#include "core/text/normalizer.hpp"
#include "extension/pg/batch_step.hpp"

namespace nightjar::pg {

// CompileNormalizer compiles a source's normalisation rules, prefixing any definition
// error with the source's name; `fields` (the declared schema) may be null.
core::text::Normalizer CompileNormalizer(const std::string& rules,
                                         const std::vector<std::string>* fields,
                                         const std::string& source);

// IdHashSet is an insert-only set of 64-bit hashes (open addressing, linear probing, its
// table on huge pages when big: core/rules/zeroed_array.hpp).
class IdHashSet {
  public:
    // Insert adds `h`; returns false when it was already there.
    bool Insert(uint64_t h);
    // Reserve sizes the table for `n` hashes at once (capped: a guess never asks for
    // more than 64 MB); no-op when the table is already that big.
    void Reserve(size_t n);

  private:
    // Rehash moves every hash into a new table of `slots` slots (a power of two).
    void Rehash(size_t slots);

    core::rules::ZeroedArray<uint64_t> slots_;  // 0: empty (a hash of 0 is stored as 1)
    size_t size_ = 0;
};

class BatchNormalization {
  public:
    BatchNormalization(int64 batch_id, int64 source_id, const core::text::Normalizer& normalizer);

    // AddWriters makes the step's clean_record writers (call once, before the step runs).
    void AddWriters(BatchStep& step);
    // AddRecord normalises one record given by its pairs and queues its clean row.
    void AddRecord(int64 record_no, const std::vector<JsonPair>& pairs);
    // AddJsonb does the same for a stored jsonb record (not an object: no fields).
    void AddJsonb(int64 record_no, ::Jsonb* jb);
    // EndChunk hands the chunk's clean rows, one per record id, to the writers.
    void EndChunk();
    // Result returns {"rows_in", "rows_out", "counts": {...}} as jsonb.
    Datum Result() const;

  private:
    // PendingRow is one clean row of the current chunk, kept until the chunk is flushed.
    struct PendingRow {
        std::string record_id;
        int64 record_no;
        Datum payload;
        bool new_in_batch;  // no earlier chunk of this batch wrote this id
    };

    // ExistingIds returns which of the chunk's new ids clean_record already holds.
    std::vector<bool> ExistingIds();

    const int64 batch_id_, source_id_;
    const core::text::Normalizer& normalizer_;
    std::vector<int64_t> counters_;
    IdHashSet seen_;                                    // every id of the batch so far
    int64 rows_in_ = 0, with_id_ = 0, duplicates_ = 0;  // with_id_: records with an id
    std::vector<JsonPair> pairs_, out_pairs_;
    core::text::Record record_;
    std::vector<PendingRow> pending_;
    std::unordered_map<std::string, size_t> chunk_index_;  // record id → index in pending_
    RowWriter* direct_ = nullptr;                          // rows whose id cannot exist yet
    RowWriter* upsert_ = nullptr;                          // the others
    bool source_had_rows_ = false;  // clean_record held rows of the source before this batch
    SPIPlanPtr probe_ = nullptr;
};

}  // namespace nightjar::pg
