// central_sums.cpp implements the compact moments state (design in central_sums.hpp).
//
// Block (m finite values, double-double mean mh + ml, e_i = (x_i - mh) - ml, S_k = sum e^k,
// d = S_1 / m, the residual offset of the mean): the corrected two-pass sums are
//   M2 = S_2 - d S_1,  M3 = S_3 - 3 d S_2 + 2 m d^3,  M4 = S_4 - 4 d S_3 + 6 d^2 S_2 - 3 m d^4.
// Merge (A, B, delta = mean_B - mean_A, n = nA + nB): Pébay (2008), eqs. 2.1-2.3.
#include "core/stats/central_sums.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "core/errors.hpp"
#include "core/stats/serial.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::stats {

static_assert(std::is_trivially_copyable_v<CentralSums>, "CentralSums is an aggregate state");

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr size_t kChunk = 256;  // values per two-pass fold (and the non-finite scratch size)
constexpr size_t kLanes = 4;    // independent accumulators per sum

// MeanOf returns sum / n in double-double, so deviations x - mean can be formed with one
// rounding even when |mean| is many orders of magnitude above the spread (1e8 + noise):
// a mean rounded to double would put an error of ulp(mean) into every deviation.
DoubleDouble MeanOf(const NeumaierSum& sum, int64_t n) {
    return DdDiv(TwoSum(sum.sum, sum.comp), DdFrom(static_cast<double>(n)));
}

// AllFinite reports whether every value is finite (x * 0 is NaN exactly for NaN and +/-Inf).
bool AllFinite(const double* x, size_t m) {
    double z[kLanes] = {0.0, 0.0, 0.0, 0.0};
    size_t i = 0;
    for (; i + kLanes <= m; i += kLanes) {
        for (size_t j = 0; j < kLanes; ++j) z[j] += x[i + j] * 0.0;
    }
    for (; i < m; ++i) z[0] += x[i] * 0.0;
    return (z[0] + z[1]) + (z[2] + z[3]) == 0.0;
}

// LaneSum adds the four lane accumulators pairwise.
double LaneSum(const double* lanes) { return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]); }

}  // namespace

void CentralSums::AddBlock(const double* values, size_t count) {
    // AddBlock folds all-finite chunks directly and separates non-finite values otherwise.
    double finite[kChunk];
    while (count > 0) {
        const size_t m = std::min(count, kChunk);
        if (AllFinite(values, m)) {
            AddFiniteBlock(values, m);
        } else {
            size_t k = 0;
            for (size_t i = 0; i < m; ++i) {
                const double x = values[i];
                if (std::isnan(x)) {
                    ++n_nan_;
                } else if (std::isinf(x)) {
                    ++(x > 0 ? n_pos_inf_ : n_neg_inf_);
                } else {
                    finite[k++] = x;
                }
            }
            if (k > 0) AddFiniteBlock(finite, k);
        }
        values += m;
        count -= m;
    }
}

