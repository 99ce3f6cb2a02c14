// pipeline_config.cpp reads [[pipeline]] and [[pipeline.step]] tables. Names follow the
// catalog's rule (^[a-z][a-z0-9_]{0,62}$) and must be unique, so a mistake is reported with
// its line before anything reaches the database.
#include "runner/config/pipeline_config.hpp"

#include <set>

#include "runner/config/table_reader.hpp"
#include "runner/util/json_text.hpp"

namespace nightjar::runner {
namespace {

// RequiredName reads `name` and checks it against the catalog's naming rule.
std::string RequiredName(TableReader& r) {
    return r.RequiredMatching("name", "^[a-z][a-z0-9_]{0,62}$");
}

// MatchJson reads `match = { source = "x", ... }` as the JSON object the event payload must
// contain: strings, integers and booleans only (what identifies a source or a batch).
std::string MatchJson(TableReader& r) {
    const toml::node* node = r.Node("match");
    if (node == nullptr) return "";
    const toml::table* t = node->as_table();
    if (t == nullptr || t->empty())
        r.Fail(node, "match",
               "expected a table of payload fields, e.g. match = { source = \"suppliers\" }");
    std::string json = "{";
    for (const auto& [key, value] : *t) {
        if (json.size() > 1) json += ",";
        json += JsonString(std::string(key.str())) + ":";
        if (auto str = value.value_exact<std::string>()) {
            json += JsonString(*str);
        } else if (auto i = value.value_exact<int64_t>()) {
            json += std::to_string(*i);
        } else if (auto b = value.value_exact<bool>()) {
            json += *b ? "true" : "false";
        } else {
            r.Fail(&value, "match." + std::string(key.str()),
                   "expected a string, integer or boolean");
        }
    }
    return json + "}";
}

// ReadStep reads one [[pipeline.step]] table.
StepConfig ReadStep(const toml::table& t, const std::string& where, const std::string& origin) {
    TableReader r(t, where, origin);
    StepConfig s;
    s.line = r.Line();
    s.name = RequiredName(r);
    s.function = r.RequiredString("function");
    s.subscribes = r.RequiredString("subscribes");
    r.String("emits", s.emits);
    r.Int("max_attempts", s.max_attempts, 1, 100);
    r.String("backoff", s.backoff);
    r.String("timeout", s.timeout);
    s.match = MatchJson(r);
    r.Finish();
    return s;
}

// ReadPipeline reads one [[pipeline]] table.
PipelineConfig ReadPipeline(const toml::table& t, const std::string& where,
                            const std::string& origin) {
    TableReader r(t, where, origin);
    PipelineConfig p;
    p.line = r.Line();
    p.name = RequiredName(r);
    r.String("description", p.description);
    r.String("lock_key", p.lock_key);
    r.String("deadline", p.deadline);
    r.String("deadline_tz", p.deadline_tz);
    r.String("notify", p.notify);
    if (const toml::node* steps = r.Node("step")) {
        if (!steps->is_array_of_tables())
            r.Fail(steps, "step", "expected [[pipeline.step]] tables");
        std::set<std::string> names;
        size_t i = 0;
        for (const auto& n : *steps->as_array()) {
            StepConfig s =
                ReadStep(*n.as_table(), r.Qualified("step[" + std::to_string(i++) + "]"), origin);
            if (!names.insert(s.name).second)
                r.Fail(&n, "step.name", "duplicate step " + s.name + " in pipeline " + p.name);
            p.steps.push_back(std::move(s));
        }
    }
    r.Finish();
    return p;
}

}  // namespace

// ReadPipelines reads every [[pipeline]] table with its [[pipeline.step]] tables.
std::vector<PipelineConfig> ReadPipelines(const toml::array& tables, const std::string& origin) {
    std::vector<PipelineConfig> out;
    std::set<std::string> names;
    size_t i = 0;
    for (const auto& n : tables) {
        TableReader r(*n.as_table(), "", origin);
        PipelineConfig p =
            ReadPipeline(*n.as_table(), "pipeline[" + std::to_string(i++) + "]", origin);
        if (!names.insert(p.name).second)
            r.Fail(&n, "pipeline.name", "duplicate pipeline " + p.name);
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace nightjar::runner
