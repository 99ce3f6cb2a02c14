// glob.cpp: brace alternatives are expanded first (one level, repeated), then each
// alternative is matched by a backtracking matcher. Patterns come from configuration and
// are short; the worst case is exponential in the number of `*` of one pattern, which
// configuration keeps small.
#include "runner/util/glob.hpp"

#include <vector>

namespace nightjar::runner {
namespace {

// ExpandBraces turns "a.{x,y}" into {"a.x", "a.y"} (one level, repeated).
std::vector<std::string> ExpandBraces(const std::string& p) {
    auto open = p.find('{');
    if (open == std::string::npos) return {p};
    auto close = p.find('}', open);
    if (close == std::string::npos) return {p};
    std::vector<std::string> out;
    std::string body = p.substr(open + 1, close - open - 1);
    size_t start = 0;
    while (true) {
        size_t comma = body.find(',', start);
        std::string alt =
            body.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        for (auto& e : ExpandBraces(p.substr(0, open) + alt + p.substr(close + 1)))
            out.push_back(e);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

// Match is a backtracking glob matcher over pattern[pi..] and text[ti..].
bool Match(const std::string& p, size_t pi, const std::string& t, size_t ti) {
    while (pi < p.size()) {
        if (p[pi] == '*') {
            bool deep = pi + 1 < p.size() && p[pi + 1] == '*';
            size_t next = pi + (deep ? 2 : 1);
            if (deep && next < p.size() && p[next] == '/') {
                // "**/" also matches zero directories.
                if (Match(p, next + 1, t, ti)) return true;
            }
            for (size_t k = ti; k <= t.size(); ++k) {
                if (Match(p, next, t, k)) return true;
                if (k < t.size() && t[k] == '/' && !deep) return false;
            }
            return false;
        }
        if (ti >= t.size()) return false;
        if (p[pi] == '?') {
            if (t[ti] == '/') return false;
        } else if (p[pi] != t[ti]) {
            return false;
        }
        ++pi;
        ++ti;
    }
    return ti == t.size();
}

}  // namespace

// GlobMatch matches a path against a glob.
bool GlobMatch(const std::string& pattern, const std::string& path) {
    for (const auto& p : ExpandBraces(pattern))
        if (Match(p, 0, path, 0)) return true;
    return false;
}

}  // namespace nightjar::runner
