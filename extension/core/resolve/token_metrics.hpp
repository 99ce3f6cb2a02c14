// token_metrics.hpp: similarities of token lists (internal to the resolver).
#pragma once

#include <string_view>
#include <vector>

namespace nightjar::core::resolve {

using Tokens = std::vector<std::string_view>;

// kTokenMatch is the Jaro-Winkler similarity from which two tokens count as the same word.
constexpr double kTokenMatch = 0.88;

// TokenSetSimilarity pairs each token of the shorter list with its most similar unused
// token of the other (greedy, Jaro-Winkler >= kTokenMatch counts) and returns the sum of
// those similarities over the shorter list's length: 1 when one name's words are all in
// the other, whatever their order.
double TokenSetSimilarity(const Tokens& a, const Tokens& b);
// InitialsCompatible says whether every token of the shorter list matches a distinct token
// of the other, an initial matching any word that starts with it ("j dupont" / "jean dupont").
bool InitialsCompatible(const Tokens& a, const Tokens& b);
// JaccardSimilarity returns |A ∩ B| / |A ∪ B| of the token sets (exact tokens).
double JaccardSimilarity(const Tokens& a, const Tokens& b);
// TrigramSimilarity returns pg_trgm's similarity: trigrams of each word padded with two
// spaces before and one after, |A ∩ B| / |A ∪ B| of the trigram sets.
double TrigramSimilarity(const Tokens& a, const Tokens& b);
// StringJaroWinkler is JaroWinkler on bytes; with a threshold, JaroWinklerAtLeast.
double StringJaroWinkler(std::string_view a, std::string_view b);
double StringJaroWinkler(std::string_view a, std::string_view b, double threshold);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
