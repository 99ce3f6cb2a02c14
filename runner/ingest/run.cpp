// run.cpp: the batch loop. Phases per source: list → score → plan (a deterministic
// function of the current listing; --resume-from-batch K skips batches 1..K-1 of this
// plan, not of an earlier run's) → for each batch: check free disk, fetch into a per-run
// spool, checksum, skip what is already staged, stage in one transaction, archive, clear
// the spool. A failed batch is reported and the loop goes on; a CriticalError (auth,
// database, disk) stops it, and the spool is removed on every way out. Memory: one
// batch's file list and one record at a time.
#include "runner/ingest/run.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "runner/cluster/local_cluster.hpp"
#include "runner/ingest/bookmark.hpp"
#include "runner/ingest/catalog.hpp"
#include "runner/ingest/checksum.hpp"
#include "runner/ingest/errors.hpp"
#include "runner/ingest/plan.hpp"
#include "runner/ingest/records.hpp"
#include "runner/ingest/report.hpp"
#include "runner/ingest/stage.hpp"
#include "runner/sources/source.hpp"

namespace fs = std::filesystem;

namespace nightjar::runner {
namespace {

using Clock = std::chrono::steady_clock;

// UtcNow formats the current UTC time with strftime's `format`.
std::string UtcNow(const char* format) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

// SpoolRoot returns the configured spool root, else <cluster home>/spool.
fs::path SpoolRoot(const Config& config) {
    if (!config.spool_dir.empty()) return config.spool_dir;
    return fs::path(ResolveClusterPaths().home) / "spool";
}

// ClearStaleSpools removes spool directories of this source whose runner is gone.
void ClearStaleSpools(const fs::path& root, const std::string& source) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        std::string n = e.path().filename().string();
        if (n.rfind(source + "-", 0) != 0) continue;
        std::string pid = n.substr(source.size() + 1);
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        if (std::stol(pid) != static_cast<long>(getpid()) && !fs::exists("/proc/" + pid))
            fs::remove_all(e.path(), ec);
    }
}

// CheckDisk throws CriticalError(kExitDisk) when free space is below need + margin.
void CheckDisk(const fs::path& dir, std::uint64_t need, double margin_mb) {
    struct statvfs st {};
    if (statvfs(dir.c_str(), &st) != 0) return;
    std::uint64_t free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    std::uint64_t want = need + static_cast<std::uint64_t>(margin_mb * 1048576.0);
    if (free_bytes < want)
        throw CriticalError(kExitDisk, "free disk below batch size plus margin: " +
                                           std::to_string(free_bytes / 1048576) + " MB free in " +
                                           dir.string() + ", " + std::to_string(want / 1048576) +
                                           " MB needed");
}

// SpoolGuard removes the run's spool directory when the run ends, however it ends
// (a critical error included), unless --no-cleanup asked to keep it.
struct SpoolGuard {
    fs::path dir;
    bool keep = false;
    // ~SpoolGuard removes the spool unless it is to be kept.
    ~SpoolGuard() {
        std::error_code ec;
        if (!keep && !dir.empty()) fs::remove_all(dir, ec);
    }
};

// FirstLine returns the first line of a message (libpq's carry DETAIL/CONTEXT lines).
std::string FirstLine(std::string msg) {
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg = msg.substr(0, nl);
    return msg;
}

// PrintPlan prints the plan of a dry run.
void PrintPlan(const std::string& source, const std::vector<PlannedBatch>& plan) {
    std::cout << "plan for source " << source << ": " << plan.size() << " batches\n";
    for (const auto& b : plan) {
        std::printf("batch %d: %zu files, %.2f MB\n", b.seq, b.files.size(), b.bytes / 1048576.0);
        for (const auto& f : b.files)
            std::printf("  %.3f  %10llu  %s\n", f.confidence,
                        static_cast<unsigned long long>(f.size), f.key.c_str());
    }
    std::fflush(stdout);
}

