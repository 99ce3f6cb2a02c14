// autocorr.cpp implements the one-pass lag-1 autocorrelation (design in autocorr.hpp).
#include "core/stats/autocorr.hpp"

#include <cmath>
#include <limits>

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::stats {

void Lag1Autocorr::Add(double y) {
    // Add shifts y by the first value and adds d, d^2 and d*d_prev to the exact sums.
    ++n_;
    if (!std::isfinite(y)) nonfinite_ = true;
    if (nonfinite_) return;
    if (n_ == 1) {
        first_ = y;
        last_d_ = 0.0;
        return;  // d_1 = 0 adds nothing to any sum
    }
    const double d = y - first_;
    s1_ = DdAdd(s1_, DdFrom(d));
    s2_ = DdAdd(s2_, TwoProd(d, d));
    p_ = DdAdd(p_, TwoProd(d, last_d_));
    last_d_ = d;
}

std::optional<double> Lag1Autocorr::Value() const {
    // Value expands the definition around the shifted mean in double-double arithmetic.
    if (n_ < 2) return std::nullopt;
    if (nonfinite_) return std::numeric_limits<double>::quiet_NaN();
    const DoubleDouble n = DdFrom(static_cast<double>(n_));
    const DoubleDouble dbar = DdDiv(s1_, n);
    const DoubleDouble den = DdAdd(s2_, DdNeg(DdMul(dbar, s1_)));
    if (!(den.hi > 0.0)) return std::nullopt;
    // num = P - dbar (2 S1 - d_1 - d_n) + (n - 1) dbar^2, with d_1 = 0.
    const DoubleDouble two_s1 = DdAdd(s1_, s1_);
    const DoubleDouble inner = DdAdd(two_s1, DdFrom(-last_d_));
    const DoubleDouble n1 = DdFrom(static_cast<double>(n_ - 1));
    DoubleDouble num = DdAdd(p_, DdNeg(DdMul(dbar, inner)));
    num = DdAdd(num, DdMul(n1, DdMul(dbar, dbar)));
    const DoubleDouble r = DdDiv(num, den);
    return r.hi + r.lo;
}

}  // namespace nightjar::core::stats
