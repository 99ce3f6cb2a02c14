// catalog.cpp: connection and the nightjar.source / nightjar.ingest_run rows. apply
// compares the stored config jsonb with the new one in SQL (jsonb equality ignores key
// order and whitespace), so re-applying an unchanged file reports "unchanged".
#include "runner/ingest/catalog.hpp"

#include "runner/cluster/local_cluster.hpp"
#include "runner/ingest/errors.hpp"

namespace nightjar::runner {

// Connect opens the warehouse connection.
std::unique_ptr<pqxx::connection> Connect(const Config& config) {
    std::string url = config.database_url.empty() ? DefaultDatabaseUrl() : config.database_url;
    try {
        return std::make_unique<pqxx::connection>(url);
    } catch (const std::exception& e) {
        std::string msg = e.what();
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        auto nl = msg.find('\n');
        if (nl != std::string::npos) msg = msg.substr(0, nl);
        throw CriticalError(kExitDatabase, "database unreachable: " + msg);
    }
}

// ApplySources upserts every configured source into nightjar.source.
std::vector<ApplyChange> ApplySources(pqxx::work& tx, const Config& config) {
    std::vector<ApplyChange> out;
    for (const auto& s : config.sources) {
        auto r = tx.exec_params(
            "WITH old AS (SELECT kind, config FROM nightjar.source WHERE name = $1), "
            "up AS (INSERT INTO nightjar.source (name, kind, config) VALUES ($1, $2, $3::jsonb) "
            "  ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, config = EXCLUDED.config, "
            "updated_at = now() "
            "  WHERE (nightjar.source.kind, nightjar.source.config) IS DISTINCT FROM "
            "(EXCLUDED.kind, EXCLUDED.config) "
            "  RETURNING source_id) "
            "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM old) THEN 'created' "
            "            WHEN EXISTS (SELECT 1 FROM up) THEN 'updated' ELSE 'unchanged' END",
            s.name, s.kind, s.public_json);
        out.push_back({"source " + s.name, r[0][0].as<std::string>()});
    }
    // Sources missing from the file are kept (their batches and files reference them) and
    // reported, so a deleted [[source]] is visible rather than silently ignored.
    std::string names = "{";
    for (size_t i = 0; i < config.sources.size(); ++i)
        names += (i ? "," : "") + config.sources[i].name;
    names += "}";
    for (const auto& row : tx.exec_params("SELECT name FROM nightjar.source WHERE kind <> 'sql' "
                                          "AND NOT (name = ANY ($1::text[])) ORDER BY name",
                                          names))
        out.push_back({"source " + row[0].as<std::string>(), "kept (not in the configuration)"});
    return out;
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

// SaveBookmark stores the source's bookmark.
void SaveBookmark(pqxx::connection& conn, long source_id, const std::string& bookmark_json) {
    pqxx::work tx(conn);
    tx.exec_params("UPDATE nightjar.source SET bookmark = $2::jsonb WHERE source_id = $1",
                   source_id, bookmark_json);
    tx.commit();
}

// SaveRunReport stores the final report of a run.
void SaveRunReport(pqxx::connection& conn, long source_id, int exit_code,
                   const std::string& report_json) {
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO nightjar.ingest_run (source_id, exit_code, report, finished_at) VALUES ($1, "
        "$2, $3::jsonb, now())",
        source_id, exit_code, report_json);
    tx.commit();
}

}  // namespace nightjar::runner
