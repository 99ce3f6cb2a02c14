// progress.hpp: the cancel and progress hook of long core computations.
//
// The core must stay free of PostgreSQL, yet a computation that runs for seconds
// (exact percentiles of a big group now; clustering and KPI batches next) has to stop
// when the user cancels the query, and should say how far it got. So a long computation
// takes a Progress& and calls Report every so often (a ProgressTicker decides how
// often); the glue's implementation (extension/pg/progress.hpp) checks PostgreSQL's
// interrupts there — a cancel arrives as an exception thrown out of Report, which
// unwinds the computation through its RAII objects like any other error — and shows
// the figures in pg_stat_activity. Unit tests pass a Progress that counts the calls or
// throws after N of them. Cost: one counter decrement per Tick; Report runs every
// `every` units of work, so a few microseconds of glue per call are lost in the noise.
#pragma once

#include <cstdint>

namespace nightjar::core {

// Progress receives a computation's progress and may stop it by throwing.
class Progress {
  public:
    virtual ~Progress() = default;
    // Report tells that `done` units of `total` (0: unknown) are done; it may throw to
    // cancel the computation (the computation must be exception safe, as all core code is).
    virtual void Report(int64_t done, int64_t total) = 0;
};

// NoProgress returns a Progress that ignores every report (the default of computations
// called where nothing can cancel them, e.g. unit tests and benchmarks).
Progress& NoProgress();

// ProgressTicker calls Report once every `every` units of work: computations call
// Tick(units) in their loops and pay one subtraction per call in between.
class ProgressTicker {
  public:
    // ProgressTicker reports to `progress` every `every` (>= 1) units of `total`.
    ProgressTicker(Progress& progress, int64_t total, int64_t every)
        : progress_(progress), total_(total), every_(every < 1 ? 1 : every), left_(every_) {}

    // Tick counts `units` of work done and reports when `every` units have passed.
    void Tick(int64_t units = 1) {
        done_ += units;
        left_ -= units;
        if (left_ <= 0) {
            left_ = every_;
            progress_.Report(done_, total_);
        }
    }

    // Done returns the units counted so far.
    int64_t Done() const { return done_; }

  private:
    Progress& progress_;
    int64_t total_;
    int64_t every_;
    int64_t left_;
    int64_t done_ = 0;
};

}  // namespace nightjar::core

#include "core/cpp_only.hpp"
