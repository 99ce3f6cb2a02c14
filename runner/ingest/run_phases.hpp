// run_phases.hpp: the phases of one source's run, shared by run.cpp (the loop),
// run_plan.cpp (which plan to follow) and run_batch.cpp (one batch: fetch, stage, tally,
// archive). Internal to runner/ingest.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "runner/config/config.hpp"
#include "runner/ingest/catalog.hpp"
#include "runner/ingest/report.hpp"
#include "runner/ingest/run.hpp"
#include "runner/ingest/stage.hpp"
#include "runner/sources/source.hpp"

namespace nightjar::runner {

// RunContext is what the phases of one source's run share.
struct RunContext {
    const Config& config;
    const SourceConfig& sc;
    const RunOptions& opt;
    RunReport& report;
    std::unique_ptr<pqxx::connection> conn;  // null only in a dry run without a database
    SourceRow row;
    std::unique_ptr<Source> source;
    long run_id = 0;  // nightjar.ingest_run, once begun
    std::filesystem::path spool;
    std::set<std::string> staged;   // checksums staged for the source, this run's included
    std::set<std::uint64_t> sizes;  // sizes of those files and of every file this run met:
                                    // a file of such a size is hashed before staging
    std::map<std::string, std::pair<std::string, std::string>>
        failed;        // checksum -> (key, error) of files that failed on their content this run
    std::string date;  // processing date of archived names
};

// ChosenPlan is the plan a run follows.
struct ChosenPlan {
    std::vector<PlannedBatch> batches;
    int from = 1;                // first batch to run
    long recorded_plan_id = 0;   // the recorded plan resumed (0: a new plan, to record)
    std::set<std::string> gone;  // keys of the recorded plan no longer listed
};

// ChoosePlan plans the scored listing anew, or resumes the source's recorded plan with
// --resume / --resume-from-batch; either way it fills the report's plan note and the
// changes of the listing since the recorded plan (when resumed, or when the latest plan
// was left unfinished). Throws ConfigError when there is nothing to resume.
ChosenPlan ChoosePlan(RunContext& ctx, const std::vector<Candidate>& listed,
                      const std::vector<Candidate>& relevant);

// FetchBatch locates or downloads each file of the batch into the spool, scores remote
// files with their headers, hashes the files whose size was met before (probable copies:
// the others are hashed as they are staged) and marks what is skipped (already staged,
// gone since the plan, vanished, below min_confidence) or failed (FileError).
std::vector<BatchFile> FetchBatch(RunContext& ctx, const PlannedBatch& pb,
                                  const std::set<std::string>& gone);

// StageFetched stages the batch and fills the batch report; returns whether its
// transaction committed. A lost connection is a CriticalError; any other failure fails the
// batch (its files stay in place for the next run).
bool StageFetched(RunContext& ctx, const PlannedBatch& pb, std::vector<BatchFile>& files,
                  BatchReport& br, const std::function<void(long)>& progress);

// TallyBatch counts the batch's files into its report and the run's failed files.
void TallyBatch(RunContext& ctx, const std::vector<BatchFile>& files, BatchReport& br);

// ArchiveBatch archives the files of a committed batch (failed ones to failure/, the others
// to success/), records where they went, and records a batch that had nothing to stage.
void ArchiveBatch(RunContext& ctx, std::vector<BatchFile>& files, const BatchReport& br);

}  // namespace nightjar::runner
