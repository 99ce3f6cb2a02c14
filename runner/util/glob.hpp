// glob.hpp: the file-name patterns of a source (`pattern = "**/*.csv"`), shared by every
// source kind's listing.
#pragma once

#include <string>

namespace nightjar::runner {

// GlobMatch matches a path against a glob: * and ? stay within a segment, ** crosses '/',
// {a,b} alternates.
bool GlobMatch(const std::string& pattern, const std::string& path);

}  // namespace nightjar::runner
