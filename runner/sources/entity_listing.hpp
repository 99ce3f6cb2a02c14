// entity_listing.hpp: the pure parts of a per-entity HTTP listing (issue 14): URL templates
// filled from a catalog row, the per-entity bookmark and the item's bookmark key.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace nightjar::runner {

// EntityRow is one row of a source's entities_query: column name -> value.
using EntityRow = std::map<std::string, std::string>;

// FillTemplate replaces each {column} of row in text by its URL-encoded value (and {id} by
// id when given); an unknown {name} is left as it is.
std::string FillTemplate(const std::string& text, const EntityRow& row, const std::string* id);

// EntityExtra is an item's bookmark key: entity, a 0x1f separator, then the item's value,
// so that ordering compares the entity first (a failed item only holds back the bookmark
// of its own entity and of the entities sorted after it).
std::string EntityExtra(const std::string& entity, const std::string& value);

// SplitEntityExtra splits an EntityExtra back; false when extra has no separator.
bool SplitEntityExtra(const std::string& extra, std::string& entity, std::string& value);

// ParseEntityBookmark reads {"entities": {"<entity>": "<since>", ...}} ({} when absent or
// malformed).
std::map<std::string, std::string> ParseEntityBookmark(const std::string& json);

// EntityBookmarkJson renders the per-entity bookmark.
std::string EntityBookmarkJson(const std::map<std::string, std::string>& since);

}  // namespace nightjar::runner
