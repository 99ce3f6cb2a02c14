// regex.cpp: every regular expression that configuration supplies (relevance patterns) is
// an RE2 expression, matched in time linear in the text: `^(a+)+$` against a long name
// answers at once instead of backtracking for ever. Compiled expressions are cached by
// pattern text (a run scores every listed file against the same few patterns); the cache
// is guarded by a mutex and grows only with the configuration's distinct patterns.
#include <re2/re2.h>

#include <map>
#include <memory>
#include <mutex>

#include "runner/config/config.hpp"

namespace nightjar::runner {
namespace {

// Compiled returns the cached case-insensitive RE2 for `pattern` (compiling it once).
std::shared_ptr<const re2::RE2> Compiled(const std::string& pattern) {
    static std::mutex mu;
    static std::map<std::string, std::shared_ptr<const re2::RE2>> cache;
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(pattern);
    if (it != cache.end()) return it->second;
    re2::RE2::Options o;
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    auto re = std::make_shared<const re2::RE2>(pattern, o);
    cache.emplace(pattern, re);
    return re;
}

}  // namespace

// RegexProblem compiles the pattern and returns RE2's error ("" when it compiles).
std::string RegexProblem(const std::string& pattern) {
    auto re = Compiled(pattern);
    return re->ok() ? "" : re->error();
}

// RegexSearch matches the cached RE2 anywhere in the text.
bool RegexSearch(const std::string& pattern, const std::string& text) {
    auto re = Compiled(pattern);
    return re->ok() && re2::RE2::PartialMatch(text, *re);
}

}  // namespace nightjar::runner
