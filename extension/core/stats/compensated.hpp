// compensated.hpp holds the error-free arithmetic the statistics core builds on.
//
// NeumaierSum accumulates a sum with a running compensation term (Neumaier's variant of
// Kahan summation): the result is as accurate as if the sum were computed in twice the
// precision and then rounded, independent of the number of terms, for the price of a
// few extra additions per value. DoubleDouble is an unevaluated sum hi + lo (about 106
// bits of significand) with TwoSum/TwoProd building blocks (TwoProd uses std::fma, so
// products are exact); it is used where a final formula cancels heavily. Both are plain
// trivially copyable structs so they can live inside fixed-size aggregate states.
#pragma once

#include <cmath>

namespace nightjar::core::stats {

// NeumaierSum is a compensated running sum of doubles.
struct NeumaierSum {
    double sum = 0.0;
    double comp = 0.0;

    // Add adds x to the sum, carrying the rounding error of the addition in comp.
    void Add(double x) {
        const double t = sum + x;
        if (std::fabs(sum) >= std::fabs(x)) {
            comp += (sum - t) + x;
        } else {
            comp += (x - t) + sum;
        }
        sum = t;
    }

    // Merge adds another compensated sum to this one.
    void Merge(const NeumaierSum& other) {
        Add(other.sum);
        Add(other.comp);
    }

    // Value returns the compensated total.
    double Value() const { return sum + comp; }
};

// DoubleDouble is an unevaluated pair hi + lo with |lo| <= ulp(hi)/2.
struct DoubleDouble {
    double hi = 0.0;
    double lo = 0.0;
};

// TwoSum returns a + b exactly as a rounded sum and its rounding error.
inline DoubleDouble TwoSum(double a, double b) {
    const double s = a + b;
    const double bb = s - a;
    const double err = (a - (s - bb)) + (b - bb);
    return {s, err};
}

// TwoProd returns a * b exactly as a rounded product and its rounding error.
inline DoubleDouble TwoProd(double a, double b) {
    const double p = a * b;
    return {p, std::fma(a, b, -p)};
}

// DdAdd returns the double-double sum of two double-double numbers.
inline DoubleDouble DdAdd(DoubleDouble a, DoubleDouble b) {
    DoubleDouble s = TwoSum(a.hi, b.hi);
    const DoubleDouble t = TwoSum(a.lo, b.lo);
    s.lo += t.hi;
    s = TwoSum(s.hi, s.lo);
    s.lo += t.lo;
    return TwoSum(s.hi, s.lo);
}

// DdNeg returns -a.
inline DoubleDouble DdNeg(DoubleDouble a) { return {-a.hi, -a.lo}; }

// DdMul returns the double-double product of two double-double numbers.
inline DoubleDouble DdMul(DoubleDouble a, DoubleDouble b) {
    DoubleDouble p = TwoProd(a.hi, b.hi);
    p.lo += a.hi * b.lo + a.lo * b.hi;
    return TwoSum(p.hi, p.lo);
}

// DdDiv returns a / b in double-double precision (one Newton correction).
inline DoubleDouble DdDiv(DoubleDouble a, DoubleDouble b) {
    const double q1 = a.hi / b.hi;
    const DoubleDouble r = DdAdd(a, DdNeg(DdMul(b, {q1, 0.0})));
    const double q2 = r.hi / b.hi;
    return TwoSum(q1, q2);
}

// DdFrom returns x as a double-double.
inline DoubleDouble DdFrom(double x) { return {x, 0.0}; }

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"
