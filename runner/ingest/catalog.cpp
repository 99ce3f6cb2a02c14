// catalog.cpp: thin calls of the ingest catalog's SQL API, one short transaction each
// (the staging transaction's calls are in stage.cpp), and the reads the runner needs to
// plan: the source, the checksums staged, the latest recorded plan.
#include "runner/ingest/catalog.hpp"

#include <cstdio>

#include "runner/cluster/local_cluster.hpp"
#include "runner/model/errors.hpp"
#include "runner/util/json_text.hpp"
#include "runner/util/messages.hpp"

namespace nightjar::runner {
namespace {

// Nullable maps "" to SQL NULL for exec_params.
const char* Nullable(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// IdText renders an id for exec_params, "" (SQL NULL through Nullable) for 0.
std::string IdText(long id) { return id ? std::to_string(id) : std::string(); }

}  // namespace

// Connect opens the warehouse connection.
std::unique_ptr<pqxx::connection> Connect(const Config& config) {
    std::string url = config.database_url.empty() ? DefaultDatabaseUrl() : config.database_url;
    try {
        return std::make_unique<pqxx::connection>(url);
    } catch (const std::exception& e) {
        throw CriticalError(kExitDatabase, "database unreachable: " + FirstLine(e.what()));
    }
}

// LoadSource returns the recorded source or throws ConfigError.
SourceRow LoadSource(pqxx::connection& conn, const SourceConfig& source) {
    pqxx::read_transaction tx(conn);
    auto r = tx.exec_params(
        "SELECT source_id, coalesce(bookmark::text, '') FROM nightjar.source WHERE name = $1",
        source.name);
    if (r.empty())
        throw ConfigError("source " + source.name +
                          " is not in the catalog: run `nightjar apply` first");
    return {r[0][0].as<long>(), r[0][1].as<std::string>()};
}

// DefineSource records a source through nightjar.define_source.
std::string DefineSource(pqxx::work& tx, const SourceConfig& source) {
    return tx
        .exec_params1("SELECT nightjar.define_source($1, $2, $3::jsonb)", source.name, source.kind,
                      source.public_json)[0]
        .as<std::string>();
}

// StagedContents returns the checksum and size of every file already staged for the source.
std::vector<StagedContent> StagedContents(pqxx::connection& conn, long source_id) {
    pqxx::read_transaction tx(conn);
    std::vector<StagedContent> out;
    for (const auto& row : tx.exec_params(
             "SELECT checksum, coalesce(size, -1) FROM nightjar.file WHERE source_id = $1 "
             "AND status = 'staged' AND checksum IS NOT NULL",
             source_id)) {
        long size = row[1].as<long>();
        out.push_back({row[0].as<std::string>(), static_cast<std::uint64_t>(size < 0 ? 0 : size)});
    }
    return out;
}

// LatestPlan returns the plan of the source's latest run that has one.
std::optional<RecordedPlan> LatestPlan(pqxx::connection& conn, long source_id) {
    pqxx::read_transaction tx(conn);
    auto head = tx.exec_params(
        "SELECT r.plan_id, r.run_id, nightjar.ingest_run_state(r.run_id) FROM nightjar.ingest_run "
        "r "
        "WHERE r.source_id = $1 AND r.plan_id IS NOT NULL ORDER BY r.run_id DESC LIMIT 1",
        source_id);
    if (head.empty()) return std::nullopt;
    RecordedPlan plan;
    plan.plan_id = head[0][0].as<long>();
    plan.run_id = head[0][1].as<long>();
    plan.run_state = head[0][2].as<std::string>();
    for (const auto& row :
         tx.exec_params("SELECT plan_seq, status, bytes FROM nightjar.ingest_plan_batch "
                        "WHERE plan_id = $1 ORDER BY plan_seq",
                        plan.plan_id)) {
        PlannedBatch b;
        b.seq = row[0].as<int>();
        b.bytes = row[2].as<std::uint64_t>();
        plan.batches.push_back(std::move(b));
        plan.batch_status.push_back(row[1].as<std::string>());
    }
    for (const auto& row : tx.exec_params(
             "SELECT plan_seq, key, name, size, confidence, coalesce(extra, '') "
             "FROM nightjar.ingest_plan_file WHERE plan_id = $1 ORDER BY plan_seq, position",
             plan.plan_id)) {
        Candidate c;
        c.key = row[1].as<std::string>();
        c.name = row[2].as<std::string>();
        c.size = row[3].as<std::uint64_t>();
        c.confidence = row[4].as<double>();
        c.extra = row[5].as<std::string>();
        plan.batches.at(static_cast<size_t>(row[0].as<int>() - 1)).files.push_back(std::move(c));
    }
    return plan;
}

// BeginIngestRun starts a run through nightjar.begin_ingest_run.
long BeginIngestRun(pqxx::connection& conn, long source_id, long plan_id) {
    pqxx::work tx(conn);
    std::string plan = IdText(plan_id);
    long run_id = tx.exec_params1("SELECT nightjar.begin_ingest_run($1, $2::bigint)", source_id,
                                  Nullable(plan))[0]
                      .as<long>();
    tx.commit();
    return run_id;
}

// RecordPlan records the plan through nightjar.record_plan.
long RecordPlan(pqxx::connection& conn, long run_id, const std::vector<PlannedBatch>& plan) {
    std::string files = "[";
    char number[64];
    for (const auto& b : plan)
        for (const auto& c : b.files) {
            files += files.size() > 1 ? "," : "";
            std::snprintf(number, sizeof number, "%.17g", c.confidence);
            files += "{\"batch\":" + std::to_string(b.seq) + ",\"key\":" + JsonString(c.key) +
                     ",\"name\":" + JsonString(c.name) + ",\"size\":" + std::to_string(c.size) +
                     ",\"confidence\":" + number +
                     (c.extra.empty() ? "" : ",\"extra\":" + JsonString(c.extra)) + "}";
        }
    files += "]";
    pqxx::work tx(conn);
    long plan_id =
        tx.exec_params1("SELECT nightjar.record_plan($1, $2::jsonb)", run_id, files)[0].as<long>();
    tx.commit();
    return plan_id;
}

// SkipBatch records an all-skipped batch through nightjar.skip_batch.
void SkipBatch(pqxx::connection& conn, long run_id, int plan_seq) {
    pqxx::work tx(conn);
    tx.exec_params("SELECT nightjar.skip_batch($1, $2)", run_id, plan_seq);
    tx.commit();
}

// RecordArchive stores where a file was archived through nightjar.record_archive.
void RecordArchive(pqxx::connection& conn, long file_id, const std::string& location) {
    pqxx::work tx(conn);
    tx.exec_params("SELECT nightjar.record_archive($1, $2)", file_id, location);
    tx.commit();
}

// RecordSkippedFile records a skipped file through nightjar.record_skipped_file: archived
// (archive_location set) or left in place (empty archive_location, sent as NULL).
void RecordSkippedFile(pqxx::connection& conn, long run_id, long batch_id, const SkippedFile& f) {
    pqxx::work tx(conn);
    std::string batch = IdText(batch_id);
    tx.exec_params(
        "SELECT nightjar.record_skipped_file($1, $2::bigint, $3, $4, $5, $6, $7, $8, $9)", run_id,
        Nullable(batch), f.candidate.name, f.candidate.key, Nullable(f.checksum),
        static_cast<long>(f.size), f.candidate.confidence, f.reason, Nullable(f.archive_location));
    tx.commit();
}

// SaveBookmark stores the source's bookmark through nightjar.save_bookmark.
void SaveBookmark(pqxx::connection& conn, long source_id, const std::string& bookmark_json) {
    pqxx::work tx(conn);
    tx.exec_params("SELECT nightjar.save_bookmark($1, $2::jsonb)", source_id, bookmark_json);
    tx.commit();
}

// FinishIngestRun stores the end of a run through nightjar.finish_ingest_run.
void FinishIngestRun(pqxx::connection& conn, long run_id, int exit_code,
                     const std::string& report_json) {
    pqxx::work tx(conn);
    tx.exec_params("SELECT nightjar.finish_ingest_run($1, $2, $3::jsonb)", run_id, exit_code,
                   report_json);
    tx.commit();
}

}  // namespace nightjar::runner
