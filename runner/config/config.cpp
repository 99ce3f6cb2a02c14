// config.cpp parses nightjar.toml with toml++ and validates it table by table. Each table
// is read through a TableReader that marks the keys it consumed; whatever is left over is
// an unknown key. Errors carry "<file>:<line>: <key>: <problem>", taken from the node's
// source region, so a typo is found without reading the code. Secrets are resolved here
// (from the environment or a referenced file) and are kept out of public_json (built in
// public_json.cpp).
#include "runner/config/config.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <set>

#include "runner/config/pipeline_config.hpp"
#include "runner/config/table_reader.hpp"
#include "runner/config/toml_file.hpp"
#include "runner/formats/reader.hpp"

namespace nightjar::runner {
namespace {

// ReadRelevance reads [source.relevance].
void ReadRelevance(TableReader& r, SourceConfig& s) {
    r.Double("min_confidence", s.min_confidence, 0, 1);
    r.Double("header_weight", s.header_weight, 0, 1e6);
    r.StringList("expected_headers", s.expected_headers);
    for (const char* group : {"keywords", "patterns"}) {
        const toml::node* n = r.Node(group);
        if (!n) continue;
        if (!n->is_table()) r.Fail(n, group, "expected a table of name = weight");
        for (const auto& [k, v] : *n->as_table()) {
            RelevanceRule rule;
            std::string key(k.str());
            if (v.is_integer())
                rule.weight = static_cast<double>(v.as_integer()->get());
            else if (v.is_floating_point())
                rule.weight = v.as_floating_point()->get();
            else
                r.Fail(&v, std::string(group) + "." + key, "expected a number (the weight)");
            if (std::string(group) == "keywords") {
                rule.keyword = key;
            } else {
                std::string problem = RegexProblem(key);
                if (!problem.empty())
                    r.Fail(&v, std::string(group) + "." + key, "invalid regex: " + problem);
                rule.regex = key;
            }
            s.rules.push_back(rule);
        }
    }
}

// ReadSource reads one [[source]] table.
SourceConfig ReadSource(const toml::table& t, const std::string& where, const std::string& origin) {
    TableReader r(t, where, origin);
    SourceConfig s;
    s.name = r.RequiredMatching("name", "^[a-z][a-z0-9_]{0,62}$");
    s.kind = r.RequiredString("kind");
    if (s.kind != "dir" && s.kind != "http" && s.kind != "s3")
        r.Fail(r.Node("kind"), "kind", "must be dir, http or s3");
    r.String("location", s.location);
    if (s.kind == "dir" && s.location.empty()) r.Fail(nullptr, "location", "missing required key");
    r.String("format", s.format);
    static const std::set<std::string> formats{"auto", "ndjson", "json", "csv", "xlsx"};
    if (!formats.count(s.format))
        r.Fail(r.Node("format"), "format", "must be one of auto, ndjson, json, csv, xlsx");
    r.StringList("pattern", s.patterns);
    r.Int("batch_size", s.batch_size, 1, 1000000);
    r.Double("max_batch_mb", s.max_batch_mb, 0.001, 1e7);
    r.Int("max_files", s.max_files, 0, 100000000);
    r.String("archive", s.archive);
    if (s.archive != "move" && s.archive != "keep")
        r.Fail(r.Node("archive"), "archive", "must be move or keep");
    if (const toml::table* rel = r.Table("relevance")) {
        TableReader rr(*rel, r.Qualified("relevance"), origin);
        ReadRelevance(rr, s);
        rr.Finish();
    }
    if (const toml::table* rt = r.Table("retry")) {
        TableReader rr(*rt, r.Qualified("retry"), origin);
        rr.Int("attempts", s.retry.attempts, 1, 100);
        rr.Int("base_delay_ms", s.retry.base_delay_ms, 0, 3600000);
        rr.Int("max_delay_ms", s.retry.max_delay_ms, 0, 3600000);
        rr.Finish();
    }
    if (const toml::table* tt = r.Table("timeouts")) {
        TableReader rr(*tt, r.Qualified("timeouts"), origin);
        rr.Int("connect_s", s.connect_timeout_s, 1, 3600);
        rr.Int("total_s", s.timeout_s, 1, 86400);
        rr.Finish();
    }
    if (const toml::table* ft = r.Table("format_options")) {
        for (const auto& [k, v] : *ft) {
            std::string key(k.str());
            // The readers' own list, so a typo fails `apply` / `run` at once, not every file.
            std::string unknown = formats::UnknownOptionProblem(key);
            if (!unknown.empty()) r.Fail(&v, "format_options." + key, unknown);
            if (v.is_string())
                s.format_options[key] = v.as_string()->get();
            else if (v.is_boolean())
                s.format_options[key] = v.as_boolean()->get() ? "true" : "false";
            else if (v.is_integer())
                s.format_options[key] = std::to_string(v.as_integer()->get());
            else
                r.Fail(&v, "format_options." + key, "expected a string, boolean or integer");
            std::string bad = formats::OptionValueProblem(key, s.format_options[key]);
            if (!bad.empty()) r.Fail(&v, "format_options." + key, bad);
        }
    }
    const toml::table* ht = r.Table("http");
    if (s.kind == "http") {
        if (!ht) r.Fail(nullptr, "http", "missing required table [source.http] for kind http");
        TableReader rr(*ht, r.Qualified("http"), origin);
        s.http.list_url = rr.RequiredString("list_url");
        rr.String("items_field", s.http.items_field);
        rr.String("next_field", s.http.next_field);
        rr.String("id_field", s.http.id_field);
        rr.String("name_field", s.http.name_field);
        s.http.item_url = rr.RequiredString("item_url");
        rr.String("bookmark_field", s.http.bookmark_field);
        rr.String("bookmark_param", s.http.bookmark_param);
        rr.Secret("token", s.http.token);
        rr.String("login_url", s.http.login_url);
        rr.String("username", s.http.username);
        rr.Secret("password", s.http.password);
        rr.String("entities_query", s.http.entities_query);
        rr.String("login_entity_field", s.http.login_entity_field);
        rr.Finish();
        if (s.location.empty()) s.location = s.http.list_url;
    } else if (ht) {
        r.Fail(r.Node("http"), "http", "only allowed for kind http");
    }
    const toml::table* st = r.Table("s3");
    if (s.kind == "s3") {
        if (!st) r.Fail(nullptr, "s3", "missing required table [source.s3] for kind s3");
        TableReader rr(*st, r.Qualified("s3"), origin);
        s.s3.endpoint = rr.RequiredString("endpoint");
        s.s3.bucket = rr.RequiredString("bucket");
        rr.String("prefix", s.s3.prefix);
        rr.String("region", s.s3.region);
        if (!rr.Secret("access_key_id", s.s3.access_key_id))
            rr.Fail(nullptr, "access_key_id", "missing required key (or access_key_id_env)");
        if (!rr.Secret("secret_access_key", s.s3.secret_access_key))
            rr.Fail(nullptr, "secret_access_key_env",
                    "missing required key (or secret_access_key_file)");
        rr.Finish();
        if (s.location.empty()) s.location = "s3://" + s.s3.bucket + "/" + s.s3.prefix;
    } else if (st) {
        r.Fail(r.Node("s3"), "s3", "only allowed for kind s3");
    }
    r.Finish();

    s.public_json = PublicJson(s);
    return s;
}

}  // namespace

// ParseConfig validates TOML text; `origin` names the file in error messages.
Config ParseConfig(const std::string& text, const std::string& origin) {
    toml::table root = ParseToml(text, origin);
    Config c;
    c.path = origin;
    TableReader r(root, "", origin);
    if (const toml::table* db = r.Table("database")) {
        TableReader d(*db, "database", origin);
        d.Secret("url", c.database_url);
        d.Finish();
    }
    if (const toml::table* run = r.Table("runner")) {
        TableReader d(*run, "runner", origin);
        d.String("spool_dir", c.spool_dir);
        d.Finish();
    }
    c.sources = r.NamedTables<SourceConfig>("source", "source",
                                            [&](const toml::table& t, const std::string& where) {
                                                return ReadSource(t, where, origin);
                                            });
    if (const toml::node* pipes = r.Node("pipeline")) {
        if (!pipes->is_array_of_tables()) r.Fail(pipes, "pipeline", "expected [[pipeline]] tables");
        c.pipelines = ReadPipelines(*pipes->as_array(), origin);
    }
    r.Node("notify");  // [notify] is read by runner/notify/notify_config.cpp
    r.Finish();
    return c;
}

// LoadConfig reads and validates a nightjar.toml file; throws ConfigError.
Config LoadConfig(const std::string& path) { return ParseConfig(ReadConfigText(path), path); }

// FindSource returns the named source or throws ConfigError.
const SourceConfig& FindSource(const Config& config, const std::string& name) {
    for (const auto& s : config.sources)
        if (s.name == name) return s;
    throw ConfigError(config.path + ": no source named " + name);
}

}  // namespace nightjar::runner
