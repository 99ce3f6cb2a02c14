// stage.hpp: one batch staged in one transaction (the catalog API's begin_batch,
// record_file, finish_file, finish_batch around one COPY of the records).
#pragma once

#include <cstdint>
#include <functional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "runner/config/config.hpp"
#include "runner/ingest/records.hpp"
#include "runner/model/candidate.hpp"
#include "runner/model/status.hpp"

namespace nightjar::runner {

// BatchFile is one file of a batch as the stager sees it, filled in as it goes.
struct BatchFile {
    Candidate candidate;
    std::string path;      // local path (spool or in place); empty when download failed
    std::string checksum;  // SHA-256 hex: of the bytes staged (before: see FetchBatch)
    std::uint64_t size = 0;
    FileStatus status = FileStatus::kPending;
    std::string error;  // why it failed or was skipped
    long records = 0;
    long file_id = 0;
    std::string archive_location;
    std::string duplicate_of;    // key of the file of this batch it is a copy of (skipped)
    bool to_failure = false;     // skipped as a copy of a failed file: archived to failure/
    bool keep_in_place = false;  // not archived: below min_confidence (remote), or changed
                                 // while being staged
};

// AdoptStagedBytes gives the file the checksum and size of the bytes its records were read
// from (records.hpp, StagedBytes) and returns true, unless the file already had a
// checksum (taken before staging to find copies, FetchBatch) that differs: the file
// changed between the two reads, so it fails ("changed while being staged") and is left
// in place (keep_in_place) for the next run to stage its new content.
bool AdoptStagedBytes(BatchFile& f, const StagedBytes& staged);

// BatchOutcome is the result of StageBatch.
struct BatchOutcome {
    long batch_id = 0;  // 0 when nothing was recorded (every file skipped)
    long records = 0;
    bool staged = false;  // at least one file staged (else the batch row says failed)
};

// StageBatch records batch plan_seq of run run_id's plan (source source_id) in one
// transaction: the records of
// every pending file go through one COPY into nightjar.raw_record; a file that fails to
// parse is rolled out of the batch (finish_file with its error) and recorded as failed;
// finish_batch closes the batch and emits batch.staged in the same transaction. When the
// server refuses a record (SQLSTATE class 22, 23 or 54), the batch is staged again with
// one COPY per file under a savepoint each, so only the refusing file fails
// ("<name>: record N: refused by the server: ..."). `progress` is called every ~64k records.
BatchOutcome StageBatch(pqxx::connection& conn, long run_id, long source_id,
                        const SourceConfig& source, int plan_seq, std::vector<BatchFile>& files,
                        const std::function<void(long)>& progress);

}  // namespace nightjar::runner
