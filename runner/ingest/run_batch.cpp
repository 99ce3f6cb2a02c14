// run_batch.cpp: one batch of a run, phase by phase — fetch (locate or download, score
// remote files with their headers, hash the probable copies and skip what is staged),
// stage (one transaction; each file read once and hashed as read), tally (the report),
// archive (after COMMIT: move files, record where).
// Memory: the batch's file list; records stream one at a time (stage.cpp).
#include <filesystem>
#include <map>

#include "runner/ingest/checksum.hpp"
#include "runner/ingest/run_phases.hpp"
#include "runner/ingest/score.hpp"
#include "runner/ingest/spool.hpp"
#include "runner/model/errors.hpp"
#include "runner/util/messages.hpp"

namespace fs = std::filesystem;

namespace nightjar::runner {
namespace {

// Skip marks a file skipped with its reason.
void Skip(BatchFile& f, const char* reason) {
    f.status = FileStatus::kSkipped;
    f.error = reason;
}

// Locate sets the file's readable path: in place, or downloaded into the spool (then
// scored with its headers, which could not be read at listing time). Returns false when
// the file is not there any more.
bool Locate(RunContext& ctx, BatchFile& f, int& spool_seq) {
    if (auto local = ctx.source->LocalPath(f.candidate)) {
        f.path = *local;
        // Another runner may have archived it since the listing: nothing to do here.
        if (fs::exists(f.path)) return true;
        Skip(f, "vanished since listing");
        return false;
    }
    f.path = (ctx.spool / SpoolName(++spool_seq, f.candidate.name)).string();
    ctx.source->Fetch(f.candidate, f.path);
    if (ctx.sc.expected_headers.empty()) return true;
    f.candidate.confidence = ScoreFile(f.candidate, ctx.sc, f.path);
    if (f.candidate.confidence < ctx.sc.min_confidence) {
        Skip(f, "below min_confidence after header check");
        f.keep_in_place = true;  // not relevant: left where it is, not archived to success/
    }
    return true;
}

}  // namespace

// FetchBatch locates, scores and de-duplicates the batch's files. A file is read once: its
// checksum is that of the bytes its records are read from, taken while they are read
// (stage.cpp). Only a file whose size was met before (a file staged for the source, or
// one this run met) may be a copy: it is hashed here, so that a copy is skipped without
// being staged, and the earlier files of this batch with that size are hashed with it.
std::vector<BatchFile> FetchBatch(RunContext& ctx, const PlannedBatch& pb,
                                  const std::set<std::string>& gone) {
    std::vector<BatchFile> files;
    std::map<std::string, std::string> in_batch;  // checksum -> key of this batch's file
    int spool_seq = 0;
    // Register notes a pending hashed file: a copy later in the plan is skipped.
    auto register_pending = [&](const BatchFile& f) {
        ctx.staged.insert(f.checksum);
        in_batch.emplace(f.checksum, f.candidate.key);
    };
    for (const auto& c : pb.files) {
        BatchFile f;
        f.candidate = c;
        if (gone.count(c.key)) {
            Skip(f, "gone since the plan");
            files.push_back(std::move(f));
            continue;
        }
        try {
            if (Locate(ctx, f, spool_seq)) {
                f.size = fs::file_size(f.path);
                if (ctx.sizes.count(f.size)) {
                    f.checksum = Sha256File(f.path, &f.size);
                    for (auto& e : files) {
                        if (e.status != FileStatus::kPending || !e.checksum.empty() ||
                            e.size != f.size || e.path.empty())
                            continue;
                        try {
                            e.checksum = Sha256File(e.path, &e.size);
                            register_pending(e);
                        } catch (const FileError&) {
                            e.checksum.clear();  // unreadable now: its staging says why
                        }
                    }
                }
                ctx.sizes.insert(f.size);
            }
            auto failed = f.checksum.empty() ? ctx.failed.end() : ctx.failed.find(f.checksum);
            if (f.status == FileStatus::kPending && failed != ctx.failed.end()) {
                // A copy of a file that failed earlier in this run fails the same way.
                Skip(f, "");
                f.error = "identical to " + failed->second.first +
                          ", which failed earlier in this run: " + failed->second.second;
                f.duplicate_of = failed->second.first;
                f.to_failure = true;
            } else if (f.status == FileStatus::kPending && !f.checksum.empty() &&
                       ctx.staged.count(f.checksum)) {
                Skip(f, "already staged");
                auto same = in_batch.find(f.checksum);
                if (same != in_batch.end()) f.duplicate_of = same->second;  // decided after staging
            }
            // A copy later in the plan is skipped as already staged.
            if (f.status == FileStatus::kPending && !f.checksum.empty()) register_pending(f);
        } catch (const fs::filesystem_error& e) {
            f.status = FileStatus::kFailed;
            f.error = c.key + ": cannot read its size: " + e.code().message();
            f.checksum.clear();
        } catch (const FileError& e) {
            f.status = FileStatus::kFailed;
            f.error = e.what();
            f.checksum.clear();
        }
        files.push_back(std::move(f));
    }
    return files;
}

// ResolveCopies settles the files skipped as copies of a file of the same batch once that
// file's fate is known: a copy of a file that failed is archived to failure/ with the reason.
void ResolveCopies(std::vector<BatchFile>& files) {
    for (auto& copy : files) {
        if (copy.status != FileStatus::kSkipped || copy.duplicate_of.empty() || copy.to_failure)
            continue;
        for (const auto& f : files) {
            if (f.candidate.key != copy.duplicate_of || f.status != FileStatus::kFailed) continue;
            copy.error = "identical to " + f.candidate.key + ", which failed: " + f.error;
            copy.to_failure = true;
        }
    }
}

// StageFetched stages the batch and fills the batch report.
bool StageFetched(RunContext& ctx, const PlannedBatch& pb, std::vector<BatchFile>& files,
                  BatchReport& br, const std::function<void(long)>& progress) {
    try {
        auto outcome =
            StageBatch(*ctx.conn, ctx.run_id, ctx.row.source_id, ctx.sc, pb.seq, files, progress);
        br.batch_id = outcome.batch_id;
        br.records = outcome.records;
        br.status = !outcome.batch_id ? BatchStatus::kSkipped
                    : outcome.staged  ? BatchStatus::kStaged
                                      : BatchStatus::kFailed;
        ResolveCopies(files);
        return true;
    } catch (const pqxx::broken_connection& e) {
        throw CriticalError(kExitDatabase, "database unreachable: " + FirstLine(e.what()));
    } catch (const pqxx::in_doubt_error& e) {
        throw CriticalError(kExitDatabase, "database unreachable: " + FirstLine(e.what()));
    } catch (const std::exception& e) {
        std::string msg = FirstLine(e.what());
        br.status = BatchStatus::kFailed;
        br.error = msg;
        for (auto& f : files) {
            if (f.status == FileStatus::kPending || f.status == FileStatus::kStaged) {
                f.status = FileStatus::kFailed;
                f.error = "batch failed: " + msg;
            }
            f.file_id = 0;
        }
        ResolveCopies(files);
        return false;
    }
}

// TallyBatch counts the batch's files into its report and the run's failed files.
void TallyBatch(RunContext& ctx, const std::vector<BatchFile>& files, BatchReport& br) {
    for (const auto& f : files) {
        br.bytes += f.size;
        switch (f.status) {
            case FileStatus::kStaged:
                ++br.files_staged;
                ctx.staged.insert(f.checksum);  // known once staged (read once, hashed as read)
                break;
            case FileStatus::kFailed:
                ++br.files_failed;
                ctx.report.failed_files.push_back({br.seq, f.candidate.key, f.error});
                // A failed file's content may be staged by a later run (a re-run); in this
                // run, a copy of a file that failed on its own content fails the same way
                // (a file failed with its whole batch may still be staged by a copy).
                if (!f.checksum.empty()) {
                    ctx.staged.erase(f.checksum);
                    if (f.error.rfind("batch failed: ", 0) != 0)
                        ctx.failed.emplace(f.checksum, std::make_pair(f.candidate.key, f.error));
                }
                break;
            default:
                ++br.files_skipped;
        }
    }
}

// ArchiveBatch archives a committed batch's files and records where they went.
void ArchiveBatch(RunContext& ctx, std::vector<BatchFile>& files, const BatchReport& br) {
    for (auto& f : files) {
        try {
            if (f.keep_in_place) {
                // Skipped as not relevant: left where it is, recorded once (a changed file
                // that failed has its row already).
                if (f.status == FileStatus::kSkipped && !f.file_id)
                    RecordSkippedFile(*ctx.conn, ctx.run_id, br.batch_id,
                                      {f.candidate, f.checksum, f.size, f.error, ""});
                continue;
            }
            bool success = f.status != FileStatus::kFailed && !f.to_failure;
            f.archive_location = ctx.source->Archive(f.candidate, success, ctx.date);
            if (f.archive_location.empty()) continue;
            if (f.file_id) {
                RecordArchive(*ctx.conn, f.file_id, f.archive_location);
            } else if (f.status == FileStatus::kSkipped) {
                // A skipped file that was moved gets a row saying where it went.
                RecordSkippedFile(*ctx.conn, ctx.run_id, br.batch_id,
                                  {f.candidate, f.checksum, f.size, f.error, f.archive_location});
            }
        } catch (const FileError& e) {
            std::fprintf(stderr, "nightjar: warning: %s\n", e.what());
        }
    }
    if (!br.batch_id) SkipBatch(*ctx.conn, ctx.run_id, br.seq);
}

}  // namespace nightjar::runner
