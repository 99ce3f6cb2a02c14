// catalog.hpp: the runner's side of the ingest catalog. Every write goes through the SQL
// API of sql/11_ingest_api.sql (one C++ function per SQL function, named alike); the
// only direct write is the COPY of records (stage.cpp). Reads are plain queries.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "runner/config/config.hpp"
#include "runner/model/candidate.hpp"

namespace nightjar::runner {

// Connect opens the warehouse connection (config url, else DefaultDatabaseUrl());
// throws CriticalError(kExitDatabase) when the database is unreachable.
std::unique_ptr<pqxx::connection> Connect(const Config& config);

// SourceRow is a recorded source.
struct SourceRow {
    long source_id = 0;
    std::string bookmark;  // JSON text or ""
};

// LoadSource returns the recorded source or throws ConfigError (run `nightjar apply`).
SourceRow LoadSource(pqxx::connection& conn, const SourceConfig& source);

// DefineSource records a source (nightjar.define_source): created, updated or unchanged.
std::string DefineSource(pqxx::work& tx, const SourceConfig& source);

// StagedContent is the checksum and size of a file staged for a source.
struct StagedContent {
    std::string checksum;
    std::uint64_t size = 0;
};

// StagedContents returns the checksum and size of every file already staged for the source.
std::vector<StagedContent> StagedContents(pqxx::connection& conn, long source_id);

// RecordedPlan is a plan read back from the catalog, batch by batch.
struct RecordedPlan {
    long plan_id = 0;
    long run_id = 0;        // the latest run that used it
    std::string run_state;  // finished | running | interrupted
    std::vector<PlannedBatch> batches;
    std::vector<std::string> batch_status;  // per batch: planned | staged | failed | skipped
};

// LatestPlan returns the plan of the source's latest run that has one, if any.
std::optional<RecordedPlan> LatestPlan(pqxx::connection& conn, long source_id);

// BeginIngestRun starts a run (resuming plan_id when not 0) and returns its id; the
// connection holds the run's lock until FinishIngestRun or disconnection.
long BeginIngestRun(pqxx::connection& conn, long source_id, long plan_id);

// RecordPlan records the run's plan and returns its id.
long RecordPlan(pqxx::connection& conn, long run_id, const std::vector<PlannedBatch>& plan);

// SkipBatch records that a batch of the run's plan had nothing to stage.
void SkipBatch(pqxx::connection& conn, long run_id, int plan_seq);

// RecordArchive stores where a file was archived.
void RecordArchive(pqxx::connection& conn, long file_id, const std::string& location);

// SkippedFile is what RecordSkippedFile records of a skipped file.
struct SkippedFile {
    const Candidate& candidate;
    const std::string& checksum;
    std::uint64_t size;
    const std::string& reason;
    const std::string& archive_location;
};

// RecordSkippedFile records a skipped file, archived or (empty archive_location) left in
// place (batch_id 0 = none).
void RecordSkippedFile(pqxx::connection& conn, long run_id, long batch_id, const SkippedFile& f);

// SaveBookmark stores the source's bookmark (JSON text).
void SaveBookmark(pqxx::connection& conn, long source_id, const std::string& bookmark_json);

// FinishIngestRun stores the run's exit code and final report.
void FinishIngestRun(pqxx::connection& conn, long run_id, int exit_code,
                     const std::string& report_json);

}  // namespace nightjar::runner
