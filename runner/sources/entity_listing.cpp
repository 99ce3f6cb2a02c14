// entity_listing.cpp: templates and per-entity bookmarks of the per-entity HTTP listing.
// Linear in the template and the bookmark; no I/O.
#include "runner/sources/entity_listing.hpp"

#include <simdjson.h>

#include "runner/sources/http_client.hpp"
#include "runner/util/json_text.hpp"

namespace nightjar::runner {

// FillTemplate substitutes {column} placeholders left to right.
std::string FillTemplate(const std::string& text, const EntityRow& row, const std::string* id) {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        size_t open = text.find('{', i);
        size_t close = open == std::string::npos ? open : text.find('}', open);
        if (close == std::string::npos) {
            out += text.substr(i);
            break;
        }
        std::string name = text.substr(open + 1, close - open - 1);
        out += text.substr(i, open - i);
        auto it = row.find(name);
        if (id && name == "id")
            out += UrlEncode(*id, false);
        else if (it != row.end())
            out += UrlEncode(it->second, false);
        else
            out += text.substr(open, close - open + 1);
        i = close + 1;
    }
    return out;
}

// EntityExtra joins entity and value with 0x1f (below every printable character).
std::string EntityExtra(const std::string& entity, const std::string& value) {
    return entity + '\x1f' + value;
}

// SplitEntityExtra splits at the first 0x1f.
bool SplitEntityExtra(const std::string& extra, std::string& entity, std::string& value) {
    auto sep = extra.find('\x1f');
    if (sep == std::string::npos) return false;
    entity = extra.substr(0, sep);
    value = extra.substr(sep + 1);
    return true;
}

// ParseEntityBookmark reads the string members of "entities".
std::map<std::string, std::string> ParseEntityBookmark(const std::string& json) {
    std::map<std::string, std::string> out;
    if (json.empty()) return out;
    simdjson::dom::parser p;
    simdjson::dom::element doc, entities;
    if (p.parse(json).get(doc) || !doc.is_object() || doc["entities"].get(entities) ||
        !entities.is_object())
        return out;
    for (auto field : entities.get_object())
        if (field.value.is_string())
            out[std::string(field.key)] = std::string(std::string_view(field.value.get_string()));
    return out;
}

// EntityBookmarkJson writes {"entities": {...}} in key order.
std::string EntityBookmarkJson(const std::map<std::string, std::string>& since) {
    std::string out = "{\"entities\":{";
    bool first = true;
    for (const auto& [entity, value] : since) {
        if (!first) out += ",";
        first = false;
        out += JsonString(entity) + ":" + JsonString(value);
    }
    return out + "}}";
}

}  // namespace nightjar::runner
