// moments.cpp implements the one-pass moments state (see moments.hpp for the design).
//
// Update (one finite value x, n -> n+1, delta = x - mean_old, d = delta / (n+1)):
//   M4 += delta*d^3*n*((n+1)^2 - 3(n+1) + 3) + 6 d^2 M2 - 4 d M3
//   M3 += delta*d^2*n*(n-1) - 3 d M2
//   M2 += delta*d*n
// Merge (A, B, delta = mean_B - mean_A, n = nA + nB): Pébay (2008), eqs. 2.1-2.3.
#include "core/stats/moments.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include "core/errors.hpp"
#include "core/stats/serial.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::stats {

static_assert(std::is_trivially_copyable_v<Moments>, "Moments is an aggregate state");

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// MeanOf returns sum / n in double-double, so deviations x - mean can be formed with one
// rounding even when |mean| is many orders of magnitude above the spread (1e8 + noise):
// a mean rounded to double would put an error of ulp(mean) into every deviation.
DoubleDouble MeanOf(const NeumaierSum& sum, int64_t n) {
    return DdDiv(TwoSum(sum.sum, sum.comp), DdFrom(static_cast<double>(n)));
}

// DeviationFromSum returns x - (sum / n) with the mean carried to double-double
// precision, cheaper than MeanOf (the hot path of Add): q = sum/n rounded, the remainder
// sum - q n is exact with fma, and the low part of the mean is (remainder + comp) / n.
double DeviationFromSum(double x, const NeumaierSum& sum, int64_t count) {
    const double n = static_cast<double>(count);
    const double q = sum.sum / n;
    const double remainder = std::fma(-q, n, sum.sum);
    return (x - q) - (remainder + sum.comp) / n;
}

}  // namespace

void Moments::Add(double x) {
    // Add classifies x and updates either a non-finite counter or the finite moments.
    if (std::isnan(x)) {
        ++n_nan_;
        return;
    }
    if (std::isinf(x)) {
        ++(x > 0 ? n_pos_inf_ : n_neg_inf_);
        return;
    }
    if (n_finite_ == 0) {
        n_finite_ = 1;
        sum_ = NeumaierSum{};
        sum_.Add(x);
        m2_ = m3_ = m4_ = 0.0;
        min_ = max_ = x;
        return;
    }
    const double n1 = static_cast<double>(n_finite_);
    const double delta = DeviationFromSum(x, sum_, n_finite_);
    ++n_finite_;
    sum_.Add(x);
    const double n = static_cast<double>(n_finite_);
    const double d = delta / n;
    const double d2 = d * d;
    const double term1 = delta * d * n1;
    m4_ += term1 * d2 * (n * n - 3.0 * n + 3.0) + 6.0 * d2 * m2_ - 4.0 * d * m3_;
    m3_ += term1 * d * (n - 2.0) - 3.0 * d * m2_;
    m2_ += term1;
    if (x < min_) min_ = x;
    if (x > max_) max_ = x;
}

void Moments::Merge(const Moments& other) {
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

MomentsSummary Moments::Summary() const {
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

void Moments::SerializeTo(char* out) const {
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

Moments Moments::Deserialize(const char* data, size_t len) {
    // Deserialize checks size, version and the invariants a real state satisfies.
    if (data == nullptr || len != kSerializedSize) {
        throw DataError("invalid moments state: expected " + std::to_string(kSerializedSize) +
                        " bytes, got " + std::to_string(len));
    }
    ByteReader r(data);
    const auto version = r.Get<unsigned char>();
    if (version != kFormatVersion) {
        throw DataError("invalid moments state: unsupported format version " +
                        std::to_string(version));
    }
    Moments m;
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
