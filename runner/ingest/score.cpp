// score.cpp: scoring is linear in the number of rules per file; the header part opens the
// file and reads only its header (PeekHeaders). Each file is scored once, by ScoreFile:
// at listing time (in-place files) or after its download (remote files).
#include "runner/ingest/score.hpp"

#include <cctype>

#include "runner/ingest/records.hpp"
#include "runner/sources/source.hpp"

namespace nightjar::runner {
namespace {

// Lower returns an ASCII-lowercased copy.
std::string Lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

// ScoreName returns the weighted fraction of relevance rules matched by the path.
double ScoreName(const std::string& path, const std::vector<RelevanceRule>& rules) {
    double total = 0, matched = 0;
    std::string lower = Lower(path);
    for (const auto& r : rules) {
        total += r.weight;
        bool hit = !r.keyword.empty() ? lower.find(Lower(r.keyword)) != std::string::npos
                                      : RegexSearch(r.regex, path);
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

// ScoreFile returns the candidate's confidence from its name and, when readable, headers.
double ScoreFile(const Candidate& c, const SourceConfig& sc,
                 const std::optional<std::string>& readable) {
    double name_score = ScoreName(c.rel_path.empty() ? c.key : c.rel_path, sc.rules);
    if (sc.expected_headers.empty() || !readable) return name_score;
    auto fraction = HeaderFraction(*readable, sc);
    return fraction ? CombineScore(name_score, sc.rules, *fraction, sc.header_weight) : name_score;
}

// ScoreListing sets the confidence of every listed candidate.
void ScoreListing(std::vector<Candidate>& listed, Source& source, const SourceConfig& sc) {
    for (auto& c : listed) c.confidence = ScoreFile(c, sc, source.LocalPath(c));
}

}  // namespace nightjar::runner
