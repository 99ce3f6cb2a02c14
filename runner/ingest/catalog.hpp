// catalog.hpp: connecting to the warehouse and recording sources (`nightjar apply`).
#pragma once

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// Connect opens the warehouse connection (config url, else DefaultDatabaseUrl());
// throws CriticalError(kExitDatabase) when the database is unreachable.
std::unique_ptr<pqxx::connection> Connect(const Config& config);

// ApplyChange is one line of `nightjar apply` output.
struct ApplyChange {
    std::string object;  // "source acme", "pipeline nightly", "step nightly.validate"
    std::string action;  // created | updated | unchanged | dropped | kept (not in the configuration)
};

// ApplySources upserts every configured source into nightjar.source (idempotent).
std::vector<ApplyChange> ApplySources(pqxx::work& tx, const Config& config);

// ApplyPipelines defines every configured pipeline and its steps with
// nightjar.define_pipeline / define_step, drops the steps the file no longer has, and
// reports each change. A value the database refuses becomes a ConfigError naming the line.
std::vector<ApplyChange> ApplyPipelines(pqxx::work& tx, const Config& config);

// SourceRow is a recorded source.
struct SourceRow {
    long source_id = 0;
    std::string bookmark;  // JSON text or ""
};

// LoadSource returns the recorded source or throws ConfigError (run `nightjar apply`).
SourceRow LoadSource(pqxx::connection& conn, const SourceConfig& source);

// SaveBookmark stores the source's bookmark (JSON text).
void SaveBookmark(pqxx::connection& conn, long source_id, const std::string& bookmark_json);

// SaveRunReport stores the final report of a run in nightjar.ingest_run.
void SaveRunReport(pqxx::connection& conn, long source_id, int exit_code,
                   const std::string& report_json);

}  // namespace nightjar::runner
