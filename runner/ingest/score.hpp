// score.hpp: relevance scoring, in one place. A candidate's confidence is its name score
// (weighted relevance rules on its path), mixed with the fraction of expected headers the
// file has when the file can be opened: at planning time for files read in place, after
// download for remote files (whose headers cannot be read before).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runner/config/config.hpp"
#include "runner/model/candidate.hpp"

namespace nightjar::runner {

class Source;

// ScoreName returns the weighted fraction of relevance rules matched by the path, in [0, 1]
// (1 when the source has no rules). Keywords match case-insensitively as substrings.
double ScoreName(const std::string& path, const std::vector<RelevanceRule>& rules);

// CombineScore merges the name score with the header score (fraction of expected headers
// found) weighting the header part by header_weight relative to the total rule weight.
double CombineScore(double name_score, const std::vector<RelevanceRule>& rules, double header_score,
                    double header_weight);

// ScoreFile returns a candidate's confidence: its name score, mixed with the header score
// of the file at `readable` when given, expected headers are configured, and the file can
// be read (an unreadable file keeps its name score and fails at staging with the reader's
// error instead of silently dropping below min_confidence).
double ScoreFile(const Candidate& c, const SourceConfig& sc,
                 const std::optional<std::string>& readable);

// ScoreListing sets the confidence of every listed candidate (ScoreFile, with the file's
// own path for sources read in place).
void ScoreListing(std::vector<Candidate>& listed, Source& source, const SourceConfig& sc);

}  // namespace nightjar::runner
