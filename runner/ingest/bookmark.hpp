// bookmark.hpp: which staged items an incremental source's new bookmark may pass.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "runner/model/candidate.hpp"

namespace nightjar::runner {

// NewBookmarkItems keeps the staged items the bookmark may pass: those older (by
// Candidate::extra, the bookmark field) than every item of `relevant` whose key is not in
// `done` — failed, cut by max_files, declined with --interactive, skipped by
// --resume-from-batch. `done` holds the keys staged, or skipped as already staged or
// below min_confidence, in this run. An undone item without a bookmark value cannot be
// ordered, so then nothing may be passed.
std::vector<Candidate> NewBookmarkItems(const std::vector<Candidate>& relevant,
                                        const std::set<std::string>& done,
                                        std::vector<Candidate> staged);

}  // namespace nightjar::runner
