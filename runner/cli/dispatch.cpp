// dispatch.cpp: the runner side of the engine is deliberately thin — one CALL (the
// procedure commits between steps, so it runs outside any transaction block) and one
// query of nightjar.run_status for the runs whose steps ran during the call.
#include "runner/cli/dispatch.hpp"

#include <ostream>
#include <pqxx/pqxx>

#include "runner/ingest/catalog.hpp"

namespace nightjar::runner {

// DispatchAndReport calls nightjar.dispatch and reports the runs it touched.
int DispatchAndReport(const Config& config, const DispatchOptions& options, std::ostream& out) {
    auto conn = Connect(config);
    pqxx::nontransaction tx(*conn);
    std::string started = tx.exec1("SELECT clock_timestamp()::text")[0].as<std::string>();
    auto limit = [](int v) { return v > 0 ? std::to_string(v) : std::string("NULL"); };
    auto r = tx.exec_params1("CALL nightjar.dispatch(" + limit(options.max_steps) + ", " +
                                 limit(options.max_seconds) + ", $1)",
                             options.pipeline.empty() ? nullptr : options.pipeline.c_str());
    out << "dispatched " << (r[0].is_null() ? 0 : r[0].as<int>()) << " step(s)\n";
    int failed = 0;
    for (const auto& row : tx.exec_params(
             "SELECT run_id, pipeline, status, steps_succeeded, steps, attempts, "
             "coalesce(rows_in, 0), coalesce(rows_out, 0), coalesce(last_error, '') "
             "FROM nightjar.run_status WHERE run_id IN "
             "(SELECT run_id FROM nightjar.step_run WHERE started_at >= $1::timestamptz) "
             "ORDER BY run_id",
             started)) {
        std::string status = row[2].as<std::string>();
        out << "run " << row[0].as<long>() << " " << row[1].as<std::string>() << ": " << status
            << ", steps " << row[3].as<long>() << "/" << row[4].as<long>() << ", attempts "
            << row[5].as<long>() << ", rows in " << row[6].as<long>() << " out "
            << row[7].as<long>();
        if (!row[8].as<std::string>().empty()) out << ", last error: " << row[8].as<std::string>();
        out << "\n";
        if (status == "failed") ++failed;
    }
    return failed ? 1 : 0;
}

}  // namespace nightjar::runner
