// progress.hpp: the glue's binding of the core's cancel and progress hook
// (core/util/progress.hpp) to PostgreSQL.
//
// ActivityProgress::Report checks interrupts (CHECK_FOR_INTERRUPTS under PgCall: a
// pg_cancel_backend, a statement or step timeout, a terminating backend arrive as a
// PgError thrown into the computation, which unwinds it and is re-raised unchanged at
// the boundary with SQLSTATE 57014 or 57P01) and, with a label, puts a line such as
// "nightjar.validate_batch(42): 250000 of 1000000 records read" in this backend's
// pg_stat_activity.query, so a long step can be followed from another session. The
// statement's own text is put back when the object goes away.
//
// Usage, in a SQL-callable function:
//     ActivityProgress progress("nightjar.percentiles", "values selected");
//     auto result = core::stats::PercentilesCont(begin, end, fractions, progress);
#pragma once

#include <cstdint>
#include <string>

#include "core/util/progress.hpp"
#include "extension/pg/boundary.hpp"

namespace nightjar::pg {

// ActivityProgress checks interrupts and reports progress in pg_stat_activity.
class ActivityProgress final : public core::Progress {
  public:
    // ActivityProgress reports as "<label>: <done> of <total> <unit>"; an empty label
    // only checks interrupts.
    explicit ActivityProgress(std::string label = "", std::string unit = "done");
    ~ActivityProgress() override;
    ActivityProgress(const ActivityProgress&) = delete;
    ActivityProgress& operator=(const ActivityProgress&) = delete;

    // Report checks interrupts (throwing PgError on a cancel) and shows the figures.
    void Report(int64_t done, int64_t total) override;

  private:
    std::string label_;
    std::string unit_;
    std::string saved_activity_;  // the statement's text, restored by the destructor
    bool reported_ = false;
};

// CheckInterrupts runs CHECK_FOR_INTERRUPTS under PgCall (a cancel becomes a PgError).
void CheckInterrupts();

}  // namespace nightjar::pg
