// bookmark.cpp: the bookmark of an incremental listing (HTTP `since`) may only move past
// items that need not be listed again. It is computed from the relevant items of the
// listing (not only the failed ones), so an item left out of this run for any reason
// keeps the bookmark below it; items in between are listed again and skipped by checksum.
// A per-entity listing's values carry their entity (entity 0x1f value): an item not done
// holds back its own entity's bookmark only.
#include "runner/ingest/bookmark.hpp"

#include <algorithm>
#include <map>

namespace nightjar::runner {

// Group is the part of a bookmark value before its 0x1f separator: the entity of a
// per-entity listing (EntityExtra in runner/sources/entity_listing.hpp), "" otherwise.
std::string Group(const std::string& extra) {
    auto sep = extra.find('\x1f');
    return sep == std::string::npos ? std::string() : extra.substr(0, sep);
}

// NewBookmarkItems keeps the staged items older than every relevant item not done of the
// same group (per-entity listings: the same entity; otherwise all items form one group).
std::vector<Candidate> NewBookmarkItems(const std::vector<Candidate>& relevant,
                                        const std::set<std::string>& done,
                                        std::vector<Candidate> staged) {
    std::map<std::string, std::string> oldest;  // group -> oldest value not done
    for (const auto& c : relevant) {
        if (done.count(c.key)) continue;
        if (c.extra.empty()) return {};
        auto [it, fresh] = oldest.emplace(Group(c.extra), c.extra);
        if (!fresh && c.extra < it->second) it->second = c.extra;
    }
    staged.erase(std::remove_if(staged.begin(), staged.end(),
                                [&](const Candidate& c) {
                                    auto it = oldest.find(Group(c.extra));
                                    return it != oldest.end() && c.extra >= it->second;
                                }),
                 staged.end());
    return staged;
}

}  // namespace nightjar::runner
