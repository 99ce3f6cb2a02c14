// run_plan.cpp: which plan a run follows. A new run plans the scored listing (PlanBatches)
// and records the plan before its first batch; --resume / --resume-from-batch K follow the
// plan the source's latest run recorded instead, with its batch numbers and files, so K
// names the batches that run printed — even when committed batches' files have left the
// listing (archive = move). Either way the listing is compared with the recorded plan and
// the differences reported, so an operator sees what a resume will not cover (new files)
// or what a new plan leaves behind.
#include <string>

#include "runner/ingest/plan.hpp"
#include "runner/ingest/resume.hpp"
#include "runner/ingest/run_phases.hpp"

namespace nightjar::runner {
namespace {

// Counts summarises changes as "2 new, 1 gone, 0 changed".
std::string Counts(const PlanChanges& c) {
    return std::to_string(c.added.size()) + " new, " + std::to_string(c.gone.size()) + " gone, " +
           std::to_string(c.changed.size()) + " changed";
}

// Resumed follows the recorded plan from the batch the options name.
ChosenPlan Resumed(RunContext& ctx, const RecordedPlan& recorded,
                   const std::vector<Candidate>& listed, const std::vector<Candidate>& relevant) {
    const std::string& name = ctx.sc.name;
    const int nbatches = static_cast<int>(recorded.batches.size());
    if (recorded.run_state == "running")
        throw ConfigError("source " + name + ": run " + std::to_string(recorded.run_id) +
                          " is still running plan " + std::to_string(recorded.plan_id));
    ChosenPlan chosen;
    chosen.recorded_plan_id = recorded.plan_id;
    if (ctx.opt.resume) {
        chosen.from = nbatches + 1;
        for (int i = 0; i < nbatches; ++i)
            if (recorded.batch_status[static_cast<size_t>(i)] == "planned") {
                chosen.from = i + 1;
                break;
            }
    } else {
        chosen.from = ctx.opt.resume_from_batch;
        if (chosen.from > nbatches)
            throw ConfigError("--resume-from-batch " + std::to_string(chosen.from) +
                              ": the recorded plan of source " + name + " (run " +
                              std::to_string(recorded.run_id) + ") has " +
                              std::to_string(nbatches) + " batches");
    }
    chosen.batches = ResumeBatches(recorded.batches, listed, chosen.gone);
    std::vector<bool> compare;
    for (const auto& b : recorded.batches) compare.push_back(b.seq >= chosen.from);
    RunReport& r = ctx.report;
    r.changes = DiffPlan(recorded.batches, compare, relevant);
    r.has_changes = true;
    r.resumed = true;
    r.earlier_run = recorded.run_id;
    r.plan_id = recorded.plan_id;
    r.resume_from = chosen.from;
    r.plan_note = "resuming plan " + std::to_string(recorded.plan_id) + " of run " +
                  std::to_string(recorded.run_id) + " at batch " + std::to_string(chosen.from) +
                  " of " + std::to_string(nbatches);
    if (chosen.from > nbatches) r.plan_note += " (every batch of it is done)";
    r.plan_note += r.changes.Empty() ? "; listing unchanged since"
                                     : "; listing changed since: " + Counts(r.changes) +
                                           (r.changes.added.empty()
                                                ? ""
                                                : " (new files are not in this plan: the next "
                                                  "run without --resume plans them)");
    return chosen;
}

// Fresh plans the listing anew and compares it with an unfinished recorded plan.
ChosenPlan Fresh(RunContext& ctx, const std::optional<RecordedPlan>& recorded,
                 const std::vector<Candidate>& listed, const std::vector<Candidate>& relevant) {
    ChosenPlan chosen;
    chosen.batches = PlanBatches(listed, ctx.sc);
    if (!recorded || recorded->run_state == "running") return chosen;
    std::vector<bool> compare;
    std::string unfinished;
    for (size_t i = 0; i < recorded->batches.size(); ++i) {
        bool planned = recorded->batch_status[i] == "planned";
        compare.push_back(planned);
        if (planned) unfinished += (unfinished.empty() ? "" : ",") + std::to_string(i + 1);
    }
    if (unfinished.empty()) return chosen;  // the recorded plan was carried out
    RunReport& r = ctx.report;
    r.changes = DiffPlan(recorded->batches, compare, relevant);
    r.has_changes = true;
    r.earlier_run = recorded->run_id;
    r.plan_note = "run " + std::to_string(recorded->run_id) + " left its plan " +
                  std::to_string(recorded->plan_id) + " unfinished (batches " + unfinished +
                  " of " + std::to_string(recorded->batches.size()) +
                  " not staged); this run plans anew (--resume would finish that plan); " +
                  (r.changes.Empty() ? "listing unchanged since"
                                     : "listing changed since: " + Counts(r.changes));
    return chosen;
}

}  // namespace

// ChoosePlan plans anew or resumes the recorded plan.
ChosenPlan ChoosePlan(RunContext& ctx, const std::vector<Candidate>& listed,
                      const std::vector<Candidate>& relevant) {
    std::optional<RecordedPlan> recorded;
    if (ctx.conn) recorded = LatestPlan(*ctx.conn, ctx.row.source_id);
    if (!ctx.opt.resume && ctx.opt.resume_from_batch <= 0)
        return Fresh(ctx, recorded, listed, relevant);
    if (!ctx.conn) ctx.conn = Connect(ctx.config);  // a dry run without a database: say so
    if (!recorded)
        throw ConfigError("source " + ctx.sc.name +
                          " has no recorded plan to resume: run it without --resume / "
                          "--resume-from-batch");
    return Resumed(ctx, *recorded, listed, relevant);
}

}  // namespace nightjar::runner
