// normalize.hpp: the comparison forms of values (internal to the resolver).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nightjar::core::resolve {

// FoldText returns lower-case text without accents, every character that is not a letter
// or digit replaced by a space, runs of spaces collapsed; dotted acronyms ("S.A.R.L.")
// joined; '&' read as "and". Invalid UTF-8 bytes are dropped.
std::string FoldText(std::string_view in);
// NormalizeAddress is FoldText with the French street-type abbreviations expanded
// ("bd" -> "boulevard", "av" -> "avenue", "st" -> "saint", ...).
std::string NormalizeAddress(std::string_view in);
// NormalizeCode keeps the letters and digits of a code, lower-cased.
std::string NormalizeCode(std::string_view in);
// NormalizeExact trims and lower-cases (ASCII) a value compared for equality.
std::string NormalizeExact(std::string_view in);
// SplitTokens appends the space-separated tokens of a normalised string to `out`.
void SplitTokens(std::string_view normalized, std::vector<std::string_view>& out);
// PhoneticToken returns the phonetic key of one folded word (see phonetic.cpp).
std::string PhoneticToken(std::string_view word);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
