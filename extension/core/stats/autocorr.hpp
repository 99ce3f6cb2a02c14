// autocorr.hpp: lag-1 autocorrelation of a series in one pass with bounded memory (the
// state of nightjar.autocorr_agg(y ORDER BY t)).
//
// Definition (NIST StRD): r1 = sum_{i=2..n} (y_i - ybar)(y_{i-1} - ybar)
//                              / sum_{i=1..n} (y_i - ybar)^2, values in the order added.
// Design. Every value is shifted by the first one, d_i = y_i - y_1, which removes the
// common offset that would otherwise cancel catastrophically; the state keeps
// double-double sums of d, d^2 and d_i d_{i-1} (products made exact with fma), the last
// d, and the count. Value() expands the definition algebraically in double-double:
//   den = S2 - S1^2 / n,   num = P - dbar (2 S1 - d_1 - d_n) + (n - 1) dbar^2.
// O(1) memory, ~30 flops per value. NOT mergeable: the lag pairs neighbours in input
// order, so two partial states of an arbitrary split cannot be combined (the SQL
// aggregate is therefore not parallel-safe to combine and needs ORDER BY).
#pragma once

#include <cstdint>
#include <optional>

#include "core/stats/compensated.hpp"

namespace nightjar::core::stats {

// Lag1Autocorr accumulates the lag-1 autocorrelation of the values in the order added.
class Lag1Autocorr {
  public:
    // Add appends the next value of the series.
    void Add(double y);

    // Count returns how many values were added.
    int64_t Count() const { return n_; }

    // Value returns r1: empty for n < 2 or zero variance, NaN if any value was non-finite.
    std::optional<double> Value() const;

  private:
    int64_t n_ = 0;
    bool nonfinite_ = false;
    double first_ = 0.0;   // y_1
    double last_d_ = 0.0;  // d_n
    DoubleDouble s1_;      // sum d_i
    DoubleDouble s2_;      // sum d_i^2
    DoubleDouble p_;       // sum_{i>=2} d_i d_{i-1}
};

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"