// Confirm asks the operator about a batch; returns 'y', 'n' (skip) or 'q' (stop).
char Confirm(const PlannedBatch& b) {
    std::fprintf(stderr, "stage batch %d (%zu files, %.2f MB)? [y/n/q] ", b.seq, b.files.size(),
                 b.bytes / 1048576.0);
    std::string answer;
    bool got = static_cast<bool>(std::getline(std::cin, answer));
    // Answers piped in are not echoed by a terminal: end the question's line ourselves.
    if (!isatty(STDIN_FILENO)) std::fprintf(stderr, "%s\n", got ? answer.c_str() : "(end of input: q)");
    if (!got) return 'q';
    return answer.empty() ? 'n'
                          : static_cast<char>(std::tolower(static_cast<unsigned char>(answer[0])));
}

// ProgressLine prints the live (TTY) or final (plain) line of a batch.
void ProgressLine(bool tty, bool final, int seq, int nbatches, size_t files, std::uint64_t bytes,
                  long records, double seconds, double eta_s) {
    double rate = seconds > 0 ? records / seconds : 0;
    if (tty) {
        // The ETA comes from finished batches' MB/s; before the first one ends it is unknown.
        std::string eta = eta_s > 0 ? std::to_string(static_cast<long>(eta_s + 0.5)) + " s" : "--";
        std::fprintf(stderr,
                     "\r\033[Kbatch %d/%d: %zu files, %.1f MB, %ld records, %.0f rec/s, ETA %s",
                     seq, nbatches, files, bytes / 1048576.0, records, rate, eta.c_str());
        if (final) std::fprintf(stderr, "\n");
    } else if (final) {
        std::fprintf(stderr, "batch %d/%d: %zu files, %.1f MB, %ld records, %.0f rec/s, %.2f s\n",
                     seq, nbatches, files, bytes / 1048576.0, records, rate, seconds);
    }
}