void CentralSums::AddFiniteBlock(const double* x, size_t m) {
    // AddFiniteBlock computes the block's exact-ish sum, min, max and corrected central
    // sums in two vectorisable passes, then merges the block into the running state.
    double s[kLanes] = {0.0, 0.0, 0.0, 0.0};
    double c[kLanes] = {0.0, 0.0, 0.0, 0.0};
    double lo[kLanes] = {x[0], x[0], x[0], x[0]};
    double hi[kLanes] = {x[0], x[0], x[0], x[0]};
    size_t i = 0;
    for (; i + kLanes <= m; i += kLanes) {
        for (size_t j = 0; j < kLanes; ++j) {
            // TwoSum without branches: t + err == s + v exactly.
            const double v = x[i + j];
            const double t = s[j] + v;
            const double bb = t - s[j];
            c[j] += (s[j] - (t - bb)) + (v - bb);
            s[j] = t;
            lo[j] = v < lo[j] ? v : lo[j];
            hi[j] = v > hi[j] ? v : hi[j];
        }
    }
    for (; i < m; ++i) {
        const double v = x[i];
        const double t = s[0] + v;
        const double bb = t - s[0];
        c[0] += (s[0] - (t - bb)) + (v - bb);
        s[0] = t;
        lo[0] = v < lo[0] ? v : lo[0];
        hi[0] = v > hi[0] ? v : hi[0];
    }
    CentralSums block;
    block.n_finite_ = static_cast<int64_t>(m);
    for (size_t j = 0; j < kLanes; ++j) block.sum_.Add(s[j]);
    for (size_t j = 0; j < kLanes; ++j) block.sum_.Add(c[j]);
    block.min_ = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
    block.max_ = std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3]));

    const DoubleDouble mean = MeanOf(block.sum_, block.n_finite_);
    double p1[kLanes] = {0.0, 0.0, 0.0, 0.0};
    double p2[kLanes] = {0.0, 0.0, 0.0, 0.0};
    double p3[kLanes] = {0.0, 0.0, 0.0, 0.0};
    double p4[kLanes] = {0.0, 0.0, 0.0, 0.0};
    for (i = 0; i + kLanes <= m; i += kLanes) {
        for (size_t j = 0; j < kLanes; ++j) {
            const double e = (x[i + j] - mean.hi) - mean.lo;
            const double e2 = e * e;
            p1[j] += e;
            p2[j] += e2;
            p3[j] += e2 * e;
            p4[j] += e2 * e2;
        }
    }
    for (; i < m; ++i) {
        const double e = (x[i] - mean.hi) - mean.lo;
        const double e2 = e * e;
        p1[0] += e;
        p2[0] += e2;
        p3[0] += e2 * e;
        p4[0] += e2 * e2;
    }
    const double n = static_cast<double>(m);
    const double s1 = LaneSum(p1), s2 = LaneSum(p2), s3 = LaneSum(p3), s4 = LaneSum(p4);
    const double d = s1 / n;
    const double d2 = d * d;
    const double m2 = s2 - d * s1;
    block.m2_ = m2 < 0.0 ? 0.0 : m2;
    block.m3_ = s3 - 3.0 * d * s2 + 2.0 * n * d2 * d;
    block.m4_ = s4 - 4.0 * d * s3 + 6.0 * d2 * s2 - 3.0 * n * d2 * d2;
    Merge(block);
}

void CentralSums::Merge(const CentralSums& other) {
    // Merge adds the counters and combines the finite moments pairwise.
    n_nan_ += other.n_nan_;
    n_pos_inf_ += other.n_pos_inf_;
    n_neg_inf_ += other.n_neg_inf_;
    if (other.n_finite_ == 0) return;
    if (n_finite_ == 0) {
        n_finite_ = other.n_finite_;
        sum_ = other.sum_;
        m2_ = other.m2_;
        m3_ = other.m3_;
        m4_ = other.m4_;
        min_ = other.min_;
        max_ = other.max_;
        return;
    }
    const double na = static_cast<double>(n_finite_);
    const double nb = static_cast<double>(other.n_finite_);
    const double n = na + nb;
    const DoubleDouble mean_diff =
        DdAdd(MeanOf(other.sum_, other.n_finite_), DdNeg(MeanOf(sum_, n_finite_)));
    const double delta = mean_diff.hi + mean_diff.lo;
    const double delta2 = delta * delta;
    const double m2 = m2_ + other.m2_ + delta2 * na * nb / n;
    const double m3 = m3_ + other.m3_ + delta2 * delta * na * nb * (na - nb) / (n * n) +
                      3.0 * delta * (na * other.m2_ - nb * m2_) / n;
    const double m4 = m4_ + other.m4_ +
                      delta2 * delta2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
                      6.0 * delta2 * (na * na * other.m2_ + nb * nb * m2_) / (n * n) +
                      4.0 * delta * (na * other.m3_ - nb * m3_) / n;
    m2_ = m2;
    m3_ = m3;
    m4_ = m4;
    n_finite_ += other.n_finite_;
    sum_.Merge(other.sum_);
    if (other.min_ < min_) min_ = other.min_;
    if (other.max_ > max_) max_ = other.max_;
}

