// bookmark.cpp: the bookmark of an incremental listing (HTTP `since`) may only move past
// items that need not be listed again. It is computed from the relevant items of the
// listing (not only the failed ones), so an item left out of this run for any reason
// keeps the bookmark below it; items in between are listed again and skipped by checksum.
#include "runner/ingest/bookmark.hpp"

#include <algorithm>

namespace nightjar::runner {

// NewBookmarkItems keeps the staged items older than every relevant item not done.
std::vector<Candidate> NewBookmarkItems(const std::vector<Candidate>& relevant,
                                        const std::set<std::string>& done,
                                        std::vector<Candidate> staged) {
    std::string oldest;
    for (const auto& c : relevant) {
        if (done.count(c.key)) continue;
        if (c.extra.empty()) return {};
        if (oldest.empty() || c.extra < oldest) oldest = c.extra;
    }
    if (oldest.empty()) return staged;
    staged.erase(std::remove_if(staged.begin(), staged.end(),
                                [&](const Candidate& c) { return c.extra >= oldest; }),
                 staged.end());
    return staged;
}

}  // namespace nightjar::runner
