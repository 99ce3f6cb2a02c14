// table_reader.hpp: typed, strict reading of one TOML table. Every key read is marked;
// Finish() rejects the keys nobody read, so a typo in nightjar.toml is an error naming
// the file, the line and the key instead of a silently ignored setting.
#pragma once

#include <toml++/toml.h>

#include <set>
#include <string>
#include <vector>

namespace nightjar::runner {

// TableReader reads typed keys of one TOML table and reports unknown or missing ones.
class TableReader {
  public:
    TableReader(const toml::table& table, std::string where, std::string origin)
        : table_(table), where_(std::move(where)), origin_(std::move(origin)) {}

    // Fail throws a ConfigError naming the key and the line of `node`.
    [[noreturn]] void Fail(const toml::node* node, const std::string& key,
                           const std::string& what) const;
    // Qualified prefixes the key with the table's path.
    std::string Qualified(const std::string& key) const;
    // Node returns the node of `key` (nullptr if absent) and marks it as known.
    const toml::node* Node(const std::string& key);
    // String reads an optional string key.
    bool String(const std::string& key, std::string& out);
    // RequiredString reads a string key that must be present and non-empty.
    std::string RequiredString(const std::string& key);
    // RequiredMatching reads a required string key that must match the whole of `pattern`.
    std::string RequiredMatching(const std::string& key, const std::string& pattern);
    // Int reads an optional integer key within [lo, hi].
    void Int(const std::string& key, int& out, long lo, long hi);
    // Double reads an optional number (integer or float) within [lo, hi].
    void Double(const std::string& key, double& out, double lo, double hi);
    // Bool reads an optional boolean.
    void Bool(const std::string& key, bool& out);
    // StringList reads a string or an array of strings.
    bool StringList(const std::string& key, std::vector<std::string>& out);
    // Table returns a sub-table (nullptr if absent).
    const toml::table* Table(const std::string& key);
    // Secret resolves `<key>` (literal, discouraged), `<key>_env` or `<key>_file`.
    bool Secret(const std::string& key, std::string& out);
    // NamedTables reads the [[key]] tables with `read(table, "<path>[i]")`, rejecting two
    // results with the same `name` (`noun` names one in the error); no key gives none.
    template <class T, class ReadFn>
    std::vector<T> NamedTables(const std::string& key, const std::string& noun, ReadFn read);
    // Finish rejects every key that was not read.
    void Finish() const;
    // Line returns the line where the table starts.
    long Line() const { return static_cast<long>(table_.source().begin.line); }

  private:
    // RejectDuplicate throws a ConfigError at `item` if `name` is already in `names`.
    void RejectDuplicate(std::set<std::string>& names, const std::string& name,
                         const toml::node& item, const std::string& key,
                         const std::string& noun) const;

    const toml::table& table_;
    std::string where_;
    std::string origin_;
    std::set<std::string> seen_;
};

// NamedTables reads an array of named tables (see the declaration).
template <class T, class ReadFn>
std::vector<T> TableReader::NamedTables(const std::string& key, const std::string& noun,
                                        ReadFn read) {
    std::vector<T> out;
    const toml::node* node = Node(key);
    if (!node) return out;
    if (!node->is_array_of_tables()) Fail(node, key, "expected [[" + Qualified(key) + "]] tables");
    std::set<std::string> names;
    for (const auto& item : *node->as_array()) {
        T t = read(*item.as_table(), Qualified(key) + "[" + std::to_string(out.size()) + "]");
        RejectDuplicate(names, t.name, item, key, noun);
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace nightjar::runner
