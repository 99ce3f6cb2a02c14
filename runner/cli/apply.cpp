// apply.cpp: `nightjar apply` for [[source]] and [[pipeline]] tables. The definitions go
// through the same SQL functions a DBA would call (define_source, define_pipeline,
// define_step), so the
// database checks them once, in one place. Whether something changed is decided by
// comparing the catalog rows before and after, so re-applying an unchanged file reports
// "unchanged". Steps no longer in the file are dropped; pipelines no longer in the file
// are kept and reported (their runs and history reference them).
#include "runner/cli/apply.hpp"

#include <set>

#include "runner/ingest/catalog.hpp"
#include "runner/util/messages.hpp"

namespace nightjar::runner {
namespace {

// PipelineRow returns the pipeline's settings as text ("" when it does not exist).
std::string PipelineRow(pqxx::work& tx, const std::string& name) {
    auto r = tx.exec_params(
        "SELECT (description, lock_key, deadline, deadline_tz, notify)::text "
        "FROM nightjar.pipeline WHERE name = $1",
        name);
    return r.empty() ? "" : r[0][0].as<std::string>();
}

// StepRow returns the step's settings as text ("" when it does not exist).
std::string StepRow(pqxx::work& tx, const std::string& pipeline, const std::string& step) {
    auto r = tx.exec_params(
        "SELECT (s.fn, s.subscribes, s.emits, s.max_attempts, s.backoff, s.timeout, s.match)::text "
        "FROM nightjar.step s JOIN nightjar.pipeline p USING (pipeline_id) "
        "WHERE p.name = $1 AND s.name = $2",
        pipeline, step);
    return r.empty() ? "" : r[0][0].as<std::string>();
}

// Action names the change between two row snapshots.
std::string Action(const std::string& before, const std::string& after) {
    if (before.empty()) return "created";
    return before == after ? "unchanged" : "updated";
}

// Nullable maps "" to SQL NULL for exec_params.
const char* Nullable(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// Refused turns the database's refusal of a definition into a ConfigError at `line`.
[[noreturn]] void Refused(const Config& config, long line, const std::string& what,
                          const pqxx::sql_error& e) {
    throw ConfigError(config.path + ":" + std::to_string(line) + ": " + what + ": " +
                      ServerMessage(e.what()));
}

// ApplyOne defines one pipeline and its steps and appends the changes.
void ApplyOne(pqxx::work& tx, const Config& config, const PipelineConfig& p,
              std::vector<ApplyChange>& out) {
    std::string before = PipelineRow(tx, p.name);
    try {
        tx.exec_params(
            "SELECT nightjar.define_pipeline($1, deadline => $2::time, deadline_tz => $3, "
            "lock_key => $4, notify => $5, description => $6)",
            p.name, Nullable(p.deadline), p.deadline_tz, Nullable(p.lock_key), Nullable(p.notify),
            Nullable(p.description));
    } catch (const pqxx::sql_error& e) {
        Refused(config, p.line, "pipeline " + p.name, e);
    }
    out.push_back({"pipeline " + p.name, Action(before, PipelineRow(tx, p.name))});
    for (const auto& s : p.steps) {
        std::string step_before = StepRow(tx, p.name, s.name);
        try {
            tx.exec_params(
                "SELECT nightjar.define_step($1, $2, $3::regprocedure, $4, $5, $6, $7::interval, "
                "$8::interval, $9::jsonb)",
                p.name, s.name, s.function, s.subscribes, Nullable(s.emits), s.max_attempts,
                s.backoff, s.timeout, Nullable(s.match));
        } catch (const pqxx::sql_error& e) {
            Refused(config, s.line, "step " + p.name + "." + s.name, e);
        }
        out.push_back(
            {"step " + p.name + "." + s.name, Action(step_before, StepRow(tx, p.name, s.name))});
    }
    std::set<std::string> wanted;
    for (const auto& s : p.steps) wanted.insert(s.name);
    auto existing = tx.exec_params(
        "SELECT s.name FROM nightjar.step s JOIN nightjar.pipeline p USING (pipeline_id) "
        "WHERE p.name = $1 ORDER BY s.name",
        p.name);
    for (const auto& row : existing) {
        std::string name = row[0].as<std::string>();
        if (wanted.count(name)) continue;
        tx.exec_params("SELECT nightjar.drop_step($1, $2)", p.name, name);
        out.push_back({"step " + p.name + "." + name, "dropped"});
    }
}

}  // namespace

// ApplySources records every configured source and reports the ones the file lacks.
std::vector<ApplyChange> ApplySources(pqxx::work& tx, const Config& config) {
    std::vector<ApplyChange> out;
    for (const auto& s : config.sources) out.push_back({"source " + s.name, DefineSource(tx, s)});
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

// ApplyPipelines defines every configured pipeline and its steps (see catalog.hpp).
std::vector<ApplyChange> ApplyPipelines(pqxx::work& tx, const Config& config) {
    std::vector<ApplyChange> out;
    std::set<std::string> names;
    for (const auto& p : config.pipelines) {
        ApplyOne(tx, config, p, out);
        names.insert(p.name);
    }
    for (const auto& row : tx.exec("SELECT name FROM nightjar.pipeline ORDER BY name")) {
        std::string name = row[0].as<std::string>();
        if (!names.count(name))
            out.push_back({"pipeline " + name, "kept (not in the configuration)"});
    }
    return out;
}

}  // namespace nightjar::runner
