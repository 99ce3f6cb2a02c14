// run.cpp: the batch loop of one source. Phases: list → score (once per file:
// ScoreListing, remote files again with their headers after download) → choose the plan
// (new, recorded before the first batch; or the recorded plan resumed) → for each batch:
// check free disk, fetch, stage in one transaction, tally, archive, clear the spool → move
// the bookmark. A failed batch is reported and the loop goes on; a CriticalError (auth,
// database, disk) stops it, and the spool is removed on every way out. The run's row in
// nightjar.ingest_run exists from the start, so a run that dies is seen as interrupted
// and its plan can be resumed. Memory: one batch's file list and one record at a time.
#include "runner/ingest/run.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>

#include "runner/ingest/bookmark.hpp"
#include "runner/ingest/console.hpp"
#include "runner/ingest/run_phases.hpp"
#include "runner/ingest/score.hpp"
#include "runner/ingest/spool.hpp"
#include "runner/model/errors.hpp"
#include "runner/util/messages.hpp"

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

// Seconds returns the seconds elapsed since t0.
double Seconds(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// OpenCatalog connects and loads the source; a dry run goes on without a database.
void OpenCatalog(RunContext& ctx) {
    try {
        ctx.conn = Connect(ctx.config);
        ctx.row = LoadSource(*ctx.conn, ctx.sc);
    } catch (const std::exception&) {
        if (!ctx.opt.dry_run) throw;
        ctx.conn.reset();
    }
}

// BeginRun records the run and its plan (a new plan; a resumed one is recorded already)
// and prepares the spool.
SpoolGuard BeginRun(RunContext& ctx, const ChosenPlan& chosen) {
    ctx.run_id = BeginIngestRun(*ctx.conn, ctx.row.source_id, chosen.recorded_plan_id);
    ctx.report.run_id = ctx.run_id;
    if (!chosen.recorded_plan_id)
        ctx.report.plan_id = RecordPlan(*ctx.conn, ctx.run_id, chosen.batches);
    fs::path root = SpoolRoot(ctx.config);
    fs::create_directories(root);
    ClearStaleSpools(root, ctx.sc.name);
    ctx.spool = root / (ctx.sc.name + "-" + std::to_string(getpid()));
    fs::create_directories(ctx.spool);
    for (auto& c : StagedContents(*ctx.conn, ctx.row.source_id)) {
        ctx.staged.insert(c.checksum);
        ctx.sizes.insert(c.size);
    }
    ctx.date = UtcNow("%Y-%m-%d");
    return SpoolGuard{ctx.spool, ctx.opt.no_cleanup};
}

// ListAndPlan lists the source, scores each file and chooses the plan; `relevant` gets
// the candidates at or above min_confidence (what the bookmark must not pass unless done).
ChosenPlan ListAndPlan(RunContext& ctx, std::vector<Candidate>& relevant) {
    ctx.source = MakeSource(ctx.sc, ctx.row.bookmark);
    if (ctx.conn) ctx.source->Prepare(*ctx.conn);  // e.g. an http source's entities_query
    std::vector<Candidate> listed = ctx.source->List();
    // Entities a per-entity listing could not list: failed, named, the others go on.
    for (const auto& f : ctx.source->ListingFailures())
        ctx.report.failed_files.push_back({0, "entity " + f.entity, f.error});
    ScoreListing(listed, *ctx.source, ctx.sc);
    for (const auto& c : listed)
        if (c.confidence >= ctx.sc.min_confidence) relevant.push_back(c);
    ChosenPlan chosen = ChoosePlan(ctx, listed, relevant);
    ctx.report.planned_batches = static_cast<int>(chosen.batches.size());
    for (const auto& b : chosen.batches)
        ctx.report.planned_files += static_cast<int>(b.files.size());
    return chosen;
}

// LoopState is what the batches of a run share: progress figures and the bookmark's inputs.
struct LoopState {
    bool tty = false;
    Clock::time_point start = Clock::now();
    std::uint64_t total_bytes = 0, done_bytes = 0;
    std::vector<Candidate> staged_files;  // staged by this run
    std::set<std::string> done_keys;      // staged or skipped on purpose by this run
};

// RunBatch runs one batch: confirm, check the disk, fetch, stage, tally, archive (when
// its transaction committed), clear the spool, report.
void RunBatch(RunContext& ctx, const ChosenPlan& chosen, const PlannedBatch& pb, LoopState& loop) {
    BatchReport br;
    br.seq = pb.seq;
    if (ctx.opt.interactive) {
        char a = Confirm(pb);
        if (a == 'q')
            throw CriticalError(kExitInterrupted,
                                "stopped by the operator before batch " + std::to_string(pb.seq));
        if (a != 'y') {
            ctx.report.batches.push_back(br);  // declined: skipped, still planned
            return;
        }
    }
    CheckDisk(ctx.spool, pb.bytes, ctx.opt.disk_margin_mb);
    auto t0 = Clock::now();
    Progress progress{loop.tty, pb.seq, static_cast<int>(chosen.batches.size()), pb.files.size(),
                      pb.bytes};
    std::vector<BatchFile> files = FetchBatch(ctx, pb, chosen.gone);
    bool committed = StageFetched(ctx, pb, files, br, [&](long records) {
        double done = static_cast<double>(loop.done_bytes);
        double eta = done > 0 ? Seconds(loop.start) * (loop.total_bytes - done) / done : 0;
        progress.Print(false, records, Seconds(t0), eta);
    });
    TallyBatch(ctx, files, br);
    for (const auto& f : files) {
        if (f.status == FileStatus::kStaged) loop.staged_files.push_back(f.candidate);
        if (f.status != FileStatus::kFailed) loop.done_keys.insert(f.candidate.key);
    }
    // A file whose batch did not commit stays where it is for the next run.
    if (committed) {
        try {
            ArchiveBatch(ctx, files, br);
        } catch (...) {
            // The batch committed: the report shows it even when the run stops here.
            br.seconds = Seconds(t0);
            ctx.report.batches.push_back(br);
            throw;
        }
    }
    if (!ctx.opt.no_cleanup) EmptySpool(ctx.spool);
    br.seconds = Seconds(t0);
    loop.done_bytes += pb.bytes;
    progress.Print(true, br.records, br.seconds, 0);
    ctx.report.batches.push_back(br);
}

// RunSource runs one source: catalog, listing and plan, then batch by batch, then the
// bookmark; it fills the report.
void RunSource(RunContext& ctx) {
    RunReport& report = ctx.report;
    OpenCatalog(ctx);
    std::vector<Candidate> relevant;
    ChosenPlan chosen = ListAndPlan(ctx, relevant);
    if (ctx.opt.dry_run) {
        if (!report.plan_note.empty())
            std::cout << "source " << ctx.sc.name << ": " << report.plan_note << "\n"
                      << PlanChangesText(report.changes, 10);
        PrintPlan(ctx.sc.name, chosen.batches, chosen.from);
        return;
    }
    SpoolGuard spool_guard = BeginRun(ctx, chosen);
    if (!report.plan_note.empty())
        std::fprintf(stderr, "nightjar: source %s: %s\n", ctx.sc.name.c_str(),
                     report.plan_note.c_str());
    LoopState loop;
    loop.tty = isatty(STDERR_FILENO);
    for (const auto& b : chosen.batches) loop.total_bytes += b.bytes;
    for (const auto& pb : chosen.batches) {
        if (pb.seq >= chosen.from) {
            RunBatch(ctx, chosen, pb, loop);
            continue;
        }
        // Batches before the resume point: their files are left untouched.
        report.resume_skipped.push_back(pb.seq);
        loop.done_bytes += pb.bytes;
    }
    // The bookmark must not pass a relevant item this run did not stage, or an
    // incremental listing would never offer it again (items in between are listed again
    // and skipped by checksum).
    std::string bookmark = ctx.source->Bookmark(
        NewBookmarkItems(relevant, loop.done_keys, std::move(loop.staged_files)));
    if (!bookmark.empty()) SaveBookmark(*ctx.conn, ctx.row.source_id, bookmark);
}

// StoreReport records the run's end in the catalog: on the run's own connection when it
// is alive, else on a new one. Nothing is stored after a lost database (the run stays
// interrupted, so its plan can be resumed).
void StoreReport(RunContext& ctx, int critical_code) {
    if (!ctx.run_id || critical_code == kExitDatabase) return;
    try {
        if (!ctx.conn || !ctx.conn->is_open()) ctx.conn = Connect(ctx.config);
        FinishIngestRun(*ctx.conn, ctx.run_id, ctx.report.exit_code, ReportJson(ctx.report));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nightjar: warning: report not stored in the catalog: %s\n",
                     FirstLine(e.what()).c_str());
    }
}

