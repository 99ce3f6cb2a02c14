// table_reader.cpp: TableReader's strict, typed key access (see table_reader.hpp).
#include "runner/config/table_reader.hpp"

#include <cstdlib>
#include <fstream>
#include <regex>

#include "runner/config/config.hpp"
#include "runner/util/messages.hpp"

namespace nightjar::runner {

// RejectDuplicate throws a ConfigError at `item` if `name` is already in `names`.
void TableReader::RejectDuplicate(std::set<std::string>& names, const std::string& name,
                                  const toml::node& item, const std::string& key,
                                  const std::string& noun) const {
    if (names.insert(name).second) return;
    throw ConfigError(origin_ + ":" + std::to_string(item.source().begin.line) + ": " +
                      Qualified(key) + ".name: duplicate " + noun + " " + name);
}

// Fail throws a ConfigError naming the key and the line of `node`.
void TableReader::Fail(const toml::node* node, const std::string& key,
                       const std::string& what) const {
    long line = node ? static_cast<long>(node->source().begin.line)
                     : static_cast<long>(table_.source().begin.line);
    throw ConfigError(origin_ + ":" + std::to_string(line) + ": " + Qualified(key) + ": " + what);
}

// Qualified prefixes the key with the table's path.
std::string TableReader::Qualified(const std::string& key) const {
    return where_.empty() ? key : where_ + "." + key;
}

// Node returns the node of `key` (nullptr if absent) and marks it as known.
const toml::node* TableReader::Node(const std::string& key) {
    seen_.insert(key);
    return table_.get(key);
}

// String reads an optional string key.
bool TableReader::String(const std::string& key, std::string& out) {
    const toml::node* n = Node(key);
    if (!n) return false;
    if (!n->is_string()) Fail(n, key, "expected a string");
    out = n->as_string()->get();
    return true;
}

// RequiredString reads a string key that must be present and non-empty.
std::string TableReader::RequiredString(const std::string& key) {
    std::string v;
    if (!String(key, v)) Fail(nullptr, key, "missing required key");
    if (v.empty()) Fail(Node(key), key, "must not be empty");
    return v;
}

// RequiredMatching reads a required string key that must match the whole of `pattern`.
std::string TableReader::RequiredMatching(const std::string& key, const std::string& pattern) {
    std::string v = RequiredString(key);
    if (!std::regex_match(v, std::regex(pattern))) Fail(Node(key), key, "must match " + pattern);
    return v;
}

// Int reads an optional integer key within [lo, hi].
void TableReader::Int(const std::string& key, int& out, long lo, long hi) {
    const toml::node* n = Node(key);
    if (!n) return;
    if (!n->is_integer()) Fail(n, key, "expected an integer");
    long v = static_cast<long>(n->as_integer()->get());
    if (v < lo || v > hi)
        Fail(n, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = static_cast<int>(v);
}

// Double reads an optional number (integer or float) within [lo, hi].
void TableReader::Double(const std::string& key, double& out, double lo, double hi) {
    const toml::node* n = Node(key);
    if (!n) return;
    double v;
    if (n->is_integer())
        v = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point())
        v = n->as_floating_point()->get();
    else
        Fail(n, key, "expected a number");
    if (v < lo || v > hi)
        Fail(n, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = v;
}

// Bool reads an optional boolean.
void TableReader::Bool(const std::string& key, bool& out) {
    const toml::node* n = Node(key);
    if (!n) return;
    if (!n->is_boolean()) Fail(n, key, "expected a boolean");
    out = n->as_boolean()->get();
}

// StringList reads a string or an array of strings.
bool TableReader::StringList(const std::string& key, std::vector<std::string>& out) {
    const toml::node* n = Node(key);
    if (!n) return false;
    out.clear();
    if (n->is_string()) {
        out.push_back(n->as_string()->get());
        return true;
    }
    if (!n->is_array()) Fail(n, key, "expected a string or an array of strings");
    for (const auto& e : *n->as_array()) {
        if (!e.is_string()) Fail(&e, key, "expected an array of strings");
        out.push_back(e.as_string()->get());
    }
    return true;
}

// Table returns a sub-table (nullptr if absent).
const toml::table* TableReader::Table(const std::string& key) {
    const toml::node* n = Node(key);
    if (!n) return nullptr;
    if (!n->is_table()) Fail(n, key, "expected a table");
    return n->as_table();
}

// Secret resolves `<key>` (literal, discouraged), `<key>_env` or `<key>_file`.
bool TableReader::Secret(const std::string& key, std::string& out) {
    std::string literal, env, file;
    bool has_literal = String(key, literal), has_env = String(key + "_env", env),
         has_file = String(key + "_file", file);
    if (has_literal + has_env + has_file > 1)
        Fail(Node(key + "_env"), key,
             "set only one of " + key + ", " + key + "_env, " + key + "_file");
    if (has_literal) out = literal;
    if (has_env) {
        const char* v = std::getenv(env.c_str());
        if (!v)
            Fail(Node(key + "_env"), key + "_env", "environment variable " + env + " is not set");
        out = v;
    }
    if (has_file) {
        std::ifstream in(file);
        if (!in) Fail(Node(key + "_file"), key + "_file", "cannot read " + file);
        std::getline(in, out);
        out = FirstLine(out);  // a CRLF file or trailing spaces leave no trace in the secret
    }
    return has_literal || has_env || has_file;
}

// Finish rejects every key that was not read.
void TableReader::Finish() const {
    for (const auto& [k, v] : table_) {
        std::string key(k.str());
        if (!seen_.count(key)) Fail(&v, key, "unknown key");
    }
}

}  // namespace nightjar::runner
