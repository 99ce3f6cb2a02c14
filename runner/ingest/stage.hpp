// stage.hpp: one batch staged in one transaction (COPY + file rows + batch row + emit).
#pragma once

#include <cstdint>
#include <functional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "runner/config/config.hpp"
#include "runner/ingest/plan.hpp"

namespace nightjar::runner {

// BatchFile is one file of a batch as the stager sees it, filled in as it goes.
struct BatchFile {
    Candidate candidate;
    std::string path;      // local path (spool or in place); empty when download failed
    std::string checksum;  // SHA-256 hex
    std::uint64_t size = 0;
    std::string status;  // staged | failed | skipped
    std::string error;
    long records = 0;
    long file_id = 0;
    std::string archive_location;
};

// BatchOutcome is the result of StageBatch.
struct BatchOutcome {
    long batch_id = 0;  // 0 when nothing was recorded (every file skipped)
    long records = 0;
    std::uint64_t bytes = 0;
    bool staged = false;  // at least one file staged (else the batch row says failed)
};

// StagedChecksums returns the checksums already staged for the source.
std::vector<std::string> StagedChecksums(pqxx::connection& conn, long source_id);

// StageBatch records a batch in one transaction: the records of every file that is not
// failed or skipped go through one COPY into nightjar.raw_record; a file that fails to
// parse is rolled out of the batch (its rows deleted) and recorded as failed; the batch
// row and the batch.staged event commit with it. When the server refuses a record (SQLSTATE
// class 22, 23 or 54), the batch is staged again with one COPY per file under a savepoint
// each, so only the refusing file fails ("<name>: record N: refused by the server: ...").
// `progress` is called every ~64k records.
BatchOutcome StageBatch(pqxx::connection& conn, long source_id, const SourceConfig& source,
                        int plan_seq, std::vector<BatchFile>& files,
                        const std::function<void(long)>& progress);

// RecordArchive stores where a file was archived.
void RecordArchive(pqxx::connection& conn, long file_id, const std::string& location);

// RecordSkipped inserts the row of a skipped file that was archived (batch_id 0 = none):
// status skipped, its reason, archive_location, and duplicate_of = the staged file with
// the same checksum, if any.
void RecordSkipped(pqxx::connection& conn, long source_id, long batch_id, const BatchFile& f);

}  // namespace nightjar::runner
