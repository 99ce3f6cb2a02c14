// trend.hpp: one-pass, mergeable ordinary least squares y = intercept + slope * x (the
// state of nightjar.trend_agg).
//
// Design. Fixed-size, trivially copyable state: the count, the sums of x and y (means =
// sums / n) and the co-moments Sxx, Syy, Sxy updated by Welford-style one-value steps;
// Merge uses Chan's pairwise formulas, so partial states from parallel workers combine
// without loss. All five numbers are carried in double-double arithmetic: the residual
// sum of squares Syy - Sxy^2/Sxx cancels by as many digits as R² is close to 1 (five on
// NIST's Norris data), and plain doubles lost exactly those digits in the standard
// errors. O(1) memory; about 150 flops per pair, the price of that accuracy.
// Non-finite inputs (NaN, +/-Inf in x or y) make every result NaN, as PostgreSQL's
// regr_* aggregates do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/stats/compensated.hpp"

namespace nightjar::core::stats {

// TrendSummary is the finished result of a LinearTrend state (empty = SQL NULL).
struct TrendSummary {
    int64_t n = 0;
    std::optional<double> slope, intercept, r2, slope_stderr, intercept_stderr, residual_stddev;
};

// LinearTrend accumulates the sufficient statistics of a simple linear regression.
class LinearTrend {
  public:
    // Add accumulates one (y, x) pair; the argument order follows regr_slope(y, x).
    void Add(double y, double x);

    // Merge combines another state into this one (Chan's pairwise co-moment update).
    void Merge(const LinearTrend& other);

    // Count returns how many pairs were added, non-finite ones included.
    int64_t Count() const { return n_ + n_nonfinite_; }

    // Summary computes the regression results of the pairs added so far.
    TrendSummary Summary() const;

    // kSerializedSize is the exact size of the byte form written by SerializeTo.
    static constexpr size_t kSerializedSize = 1 + 2 * 8 + 10 * 8;
    // kFormatVersion is the first byte of the serialized form.
    static constexpr unsigned char kFormatVersion = 1;

    // SerializeTo writes the state as kSerializedSize bytes (version byte, host order).
    void SerializeTo(char* out) const;

    // Deserialize rebuilds a state; it throws DataError on a wrong size, version or content.
    static LinearTrend Deserialize(const char* data, size_t len);

  private:
    int64_t n_ = 0;            // finite pairs
    int64_t n_nonfinite_ = 0;  // pairs with NaN or Inf in x or y
    DoubleDouble sum_x_;
    DoubleDouble sum_y_;
    DoubleDouble sxx_;  // sum of (x - xbar)^2
    DoubleDouble syy_;  // sum of (y - ybar)^2
    DoubleDouble sxy_;  // sum of (x - xbar)(y - ybar)
};

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"
