// plan.cpp: relevance scoring and batch planning. Scoring is linear in the number of
// rules; planning sorts once (n log n) and splits greedily in order, so the plan is a
// deterministic function of the listing and the configuration: two runs over the same
// listing produce the same batches, which is what --resume-from-batch relies on.
#include "runner/ingest/plan.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

namespace nightjar::runner {

namespace {

// Lower returns an ASCII-lowercased copy.
std::string Lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

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

// ScoreName returns the weighted fraction of relevance rules matched by the path.
double ScoreName(const std::string& path, const std::vector<RelevanceRule>& rules) {
    double total = 0, matched = 0;
    std::string lower = Lower(path);
    for (const auto& r : rules) {
        total += r.weight;
        bool hit = !r.keyword.empty()
                       ? lower.find(Lower(r.keyword)) != std::string::npos
                       : std::regex_search(path, std::regex(r.regex, std::regex::icase));
        if (hit) matched += r.weight;
    }
    return total > 0 ? matched / total : 1.0;
}

// CombineScore merges the name score with the header score.
double CombineScore(double name_score, const std::vector<RelevanceRule>& rules, double header_score,
                    double header_weight) {
    double total = 0;
    for (const auto& r : rules) total += r.weight;
    if (total <= 0) return header_score;
    double hw = header_weight * total;  // header_weight is relative to the sum of rule weights
    return (name_score * total + header_score * hw) / (total + hw);
}

// GlobMatch matches a path against a glob.
bool GlobMatch(const std::string& pattern, const std::string& path) {
    for (const auto& p : ExpandBraces(pattern))
        if (Match(p, 0, path, 0)) return true;
    return false;
}

// PlanBatches filters, orders, caps and splits the candidates.
std::vector<PlannedBatch> PlanBatches(std::vector<Candidate> candidates,
                                      const SourceConfig& source) {
    candidates.erase(
        std::remove_if(candidates.begin(), candidates.end(),
                       [&](const Candidate& c) { return c.confidence < source.min_confidence; }),
        candidates.end());
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (a.confidence != b.confidence) return a.confidence > b.confidence;
        if (a.size != b.size) return a.size < b.size;
        return a.key < b.key;
    });
    if (source.max_files > 0 && candidates.size() > static_cast<size_t>(source.max_files))
        candidates.resize(static_cast<size_t>(source.max_files));
    const auto max_bytes = static_cast<std::uint64_t>(source.max_batch_mb * 1024 * 1024);
    std::vector<PlannedBatch> batches;
    for (auto& c : candidates) {
        bool need_new =
            batches.empty() ||
            batches.back().files.size() >= static_cast<size_t>(source.batch_size) ||
            (!batches.back().files.empty() && batches.back().bytes + c.size > max_bytes);
        if (need_new) {
            batches.emplace_back();
            batches.back().seq = static_cast<int>(batches.size());
        }
        batches.back().bytes += c.size;
        batches.back().files.push_back(std::move(c));
    }
    return batches;
}

// SpoolName derives a spool file name that cannot escape the spool directory.
std::string SpoolName(int seq, const std::string& key) {
    std::string base = key;
    auto slash = base.find_last_of("/\\");
    if (slash != std::string::npos) base = base.substr(slash + 1);
    std::string clean;
    for (unsigned char c : base)
        clean += (std::isalnum(c) || c == '.' || c == '_' || c == '-') ? static_cast<char>(c) : '_';
    while (!clean.empty() && clean.front() == '.') clean.erase(0, 1);
    if (clean.size() > 100) clean = clean.substr(clean.size() - 100);
    if (clean.empty()) clean = "file";
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%06d-", seq);
    return prefix + clean;
}

}  // namespace nightjar::runner