// RunSource runs the loop for one source and fills the report.
void RunSource(const Config& config, const SourceConfig& sc, const RunOptions& opt,
               RunReport& report) {
    std::unique_ptr<pqxx::connection> conn;
    SourceRow row;
    if (!opt.dry_run) {
        conn = Connect(config);
        row = LoadSource(*conn, sc);
    } else {
        try {
            conn = Connect(config);
            row = LoadSource(*conn, sc);
        } catch (const std::exception&) {
            conn.reset();
        }
    }
    auto source = MakeSource(sc, row.bookmark);
    std::vector<Candidate> listed = source->List();
    for (auto& c : listed) {
        if (sc.expected_headers.empty()) continue;
        if (auto local = source->LocalPath(c))
            if (auto fraction = HeaderFraction(*local, sc))
                c.confidence = CombineScore(c.confidence, sc.rules, *fraction, sc.header_weight);
    }
    std::vector<Candidate> relevant;  // what the bookmark must not pass unless done
    for (const auto& c : listed)
        if (c.confidence >= sc.min_confidence) relevant.push_back(c);
    auto plan = PlanBatches(std::move(listed), sc);
    report.planned_batches = static_cast<int>(plan.size());
    for (const auto& b : plan) report.planned_files += static_cast<int>(b.files.size());
    if (opt.dry_run) {
        PrintPlan(sc.name, plan);
        return;
    }

    fs::path spool_root = SpoolRoot(config);
    fs::create_directories(spool_root);
    ClearStaleSpools(spool_root, sc.name);
    fs::path spool = spool_root / (sc.name + "-" + std::to_string(getpid()));
    fs::create_directories(spool);
    SpoolGuard spool_guard{spool, opt.no_cleanup};

    std::set<std::string> staged;
    for (auto& c : StagedChecksums(*conn, row.source_id)) staged.insert(c);
    const std::string date = UtcNow("%Y-%m-%d");
    const bool tty = isatty(STDERR_FILENO);
    std::vector<Candidate> staged_files;
    std::set<std::string> done_keys;
    auto run_start = Clock::now();
    long run_records = 0;
    std::uint64_t total_bytes = 0, done_bytes = 0;
    for (const auto& b : plan) total_bytes += b.bytes;

    for (const auto& pb : plan) {
        if (pb.seq < opt.resume_from_batch) {
            // K counts batches of the plan computed now: its files are left untouched.
            report.resume_skipped.push_back(pb.seq);
            report.resume_from = opt.resume_from_batch;
            done_bytes += pb.bytes;
            continue;
        }
        BatchReport br;
        br.seq = pb.seq;
        if (opt.interactive) {
            char a = Confirm(pb);
            if (a == 'q')
                throw CriticalError(kExitInterrupted, "stopped by the operator before batch " +
                                                          std::to_string(pb.seq));
            if (a != 'y') {
                br.status = "skipped";
                report.batches.push_back(br);
                continue;
            }
        }
        CheckDisk(spool, pb.bytes, opt.disk_margin_mb);
        auto t0 = Clock::now();
        std::vector<BatchFile> files;
        int spool_seq = 0;
        for (const auto& c : pb.files) {
            BatchFile f;
            f.candidate = c;
            try {
                if (auto local = source->LocalPath(c)) {
                    f.path = *local;
                    if (!fs::exists(f.path)) {
                        // Another runner archived it since the listing: nothing to do here.
                        f.status = "skipped";
                        f.error = "vanished since listing";
                        files.push_back(std::move(f));
                        continue;
                    }
                } else {
                    f.path = (spool / SpoolName(++spool_seq, c.name)).string();
                    source->Fetch(c, f.path);
                    auto fraction = HeaderFraction(f.path, sc);
                    if (!sc.expected_headers.empty() && fraction) {
                        f.candidate.confidence =
                            CombineScore(c.confidence, sc.rules, *fraction, sc.header_weight);
                        if (f.candidate.confidence < sc.min_confidence) {
                            f.status = "skipped";
                            f.error = "below min_confidence after header check";
                        }
                    }
                }
                f.checksum = Sha256File(f.path, &f.size);
                if (f.status.empty() && staged.count(f.checksum)) {
                    f.status = "skipped";
                    f.error = "already staged";
                }
                if (f.status.empty())
                    staged.insert(f.checksum);  // a duplicate later in the plan is skipped
            } catch (const FileError& e) {
                f.status = "failed";
                f.error = e.what();
                f.checksum.clear();
            }
            files.push_back(std::move(f));
        }
        bool committed = true;
        try {
            auto outcome = StageBatch(*conn, row.source_id, sc, pb.seq, files, [&](long records) {
                double s = std::chrono::duration<double>(Clock::now() - t0).count();
                double elapsed = std::chrono::duration<double>(Clock::now() - run_start).count();
                double eta = done_bytes > 0 ? elapsed * (total_bytes - done_bytes) / done_bytes : 0;
                ProgressLine(tty, false, pb.seq, static_cast<int>(plan.size()), pb.files.size(),
                             pb.bytes, records, s, eta);
            });
            br.batch_id = outcome.batch_id;
            br.records = outcome.records;
            br.status = !outcome.batch_id ? "skipped" : outcome.staged ? "staged" : "failed";
        } catch (const pqxx::broken_connection& e) {
            throw CriticalError(kExitDatabase, "database unreachable: " + FirstLine(e.what()));
        } catch (const pqxx::in_doubt_error& e) {
            throw CriticalError(kExitDatabase, "database unreachable: " + FirstLine(e.what()));
        } catch (const std::exception& e) {
            std::string msg = FirstLine(e.what());
            br.status = "failed";
            br.error = msg;
            committed = false;
            for (auto& f : files) {
                if (f.status.empty() || f.status == "staged") {
                    f.status = "failed";
                    f.error = "batch failed: " + msg;
                }
                f.file_id = 0;
            }
        }
        for (auto& f : files) {
            br.bytes += f.size;
            if (f.status == "staged") {
                ++br.files_staged;
                staged_files.push_back(f.candidate);
            } else if (f.status == "failed") {
                ++br.files_failed;
                report.failed_files.push_back({pb.seq, f.candidate.key, f.error});
                if (f.checksum.size()) staged.erase(f.checksum);
            } else {
                ++br.files_skipped;
            }
            if (f.status != "failed") done_keys.insert(f.candidate.key);
        }
        // A file whose batch did not commit stays where it is for the next run.
        for (auto& f : files) {
            if (!committed) break;
            try {
                f.archive_location = source->Archive(f.candidate, f.status != "failed", date);
                if (f.file_id && !f.archive_location.empty())
                    RecordArchive(*conn, f.file_id, f.archive_location);
                // A skipped file that was moved gets a row saying where it went (one that
                // stays listed would get a row on every run, so it gets none).
                if (!f.file_id && f.status == "skipped" && !f.archive_location.empty())
                    RecordSkipped(*conn, row.source_id, br.batch_id, f);
            } catch (const FileError& e) {
                std::fprintf(stderr, "nightjar: warning: %s\n", e.what());
            } catch (...) {
                // The batch committed: the report shows it even when the run stops here.
                br.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
                report.batches.push_back(br);
                throw;
            }
        }
        if (!opt.no_cleanup) {
            std::error_code ec;
            for (const auto& e : fs::directory_iterator(spool, ec)) fs::remove_all(e.path(), ec);
        }
        br.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        run_records += br.records;
        done_bytes += pb.bytes;
        ProgressLine(tty, true, pb.seq, static_cast<int>(plan.size()), pb.files.size(), pb.bytes,
                     br.records, br.seconds, 0);
        report.batches.push_back(br);
    }
    // The bookmark must not pass a relevant item this run did not stage, or an
    // incremental listing would never offer it again (items in between are listed again
    // and skipped by checksum).
    std::string bookmark =
        source->Bookmark(NewBookmarkItems(relevant, done_keys, std::move(staged_files)));
    if (!bookmark.empty()) SaveBookmark(*conn, row.source_id, bookmark);
}

}  // namespace

