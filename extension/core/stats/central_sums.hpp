// central_sums.hpp: the compact, mergeable part of the stats_agg state: counts, a
// compensated sum, the central sums M2, M3, M4 about the mean, min and max.
//
// Design. Values arrive in blocks (Moments buffers them). AddBlock folds a block with a
// two-pass centred computation: pass 1 forms the block's sum with branch-free
// error-free transformations (Ogita-Rump-Oishi Sum2, four independent lanes) plus min
// and max; pass 2 forms the deviations e = x - mean from the double-double block mean
// and their powers (e, e^2, e^3, e^4, four lanes again) and applies the classic
// correction for the residual sum of e. Both loops have no loop-carried dependency
// beyond the lane sums, so they run at several values per nanosecond, and the result
// is the accurate two-pass statistic of the block. Blocks are then combined into the
// running state with the pairwise formulas of Chan, Golub & LeVeque and Pébay (2008),
// the same Merge that parallel partial states use, with the mean difference formed in
// double-double. Non-finite values are counted apart (PostgreSQL's float8 rules are
// applied by Summary), so the finite moments stay exact. 88 bytes, trivially copyable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/stats/compensated.hpp"

namespace nightjar::core::stats {

// MomentsSummary is the finished result of a Moments state (empty optional = SQL NULL).
struct MomentsSummary {
    int64_t n = 0;
    std::optional<double> mean, variance, stddev, variance_pop, stddev_pop, min, max, skewness,
        kurtosis;
};

// CentralSums accumulates count, compensated sum, central moments 2-4, min and max.
class CentralSums {
  public:
    // AddBlock folds `count` values (any doubles, NaN and +/-Inf included) into the state.
    void AddBlock(const double* values, size_t count);

    // Merge combines another state into this one (Chan/Pébay pairwise formulas).
    void Merge(const CentralSums& other);

    // Count returns how many values were added, non-finite ones included.
    int64_t Count() const { return n_finite_ + n_nan_ + n_pos_inf_ + n_neg_inf_; }

    // Summary computes the statistics of the values added so far.
    MomentsSummary Summary() const;

    // kSerializedSize is the exact size of the byte form written by SerializeTo.
    static constexpr size_t kSerializedSize = 1 + 4 * 8 + 7 * 8;
    // kFormatVersion is the first byte of the serialized form.
    static constexpr unsigned char kFormatVersion = 1;

    // SerializeTo writes the state as kSerializedSize bytes (version byte, host order).
    void SerializeTo(char* out) const;

    // Deserialize rebuilds a state; it throws DataError on a wrong size, version or content.
    static CentralSums Deserialize(const char* data, size_t len);

  private:
    // AddFiniteBlock folds 1..kMaxFinite finite values with the two-pass computation.
    void AddFiniteBlock(const double* x, size_t m);

    int64_t n_finite_ = 0;
    int64_t n_nan_ = 0;
    int64_t n_pos_inf_ = 0;
    int64_t n_neg_inf_ = 0;
    NeumaierSum sum_;   // sum of the finite values (sum + comp, about 106 bits)
    double m2_ = 0.0;   // sum of (x - mean)^2 over the finite values
    double m3_ = 0.0;   // sum of (x - mean)^3
    double m4_ = 0.0;   // sum of (x - mean)^4
    double min_ = 0.0;  // of the finite values (meaningless while n_finite_ == 0)
    double max_ = 0.0;
};

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"
