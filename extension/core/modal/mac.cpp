// mac.cpp: MAC, MAC matrix and mode pairing (design notes in mac.hpp).
#include "core/modal/mac.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/errors.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::modal {

namespace {

// CheckDimensions refuses empty vectors and vectors of different lengths.
void CheckDimensions(size_t n_a, size_t n_b) {
    if (n_a != n_b)
        throw InvalidArgument("different mode shape dimensions " + std::to_string(n_a) + " and " +
                              std::to_string(n_b));
    if (n_a == 0) throw InvalidArgument("mode shapes must not be empty");
}

// CheckNorm refuses a mode shape whose squared norm is zero (or not finite).
void CheckNorm(double norm2, const char* which) {
    if (!(norm2 > 0.0) || !std::isfinite(norm2))
        throw InvalidArgument(std::string("mode shape ") + which +
                              (norm2 == 0.0 ? " is all zero" : " has a non-finite component"));
}

// SquaredNorm returns Σ xᵢ² over `n` values.
double SquaredNorm(const double* x, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += x[i] * x[i];
    return s;
}

// Dot returns Σ aᵢbᵢ over `n` values.
double Dot(const double* a, const double* b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

// Ratio returns cross² / (na · nb), clamped to [0, 1] against rounding.
double Ratio(double cross2, double na, double nb) {
    return std::min(1.0, std::max(0.0, cross2 / (na * nb)));
}

}  // namespace

double Mac(const double* a, const double* b, size_t n) {
    if (n == 0) throw InvalidArgument("mode shapes must not be empty");
    const double na = SquaredNorm(a, n), nb = SquaredNorm(b, n);
    CheckNorm(na, "a");
    CheckNorm(nb, "b");
    const double cross = Dot(a, b, n);
    return Ratio(cross * cross, na, nb);
}

double Mac(const std::vector<double>& a, const std::vector<double>& b) {
    CheckDimensions(a.size(), b.size());
    return Mac(a.data(), b.data(), a.size());
}

double MacComplex(const std::vector<double>& a_re, const std::vector<double>& a_im,
                  const std::vector<double>& b_re, const std::vector<double>& b_im) {
    if (a_re.size() != a_im.size())
        throw InvalidArgument("real and imaginary parts of a have different dimensions " +
                              std::to_string(a_re.size()) + " and " + std::to_string(a_im.size()));
    if (b_re.size() != b_im.size())
        throw InvalidArgument("real and imaginary parts of b have different dimensions " +
                              std::to_string(b_re.size()) + " and " + std::to_string(b_im.size()));
    CheckDimensions(a_re.size(), b_re.size());
    const size_t n = a_re.size();
    const double na = SquaredNorm(a_re.data(), n) + SquaredNorm(a_im.data(), n);
    const double nb = SquaredNorm(b_re.data(), n) + SquaredNorm(b_im.data(), n);
    CheckNorm(na, "a");
    CheckNorm(nb, "b");
    // aᴴb = Σ conj(aᵢ) bᵢ = Σ (ar br + ai bi) + i (ar bi − ai br)
    double re = 0.0, im = 0.0;
    for (size_t i = 0; i < n; ++i) {
        re += a_re[i] * b_re[i] + a_im[i] * b_im[i];
        im += a_re[i] * b_im[i] - a_im[i] * b_re[i];
    }
    return Ratio(re * re + im * im, na, nb);
}

std::vector<double> MacMatrix(const double* a, size_t n_a, const double* b, size_t n_b,
                              size_t dim) {
    if (dim == 0) throw InvalidArgument("mode shapes must not be empty");
    std::vector<double> norm_a(n_a), norm_b(n_b);
    for (size_t i = 0; i < n_a; ++i) {
        norm_a[i] = SquaredNorm(a + i * dim, dim);
        CheckNorm(norm_a[i], ("a of mode " + std::to_string(i + 1)).c_str());
    }
    for (size_t j = 0; j < n_b; ++j) {
        norm_b[j] = SquaredNorm(b + j * dim, dim);
        CheckNorm(norm_b[j], ("b of mode " + std::to_string(j + 1)).c_str());
    }
    std::vector<double> mac(n_a * n_b);
    for (size_t i = 0; i < n_a; ++i)
        for (size_t j = 0; j < n_b; ++j) {
            const double cross = Dot(a + i * dim, b + j * dim, dim);
            mac[i * n_b + j] = Ratio(cross * cross, norm_a[i], norm_b[j]);
        }
    return mac;
}

std::vector<int> PairModes(const std::vector<double>& mac, size_t n_a, size_t n_b) {
    if (mac.size() != n_a * n_b)
        throw InvalidArgument("MAC matrix has " + std::to_string(mac.size()) + " values, not " +
                              std::to_string(n_a) + " x " + std::to_string(n_b));
    std::vector<size_t> order(mac.size());
    std::iota(order.begin(), order.end(), size_t{0});
    // Largest first; equal values keep row-major order (lower row, then lower column).
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t x, size_t y) { return mac[x] > mac[y]; });
    std::vector<int> pair(n_a, -1);
    std::vector<bool> used(n_b, false);
    size_t left = std::min(n_a, n_b);
    for (size_t k = 0; k < order.size() && left > 0; ++k) {
        const size_t i = order[k] / n_b, j = order[k] % n_b;
        if (pair[i] >= 0 || used[j]) continue;
        pair[i] = static_cast<int>(j);
        used[j] = true;
        --left;
    }
    return pair;
}

}  // namespace nightjar::core::modal