MomentsSummary CentralSums::Summary() const {
    // Summary applies the definitions of docs/statistics.md and PostgreSQL's
    // non-finite rules to the accumulated state.
    MomentsSummary s;
    s.n = Count();
    if (s.n == 0) return s;

    const bool any_nonfinite = n_nan_ > 0 || n_pos_inf_ > 0 || n_neg_inf_ > 0;
    const double n = static_cast<double>(s.n);

    // min/max in PostgreSQL's float8 order: -Inf < finite < +Inf < NaN.
    if (n_nan_ > 0) {
        s.max = kNaN;
    } else if (n_pos_inf_ > 0) {
        s.max = kInf;
    } else if (n_finite_ > 0) {
        s.max = max_;
    } else {
        s.max = -kInf;
    }
    if (n_neg_inf_ > 0) {
        s.min = -kInf;
    } else if (n_finite_ > 0) {
        s.min = min_;
    } else if (n_pos_inf_ > 0) {
        s.min = kInf;
    } else {
        s.min = kNaN;
    }

    if (any_nonfinite) {
        if (n_nan_ > 0 || (n_pos_inf_ > 0 && n_neg_inf_ > 0)) {
            s.mean = kNaN;
        } else {
            s.mean = n_pos_inf_ > 0 ? kInf : -kInf;
        }
        s.variance_pop = s.stddev_pop = kNaN;
        if (s.n >= 2) s.variance = s.stddev = kNaN;
        if (s.n >= 3) s.skewness = kNaN;
        if (s.n >= 4) s.kurtosis = kNaN;
        return s;
    }

    const DoubleDouble mean = MeanOf(sum_, n_finite_);
    s.mean = mean.hi + mean.lo;
    const double m2 = m2_ < 0.0 ? 0.0 : m2_;
    s.variance_pop = m2 / n;
    s.stddev_pop = std::sqrt(*s.variance_pop);
    if (s.n >= 2) {
        s.variance = m2 / (n - 1.0);
        s.stddev = std::sqrt(*s.variance);
    }
    if (m2 > 0.0) {
        if (s.n >= 3) {
            // g1 = sqrt(n) M3 / M2^(3/2); G1 = sqrt(n(n-1))/(n-2) g1.
            const double g1 = std::sqrt(n) * m3_ / (m2 * std::sqrt(m2));
            s.skewness = std::sqrt(n * (n - 1.0)) / (n - 2.0) * g1;
        }
        if (s.n >= 4) {
            // g2 = n M4 / M2^2 - 3; G2 = ((n+1) g2 + 6)(n-1) / ((n-2)(n-3)).
            const double g2 = n * m4_ / (m2 * m2) - 3.0;
            s.kurtosis = ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0));
        }
    }
    return s;
}

void CentralSums::SerializeTo(char* out) const {
    // SerializeTo writes the version byte, then the counters, then the doubles.
    ByteWriter w(out);
    w.Put(kFormatVersion);
    w.Put(n_finite_);
    w.Put(n_nan_);
    w.Put(n_pos_inf_);
    w.Put(n_neg_inf_);
    w.Put(sum_.sum);
    w.Put(sum_.comp);
    w.Put(m2_);
    w.Put(m3_);
    w.Put(m4_);
    w.Put(min_);
    w.Put(max_);
}

CentralSums CentralSums::Deserialize(const char* data, size_t len) {
    // Deserialize checks size, version and the invariants a real state satisfies.
    ByteReader r = OpenState(data, len, kSerializedSize, kFormatVersion, "moments state");
    CentralSums m;
    m.n_finite_ = r.Get<int64_t>();
    m.n_nan_ = r.Get<int64_t>();
    m.n_pos_inf_ = r.Get<int64_t>();
    m.n_neg_inf_ = r.Get<int64_t>();
    m.sum_.sum = r.Get<double>();
    m.sum_.comp = r.Get<double>();
    m.m2_ = r.Get<double>();
    m.m3_ = r.Get<double>();
    m.m4_ = r.Get<double>();
    m.min_ = r.Get<double>();
    m.max_ = r.Get<double>();
    if (m.n_finite_ < 0 || m.n_nan_ < 0 || m.n_pos_inf_ < 0 || m.n_neg_inf_ < 0) {
        throw DataError("invalid moments state: negative count");
    }
    if (m.n_finite_ > 0 && (std::isnan(m.m2_) || m.m2_ < 0.0 || std::isnan(m.min_) ||
                            std::isnan(m.max_) || m.min_ > m.max_)) {
        throw DataError("invalid moments state: inconsistent moments");
    }
    return m;
}

}  // namespace nightjar::core::stats
