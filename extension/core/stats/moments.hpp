// moments.hpp: one-pass, mergeable summary statistics of a float8 column (the state of
// nightjar.stats_agg).
//
// Design. The state is a fixed-size, trivially copyable struct (no heap), so it can be
// the aggregate's transition value and be serialized byte for byte between parallel
// workers. The mean comes from a Neumaier-compensated sum (mean = sum / n, divided in
// double-double so each deviation x - mean is rounded only once), the central
// moments M2, M3, M4 from Welford/Terriberry one-value updates, and Merge combines two
// states with the pairwise formulas of Chan et al. and Pébay, which stay accurate when
// the partitions have very different means or one of them is empty. Cost: O(1) memory,
// about 20 flops per value; what it trades away is the exactness of a two-pass algorithm
// on pathological data (the moments still use the running, not the final, mean).
//
// Non-finite values follow PostgreSQL's float8 aggregates (avg, stddev_samp, min, max)
// so results can be compared with them: they are counted apart, the finite moments stay
// exact, and Summary() decides what the non-finite values do to each result.
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

// Moments accumulates count, mean, central moments 2-4, min and max of doubles.
class Moments {
  public:
    // Add accumulates one value (any double, including NaN and +/-Inf).
    void Add(double x);

    // Merge combines another state into this one (Chan/Pébay pairwise formulas).
    void Merge(const Moments& other);

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
    static Moments Deserialize(const char* data, size_t len);

  private:
    int64_t n_finite_ = 0;
    int64_t n_nan_ = 0;
    int64_t n_pos_inf_ = 0;
    int64_t n_neg_inf_ = 0;
    NeumaierSum sum_;   // sum of the finite values
    double m2_ = 0.0;   // sum of (x - mean)^2 over the finite values
    double m3_ = 0.0;   // sum of (x - mean)^3
    double m4_ = 0.0;   // sum of (x - mean)^4
    double min_ = 0.0;  // of the finite values (meaningless while n_finite_ == 0)
    double max_ = 0.0;
};

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"
