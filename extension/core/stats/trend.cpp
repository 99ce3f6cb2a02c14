// trend.cpp implements the one-pass least-squares state (see trend.hpp for the design).
//
// Update (n -> n+1): dx = x - xbar_old, dy = y - ybar_old, then with the new means
//   Sxx += dx (x - xbar_new), Syy += dy (y - ybar_new), Sxy += dx (y - ybar_new).
// Merge: S.. = S..A + S..B + dA dB nA nB / n, d = mean_B - mean_A per coordinate.
// Every operation is double-double (compensated.hpp).
#include "core/stats/trend.hpp"

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

static_assert(std::is_trivially_copyable_v<LinearTrend>, "LinearTrend is an aggregate state");

namespace {

// Sub returns a - b in double-double.
DoubleDouble Sub(DoubleDouble a, DoubleDouble b) { return DdAdd(a, DdNeg(b)); }

// ToDouble rounds a double-double to the nearest double.
double ToDouble(DoubleDouble a) { return a.hi + a.lo; }

}  // namespace

void LinearTrend::Add(double y, double x) {
    // Add updates the means and co-moments with one finite pair, or counts a non-finite one.
    if (!std::isfinite(x) || !std::isfinite(y)) {
        ++n_nonfinite_;
        return;
    }
    if (n_ == 0) {
        n_ = 1;
        sum_x_ = DdFrom(x);
        sum_y_ = DdFrom(y);
        sxx_ = syy_ = sxy_ = DoubleDouble{};
        return;
    }
    const DoubleDouble n_old = DdFrom(static_cast<double>(n_));
    const DoubleDouble dx = Sub(DdFrom(x), DdDiv(sum_x_, n_old));
    const DoubleDouble dy = Sub(DdFrom(y), DdDiv(sum_y_, n_old));
    ++n_;
    sum_x_ = DdAdd(sum_x_, DdFrom(x));
    sum_y_ = DdAdd(sum_y_, DdFrom(y));
    const DoubleDouble n = DdFrom(static_cast<double>(n_));
    const DoubleDouble x_after = Sub(DdFrom(x), DdDiv(sum_x_, n));
    const DoubleDouble y_after = Sub(DdFrom(y), DdDiv(sum_y_, n));
    sxx_ = DdAdd(sxx_, DdMul(dx, x_after));
    syy_ = DdAdd(syy_, DdMul(dy, y_after));
    sxy_ = DdAdd(sxy_, DdMul(dx, y_after));
}

void LinearTrend::Merge(const LinearTrend& other) {
    // Merge adds counts and sums and corrects the co-moments for the difference of means.
    n_nonfinite_ += other.n_nonfinite_;
    if (other.n_ == 0) return;
    if (n_ == 0) {
        n_ = other.n_;
        sum_x_ = other.sum_x_;
        sum_y_ = other.sum_y_;
        sxx_ = other.sxx_;
        syy_ = other.syy_;
        sxy_ = other.sxy_;
        return;
    }
    const DoubleDouble na = DdFrom(static_cast<double>(n_));
    const DoubleDouble nb = DdFrom(static_cast<double>(other.n_));
    const DoubleDouble n = DdAdd(na, nb);
    const DoubleDouble dx = Sub(DdDiv(other.sum_x_, nb), DdDiv(sum_x_, na));
    const DoubleDouble dy = Sub(DdDiv(other.sum_y_, nb), DdDiv(sum_y_, na));
    const DoubleDouble w = DdDiv(DdMul(na, nb), n);
    sxx_ = DdAdd(DdAdd(sxx_, other.sxx_), DdMul(DdMul(dx, dx), w));
    syy_ = DdAdd(DdAdd(syy_, other.syy_), DdMul(DdMul(dy, dy), w));
    sxy_ = DdAdd(DdAdd(sxy_, other.sxy_), DdMul(DdMul(dx, dy), w));
    n_ += other.n_;
    sum_x_ = DdAdd(sum_x_, other.sum_x_);
    sum_y_ = DdAdd(sum_y_, other.sum_y_);
}

TrendSummary LinearTrend::Summary() const {
    // Summary derives the regression results; conditions follow PostgreSQL's regr_*.
    TrendSummary s;
    s.n = Count();
    if (s.n == 0) return s;
    if (n_nonfinite_ > 0) {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        s.slope = s.intercept = s.r2 = nan;
        if (s.n >= 3) s.slope_stderr = s.intercept_stderr = s.residual_stddev = nan;
        return s;
    }
    if (!(ToDouble(sxx_) > 0.0)) return s;  // one distinct x: no line (regr_slope is NULL)
    const DoubleDouble n = DdFrom(static_cast<double>(n_));
    const DoubleDouble xbar = DdDiv(sum_x_, n);
    const DoubleDouble ybar = DdDiv(sum_y_, n);
    const DoubleDouble slope = DdDiv(sxy_, sxx_);
    s.slope = ToDouble(slope);
    s.intercept = ToDouble(Sub(ybar, DdMul(slope, xbar)));
    s.r2 = ToDouble(syy_) == 0.0 ? 1.0 : ToDouble(DdDiv(DdMul(sxy_, sxy_), DdMul(sxx_, syy_)));
    if (n_ >= 3) {
        DoubleDouble ssr = Sub(syy_, DdMul(sxy_, slope));
        if (ssr.hi < 0.0) ssr = DoubleDouble{};
        const double rsd2 = ToDouble(DdDiv(ssr, DdFrom(static_cast<double>(n_ - 2))));
        const double rsd = std::sqrt(rsd2);
        s.residual_stddev = rsd;
        s.slope_stderr = std::sqrt(ToDouble(DdDiv(DdFrom(rsd2), sxx_)));
        const DoubleDouble spread = DdAdd(DdDiv(DdFrom(1.0), n), DdDiv(DdMul(xbar, xbar), sxx_));
        s.intercept_stderr = std::sqrt(rsd2 * ToDouble(spread));
    }
    return s;
}

void LinearTrend::SerializeTo(char* out) const {
    // SerializeTo writes the version byte, the counters and the double-double sums.
    ByteWriter w(out);
    w.Put(kFormatVersion);
    w.Put(n_);
    w.Put(n_nonfinite_);
    for (const DoubleDouble* v : {&sum_x_, &sum_y_, &sxx_, &syy_, &sxy_}) {
        w.Put(v->hi);
        w.Put(v->lo);
    }
}

LinearTrend LinearTrend::Deserialize(const char* data, size_t len) {
    // Deserialize checks size, version and the invariants a real state satisfies.
    ByteReader r = OpenState(data, len, kSerializedSize, kFormatVersion, "trend state");
    LinearTrend t;
    t.n_ = r.Get<int64_t>();
    t.n_nonfinite_ = r.Get<int64_t>();
    for (DoubleDouble* v : {&t.sum_x_, &t.sum_y_, &t.sxx_, &t.syy_, &t.sxy_}) {
        v->hi = r.Get<double>();
        v->lo = r.Get<double>();
        if (std::isnan(v->hi) || std::isnan(v->lo)) {
            throw DataError("invalid trend state: NaN in the sums");
        }
    }
    if (t.n_ < 0 || t.n_nonfinite_ < 0) throw DataError("invalid trend state: negative count");
    if (t.sxx_.hi < 0.0 || t.syy_.hi < 0.0 || (t.n_ == 0 && t.sxx_.hi != 0.0)) {
        throw DataError("invalid trend state: inconsistent co-moments");
    }
    return t;
}

}  // namespace nightjar::core::stats