// RunIngest runs the batch loop for the selected sources and returns the exit code.
int RunIngest(const Config& config, const RunOptions& opt) {
    std::vector<const SourceConfig*> selected;
    if (!opt.source.empty())
        selected.push_back(&FindSource(config, opt.source));
    else
        for (const auto& s : config.sources) selected.push_back(&s);
    if (selected.empty()) throw ConfigError(config.path + ": no [[source]] configured");
    int exit_code = kExitOk;
    std::vector<RunReport> reports;
    for (const auto* sc : selected) {
        RunReport report;
        report.source = sc->name;
        report.started_at = UtcNow("%Y-%m-%dT%H:%M:%SZ");
        int critical_code = 0;
        try {
            RunSource(config, *sc, opt, report);
        } catch (const CriticalError& e) {
            report.critical = e.what();
            critical_code = e.code();
        } catch (const pqxx::broken_connection& e) {
            // Raised outside the staging transaction (archive bookkeeping, bookmark...).
            report.critical = "database unreachable: " + FirstLine(e.what());
            critical_code = kExitDatabase;
        } catch (const pqxx::in_doubt_error& e) {
            report.critical = "database unreachable: " + FirstLine(e.what());
            critical_code = kExitDatabase;
        }
        bool failed = !report.failed_files.empty();
        for (const auto& b : report.batches) failed = failed || b.status == "failed";
        report.exit_code = critical_code ? critical_code : failed ? kExitFilesFailed : kExitOk;
        if (!opt.dry_run) {
            std::cout << ReportText(report);
            if (critical_code != kExitDatabase) {
                try {
                    auto conn = Connect(config);
                    SaveRunReport(*conn, LoadSource(*conn, *sc).source_id, report.exit_code,
                                  ReportJson(report));
                } catch (const std::exception& e) {
                    std::fprintf(stderr,
                                 "nightjar: warning: report not stored in the catalog: %s\n",
                                 e.what());
                }
            }
        }
        reports.push_back(report);
        if (!opt.report_json.empty()) {
            std::ofstream out(opt.report_json);
            out << (reports.size() == 1 && selected.size() == 1 ? ReportJson(report) : "");
            if (selected.size() > 1) {
                out << "[";
                for (size_t i = 0; i < reports.size(); ++i)
                    out << (i ? "," : "") << ReportJson(reports[i]);
                out << "]";
            }
            out << "\n";
        }
        if (critical_code) throw CriticalError(critical_code, report.critical);
        if (report.exit_code > exit_code) exit_code = report.exit_code;
    }
    return exit_code;
}

}  // namespace nightjar::runner
