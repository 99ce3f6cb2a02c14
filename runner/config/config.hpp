// config.hpp: the runner's configuration (nightjar.toml) as plain structs. Parsing and
// validation live in config.cpp; every error names the key and the line.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace nightjar::runner {

// ConfigError is an invalid configuration: unknown key, wrong type, missing key.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// RelevanceRule is one weighted keyword (substring, case-insensitive) or regex on the path.
struct RelevanceRule {
    std::string keyword;  // empty when regex is set
    std::string regex;    // empty when keyword is set
    double weight = 1.0;
};

// RegexProblem returns "" when `pattern` compiles as an RE2 regular expression (linear
// time, no backtracking: a configuration-supplied pattern cannot hang the runner), else
// RE2's error text.
std::string RegexProblem(const std::string& pattern);

// RegexSearch tells whether the RE2 `pattern` matches anywhere in `text`, case-insensitively
// (compiled once per pattern and cached; an invalid pattern never matches).
bool RegexSearch(const std::string& pattern, const std::string& text);

// RetryPolicy bounds retries of downloads (timeouts, 429, 5xx): exponential backoff with jitter.
struct RetryPolicy {
    int attempts = 4;
    int base_delay_ms = 200;
    int max_delay_ms = 10000;
};

// HttpOptions describes a JSON web service: a paginated listing, then one fetch per item.
struct HttpOptions {
    std::string list_url;               // e.g. http://host/api/items
    std::string items_field = "items";  // array of items in the listing page
    std::string next_field = "next";    // URL (or empty/null) of the next page
    std::string id_field = "id";
    std::string name_field = "name";
    std::string item_url;        // template with {id}
    std::string bookmark_field;  // item field recorded as the bookmark (e.g. "updated_at")
    std::string bookmark_param = "since";
    std::string token;      // resolved secret (never printed)
    std::string login_url;  // POST {"username","password"} -> {"token": ...}
    std::string username;
    std::string password;  // resolved secret (never printed)
    // Per-entity listing (entity_listing.hpp): one listing per row of entities_query, whose
    // columns fill {column} in list_url, item_url and login_url; the login body names the
    // entity in login_entity_field (when set); the bookmark is kept per entity.
    std::string entities_query;
    std::string login_entity_field;
};

// S3Options describes an S3-compatible bucket reached by path-style URLs and SigV4.
struct S3Options {
    std::string endpoint;  // http://127.0.0.1:4569
    std::string bucket;
    std::string prefix;
    std::string region = "us-east-1";
    std::string access_key_id;      // resolved (may come from env)
    std::string secret_access_key;  // resolved secret (never printed)
};

// SourceConfig is one [[source]] table.
struct SourceConfig {
    std::string name;
    std::string kind;             // dir | http | s3
    std::string location;         // dir: path; http: list_url; s3: s3://bucket/prefix (informative)
    std::string format = "auto";  // auto | ndjson | json | csv | xlsx
    std::vector<std::string> patterns{"*"};  // glob on the relative path (** crosses '/')
    int batch_size = 100;
    double max_batch_mb = 512;
    int max_files = 0;  // 0: unlimited
    double min_confidence = 0;
    std::vector<RelevanceRule> rules;
    std::vector<std::string> expected_headers;
    double header_weight = 1.0;
    std::string archive = "move";  // move (to success/ failure/) | keep
    RetryPolicy retry;
    int connect_timeout_s = 10;
    int timeout_s = 300;
    std::map<std::string, std::string> format_options;  // passed to the format readers
    HttpOptions http;
    S3Options s3;
    std::string public_json;  // the source's settings without secrets, for nightjar.source.config
};

// StepConfig is one [[pipeline.step]]: an SQL function run for every event on a topic.
struct StepConfig {
    std::string name;
    std::string function;    // e.g. nightjar.validate_step(jsonb)
    std::string subscribes;  // topic
    std::string emits;       // topic emitted on success; empty: none
    int max_attempts = 3;
    std::string backoff = "30 seconds";  // a PostgreSQL interval
    std::string timeout = "10 minutes";  // a PostgreSQL interval
    std::string match;                   // JSON object the event payload must contain; "": any
    long line = 0;                       // where it is declared, for error messages
};

// PipelineConfig is one [[pipeline]] table: applied with nightjar.define_pipeline/define_step.
struct PipelineConfig {
    std::string name;
    std::string description;
    std::string lock_key = "source_id";  // "" in the file (lock_key = "") means none
    std::string deadline;                // HH:MM, empty: none
    std::string deadline_tz = "UTC";
    std::string notify;
    std::vector<StepConfig> steps;
    long line = 0;
};

// Config is the whole file.
struct Config {
    std::string path;
    std::string database_url;  // empty: DefaultDatabaseUrl()
    std::string spool_dir;     // empty: <cluster home>/spool
    std::vector<SourceConfig> sources;
    std::vector<PipelineConfig> pipelines;
};

// LoadConfig reads and validates a nightjar.toml file; throws ConfigError.
Config LoadConfig(const std::string& path);

// ParseConfig validates TOML text; `origin` names the file in error messages.
Config ParseConfig(const std::string& text, const std::string& origin);

// PublicJson returns the source's settings without secrets (public_json), as stored in
// nightjar.source.config: every setting except resolved secrets and where they come from.
std::string PublicJson(const SourceConfig& source);

// FindSource returns the named source or throws ConfigError.
const SourceConfig& FindSource(const Config& config, const std::string& name);

}  // namespace nightjar::runner