// WriteReportJson writes the reports so far: one object, or an array for several sources.
void WriteReportJson(const std::string& path, const std::vector<RunReport>& reports,
                     size_t nsources) {
    std::ofstream out(path);
    if (nsources == 1) {
        out << ReportJson(reports.front());
    } else {
        out << "[";
        for (size_t i = 0; i < reports.size(); ++i) out << (i ? "," : "") << ReportJson(reports[i]);
        out << "]";
    }
    out << "\n";
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
        RunContext ctx{config, *sc, opt, report, nullptr, {}, nullptr, 0, {}, {}, {}, {}, {}};
        int critical_code = 0;
        try {
            RunSource(ctx);
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
        for (const auto& b : report.batches) failed = failed || b.status == BatchStatus::kFailed;
        report.exit_code = critical_code ? critical_code : failed ? kExitFilesFailed : kExitOk;
        if (!opt.dry_run) {
            std::cout << ReportText(report);
            StoreReport(ctx, critical_code);
        }
        reports.push_back(report);
        if (!opt.report_json.empty()) WriteReportJson(opt.report_json, reports, selected.size());
        if (critical_code) throw CriticalError(critical_code, report.critical);
        if (report.exit_code > exit_code) exit_code = report.exit_code;
    }
    return exit_code;
}

}  // namespace nightjar::runner
